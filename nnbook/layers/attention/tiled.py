"""Multi-head attention in tiles (chapter 24): ``MultiHeadAttention(tile=…)`` computes
softmax(Q Kᵀ) V with the online softmax of ``nnbook.kernels.online_softmax`` and keeps
only the output and one log-sum-exp per row for its backward, the same numbers as the
plain layer to round-off.
"""

from __future__ import annotations

import numbers

import numpy as np

from ...kernels.online_softmax import attention_in_tiles, attention_in_tiles_backward

__all__ = ["check_tile", "tiled_forward", "tiled_backward"]


def check_tile(owner, tile, window):
    """``tile`` checked: None (plain attention) or an integer ≥ 1, without a window."""
    if tile is None:
        return None
    if isinstance(tile, bool) or not isinstance(tile, numbers.Integral) or tile < 1:
        raise ValueError(f"{owner}: expected tile=None (plain attention, its weights stored) "
                         f"or an integer ≥ 1 (queries and keys per tile), got {tile!r}. For "
                         f"example tile=64.")
    if window is not None:
        raise ValueError(f"{owner}: tile={tile} with window={window}: attention in tiles has "
                         f"no sliding window. Use tile=None with a window, or window=None "
                         f"with tiles.")
    return int(tile)


def _repeat(k, v, g):
    """Each key/value head repeated for its g query heads: (m, kv, T, dh) → (m, kv·g, …)."""
    return (k, v) if g == 1 else (np.repeat(k, g, axis=1), np.repeat(v, g, axis=1))


def tiled_forward(q, k, v, g, tile, causal):
    """``(O, lse)`` of the heads: q (m, h, T, dh) already scaled by 1/√dh, k and v
    (m, kv, T, dh) with h = g·kv (query head i reads key/value head i // g).
    O: (m, h, T, dh); lse: (m, h, T)."""
    k, v = _repeat(k, v, g)
    return attention_in_tiles(q, k, v, tile, causal, 1.0)


def tiled_backward(q, k, v, O, lse, dO, g, tile, causal):
    """``(dq, dk, dv)`` from the output and log-sum-exp alone; dk and dv summed over the
    g query heads that read each key/value head. Shapes as ``tiled_forward``'s."""
    m, kv, T, dh = k.shape
    kr, vr = _repeat(k, v, g)
    dq, dk, dv = attention_in_tiles_backward(q, kr, vr, O, lse, dO, tile, causal, 1.0)
    if g > 1:
        dk = dk.reshape(m, kv, g, T, dh).sum(axis=2)
        dv = dv.reshape(m, kv, g, T, dh).sum(axis=2)
    return dq, dk, dv
