"""Rotary position embeddings (RoPE, chapter 20): in each attention head, the features
(2i, 2i + 1) of a query or key at position t are turned as a point in the plane by the
angle t·base^(−2i/d_head), so the score q_t·k_s depends on the positions only through t − s.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rope_angles", "apply_rope"]


def rope_angles(T, d_head, base=10000.0, start=0):
    """The angles θ[t, i] = (start + t) · base^(−2i/d_head), float64.

    Shapes: → (T, d_head // 2); row t for position ``start + t`` (``start`` lets a cache
    that already holds ``start`` positions rotate the next ones), column i for the pair
    (2i, 2i + 1). Pair 0 turns by one radian per position, the last pair the slowest.
    """
    if d_head % 2:
        raise ValueError(f"rope_angles: RoPE rotates pairs of features, so d_head must be "
                         f"even, got d_head={d_head}. Choose n_heads so that d_model / n_heads "
                         f"is even.")
    freq = float(base) ** (-np.arange(0, d_head, 2, dtype=np.float64) / d_head)   # (d_head/2,)
    return np.arange(start, start + T, dtype=np.float64)[:, None] * freq          # (T, d_head/2)


def rope_tables(T, d_head, base, dtype, start=0):
    """``(cos θ, sin θ)`` of ``rope_angles``, each (T, d_head // 2) in ``dtype``."""
    theta = rope_angles(T, d_head, base, start)
    return np.cos(theta).astype(dtype), np.sin(theta).astype(dtype)


def apply_rope(x, cos, sin, inverse=False, out=None):
    """Each pair (x[..., 2i], x[..., 2i + 1]) at position t rotated by θ[t, i] (``inverse``:
    by −θ, which is also the backward: a rotation's transpose is its inverse).

    ``y[2i] = x[2i] cos θ − x[2i+1] sin θ``, ``y[2i+1] = x[2i] sin θ + x[2i+1] cos θ``.

    Shapes: x (…, T, d_head), cos and sin (T, d_head // 2) → a new array shaped as x (or
    ``out``, which may be x itself). Tables of shape (T, 1, d_head // 2) turn x laid out
    as (m, T, heads, d_head), the layout attention's projections come in.

    Passes, each over half of x: b·sin, b·cos, a·sin (three new half-size arrays, read
    before anything is written, so ``out`` may be x), a·cos, − b sin, a sin + b cos:
    three passes over x, no transposed copy (the pairs are strided views).
    """
    if inverse:
        sin = -sin
    a, b = x[..., 0::2], x[..., 1::2]                  # the pairs' two features
    if out is None:
        out = np.empty(x.shape, dtype=np.result_type(x, cos))
    bs, bc, as_ = b * sin, b * cos, a * sin
    np.multiply(a, cos, out=out[..., 0::2])
    out[..., 0::2] -= bs                               # a cos θ − b sin θ
    np.add(as_, bc, out=out[..., 1::2])                # a sin θ + b cos θ
    return out
