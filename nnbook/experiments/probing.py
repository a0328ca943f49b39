"""Chapter 36's experiment over seeds: what chapter 20's model knows of the grammar's exact
parser state. A seed draws the training and held-out text, trains chapter 20's model on its
budget, and measures on the held-out windows: linear probes per layer against their control
task and against the ceiling any probe of a window-only model can reach; a sparse
autoencoder on one layer's residual stream, its features matched to the grammar's variables
and its reconstruction spliced into the model; and patching the residual from a window whose
parser state differs, against the grammar's exact conditional of that window.

The notebook's own run is the first seed of ``TABLES["36_knowledge"]``.
"""

from __future__ import annotations

import math

import numpy as np

from ..data import char_windows, language_corpus, masked_conditionals
from ..interpret import (UnitNormDecoder, feature_activity, feature_auc, fit_probe, patched,
                         residuals, sparse_autoencoder)
from ..layers.activations import softmax
from .language_models import train_model
from .modern_block import BATCH, EPOCHS, STEPS_PER_EPOCH, modern

__all__ = ["setup", "probe", "probe_rows", "train_sae", "sae_row", "next_char",
           "patch_pairs", "patch_row", "question_certain", "window_guess", "ceiling_gain",
           "knowledge_row", "PROBED", "VARIABLES", "TABLES"]

T, SAE_LAYER, N_FEATURES = 16, 1, 128
SEEDS = (36, 37, 38, 39, 40)
BITS = 1 / math.log(2)
#: the labels probed, and the grammar variables an SAE feature is matched to
PROBED = ("depth", "inside", "question")
# the column of label 0 in ``Language.window_states``: the question's column 0 is −1
FIRST_COLUMN = {"question": 1}
VARIABLES = ("inside", "question", "verb_number", "between sentences")


def setup(seed, val_chars=2_400):
    """One seed: chapter 20's model (``modern(16)``, 4 epochs of 50 batches of 32 windows)
    trained on its text, the held-out windows ``x_val, y_val`` (m, 16), the parser's exact
    labels at each held-out position (``labels``, (m, 16) each) and their distribution given
    the window alone with the window bound (``window``, ``Language.window_states``)."""
    rng = np.random.default_rng(seed)
    train = language_corpus(STEPS_PER_EPOCH * BATCH * T, rng=rng)
    val = language_corpus(val_chars, rng=rng)
    x, y = char_windows(train.ids, T)
    x_val, y_val = char_windows(val.ids, T)
    data = {"val": val, "x": x[:STEPS_PER_EPOCH * BATCH], "y": y[:STEPS_PER_EPOCH * BATCH],
            "x_val": x_val, "y_val": y_val}
    data["model"] = train_model(modern(T), data, seed, EPOCHS, batch_size=BATCH)[0]
    m = len(x_val)
    found = val.language.state_labels(val.text[:m * T])
    data["labels"] = {name: v.reshape(m, T) for name, v in found.items()}
    data["window"] = val.language.window_states(val.text, T)
    return data


def probe(h, labels, posterior, tokens, rng, first=0):
    """A probe of the label from the features ``h`` (n, d), the rows whose label is known
    (≥ 0), with its control task, scored on its held-out rows beside the ceiling there:
    the mean over those rows of the best guess's probability given the window only
    (``posterior`` (n, K), renormalised over the known labels, its column ``first`` for
    label 0: 1 for the question, whose column 0 is −1), and the standard error of the
    probe's accuracy minus the ceiling, the rows taken in clusters of one window."""
    keep = labels >= 0
    fit = fit_probe(h[keep], labels[keep], tokens=tokens[keep], rng=rng)
    rows = fit.held_out_index
    # every known label's column, whichever values this text happens to reach (a text that
    # never reaches depth 2 still has the grammar's column for it)
    p = posterior[keep][rows][:, first:]
    best = p.max(axis=1) / p.sum(axis=1)
    gap = fit.held_out_correct - best
    cluster = np.flatnonzero(keep)[rows] // T              # the window each row came from
    sums = np.bincount(cluster, weights=gap - gap.mean())
    return {"accuracy": fit.held_out_accuracy, "control": fit.control_accuracy,
            "chance": fit.chance, "ceiling": float(best.mean()),
            "noise": float(np.sqrt((sums ** 2).sum()) / len(gap))}


