"""Sampling text by unmasking (chapter 28): from an all-masked window, a few positions at a
time in a random order, each drawn from a denoiser's conditional given what is visible;
and the Gumbel-max draw it uses, whose float32 noise lowers the temperature.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..validate import float_dtype, make_rng, positive_int

__all__ = ["gumbel_noise", "gumbel_max", "unmask_sample"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def gumbel_noise(u):
    """Standard Gumbel noise ``−log(−log u)`` from uniforms u in [0, 1), computed in u's
    float dtype: the noise of ``gumbel_max``. u = 0 gives −∞ (never the arg-max).

    Shapes: u: any  →  the same shape and dtype. Chapter 28.
    """
    u = np.asarray(u)
    if u.dtype not in _FLOATS:
        raise ValueError(f"gumbel_noise: expected uniforms as float32 or float64, got dtype "
                         f"{u.dtype}. Draw them with rng.random(shape, dtype=np.float32).")
    with np.errstate(divide="ignore"):
        return -np.log(-np.log(u))


def gumbel_max(logits, *, rng=None, dtype=np.float64):
    """One draw from softmax(logits) along the last axis per row: the arg-max of
    ``logits + g``, g independent standard Gumbel noise ``gumbel_noise(u)`` made from
    uniforms u drawn in ``dtype`` (``rng.random(shape, dtype=dtype)``), the sum in ``dtype``.

    Why it samples the softmax: P(G ≤ x) = exp(−e^(−x)), so z_i + G_i is the largest with
    probability e^(z_i) / Σ_j e^(z_j). Why float32 lowers the temperature (Zheng et al.,
    2024): NumPy's (and PyTorch's) float32 uniforms are the multiples of 2^-24 below 1, so
    the largest is u = 1 − 2^-24 and the noise can never exceed
    −log(−log(1 − 2^-24)) ≈ 24 ln 2 ≈ 16.64; near that ceiling it takes only the values
    16.64 − log j (u = 1 − j·2^-24), as if the true noise were rounded down. A token whose
    logit lies Δ below the top one wins only when its noise beats the top's by Δ: for
    Δ of 12 or more that needs the noise's upper tail, which float32 cuts. With 1000 such
    tokens (counted over every float32 uniform) their probability comes out below
    softmax's by 0.5 % at Δ = 12, 3.5 % at Δ = 14, 9 % at Δ = 15, 24 % at Δ = 16 and 55 %
    at Δ = 17, and the top token gains it: the larger the gap, the larger the share lost,
    which is what a temperature below 1 does (0.99 at Δ = 15, 0.95 at Δ = 17). In float64
    (multiples of 2^-53) the ceiling is 53 ln 2 ≈ 36.7, beyond any gap that matters.
    Each such win has probability about e^(−Δ) per token, so seeing the loss in samples
    takes some e^Δ draws of the noise (billions at Δ = 16). The other end: u = 0, with
    probability 2^-24 in float32, gives −∞, a token that cannot win; with only two tokens
    that chance (6e-8) outweighs the cut tail, which costs a low token about 3e-8 whatever
    Δ (the exact count: the low token gains 2e-8 to 3e-8 at every Δ from 4 to 16).

    Shapes:
        logits: (..., V) floats  →  (...) int64 indices in [0, V)

    Args:
        rng: the ``np.random.Generator`` that draws the uniforms.
        dtype: float64 (default) or float32, the uniforms', the noise's and the sum's.

    Chapter 28.
    """
    z = np.asarray(logits)
    if z.ndim < 1 or z.shape[-1] == 0 or z.dtype.kind not in "fiu":
        raise ValueError(f"gumbel_max: expected logits of shape (..., V) with V ≥ 1, numbers, "
                         f"got shape {z.shape} and dtype {z.dtype}.")
    top = z.max(axis=-1)                                         # NaN where a row has one
    if z.dtype.kind == "f" and not (top > -np.inf).all():        # the arg-max would be 0
        row = np.unravel_index(int(np.argmin(top > -np.inf)), top.shape)
        what = "NaN" if np.isnan(top[row]) else "−∞ for every token"
        raise ValueError(f"gumbel_max: the logits of row {tuple(map(int, row))} hold {what}, "
                         f"so there is no distribution to draw from (the arg-max would pick "
                         f"index 0 or the NaN's). Check what made them: a diverged model, or "
                         f"a mask that rules out every token.")
    dtype = float_dtype("gumbel_max", dtype)
    rng = make_rng(rng, "gumbel_max")
    g = gumbel_noise(rng.random(z.shape, dtype=dtype))
    g += z.astype(dtype, copy=False)
    return g.argmax(axis=-1)


def _denoiser_rows(owner, conditionals, q, mask):
    """The denoiser's rows ``q`` (n_masked, V), or a ValueError that names the denoiser
    and the window and position of the first row that is no distribution: NaN or inf, a
    negative entry, or no entry above 0 (its logits all −∞). One pass for the max, one
    for the min."""
    if q.size == 0:
        return q
    top = q.max(axis=1)                                          # NaN where a row has one
    bad = ~np.isfinite(top) | (top <= 0)
    if not bad.any() and q.min() >= 0:
        return q
    r = int(np.argmax(bad)) if bad.any() else int(np.argmax((q < 0).any(axis=1)))
    row = q[r]
    what = ("NaN" if np.isnan(row).any() else "inf" if np.isinf(row).any()
            else "a negative probability" if (row < 0).any() else "0 for every token")
    i, t = (int(k[r]) for k in np.nonzero(mask))
    name = getattr(conditionals, "__qualname__", type(conditionals).__name__)
    raise ValueError(f"{owner}: the denoiser conditionals(ids, mask) ({name}) returned {what} "
                     f"in the row of window {i}, position {t}, so there is no distribution "
                     f"to draw or score the token from. Its rows must be probabilities: a "
                     f"model that gives NaN diverged in training (retrain it with a smaller "
                     f"learning rate); call conditionals on that window to see the row.")


def _steps(owner, T, steps):
    """How many positions each step unmasks: T split into ``steps`` near-equal parts."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or not 1 <= steps <= T:
        raise ValueError(f"{owner}: expected steps as an integer from 1 to T = {T} (T: one "
                         f"position per step, 1: all at once), got {steps!r}.")
    return [len(part) for part in np.array_split(np.arange(T), int(steps))]


