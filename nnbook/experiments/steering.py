"""Chapter 36's steering experiment: a linear probe's direction in one layer's residual
stream of chapter 20's model, added with weight α at every position while the model writes,
against a random direction of the same length, the samples judged by the grammar (how far
it follows each; whether, on the part it follows, the parser enters a question or opens a
bracket), along the sentence type's probe and the bracket's (``inside``: depth 1 or more).
The notebook's own run is the first seed of ``TABLES["36_steering"]``; ``TABLES["36_pool"]``
holds both of the chapter's experiments (``knowledge_row``, ``steering_row``) on every seed
of its pool, ``POOL``, over which its text and claims test count."""

from __future__ import annotations

import numpy as np

from ..interpret import fit_probe, probe_direction, residuals, steered_sample
from ..layers import Embedding, TransformerBlock
from .probing import SEEDS, knowledge_row, setup

__all__ = ["LAYER", "ALPHAS", "PROMPT", "direction", "judge", "steer_row", "steering_row",
           "pool_row", "POOL", "TABLES"]

LAYER = 1                                  # block 1's output, the SAE's layer
ALPHAS = (-0.5, 0.0, 0.5)                  # times the residual's mean norm
N_TEXTS, N_CHARS = 80, 40
PROMPT = "the small dog sees a cat. "         # a statement, then the next sentence's start


def direction(data, seed, layer=LAYER, label="question"):
    """The probe of ``label`` (1 against 0) on ``layer``'s residual over the held-out
    windows and its unit direction: ``{"u"}`` (d,), ``"scale"`` (the residual's mean norm
    there, the unit of α), ``"probe"`` (the ``ProbeFit``) and the training rows' ``"mean"``
    and ``"std"`` (d,) the probe standardised its features with. A layer whose output is
    not the residual stream (the final norm, the unembedding) is a ``ValueError``."""
    _residual_layer("direction", data["model"], layer)
    h = residuals(data["model"], data["x_val"], layer)
    flat = h.reshape(-1, h.shape[-1])
    y = data["labels"][label].reshape(-1)
    keep = y >= 0
    fit = fit_probe(flat[keep], y[keep], rng=np.random.default_rng([seed, layer]))
    train = flat[keep][np.setdiff1d(np.arange(keep.sum()), fit.held_out_index)]
    std = train.std(axis=0)
    return {"u": probe_direction(fit.model, std), "probe": fit, "mean": train.mean(axis=0),
            "std": std, "scale": float(np.linalg.norm(flat, axis=1).mean())}


def _residual_layer(owner, model, layer):
    """``ValueError`` unless ``layer`` is an integer index of the Embedding or a
    TransformerBlock of ``model``: the layers whose output is the residual stream."""
    stream = [k for k, lay in enumerate(model.layers)
              if isinstance(lay, (Embedding, TransformerBlock))]
    fix = (f"expected the Embedding's or a TransformerBlock's, layers {stream} of this "
           f"model. Pass layer={LAYER} (block 1's output, the chapter's) or another of "
           f"{stream}.")
    if isinstance(layer, (bool, np.bool_)) or not isinstance(layer, (int, np.integer)):
        raise ValueError(f"{owner}: got layer={layer!r} (a {type(layer).__name__}); the "
                         f"layer must be an integer index into the model's layers; {fix}")
    if layer not in stream:
        n = len(model.layers)
        what = f" ({type(model.layers[layer]).__name__})" if 0 <= layer < n else \
            f" (the model has {n} layers)"
        raise ValueError(f"{owner}: got layer={layer!r}{what}, whose output is not the "
                         f"residual stream; {fix}")


def judge(language, texts):
    """The grammar's verdict on sampled texts (each starts a new sentence): ``followed``,
    the mean share of each text's characters the grammar follows before its first mistake;
    ``question``, the share of texts whose followed part the parser puts in a question
    (its exact state after some character is "question", from a "do"/"does" on);
    ``bracket``, the share whose followed part opens a bracket (the parser's depth 1 or
    more after some character)."""
    followed, question, bracket = [], [], []
    for text in texts:
        n = language.followed(text)
        followed.append(n / len(text))
        labels = language.state_labels(text[:n]) if n else {}
        question.append(bool(np.any(labels.get("question", np.zeros(0)) == 1)))
        bracket.append(bool(np.any(labels.get("depth", np.zeros(0)) >= 1)))
    return {"followed": float(np.mean(followed)), "question": float(np.mean(question)),
            "bracket": float(np.mean(bracket))}


