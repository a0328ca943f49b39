"""Scaled dot-product attention, ``softmax(q kᵀ/√d) v``, in the two forms a
``MultiHeadAttention`` forward calls: over whole sequences (``attention``, chapter 17) and
for the new positions against a KV cache (``cached_attention``, chapter 21; ``masked_step``
when positions are masked by left padding or a sliding window, chapter 23).
"""

from __future__ import annotations

import math

import numpy as np

from ...kernels.online_softmax import masked_product
from ...kernels.rows import row_max
from .gqa import stack_groups

__all__ = ["attention", "check_qkv", "cached_attention", "masked_step"]


def attention(q, k, v, *, mask=None, causal=False, scale=None, return_weights=False):
    """Scaled dot-product attention: ``softmax(q kᵀ · scale, masked) v`` on the last two axes.

    Shapes:
        q: (…, T_q, d);  k: (…, T_k, d);  v: (…, T_k, d_v)  →  (…, T_q, d_v)
        mask: broadcastable to (…, T_q, T_k);  the weights: (…, T_q, T_k)

    Args:
        mask: booleans, True where query i may attend key j (None: everywhere). A score
            that is not allowed is −∞ before the softmax, so its weight is exactly 0, and
            its value adds nothing, not even a NaN (``masked_product``).
        causal: True lets query i attend keys j ≤ i only (as PyTorch's ``is_causal``;
            with ``mask``, both must allow).
        scale: what q is multiplied by (None: 1/√d). ``MultiHeadAttention`` calls this
            with q already scaled and ``scale=1.0``.
        return_weights: True returns ``(output, weights)``.

    The leading axes are batch and heads, broadcast as NumPy's ``@`` broadcasts them, so
    grouped-query attention is k, v with fewer heads than q stacked as
    ``MultiHeadAttention`` does, or ``k[:, nb.kv_head_of(h, k_heads)]``. A query that may
    attend nothing is a ``ValueError``, as are no keys (T_k = 0) and leading axes that do
    not broadcast. Chapter 17.
    """
    q, k, v = check_qkv("attention", q, k, v)
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    if scale != 1.0:
        q = q * scale
    A = q @ k.swapaxes(-1, -2)                                   # (…, T_q, T_k) scores
    allowed = np.tri(*A.shape[-2:], dtype=bool) if causal else None
    if mask is not None:
        mask = np.asarray(mask)
        try:
            fits = np.broadcast_shapes(mask.shape, A.shape) == A.shape
        except ValueError:
            fits = False
        if mask.dtype != bool or not fits:
            raise ValueError(f"attention: expected mask as booleans broadcastable to the "
                             f"scores' shape {A.shape} (True where a query may attend), got "
                             f"{mask.dtype} {mask.shape}. From an additive 0/−inf mask: "
                             f"mask = (additive == 0).")
        allowed = mask if allowed is None else mask & allowed
    if allowed is not None:
        if not allowed.any(axis=-1).all():
            raise ValueError("attention: a query may attend no key (a row of mask and "
                             "causal all False); its weights would be 0/0. Let every query "
                             "attend at least one key.")
        np.copyto(A, -np.inf, where=~allowed)                    # weight exactly 0
    _softmax_rows(A, allowed)                                    # weights
    out = masked_product(A, v, allowed)                          # A @ v; 0 · NaN left out
    return (out, A) if return_weights else out


def check_qkv(owner, q, k, v, *, same_leading=False):
    """q, k and v as arrays that attention can take, or a ``ValueError`` from ``owner``
    that names the shapes and the fix: q and k with the same d, k and v the same T_k, at
    least one key, and leading axes (batch, heads) that broadcast together
    (``same_leading=True``: that are equal, as the tiled kernels need). The one check of
    ``attention``'s arguments (chapter 17), which ``nb.precision.tiled_attention`` shares.

    Shapes: q: (…, T_q, d);  k: (…, T_k, d);  v: (…, T_k, d_v)."""
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    if (min(q.ndim, k.ndim, v.ndim) < 2 or q.shape[-1] != k.shape[-1]
            or k.shape[-2] != v.shape[-2]):
        raise ValueError(f"{owner}: expected q (…, T_q, d), k (…, T_k, d) and v (…, T_k, "
                         f"d_v), got {q.shape}, {k.shape} and {v.shape}. q and k need the same "
                         f"d; k and v the same T_k.")
    if k.shape[-2] == 0 and q.shape[-2]:
        raise ValueError(f"{owner}: got no keys (k {k.shape}, v {v.shape}), so every "
                         f"query's weights would be 0/0. Give at least one key and value "
                         f"(T_k ≥ 1).")
    if q.shape[:-2] == k.shape[:-2] == v.shape[:-2]:
        return q, k, v
    if same_leading:
        raise ValueError(f"{owner}: expected q, k and v with the same leading axes (batch, "
                         f"heads), got {q.shape[:-2]}, {k.shape[:-2]} and {v.shape[:-2]}. "
                         f"For grouped-query attention, repeat k and v per query head first "
                         f"(k[:, nb.kv_head_of(h, k_heads)]).")
    try:                                                         # batch, heads: broadcast?
        np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(
            f"{owner}: the leading axes (batch, heads) of q {q.shape[:-2]}, k "
            f"{k.shape[:-2]} and v {v.shape[:-2]} do not broadcast together. Give them "
            f"the same batch size and heads (or 1 where one is shared); for "
            f"grouped-query attention repeat k and v per query head: "
            f"k[:, nb.kv_head_of(h, k_heads)].") from None
    return q, k, v


