"""Chapter 28's experiments over seeds: a masked-diffusion model of the generated language
trained on windows of 8 characters and judged against the grammar's exact denoiser (its
bound, its loss at each masking rate, the share of its samples the grammar accepts), beside
chapter 20's autoregressive block trained on the same windows, steps and batches.
"""

from __future__ import annotations

import math

import numpy as np

from ..data import Language, language_corpus, masked_conditionals, window_log_prob
from ..generative import (MaskedDiffusionLoss, loss_at_rate, mask_batch,
                          masked_diffusion_model, masked_nll, masked_targets,
                          model_conditionals, unmask_sample)
from ..layers.activations import log_softmax
from ..training import AdamW, CrossEntropy, Sequential
from ..training.loop import fit_fresh
from .modern_block import modern

__all__ = ["T", "STEPS", "BATCH", "RATES", "SAMPLE_STEPS", "SEEDS", "oracle", "possible",
           "data", "train_masked", "train_autoregressive", "bound_per_window",
           "left_to_right_nll", "rate_gaps", "accepted_shares", "masked_run", "autoregressive_run", "masked_vs_autoregressive",
           "TABLES"]

LANGUAGE = Language()
V = len(LANGUAGE.vocab)
T, STEPS, BATCH, LR = 8, 1200, 32, 0.01     # windows of 8; chapter 20's width and lr
N_HELD, N_SAMPLES, DRAWS = 256, 200, 4      # held-out windows, samples, masks per window
RATES = (1, 2, 4, 6, 8)                     # k masked of T
SAMPLE_STEPS = (1, 2, 4, 8)                 # unmasking steps: T / steps tokens at each
SEEDS = (28, 29, 30, 31, 32)
BITS = 1 / math.log(2)


def oracle(ids, mask):
    """The grammar's exact denoiser, ``nb.data.masked_conditionals`` of the language."""
    return masked_conditionals(LANGUAGE, ids, mask)


def possible(ids):
    """Whether the grammar can write each window (m,) bool: P(window) > 0. All windows at
    once: the ones the oracle refuses with nothing masked (its error lists them), else one
    window at a time (ids of another shape, or outside the vocabulary)."""
    ids = np.asarray(ids)
    if ids.ndim == 2 and len(ids) and ids.shape[1]:
        out = np.ones(len(ids), dtype=bool)
        try:
            masked_conditionals(LANGUAGE, ids, np.zeros(ids.shape, dtype=bool))
            return out
        except ValueError as error:
            if getattr(error, "windows", None) is not None:
                out[error.windows] = False
                return out
    out = np.zeros(len(ids), dtype=bool)
    for i, row in enumerate(ids):
        try:
            out[i] = math.isfinite(window_log_prob(LANGUAGE, row))
        except ValueError:
            pass
    return out


def data(seed):
    """The text of one seed: training ids (40,000 characters), and ``N_HELD`` held-out
    windows of T + 1 characters from another text (the masked model reads their last T)."""
    rng = np.random.default_rng(seed)
    train = language_corpus(40_000, rng=rng).ids
    held = language_corpus(4_000, rng=rng).ids
    starts = np.arange(N_HELD) * (T + 1)
    return train, held[starts[:, None] + np.arange(T + 1)]


def _batches(train, rng, length):
    starts = rng.integers(0, len(train) - length, size=(STEPS, BATCH))
    return train[starts[..., None] + np.arange(length)]              # (STEPS, BATCH, length)


def train_masked(seed, train, callbacks=None, verbose=0):
    """The bidirectional block trained as masked diffusion, through ``fit``'s loop
    (``fit_fresh``): ``STEPS`` steps of ``BATCH`` random windows, each masked just before
    its step as ``masked_diffusion_step`` masks it; returns the model and its loss at each
    step (nats per character). ``callbacks`` and ``verbose`` are ``fit``'s."""
    rng = np.random.default_rng([seed, 1])
    model = masked_diffusion_model(V, T, rng=rng)
    model.compile(AdamW(lr=LR, weight_decay=0.01), MaskedDiffusionLoss())
    windows = iter(_batches(train, rng, T))

    def draw(r):
        ids = next(windows)
        x, _, weights = mask_batch(ids, mask_id=V, rng=r)
        return x, masked_targets(ids, weights, V)

    return model, fit_fresh(model, draw, STEPS, batch_size=BATCH, rng=rng, callbacks=callbacks,
                            verbose=verbose, owner="train_masked")