def steer_row(data, seed, layer=LAYER, alphas=ALPHAS, n_texts=N_TEXTS, n_chars=N_CHARS):
    """For the question probe's direction ("probe"), the inside probe's ("inside") and a
    random unit direction drawn from ``seed`` ("random", the control of both), each α of
    ``alphas``: ``n_texts`` texts of ``n_chars`` characters written by the model after
    ``PROMPT`` with α × scale × the direction added to ``layer``'s output at every position
    (the same draws for every α and direction, so α = 0 is one set of texts), judged by
    ``judge``. Keys "probe 0.5 question", "inside -0.5 bracket", …; the question probe's
    columns first, as the table stored them before the inside probe's were added."""
    model, corpus = data["model"], data["val"]
    _residual_layer("steer_row", model, layer)
    found = {label: direction(data, seed, layer, label) for label in ("question", "inside")}
    scale = found["question"]["scale"]                     # the same residual for both
    rng = np.random.default_rng([seed, 7])
    control = rng.standard_normal(len(found["question"]["u"]))
    control /= np.linalg.norm(control)
    start = np.tile(corpus.encode(PROMPT), (n_texts, 1))
    judged = {}

    def verdict(vec, alpha):
        if alpha == 0:                                     # no direction: the same texts
            vec = np.zeros_like(control)
        key = (alpha, vec.tobytes())
        if key not in judged:
            ids = steered_sample(model, start, n_chars, layer, alpha * scale * vec,
                                 context=16, rng=np.random.default_rng([seed, 8]))
            judged[key] = judge(corpus.language,
                                [corpus.decode(r[start.shape[1]:]) for r in ids])
        return judged[key]

    row = {"probe accuracy": found["question"]["probe"].held_out_accuracy,
           "probe chance": found["question"]["probe"].chance, "scale": scale}
    named = (("probe", found["question"]["u"]), ("random", control))
    for name, vec in named:
        for alpha in alphas:
            v = verdict(vec, alpha)
            row.update({f"{name} {alpha} {k}": v[k] for k in ("followed", "question")})
    row.update({"inside probe accuracy": found["inside"]["probe"].held_out_accuracy,
                "inside probe chance": found["inside"]["probe"].chance})
    for alpha in alphas:
        row.update({f"inside {alpha} {k}": v
                    for k, v in verdict(found["inside"]["u"], alpha).items()})
    for name, vec in named:
        row.update({f"{name} {alpha} bracket": verdict(vec, alpha)["bracket"]
                    for alpha in alphas})
    return row


def steering_row(seed):
    """One seed's row: chapter 20's model trained as chapter 36's ``setup``, then
    ``steer_row``."""
    return steer_row(setup(seed), seed)


#: Chapter 36's pool of seeds, every seed its counts over seeds are over: the 5 stored seeds,
#: the 3 next run with the chapter, the 30 fresh seeds of 2026-11-29 (`tests/fresh_seeds.py
#: --heavy --seeds 30`) and the 32 seeds that cold readings drew later, 2026-11-30 to
#: 2026-12-02 (each seed is counted in every claim: none is left out of one). The first is
#: the claims test's fixed seed.
POOL = (3602, 36, 37, 38, 39, 40, 3601, 3603,
        219900, 105392300, 121249900, 418744000, 531243100, 573014800, 584997000, 741051000,
        842783200, 929566100, 959874300, 972831000, 1124537100, 1146760900, 1173063400,
        1233287500, 1265746600, 1345326700, 1384345200, 1385633600, 1448770000, 1467375200,
        1519791000, 1523877300, 1678136900, 1909874200, 2017658700, 2041625600, 2130162700,
        2141360800,
        1519873306, 1064492281, 1338096765, 1422957390, 1875144900, 1120078340, 1637166922,
        1136648627, 1875561994, 1354034450, 911355904, 1567119636, 1405382053, 2091269775,
        1798174995, 1816472674, 392954119, 1034640890, 737859285, 4001823286, 55120931,
        2899401177, 90417263, 1782234509, 61035221, 2406113977, 1922440816,
        414215514, 1462203781, 183131769, 1110305118, 1185475402)


def pool_row(seed):
    """One seed's row of the pool: ``knowledge_row`` and ``steering_row`` side by side (their
    columns do not overlap). About 18 s of CPU a seed (12 and 6; 16 to 28 s of wall time
    measured on one BLAS thread, 2026-12-02)."""
    return {**knowledge_row(seed), **steering_row(seed)}


TABLES = {"36_steering": (steering_row, SEEDS), "36_pool": (pool_row, POOL)}
