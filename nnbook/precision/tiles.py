"""Attention in tiles (chapter 24, FlashAttention's idea in NumPy): the softmax computed
online, one block of keys at a time, with a running maximum and sum, so that only the
output and one log-sum-exp per row are stored; the backward recomputes the weights of each
tile from that log-sum-exp. Equal to chapter 17's attention to round-off; the loops are ``nnbook.kernels.online_softmax``.
"""

from __future__ import annotations

import math

import numpy as np

from ..kernels.online_softmax import (attention_in_tiles, attention_in_tiles_backward,
                                      logsumexp_in_tiles)
from ..layers.attention.dot_product import check_qkv
from ..validate import positive_int

__all__ = ["online_logsumexp", "tiled_attention", "tiled_attention_backward"]


def online_logsumexp(x, *, tile=32):
    """``log Σ_j exp(x_j)`` over the last axis, read ``tile`` entries at a time.

    The running maximum m and the running sum l = Σ exp(x_j − m) are updated per tile:
    m' = max(m, max of the tile), l' = l·exp(m − m') + Σ exp(x_j − m'). The result is
    m + log l, exactly the one-pass value (up to round-off), and no exp ever overflows.
    A row of −∞ only (a fully masked row) gives −∞, as ``torch.logsumexp`` and SciPy do:
    while m is −∞ the shift is 0, so l stays 0 and log l = −∞.

    Shapes:
        x: (…, n)  →  (…)
    """
    tile = positive_int("online_logsumexp", "tile", tile)
    return logsumexp_in_tiles(np.asarray(x, dtype=float), tile)


def _check(owner, q, k, v):
    """q, k and v checked (``check_qkv``, equal leading axes) and in one float dtype."""
    q, k, v = check_qkv(owner, q, k, v, same_leading=True)
    dtype = np.result_type(q, k, v, np.float32)
    return q.astype(dtype, copy=False), k.astype(dtype, copy=False), v.astype(dtype, copy=False)


def tiled_attention(q, k, v, *, tile=32, causal=False, scale=None, return_lse=False):
    """``softmax(q kᵀ · scale) v`` computed in tiles of ``tile`` queries × ``tile`` keys.

    For each block of queries, the keys and values are read one block at a time; the
    block's output is kept unnormalised beside the running maximum m and sum l of its rows:
    with the new tile's scores S, m' = max(m, rowmax S), P = exp(S − m'),
    l' = l·exp(m − m') + rowsum P and acc' = acc·exp(m − m') + P v. At the end
    out = acc / l, and lse = m + log l is the log of the softmax's normaliser. Nothing of
    size T_q × T_k is ever stored: the memory is the output, the lse and one tile.
    With ``causal=True`` (query i attends keys j ≤ i, as ``nb.attention``), the tiles
    wholly above the diagonal are skipped.

    Shapes:
        q: (…, T_q, d);  k: (…, T_k, d);  v: (…, T_k, d_v)  →  out: (…, T_q, d_v)
        with ``return_lse=True``: ``(out, lse)``, lse: (…, T_q)

    Args:
        tile: the block size, queries and keys alike (≥ 1).
        causal: True hides the later keys from each query.
        scale: what the scores are multiplied by (None: 1/√d).
        return_lse: also return the log-sum-exp per row, what the backward needs.

    The leading axes (batch, heads) must be the same for q, k and v. Equal to
    ``nb.attention`` to round-off (1e-12 in float64); the backward is
    ``tiled_attention_backward``. Chapter 24.
    """
    tile = positive_int("tiled_attention", "tile", tile)
    q, k, v = _check("tiled_attention", q, k, v)
    if k.shape[-2] == 0 and q.shape[-2]:
        raise ValueError(f"tiled_attention: got no keys (k {k.shape}, v {v.shape}), so every "
                         f"query's weights would be 0/0. Give at least one key and value "
                         f"(T_k ≥ 1).")
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    out, lse = attention_in_tiles(q, k, v, tile, causal, scale)
    return (out, lse) if return_lse else out


def tiled_attention_backward(q, k, v, out, lse, d_out, *, tile=32, causal=False,
                             scale=None):
    """∂E/∂q, ∂E/∂k, ∂E/∂v of ``tiled_attention`` from its output and log-sum-exp alone.

    Each tile's weights are recomputed, P = exp(q kᵀ·scale − lse) (exactly the softmax,
    with no new maximum or sum), then chapter 17's backward runs per tile:
    ∂E/∂v += Pᵀ ∂E/∂out, ∂E/∂P = ∂E/∂out vᵀ, ∂E/∂S = P ⊙ (∂E/∂P − D) with
    D = rowsum(∂E/∂out ⊙ out) computed once, ∂E/∂q += ∂E/∂S k·scale,
    ∂E/∂k += ∂E/∂Sᵀ q·scale. The memory is again the inputs, the gradients and one tile.

    Shapes:
        q, k, v as in ``tiled_attention``; out, d_out: (…, T_q, d_v); lse: (…, T_q)
        →  (dq, dk, dv), the shapes of q, k, v

    ``tile``, ``causal`` and ``scale`` as in the forward (the tile size may differ from
    the forward's). Chapter 24.
    """
    owner = "tiled_attention_backward"
    tile = positive_int(owner, "tile", tile)
    q, k, v = _check(owner, q, k, v)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    want = q.shape[:-1] + (v.shape[-1],)
    arrays = {"out": (out, want), "lse": (lse, q.shape[:-1]), "d_out": (d_out, want)}
    for name, (a, shape) in arrays.items():
        if np.shape(a) != shape:
            raise ValueError(f"{owner}: expected {name} of shape {shape} (from q {q.shape} "
                             f"and v {v.shape}), got {np.shape(a)}. Pass the out and lse "
                             f"that tiled_attention(..., return_lse=True) returned.")
    out, lse, d_out = (np.asarray(a, dtype=q.dtype) for a in (out, lse, d_out))
    return attention_in_tiles_backward(q, k, v, out, lse, d_out, tile, causal, scale)