def _softmax_rows(S, allowed=None):
    """Softmax over the last axis of ``S``, in place (rows with −∞ entries work): five
    passes (max, − max, e^·, Σ, · 1/Σ), two of them reading only, no new (…, T, T) array.

    ``allowed`` (booleans broadcastable to S, False where S is −∞): in float64 e^· is then
    taken where allowed only and the others set to 0 (= e^−∞), one pass more. NumPy's
    float64 e^x leaves its vector loop for −∞ (three to four times slower over a causal
    mask's scores); its float32 e^x does not, so float32 takes e^· everywhere. The same
    numbers either way."""
    S -= row_max(S)                                  # S.max(axis=-1, keepdims=True), faster
    if allowed is not None and S.dtype == np.float64:
        np.exp(S, out=S, where=allowed)
        np.copyto(S, 0.0, where=~allowed)
    else:
        np.exp(S, out=S)
    S *= 1.0 / np.add.reduce(S, axis=-1, keepdims=True)  # S.sum(…), the same way
    return S


def cached_attention(q, cache):
    """Causal attention of t new queries against every key and value in ``cache``, whose
    last t positions are the new ones: query i (position L − t + i) reads positions
    ≤ L − t + i. Query head h reads key/value head ``h // (n_heads // k)`` (gqa.py). A
    later position's key or value, even NaN or inf, changes no earlier query's output.

    Shapes: q (m, n_heads, t, d_head), already scaled by 1/√d_head (and rotated)
        → O (m, n_heads, t, d_head), A (m, n_heads, t, L) the attention weights.
    """
    m, h, t, dh = q.shape
    k, v = cache.keys_values()                                    # (m, kv, L, dh)
    kv, L = k.shape[1], k.shape[2]
    S = stack_groups(q, kv) @ k.swapaxes(-1, -2)                  # (m, kv, g·t, L)
    allowed = None                               # one new query sees every cached position
    if t > 1:                                    # −∞ written, not added: NaN + (−∞) is NaN
        allowed = np.tri(t, L, L - t, dtype=bool)                 # (t, L): key ≤ L − t + i
        np.copyto(S.reshape(m, h, t, L), -np.inf, where=~allowed)
        allowed = np.tile(allowed, (h // kv, 1))                  # (g·t, L), as S's rows
    _softmax_rows(S)
    return masked_product(S, v, allowed).reshape(m, h, t, dh), S.reshape(m, h, t, L)


def masked_step(q, k_new, v_new, cache, owner="masked_step"):
    """One cached step of attention that masks by position (chapter 23): query i, at
    position P = L + i, reads the key at position s when s ≤ P, when P − W < s with a
    sliding window of W, and when s ≥ pad of its row (a padded key is never read; a
    padding query reads itself, so no row is empty). The keys are the cache's kept ones
    and the t new ones; the new ones are then stored (a rolling cache keeps the last W).
    A key or value a query may not read, even NaN or inf, changes nothing of its output.

    Shapes: q (m, n_heads, t, d_head) scaled and rotated, k_new, v_new (m, kv, t, d_head)
        → O (m, n_heads, t, d_head), A (m, n_heads, t, n) over the n keys read.
    """
    m, h, t, dh = q.shape
    kv, L, Wn = k_new.shape[1], cache.length, cache.window
    if Wn is None:                               # every position stays: append, then read
        cache.append(k_new, v_new, owner)
        k, v, pos = cache.k, cache.v, np.arange(L + t)
    else:                                        # the kept slots and the new ones, copied
        pos = np.concatenate((cache.positions, np.arange(L, L + t)))
        k = k_new if L == 0 else np.concatenate((cache.k, k_new), axis=2)
        v = v_new if L == 0 else np.concatenate((cache.v, v_new), axis=2)
        cache.append(k_new, v_new, owner)
    P = np.arange(L, L + t)[:, None]                                      # (t, 1)
    allowed = pos <= P                                                    # (t, n)
    if Wn is not None:
        allowed &= pos > P - Wn
    if cache.pad is None:
        allowed = allowed[None]                                           # (1, t, n)
    else:
        allowed = allowed & ((pos >= cache.pad[:, None, None]) | (pos == P))   # (m, t, n)
    n = pos.shape[0]
    S = stack_groups(q, kv) @ k.swapaxes(-1, -2)                          # (m, kv, g·t, n)
    np.copyto(S.reshape(m, kv, h // kv, t, n), -np.inf, where=~allowed[:, None, None])
    _softmax_rows(S)
    allowed = np.tile(allowed, (1, h // kv, 1))[:, None]                 # as S: (·, 1, g·t, n)
    return masked_product(S, v, allowed).reshape(m, h, t, dh), S.reshape(m, h, t, n)
