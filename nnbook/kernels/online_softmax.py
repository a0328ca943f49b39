"""The online softmax in tiles (chapter 24's loops, FlashAttention's idea in NumPy): a
log-sum-exp and attention computed one block of keys at a time, with a running maximum
and sum, and attention's backward recomputed per tile from the log-sum-exp alone. The
checks are ``nnbook.precision.tiles``'s, for learners (the tiled ``MultiHeadAttention``
calls these on arrays it made); here only a tile that is no integer ≥ 1 is refused.
``masked_product`` is the weights × values product every masked softmax attention takes
(the tiles, ``nb.attention``, the KV cache's steps): a masked key adds nothing to a row,
not even a NaN.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["logsumexp_in_tiles", "attention_in_tiles", "attention_in_tiles_backward",
           "masked_product"]


def masked_product(weights, v, allowed):
    """``weights @ v``, each query's weighted sum of the values, in which a key the query
    may not read (``allowed`` False) contributes nothing at all.

    A masked key's weight is exactly 0 (its score was −∞), and 0 · v_s = 0 for a finite
    value. But 0 · NaN and 0 · ∞ are NaN: in a plain ``weights @ v`` a NaN or inf in the
    value at position s would reach every query that may not read s (under a causal mask,
    every earlier position), and the output at t would depend on a later position. So:
    finite v (the usual case, one cheap check) is ``weights @ v``, the same bits; otherwise
    the non-finite entries count as 0 in the rows that may not read them, while a row that
    reads one gets the plain product's NaN or inf.

    Shapes: weights (…, T_q, T_k), 0 where not allowed; v (…, T_k, d_v); allowed booleans
        broadcastable to weights, True where a query may read a key (None: everywhere)
        → (…, T_q, d_v).
    """
    if allowed is None or np.isfinite(v).all():
        return weights @ v
    bad = ~np.isfinite(v)                                         # (…, T_k, d_v)
    finite_v = np.where(bad, v.dtype.type(0), v)
    bad_key = bad.any(axis=-1)[..., None, :]                      # (…, 1, T_k)
    reads_bad = (allowed & bad_key).any(axis=-1, keepdims=True)   # (…, T_q, 1)
    return np.where(reads_bad, weights @ v, weights @ finite_v)


def _starts(owner, n, tile):
    """``range(0, n, tile)``, the tiles' first indices; a tile that is not an integer ≥ 1
    is a ValueError (a negative one made no tile at all: a log-sum-exp of −∞, attention of
    uninitialised memory)."""
    if isinstance(tile, bool) or not isinstance(tile, numbers.Integral) or tile < 1:
        raise ValueError(f"{owner}: expected tile, the entries per block, as an integer ≥ 1, "
                         f"got {tile!r}. Pass e.g. tile=32 (nb.precision's functions check "
                         f"their arguments for you).")
    return range(0, n, tile)


def logsumexp_in_tiles(x, tile):
    """``log Σ_j exp(x_j)`` over the last axis of float64 ``x``, ``tile`` entries at a time
    (``nb.precision.online_logsumexp`` without its checks).

    Shapes: x (…, n) → (…).
    """
    m = np.full(x.shape[:-1], -np.inf)
    l = np.zeros(x.shape[:-1])
    for c in _starts("logsumexp_in_tiles", x.shape[-1], tile):
        block = x[..., c:c + tile]
        m_new = np.maximum(m, block.max(axis=-1))
        shift = np.where(m_new == -np.inf, 0.0, m_new)         # −∞ − (−∞) would be NaN
        l = l * np.exp(m - shift) + np.exp(block - shift[..., None]).sum(axis=-1)
        m = m_new
    with np.errstate(divide="ignore"):                         # log 0 = −∞: nothing to add
        return m + np.log(l)


def _scores(qi, kj, r0, c0, causal):
    """One tile of scores ``qi kjᵀ`` (q already scaled), −∞ where key > query, and the
    tile's (br, bc) booleans, True where key ≤ query (None when no key of it is hidden)."""
    S = qi @ kj.swapaxes(-1, -2)                                  # (…, br, bc)
    allowed = None
    if causal and c0 + S.shape[-1] - 1 > r0:                      # the tile crosses the diagonal
        rows = np.arange(r0, r0 + S.shape[-2])[:, None]
        cols = np.arange(c0, c0 + S.shape[-1])[None, :]
        allowed = cols <= rows
        S[..., ~allowed] = -np.inf
    return S, allowed


