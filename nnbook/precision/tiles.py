"""Attention in tiles (chapter 24, FlashAttention's idea in NumPy): the softmax computed
online, one block of keys at a time, with a running maximum and sum, so that only the
output and one log-sum-exp per row are stored; the backward recomputes the weights of each
tile from that log-sum-exp. Equal to chapter 17's attention to round-off.
"""

from __future__ import annotations

import math

import numpy as np

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
    x = np.asarray(x, dtype=float)
    m = np.full(x.shape[:-1], -np.inf)
    l = np.zeros(x.shape[:-1])
    for c in range(0, x.shape[-1], tile):
        block = x[..., c:c + tile]
        m_new = np.maximum(m, block.max(axis=-1))
        shift = np.where(m_new == -np.inf, 0.0, m_new)         # −∞ − (−∞) would be NaN
        l = l * np.exp(m - shift) + np.exp(block - shift[..., None]).sum(axis=-1)
        m = m_new
    with np.errstate(divide="ignore"):                         # log 0 = −∞: nothing to add
        return m + np.log(l)


def _check(owner, q, k, v):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    if (min(q.ndim, k.ndim, v.ndim) < 2 or q.shape[-1] != k.shape[-1]
            or k.shape[-2] != v.shape[-2]):
        raise ValueError(f"{owner}: expected q (…, T_q, d), k (…, T_k, d) and v (…, T_k, "
                         f"d_v), got {q.shape}, {k.shape} and {v.shape}. q and k need the "
                         f"same d; k and v the same T_k.")
    if not q.shape[:-2] == k.shape[:-2] == v.shape[:-2]:
        raise ValueError(f"{owner}: expected q, k and v with the same leading axes (batch, "
                         f"heads), got {q.shape[:-2]}, {k.shape[:-2]} and {v.shape[:-2]}. "
                         f"For grouped-query attention, repeat k and v per query head first "
                         f"(k[:, nb.kv_head_of(h, k_heads)]).")
    dtype = np.result_type(q, k, v, np.float32)
    return q.astype(dtype, copy=False), k.astype(dtype, copy=False), v.astype(dtype, copy=False)


def _scores(qi, kj, r0, c0, causal):
    """One tile of scores ``qi kjᵀ`` (q already scaled), −∞ where key > query."""
    S = qi @ kj.swapaxes(-1, -2)                                  # (…, br, bc)
    if causal and c0 + S.shape[-1] - 1 > r0:                      # the tile crosses the diagonal
        rows = np.arange(r0, r0 + S.shape[-2])[:, None]
        cols = np.arange(c0, c0 + S.shape[-1])[None, :]
        S[..., cols > rows] = -np.inf
    return S


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
    Tq, Tk = q.shape[-2], k.shape[-2]
    out = np.empty(q.shape[:-1] + (v.shape[-1],), dtype=q.dtype)
    lse = np.empty(q.shape[:-1], dtype=q.dtype)
    for r0 in range(0, Tq, tile):
        qi = q[..., r0:r0 + tile, :] * scale                      # (…, br, d)
        m = np.full(qi.shape[:-1], -np.inf, dtype=q.dtype)        # (…, br) running max
        l = np.zeros(qi.shape[:-1], dtype=q.dtype)                # (…, br) running sum
        acc = np.zeros(qi.shape[:-1] + (v.shape[-1],), dtype=q.dtype)
        last = min(Tk, r0 + qi.shape[-2]) if causal else Tk       # keys any row may see
        for c0 in range(0, last, tile):
            S = _scores(qi, k[..., c0:c0 + tile, :], r0, c0, causal)
            m_new = np.maximum(m, S.max(axis=-1))
            P = np.exp(S - m_new[..., None])                      # (…, br, bc)
            fade = np.exp(m - m_new)                              # 0 on the first tile
            l = l * fade + P.sum(axis=-1)
            acc = acc * fade[..., None] + P @ v[..., c0:c0 + tile, :]
            m = m_new
        out[..., r0:r0 + tile, :] = acc / l[..., None]
        lse[..., r0:r0 + tile] = m + np.log(l)
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
    Tq, Tk = q.shape[-2], k.shape[-2]
    D = (d_out * out).sum(axis=-1)                                # (…, T_q)
    dq, dk, dv = np.zeros_like(q), np.zeros_like(k), np.zeros_like(v)
    for r0 in range(0, Tq, tile):
        rows = slice(r0, r0 + tile)
        qi, dOi = q[..., rows, :] * scale, d_out[..., rows, :]
        last = min(Tk, r0 + qi.shape[-2]) if causal else Tk
        for c0 in range(0, last, tile):
            cols = slice(c0, c0 + tile)
            S = _scores(qi, k[..., cols, :], r0, c0, causal)
            P = np.exp(S - lse[..., rows, None])                  # the softmax's weights
            dv[..., cols, :] += P.swapaxes(-1, -2) @ dOi
            dS = dOi @ v[..., cols, :].swapaxes(-1, -2)           # ∂E/∂P
            dS -= D[..., rows, None]
            dS *= P                                               # ∂E/∂S
            dq[..., rows, :] += dS @ k[..., cols, :]
            dk[..., cols, :] += dS.swapaxes(-1, -2) @ qi
    dq *= scale
    return dq, dk, dv