def _refused(conditionals, ids, mask, rows):
    """The windows among ``rows`` that ``conditionals`` refuses (a ValueError) when asked
    about them alone, found by halving the batch."""
    try:
        conditionals(ids[rows], mask[rows])
        return []
    except ValueError:
        if len(rows) == 1:
            return list(rows)
        half = len(rows) // 2
        return (_refused(conditionals, ids, mask, rows[:half])
                + _refused(conditionals, ids, mask, rows[half:]))


def _step_rows(conditionals, ids, mask, impossible):
    """The conditionals of every masked position, (n_masked, V): with impossible="finish"
    the rows of a window the denoiser refuses are uniform (the window stays impossible).
    When it refuses every window alone, the error is not about one window: it is raised.
    A denoiser whose error lists the windows it refuses alone, as indices in an attribute
    ``windows`` (``masked_conditionals`` does), spares the search."""
    try:
        return np.asarray(conditionals(ids, mask))
    except ValueError as error:
        if impossible == "raise" or len(ids) == 1:
            raise
        rows, half = np.arange(len(ids)), len(ids) // 2
        dead = getattr(error, "windows", None)
        if dead is None:
            dead = (_refused(conditionals, ids, mask, rows[:half])
                    + _refused(conditionals, ids, mask, rows[half:]))
        if len(dead) == len(ids):
            raise
    live = np.setdiff1d(rows, dead)
    q_live = np.asarray(conditionals(ids[live], mask[live]))
    q = np.full((int(mask.sum()), q_live.shape[1]), 1.0 / q_live.shape[1])
    row_of = np.cumsum(mask.reshape(-1)).reshape(mask.shape) - 1
    q[row_of[live][mask[live]]] = q_live
    return q


def unmask_sample(conditionals, T, steps, *, n=1, rng=None, dtype=np.float64,
                  impossible="raise"):
    """Sample n windows of T tokens by unmasking: all masked at first; the positions are
    unmasked in a random order, T/steps of them at each of ``steps`` steps (the first
    steps take one more when steps does not divide T), each drawn with ``gumbel_max``
    from the denoiser's conditional given the tokens visible before the step.

    With the exact conditionals (``nb.data.masked_conditionals``) and one token per step
    (steps = T) this samples the language exactly: the chain rule in a random order.
    Several tokens in one step are drawn independently, each from its own conditional,
    which is not their joint distribution: the factorisation error, the only error left
    with the exact conditionals (steps = 1 draws every position from its marginal). With
    the oracle and 1 < steps < T, a step can make a window the grammar cannot produce;
    the next step's ``masked_conditionals`` then refuses it (a ``ValueError``, or with
    ``impossible="finish"`` the window is finished at random and counted as rejected).

    Shapes: returns (n, T) int64 ids.

    Args:
        conditionals: the denoiser ``conditionals(ids, mask)`` → (n_masked, V), one row
            per masked position in the order of ``ids[mask]``: ``lambda ids, mask:
            nb.data.masked_conditionals(language, ids, mask)`` or
            ``nb.generative.model_conditionals(model)``.
        T: the window length;  steps: 1 … T;  n: the windows drawn together.
        rng: the ``np.random.Generator`` of the order and of the draws.
        dtype: the Gumbel noise's, float64 or float32 (``gumbel_max``).
        impossible: "raise" (default): a ``ValueError`` of the denoiser stops the
            sampler; "finish": a window the denoiser refuses alone (the oracle's P(visible)
            = 0, found by halving the batch) is finished with uniform draws, and stays a
            window the grammar rejects, so the share accepted can be counted at any steps.

    Chapter 28.
    """
    owner = "unmask_sample"
    T = positive_int(owner, "T", T)
    n = positive_int(owner, "n", n)
    sizes = _steps(owner, T, steps)
    if impossible not in ("raise", "finish"):
        raise ValueError(f"{owner}: expected impossible='raise' or 'finish', got "
                         f"{impossible!r}.")
    dtype = float_dtype(owner, dtype)
    rng = make_rng(rng, owner)
    order = np.argsort(rng.random((n, T)), axis=1)                       # (n, T)
    ids = np.zeros((n, T), dtype=np.int64)
    mask = np.ones((n, T), dtype=bool)
    done, rows = 0, np.arange(n)[:, None]
    for size in sizes:
        q = _step_rows(conditionals, ids, mask, impossible)              # (n_masked, V)
        if q.ndim != 2 or q.shape[0] != mask.sum():
            raise ValueError(f"{owner}: conditionals(ids, mask) returned shape {q.shape}; "
                             f"expected ({int(mask.sum())}, V), one row per masked position "
                             f"in the order of ids[mask].")
        q = _denoiser_rows(owner, conditionals, q, mask)
        row_of = np.cumsum(mask.reshape(-1)).reshape(n, T) - 1          # each one's row of q
        pos = order[:, done:done + size]                                 # (n, size)
        with np.errstate(divide="ignore"):
            logits = np.log(q[row_of[rows, pos]])                        # (n, size, V)
        ids[rows, pos] = gumbel_max(logits, rng=rng, dtype=dtype)
        mask[rows, pos] = False
        done += size
    return ids