def window_guess(data, name):
    """The window's own best guess of label ``name``, argmax P(y | window), at every
    held-out position whose label is known: how often it is right ("accuracy"), how often
    the posterior says it should be (the ceiling, the mean of max P(y | window)) and the
    standard error of their difference ("noise", the rows in clusters of one window).
    From the grammar alone: no model, no training."""
    y = data["labels"][name].reshape(-1)
    keep = y >= 0
    p = data["window"][name].reshape(len(y), -1)[keep][:, FIRST_COLUMN.get(name, 0):]
    right = p.argmax(axis=1) == y[keep]
    best = p.max(axis=1) / p.sum(axis=1)
    gap = right - best
    sums = np.bincount(np.flatnonzero(keep) // T, weights=gap - gap.mean())
    return {"accuracy": float(right.mean()), "ceiling": float(best.mean()),
            "noise": float(np.sqrt((sums ** 2).sum()) / len(gap))}


def probe_rows(data, seed):
    """``{(label, layer): probe(...)}`` for every label of ``PROBED`` and layers 0 (the
    embedding), 1 and 2 (the blocks' outputs), each probe's generator from ``seed``."""
    hs, out = residuals(data["model"], data["x_val"]), {}
    tokens = data["x_val"].reshape(-1)
    for name in PROBED:
        y = data["labels"][name].reshape(-1)
        post = data["window"][name].reshape(len(y), -1)
        for layer in (0, 1, 2):
            h = hs[layer].reshape(len(y), -1)
            out[name, layer] = probe(h, y, post, tokens, np.random.default_rng([seed, layer]),
                                     first=FIRST_COLUMN.get(name, 0))
    return out


def train_sae(data, seed, layer=SAE_LAYER, l1=0.2, epochs=12):
    """An SAE of ``N_FEATURES`` ReLU features on ``layer``'s residual stream over the
    training windows, trained with ``fit`` (mse, Adam, the decoder's rows kept at unit norm)."""
    rng = np.random.default_rng([seed, 36])
    h = residuals(data["model"], data["x"], layer)
    h = h.reshape(-1, h.shape[-1])
    sae = sparse_autoencoder(h.shape[1], N_FEATURES, l1=l1, rng=rng)
    sae.compile("adam", "mse")
    sae.fit(h, h, epochs=epochs, batch_size=256, verbose=0, rng=rng,
            callbacks=[UnitNormDecoder(sae.layers[-1])])
    return sae


def grammar_variables(labels):
    """The binary variables SAE features are matched to, each (n,) with −1 where unknown."""
    q = labels["question"].reshape(-1)
    return {"inside": labels["inside"].reshape(-1), "question": q,
            "verb_number": labels["verb_number"].reshape(-1),
            "between sentences": (q == -1).astype(np.int64)}


def _nll(logits, y):
    p = softmax(logits)
    return -np.log(np.take_along_axis(p, y[..., None], axis=-1)[..., 0])


def sae_row(data, sae, layer=SAE_LAYER, match=0.9):
    """The SAE on the held-out windows: its relative reconstruction error, dead and dense
    features, the best feature's AUC for each grammar variable, the share of live features
    whose AUC passes ``match`` for some variable ("matched share") and for some character
    read ("character share"); what the best "between sentences" feature fires on (the
    share of positions where it is active, and of those the share between sentences and
    the share on a space: NaN, with NumPy's warning, when it never fires on the held-out
    rows, as at λ = 0.8 on one seed a cold reading tried); and bits per character above the window bound of the model as
    it is, with the SAE's reconstruction spliced in at ``layer``, and with that layer's
    output (the residual stream, the character's embedding included) replaced by its mean."""
    model, x, y = data["model"], data["x_val"], data["y_val"]
    h = residuals(model, x, layer)
    flat = h.reshape(-1, h.shape[-1])
    codes = residuals(sae, flat, 1)
    rebuilt = sae.predict(flat)
    activity = feature_activity(codes)
    live = activity.rate > 0
    row = {"relative error": float(((rebuilt - flat) ** 2).sum() / ((flat - flat.mean(0)) ** 2).sum()),
           "dead": activity.dead, "dense": activity.dense}
    matched = np.zeros(codes.shape[1], dtype=bool)
    for name, v in grammar_variables(data["labels"]).items():
        auc = feature_auc(codes[v >= 0], v[v >= 0])
        row[f"AUC {name}"] = float(auc.max())
        matched |= auc >= match
    row["matched share"] = float(matched[live].mean())
    between = grammar_variables(data["labels"])["between sentences"]
    fires = codes[:, int(np.argmax(feature_auc(codes, between)))] > 0
    space = data["val"].language.vocab.index(" ")
    row.update({"between active": float(fires.mean()),
                "between precision": float(between[fires].mean()),
                "between on spaces": float((x.reshape(-1)[fires] == space).mean())})
    by_char = np.zeros(codes.shape[1], dtype=bool)
    for c in np.unique(x):
        by_char |= feature_auc(codes, (x.reshape(-1) == c).astype(np.int64)) >= match
    row["character share"] = float(by_char[live].mean())
    bound = data["window"]["bound"]
    row["model"] = float((_nll(model.predict(x), y) - bound).mean() * BITS)
    every = np.arange(T)
    row["spliced"] = float((_nll(patched(model, x, layer, every, rebuilt.reshape(h.shape)), y)
                            - bound).mean() * BITS)
    mean = np.broadcast_to(flat.mean(axis=0), h.shape)
    row["mean-ablated"] = float((_nll(patched(model, x, layer, every, mean), y)
                                 - bound).mean() * BITS)
    return row


def next_char(language, x):
    """The grammar's exact P(next character | the window) after each window of ``x`` (m,
    T), from a random place of running text (``masked_conditionals``). Shapes: → (m, V)."""
    ids = np.concatenate([x, np.zeros((len(x), 1), dtype=x.dtype)], axis=1)
    mask = np.zeros(ids.shape, dtype=bool)
    mask[:, -1] = True
    return masked_conditionals(language, ids, mask)


def patch_pairs(data, rng=None, n_pairs=None):
    """Pairs (i, j) of held-out windows that end in the same character but whose parser
    state after it differs (depth or question): every such pair (several hundred to about
    two thousand), or
    ``n_pairs`` of them drawn with ``rng``. ``(i, j)`` index arrays. (A draw of 60 decided
    some seeds' verdicts: other draws, and all the pairs, gave the other one.)"""
    x, lab = data["x_val"], data["labels"]
    last = lab["depth"][:, -1] * 3 + lab["question"][:, -1]
    same = (x[:, None, -1] == x[None, :, -1]) & (last[:, None] != last[None, :])
    i, j = np.nonzero(same)
    if n_pairs is None:
        return i, j
    pick = rng.choice(len(i), size=min(n_pairs, len(i)), replace=False)
    return i[pick], j[pick]


def _kl(p, q):
    return float(np.sum(np.where(p > 0, p * (np.log(np.maximum(p, 1e-300)) - np.log(q)), 0.0))
                 / len(p))


def patch_row(data, seed):
    """Patching, per layer (0, 1, 2) of the residual stream: for pairs (i, j) of held-out
    windows ending in the same character in different parser states, window i's residual
    overwritten with window j's at the last position ("last"), or at every earlier one
    ("context"), over every eligible pair. KL(grammar's exact P(next | window j) ‖ the
    patched model's), bits per pair, beside the model's own on window j ("own j") and on
    window i ("clean i")."""
    model, x = data["model"], data["x_val"]
    i, j = patch_pairs(data)                       # every eligible pair: no draw
    exact = next_char(data["val"].language, x[j])
    last = np.array([T - 1])
    context = np.arange(T - 1)
    row = {"pairs": len(i), "own j": _kl(exact, softmax(model.predict(x[j])[:, -1])) * BITS,
           "clean i": _kl(exact, softmax(model.predict(x[i])[:, -1])) * BITS}
    for layer in (0, 1, 2):
        hj = residuals(model, x[j], layer)
        for name, at in (("last", last), ("context", context)):
            out = patched(model, x[i], layer, at, hj[:, at])
            row[f"{name} {layer}"] = _kl(exact, softmax(out[:, -1])) * BITS
    return row


def question_certain(data, certain=0.99):
    """The share of held-out positions inside a question (label 1) whose window alone makes
    the question near certain, P(question | window) > ``certain``: from the grammar only."""
    q = data["labels"]["question"].reshape(-1)
    p = data["window"]["question"].reshape(len(q), -1)
    return float((p[q == 1, 2] > certain).mean())


def ceiling_gain(row, name):
    """The best layer's share of the ceiling's gain over chance in a ``knowledge_row``,
    (probe − chance) / (ceiling − chance), over the layers whose ceiling is above their
    chance (a text with few brackets can put chance at the ceiling: nothing to gain there);
    nan when no layer's is. Below 0 when the probe is under its chance."""
    shares = [(row[f"{name} {k} accuracy"] - row[f"{name} {k} chance"])
              / (row[f"{name} {k} ceiling"] - row[f"{name} {k} chance"]) for k in (0, 1, 2)
              if row[f"{name} {k} ceiling"] > row[f"{name} {k} chance"]]
    return max(shares) if shares else math.nan


def knowledge_row(seed):
    """One seed's row: probes (held-out accuracy, control, ceiling and chance per label and
    layer), the share of question positions the window makes certain, the SAE's row and the
    patching row."""
    data = setup(seed)
    row = {"question certain": question_certain(data)}
    for (name, layer), r in probe_rows(data, seed).items():
        for key in ("accuracy", "control", "ceiling", "chance"):
            row[f"{name} {layer} {key}"] = r[key]
    row.update({f"SAE {k}": v for k, v in sae_row(data, train_sae(data, seed)).items()})
    row.update({f"patch {k}": v for k, v in patch_row(data, seed).items()})
    return row


TABLES = {"36_knowledge": (knowledge_row, SEEDS)}
