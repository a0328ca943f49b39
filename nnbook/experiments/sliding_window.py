"""Chapter 23's comparison over training seeds: chapter 21's model writes 250 characters
after ". " in 64 rows, reading the whole text or a sliding window of its training length
(a rolling KV cache of W = 64 entries) or re-reading its last 32 characters from position 0
(chapter 21's way), and the grammar judges the sentences that end past the training window
(a stored table).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..inference import generate
from .decoding import N_LONG, T, trained, window_shares, write_sliding

__all__ = ["write_windowed", "window_acceptance", "TABLES"]


def write_windowed(model, ids, n_new, rng, window=T):
    """``generate`` with every block's attention limited to the last ``window`` positions
    (``block.window``, a rolling cache), the model given back as it was."""
    blocks = [layer for layer in model.layers if hasattr(layer, "window")]
    before = [b.window for b in blocks]
    try:
        for b in blocks:
            b.window = window
        return generate(model, ids, n_new, rng=rng)
    finally:
        for b, w in zip(blocks, before):
            b.window = w


def window_acceptance(seed, model=None, corpus=None):
    """The accepted share of the sentences that end inside the training window (full
    context), and past it with the full context, with a sliding window of W = T, or
    re-reading the last T/2 characters (chapter 21's ``write_sliding``); the same draws
    (``default_rng(100·seed + 2)``) for the three, so "inside" and "past, full" are chapter
    21's "inside" and "past", and "past, re-read" its "past, sliding". ``model, corpus``: a
    model trained with ``decoding.train_lm(seed)`` already (the notebook's)."""
    if model is None:
        model, corpus, _ = trained(seed)   # chapter 21's model, shared with its tables
    start = np.tile(corpus.encode(". "), (64, 1))
    with warnings.catch_warnings():              # past the training window on purpose
        warnings.filterwarnings("ignore", message="generate: the model will read")
        full = generate(model, start, N_LONG, rng=np.random.default_rng(100 * seed + 2))
    slid = write_windowed(model, start, N_LONG, np.random.default_rng(100 * seed + 2))
    reread = write_sliding(model, start, N_LONG, np.random.default_rng(100 * seed + 2))
    inside, past = window_shares([corpus.decode(row) for row in full])
    _, past_slid = window_shares([corpus.decode(row) for row in slid])
    _, past_reread = window_shares([corpus.decode(row) for row in reread])
    return {"inside": float(np.mean(inside)), "past, full": float(np.mean(past)),
            "past, window": float(np.mean(past_slid)),
            "past, re-read": float(np.mean(past_reread))}


TABLES = {"23_window": (window_acceptance, tuple(range(21, 31)))}