def train_autoregressive(seed, train, callbacks=None, verbose=0):
    """Chapter 20's modern block (causal, its output tied to its embedding; the masked
    model's is not), the same sizes, number of steps, batch size and optimizer, trained to
    predict each next character on random windows of T + 1 of its own (not the masked
    model's windows), through ``fit``'s loop (``fit_fresh``; ``callbacks`` and ``verbose``
    are ``fit``'s)."""
    rng = np.random.default_rng([seed, 2])
    model = Sequential(modern(T)(rng))
    model.compile(AdamW(lr=LR, weight_decay=0.01), CrossEntropy(from_logits=True))
    windows = iter(_batches(train, rng, T + 1))

    def draw(r):
        b = next(windows)
        return b[:, :-1], b[:, 1:]

    fit_fresh(model, draw, STEPS, batch_size=BATCH, rng=rng, callbacks=callbacks,
              verbose=verbose, owner="train_autoregressive")
    return model


def bound_per_window(conditionals, ids, rng, draws=DRAWS):
    """The masked-diffusion estimate of −log q(window) (nats, (m,)): the mean of
    ``masked_nll`` over ``draws`` masks of ``mask_batch`` (weights T/k) per window."""
    total = np.zeros(len(ids))
    for _ in range(draws):
        _, mask, weights = mask_batch(ids, mask_id=V, rng=rng)
        total += masked_nll(conditionals, ids, mask, weights)
    return total / draws


def left_to_right_nll(conditionals, ids):
    """The denoiser read left to right only: Σ_t −log q(x_t | x_<t visible, x_≥t masked)
    per window (nats, (m,)). This is −log q_σ(window) for one order σ, the identity, of
    the orders whose average is the bound (``bound_per_window``): a proper autoregressive
    model, so it separates the averaging over orders from the denoiser's conditionals.
    With the exact denoiser it is −log p(window), the chain rule.

    Shapes: ids (m, T) integer ids  →  (m,) float64. Chapter 28.
    """
    a = np.asarray(ids)
    total = np.zeros(len(a))
    for t in range(a.shape[1]):
        mask = np.zeros(a.shape, dtype=bool)
        mask[:, t:] = True                                   # x_<t visible, x_≥t hidden
        weights = np.zeros(a.shape)
        weights[:, t] = 1.0                                  # scored at t only
        total += masked_nll(conditionals, a, mask, weights)
    return total


def rate_gaps(denoiser, ids, seed):
    """At each k of ``RATES``: the model's loss per masked character minus the oracle's on
    the same masks (nats, (m,) each), paired by drawing both with one generator."""
    return {k: loss_at_rate(denoiser, ids, k, rng=np.random.default_rng([seed, 4, k]))
            - loss_at_rate(oracle, ids, k, rng=np.random.default_rng([seed, 4, k]))
            for k in RATES}


def accepted_shares(denoiser, seed, n=N_SAMPLES):
    """The share of n windows sampled by unmasking that the grammar can write, at each
    number of steps of ``SAMPLE_STEPS``."""
    return {s: possible(unmask_sample(denoiser, T, s, n=n,
                                      rng=np.random.default_rng([seed, 3, s]))).mean()
            for s in SAMPLE_STEPS}


def masked_run(seed):
    """The masked model of one seed: (row, parts). The row: its bound and the exact
    −log p(window) (bits per character, mean over the held-out windows), its loss minus the
    oracle's at each rate (nats per masked character) and its samples' accepted share at
    each number of steps. The parts: the model, its losses, the held-out windows and the
    per-window values behind the row."""
    train, held = data(seed)
    model, losses = train_masked(seed, train)
    ids = held[:, 1:]
    denoiser = model_conditionals(model)
    bound = bound_per_window(denoiser, ids, np.random.default_rng([seed, 5]))
    exact = -window_log_prob(LANGUAGE, ids)
    gaps = rate_gaps(denoiser, ids, seed)
    shares = accepted_shares(denoiser, seed)
    row = {"bound": bound.mean() / T * BITS, "exact": exact.mean() / T * BITS}
    row.update({f"gap k={k}": g.mean() for k, g in gaps.items()})
    row.update({f"accepted {s} steps": float(a) for s, a in shares.items()})
    return row, {"model": model, "losses": losses, "held": held, "bound": bound,
                 "exact": exact, "gaps": gaps}


def autoregressive_run(seed):
    """Chapter 20's block on the same data: its loss per character on the held-out windows'
    last T characters, each given the ones before it in the window (bits), and the grammar's
    exact value of the same (the floor of any model that reads only the window)."""
    train, held = data(seed)
    model = train_autoregressive(seed, train)
    logp = log_softmax(model.predict(held[:, :-1]))                   # (m, T, V)
    nll = -np.take_along_axis(logp, held[:, 1:, None], axis=-1)[..., 0].sum(axis=1)
    floor = window_log_prob(LANGUAGE, held) - window_log_prob(LANGUAGE, held[:, :1])
    return {"AR": nll.mean() / T * BITS, "AR floor": -floor.mean() / T * BITS}


def masked_vs_autoregressive(seed):
    """The stored table's row: ``masked_run``'s row and ``autoregressive_run``'s."""
    return {**masked_run(seed)[0], **autoregressive_run(seed)}


TABLES = {"28_masked_diffusion": (masked_vs_autoregressive, SEEDS)}
