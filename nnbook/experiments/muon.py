"""Chapter 34's comparison over seeds: Muon on the matrices of chapter 20's modern model
(AdamW on the rest) against AdamW alone, each at its best rate from a small grid, trained
alike (``language_models.train_model``: the same windows, batches, steps and half-cosine
schedule), judged by the held-out bits per character above the best loss of any model that
reads only the 16-character window.

A seed draws the text, the initialisation and the batch order exactly as chapter 20's
``modern_block.setup`` and ``train_model`` do with it; the notebook's own runs use its
``SEED`` and the claims test (tests/test_claims_over_seeds_34_34.py) others.
"""

from __future__ import annotations

import math

import numpy as np

from ..optimizers import AdamW, Muon
from . import modern_block
from .language_models import train_model

__all__ = ["RATES", "EPOCHS", "FALLBACK_LR_RATIO", "WEIGHT_DECAY", "setup", "make_optimizer",
           "run", "bits_above_window", "grid", "best", "update_spectrum",
           "above_half", "comparison"]

T, EPOCHS = 16, 4                 # chapter 20's windows and 4 passes of 50 steps of 32
BITS = 1 / math.log(2)
WEIGHT_DECAY = 0.01               # AdamW's, alone and as Muon's fallback (chapter 20's)
FALLBACK_LR_RATIO = 0.5           # the gains' and biases' AdamW under Muon at lr × 0.5
#: the stated grids of peak rates (each falls along a half cosine over the 4 passes)
RATES = {"AdamW": (0.003, 0.01, 0.03), "Muon": (0.01, 0.02, 0.04)}


def setup(seed):
    """A seed's training and held-out windows of chapter 20 (T = 16) with the window bound."""
    return modern_block.setup(seed, T)


def make_optimizer(name, lr):
    """``"AdamW"``: AdamW(lr, weight_decay=0.01) on every parameter; ``"Muon"``: Muon(lr) on
    every matrix (the tied embedding too), its fallback AdamW(weight_decay=0.01) on the gains
    and biases at lr × ``FALLBACK_LR_RATIO``."""
    if name == "AdamW":
        return AdamW(lr=lr, weight_decay=WEIGHT_DECAY)
    if name == "Muon":
        return Muon(lr=lr, fallback=AdamW(weight_decay=WEIGHT_DECAY),
                    fallback_lr_ratio=FALLBACK_LR_RATIO)
    raise ValueError(f"make_optimizer: expected 'AdamW' or 'Muon', got {name!r}.")


def bits_above_window(model, data):
    """The model's held-out loss minus the window bound, bits per character."""
    nll = modern_block.loss_per_char(model, data["x_val"], data["y_val"])
    return float((nll.mean() - data["bound_w"].mean()) * BITS)


def run(seed, name, lr, data=None):
    """``(model, bits above the window bound)``: chapter 20's modern model of seed ``seed``
    trained 200 steps by ``make_optimizer(name, lr)``."""
    data = setup(seed) if data is None else data
    model, _ = train_model(modern_block.modern(T), data, seed, EPOCHS,
                           optimizer=make_optimizer(name, lr), lr=lr)
    return model, bits_above_window(model, data)


def grid(seed, rates=None, data=None):
    """``{name: {lr: bits above the window}}`` over ``rates`` (default ``RATES``)."""
    data = setup(seed) if data is None else data
    return {name: {lr: run(seed, name, lr, data)[1] for lr in lrs}
            for name, lrs in (RATES if rates is None else rates).items()}


def best(table):
    """``{name: (best lr, its bits above the window)}`` of a ``grid`` table."""
    return {name: min(row.items(), key=lambda item: item[1]) for name, row in table.items()}



def update_spectrum(model, data, name="W_1", layer=1):
    """The singular values, largest first and divided by the largest, of the update that one
    more step of ``model``'s optimizer (its state and rate as training left them) makes to
    the matrix ``name`` of ``model.layers[layer]`` (default: the first block's SwiGLU W_1,
    32 × 85) on the first 32 training windows. The model takes that step."""
    W = model.layers[layer].params[name]
    before = W.copy()
    model.train_step(data["x"][:32], data["y"][:32])
    sv = np.linalg.svd(before - W, compute_uv=False)
    return sv / sv[0]


def above_half(spectrum):
    """How many singular values of an update are at least half its largest."""
    return int(np.sum(spectrum >= 0.5))


def comparison(seed):
    """One seed of the claims: each optimizer's grid (``RATES``), its best rate and bits,
    and the update spectrum of its best model: ``{name: {"grid", "lr", "bits",
    "spectrum"}}``."""
    data = setup(seed)
    out = {}
    for name, lrs in RATES.items():
        runs = {lr: run(seed, name, lr, data) for lr in lrs}
        lr = min(runs, key=lambda r: runs[r][1])
        out[name] = {"grid": {r: b for r, (_, b) in runs.items()}, "lr": lr,
                     "bits": runs[lr][1], "spectrum": update_spectrum(runs[lr][0], data)}
    return out