def attention_in_tiles(q, k, v, tile, causal, scale):
    """``(out, lse)`` of ``softmax(q kᵀ · scale) v`` in tiles of ``tile`` queries × keys
    (``nb.precision.tiled_attention`` without its checks: q, k, v of one float dtype).

    Shapes: q (…, T_q, d), k (…, T_k, d), v (…, T_k, d_v) → out (…, T_q, d_v), lse (…, T_q).
    """
    Tq, Tk = q.shape[-2], k.shape[-2]
    out = np.empty(q.shape[:-1] + (v.shape[-1],), dtype=q.dtype)
    lse = np.empty(q.shape[:-1], dtype=q.dtype)
    for r0 in _starts("attention_in_tiles", Tq, tile):
        qi = q[..., r0:r0 + tile, :] * scale                      # (…, br, d)
        m = np.full(qi.shape[:-1], -np.inf, dtype=q.dtype)        # (…, br) running max
        l = np.zeros(qi.shape[:-1], dtype=q.dtype)                # (…, br) running sum
        acc = np.zeros(qi.shape[:-1] + (v.shape[-1],), dtype=q.dtype)
        last = min(Tk, r0 + qi.shape[-2]) if causal else Tk       # keys any row may see
        for c0 in range(0, last, tile):
            S, allowed = _scores(qi, k[..., c0:c0 + tile, :], r0, c0, causal)
            m_new = np.maximum(m, S.max(axis=-1))
            P = np.exp(S - m_new[..., None])                      # (…, br, bc)
            fade = np.exp(m - m_new)                              # 0 on the first tile
            l = l * fade + P.sum(axis=-1)
            vj = v[..., c0:c0 + tile, :]
            acc = acc * fade[..., None] + masked_product(P, vj, allowed)   # 0 · NaN: none
            m = m_new
        out[..., r0:r0 + tile, :] = acc / l[..., None]
        lse[..., r0:r0 + tile] = m + np.log(l)
    return out, lse


def attention_in_tiles_backward(q, k, v, out, lse, d_out, tile, causal, scale):
    """``(dq, dk, dv)`` of ``attention_in_tiles`` from its output and log-sum-exp alone
    (``nb.precision.tiled_attention_backward`` without its checks).

    Shapes: as ``attention_in_tiles``'s; d_out like out → the shapes of q, k, v.
    """
    Tq, Tk = q.shape[-2], k.shape[-2]
    D = (d_out * out).sum(axis=-1)                                # (…, T_q)
    dq, dk, dv = np.zeros_like(q), np.zeros_like(k), np.zeros_like(v)
    for r0 in _starts("attention_in_tiles_backward", Tq, tile):
        rows = slice(r0, r0 + tile)
        qi, dOi = q[..., rows, :] * scale, d_out[..., rows, :]
        last = min(Tk, r0 + qi.shape[-2]) if causal else Tk
        for c0 in range(0, last, tile):
            cols = slice(c0, c0 + tile)
            S, _ = _scores(qi, k[..., cols, :], r0, c0, causal)
            P = np.exp(S - lse[..., rows, None])                  # the softmax's weights
            dv[..., cols, :] += P.swapaxes(-1, -2) @ dOi
            dS = dOi @ v[..., cols, :].swapaxes(-1, -2)           # ∂E/∂P
            dS -= D[..., rows, None]
            dS *= P                                               # ∂E/∂S
            dq[..., rows, :] += dS @ k[..., cols, :]
            dk[..., cols, :] += dS.swapaxes(-1, -2) @ qi
    dq *= scale
    return dq, dk, dv
