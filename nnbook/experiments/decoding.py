"""Chapter 21's comparisons over training seeds: section 1's model trained with a seed,
section 6's decoding rules judged by the grammar, and section 8's sentences written past
the training window, reading the whole text or a window that slides (stored tables).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from ..data.corpus import char_windows, language_corpus
from ..data.language import Language
from ..inference import generate
from ..layers import Dense, Embedding, RMSNorm, TransformerBlock
from .language_models import train_model

__all__ = ["LANGUAGE", "SETTINGS", "train_lm", "trained", "held_out_bits", "judge", "decoding_table",
           "write_sliding", "window_shares", "accepted", "distinct", "bits", "window",
           "held_out", "TABLES"]

LANGUAGE = Language(max_depth=0)
T, D_MODEL, BATCH, STEPS_PER_EPOCH, EPOCHS = 64, 32, 16, 75, 4
N_TEXTS, N_NEW, N_LONG = 128, 100, 250
BITS = 1 / np.log(2)
SETTINGS = {"greedy": {"temperature": 0}, "τ=0.5": {"temperature": 0.5},
            "τ=0.8": {"temperature": 0.8}, "τ=1": {"temperature": 1.0},
            "τ=1.5": {"temperature": 1.5}, "top-k=3": {"top_k": 3},
            "top-p=0.9": {"top_p": 0.9}}


def train_lm(seed):
    """Section 1's model and corpora for ``seed``: the texts drawn with
    ``default_rng(seed)``, the weights and batch order with another ``default_rng(seed)``
    (``train_model``: AdamW, the rate falling from 0.01 along a half cosine, 4 epochs of
    75 batches of 16 windows of 64). Returns ``(model, train, val)``; chapter 21's notebook
    trains the same with seed 21."""
    rng = np.random.default_rng(seed)
    train = language_corpus(STEPS_PER_EPOCH * BATCH * T + 1, rng=rng, language=LANGUAGE)
    val = language_corpus(4_000, rng=rng, language=LANGUAGE)
    x, y = char_windows(train.ids, T)
    V = len(train.vocab)

    def layers(r):
        return ([Embedding(V, D_MODEL, rng=r)]
                + [TransformerBlock(D_MODEL, 4, 85, norm="rmsnorm", ffn="swiglu", rope=True,
                                    n_kv_heads=2, rng=r) for _ in range(2)]
                + [RMSNorm(D_MODEL), Dense(D_MODEL, V, rng=r)])

    model, _ = train_model(layers, {"x": x, "y": y}, seed, EPOCHS, batch_size=BATCH)
    return model, train, val


@functools.lru_cache(maxsize=16)
def trained(seed):
    """``train_lm(seed)``, trained once per seed and kept: this module's tables and
    chapter 23's (the same model, other writers) share it. Don't change it in place."""
    return train_lm(seed)


def held_out_bits(model, val):
    """Section 1's held-out losses in bits per character over ``val``'s windows of ``T``:
    ``(model, grammar)``, the model's cross-entropy and the grammar's exact loss on the same
    predicted characters."""
    x, y = char_windows(val.ids, T)
    z = model.predict(x)                                          # (n, T, V) logits
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    model_bits = -np.take_along_axis(logp, y[..., None], -1).mean() * BITS
    exact = val.language.nll_chars(val.text)
    grammar = exact[np.arange(len(x))[:, None] * T + np.arange(T) + 1].mean() * BITS
    return float(model_bits), float(grammar)


def judge(texts, language=LANGUAGE):
    """The grammar's verdict on the complete sentences of ``texts``: how many, the share
    accepted, the share distinct, and the grammar's loss on the accepted ones in bits per
    character (−log₂ P(sentence) / (characters + 1), the +1 the space after it; nan when
    none is accepted, as when greedy's one text holds only wrong sentences)."""
    found = [s for text in texts for s in language.sentences(text)]
    ok = [s for s in found if language.accepts(s)]
    nats = (sum(language.nll(s) for s in ok) / sum(len(s) + 1 for s in ok) if ok
            else float("nan"))
    return {"sentences": len(found), "accepted": len(ok) / len(found),
            "distinct": len(set(found)) / len(found), "bits": nats * BITS}


def _generate(model, ids, n_new, **kw):
    """``generate``, without its warning about reading past the training windows: the
    rules write 100 characters after windows of 64, and section 8 measures what that does."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="generate: the model will read")
        return generate(model, ids, n_new, **kw)


def decoding_table(model, corpus, rng, n_texts=N_TEXTS, n_new=N_NEW):
    """Each rule of ``SETTINGS`` writes ``n_new`` characters after ``". "`` in ``n_texts``
    texts, one rule after another from ``rng``; ``{rule: judge(texts)}``."""
    start = np.tile(corpus.encode(". "), (n_texts, 1))
    table = {}
    for name, kw in SETTINGS.items():
        ids = _generate(model, start, n_new, rng=rng, **kw)
        table[name] = judge([corpus.decode(row[2:]) for row in ids])
    return table


def write_sliding(model, ids, n_new, rng, window=T):
    """``generate`` at τ = 1, but the model never reads more than ``window`` positions: once
    the text fills them, it re-reads the last ``window // 2`` and writes on from there, so
    every offset it meets is one it met in training. The same draws as ``generate`` (one
    ``rng.random()`` per row and step)."""
    text = np.asarray(ids)
    context, left = text, n_new
    while left:
        n = min(left, window - context.shape[1] + 1)   # reads context + n − 1 ≤ window
        new = _generate(model, context, n, rng=rng)[:, context.shape[1]:]
        text, left = np.concatenate([text, new], axis=1), left - n
        context = text[:, -(window // 2):]
    return text


def window_shares(texts, language=LANGUAGE, edge=T):
    """Split every text (a prompt of 2, then what was written) at its sentence ends:
    ``(inside, past)``, the verdicts (bools) of the sentences that end before position
    ``edge`` and of those that end at or after it."""
    inside, past = [], []
    for text in texts:
        start = 2
        for end in [i for i, c in enumerate(text) if c in ".!?" and i >= 2]:
            ok = language.accepts(text[start:end + 1].strip())
            (inside if end < edge else past).append(ok)
            start = end + 1
    return inside, past


@functools.lru_cache(maxsize=None)
def _run(seed):
    model, train, val = trained(seed)
    losses = held_out_bits(model, val)
    table = decoding_table(model, train, np.random.default_rng(100 * seed + 1))
    start = np.tile(train.encode(". "), (64, 1))
    full = _generate(model, start, N_LONG, rng=np.random.default_rng(100 * seed + 2))
    slid = write_sliding(model, start, N_LONG, np.random.default_rng(100 * seed + 2))
    inside, past = window_shares([train.decode(row) for row in full])
    _, past_slid = window_shares([train.decode(row) for row in slid])
    return table, {"inside": np.mean(inside), "past": np.mean(past),
                   "past, sliding": np.mean(past_slid)}, losses


def accepted(seed):
    """The share of accepted sentences under each rule (section 6) for a model trained
    with ``seed``."""
    return {name: row["accepted"] for name, row in _run(seed)[0].items()}


def distinct(seed):
    """The share of distinct sentences under each rule."""
    return {name: row["distinct"] for name, row in _run(seed)[0].items()}


def bits(seed):
    """The grammar's loss on the accepted sentences under each rule, bits per character."""
    return {name: row["bits"] for name, row in _run(seed)[0].items()}


def window(seed):
    """Section 8: the accepted share of the sentences ending inside the training window,
    and past it reading the whole text or a sliding window."""
    return dict(_run(seed)[1])


def held_out(seed):
    """Section 1: the held-out loss of the model trained with ``seed`` and the grammar's
    on the same characters, bits per character."""
    model_bits, grammar = _run(seed)[2]
    return {"model": model_bits, "grammar": grammar}


SEEDS = tuple(range(21, 31))
TABLES = {"21_accepted": (accepted, SEEDS), "21_distinct": (distinct, SEEDS),
          "21_bits": (bits, SEEDS), "21_window": (window, SEEDS)}
