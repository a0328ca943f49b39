"""Chapter 32's runs over seeds: a grid of model sizes × token budgets for the scaling law
(``grid``), a two-source mixing grid for the mixing law (``mixing``), and filtering by exact
per-sentence NLL (``filtering``), each with a character model that reads the ``K``
characters before each one (its floor is ``window_entropy(language, K)``)."""

from __future__ import annotations

import numpy as np

from ..data import TwoSources
from ..layers import Dense, Embedding, Flatten, Softmax, Tanh
from ..training import Adam, Sequential

__all__ = ["K", "WIDTHS", "BUDGETS", "SHARES", "SMALL", "LARGE", "FILTER_BUDGETS",
           "MAX_NLL", "SOURCES", "n_params", "train_and_score", "grid", "mixing",
           "filtering", "TABLES"]

K, EMB, BATCH, LR = 6, 8, 32, 1e-2
WIDTHS = (8, 16, 32, 64, 128)
BUDGETS = (4000, 8000, 16000, 32000, 64000)
SHARES = (0.1, 0.3, 0.5, 0.7, 0.9)        # the share of source 0 (the course's language)
SMALL, LARGE = (4000, 8000), 32000        # the mixing law's fitting budgets and its target
MIX_WIDTH = 32
FILTER_BUDGETS = (4000, 16000, 64000)
MAX_NLL = 0.65                            # nats per character: drops about 16 % of source 1
SEEDS = (0, 1, 2, 3, 4)
VAL_CHARS = 3000
SOURCES = TwoSources()
V = len(SOURCES.vocab)


def n_params(width):
    """The model's parameters: embedding, hidden layer, output layer."""
    return V * EMB + (EMB * K + 1) * width + (width + 1) * V


def _windows(ids):
    idx = np.arange(len(ids) - K)[:, None] + np.arange(K + 1)
    w = ids[idx]
    return w[:, :K], w[:, K]


def train_and_score(ids, width, D, val_sets, seed):
    """Train the width-``width`` model on the first ``D`` windows of ``ids`` (one pass)
    and return its mean held-out loss (nats per character) on each of ``val_sets``.

    The model: an embedding of each of the K characters, concatenated, one tanh layer of
    ``width`` units, a softmax; batches of 32, Adam. A seed draws the texts (each from its
    own generator, so a smaller budget trains on the start of the same text), the
    initialisation and the batch order; the notebook re-runs the smallest budget of the
    grid and of the filtering for its first seed."""
    x, y = _windows(ids)
    if len(x) < D:
        raise ValueError(f"train_and_score: {len(x)} windows, fewer than D = {D}.")
    r = np.random.default_rng([seed, width, D])
    model = Sequential([Embedding(V, EMB, rng=r), Flatten(), Dense(EMB * K, width, rng=r),
                        Tanh(), Dense(width, V, rng=r), Softmax()])
    model.compile(Adam(LR), "sparse_categorical_crossentropy")
    model.fit(x[:D], y[:D], epochs=1, batch_size=BATCH, verbose=0, rng=r)
    return [float(model.evaluate(*_windows(v))) for v in val_sets]


def _text(n, share, rng, **kw):
    return SOURCES.sample(n, share, rng=rng, **kw).ids


def grid(seed, budgets=BUDGETS, widths=WIDTHS):
    """The scaling grid on the course's language (source 0): ``{"w{width}_D{D}": loss}``."""
    train = _text(max(budgets) + K + 1, 1.0, np.random.default_rng([seed, 1]))
    val = _text(VAL_CHARS, 1.0, np.random.default_rng([seed, 0]))
    return {f"w{w}_D{D}": train_and_score(train, w, D, [val], seed)[0]
            for w in widths for D in budgets}


def mixing(seed, shares=SHARES, budgets=SMALL + (LARGE,)):
    """Width ``MIX_WIDTH`` trained on a mix with ``share`` of source 0, scored on held-out
    text of each source alone: ``{"s{share}_D{D}_src{k}": loss}``."""
    rng = np.random.default_rng(seed)
    vals = [_text(VAL_CHARS, 1.0 - k, rng) for k in (0, 1)]
    out = {}
    for j, share in enumerate(shares):
        train = _text(max(budgets) + K + 1, share, np.random.default_rng([seed, 100 + j]))
        for D in budgets:
            for k, loss in enumerate(train_and_score(train, MIX_WIDTH, D, vals, seed)):
                out[f"s{share}_D{D}_src{k}"] = loss
    return out


def filtering(seed, budgets=FILTER_BUDGETS):
    """Width ``MIX_WIDTH`` trained on source 1 alone, all of it or without its sentences
    above ``MAX_NLL`` nats per character, scored on unfiltered held-out source-1 text:
    ``{"D{D}_all": loss, "D{D}_filtered": loss}``."""
    val = _text(VAL_CHARS, 0.0, np.random.default_rng([seed, 0]))
    n = max(budgets) + K + 1
    texts = {"all": _text(n, 0.0, np.random.default_rng([seed, 1])),
             "filtered": _text(n, 0.0, np.random.default_rng([seed, 2]),
                               max_nll_per_char=MAX_NLL)}
    return {f"D{D}_{name}": train_and_score(ids, MIX_WIDTH, D, [val], seed)[0]
            for D in budgets for name, ids in texts.items()}


TABLES = {"32_grid": (grid, SEEDS), "32_mixing": (mixing, SEEDS),
          "32_filtering": (filtering, SEEDS)}
