"""Grouped-query attention (chapter 20): fewer key/value heads than query heads, each
key/value head shared by a group of g = n_heads / n_kv_heads consecutive query heads.
``kv_head_of`` says which head each query head reads; ``stack_groups`` lays the g query
heads of each key/value head one after the other, so that one product per key/value head
scores them all (the forward, the cached forward and the backward of attention use it).
"""

from __future__ import annotations

import numpy as np

from ...validate import positive_int

__all__ = ["kv_head_of", "stack_groups"]


def kv_head_of(n_heads, n_kv_heads):
    """The key/value head each query head reads: ``h // (n_heads // n_kv_heads)``.

    Shapes: → (n_heads,) integers. ``kv_head_of(4, 2)`` is ``[0, 0, 1, 1]``; with
    ``n_kv_heads = n_heads`` every head has its own (chapter 17's attention), with 1 all
    share one (multi-query attention). PyTorch's ``enable_gqa=True`` groups the same way.
    """
    n_heads = positive_int("kv_head_of", "n_heads", n_heads)
    n_kv_heads = positive_int("kv_head_of", "n_kv_heads", n_kv_heads)
    if n_heads % n_kv_heads:
        raise ValueError(_not_dividing("kv_head_of", n_heads, n_kv_heads))
    return np.arange(n_heads) // (n_heads // n_kv_heads)


def _not_dividing(owner, n_heads, n_kv_heads):
    ok = [k for k in range(1, n_heads + 1) if n_heads % k == 0]
    return (f"{owner}: n_kv_heads={n_kv_heads} does not divide n_heads={n_heads}; each "
            f"key/value head serves n_heads / n_kv_heads query heads. Use n_kv_heads in {ok}.")


def stack_groups(q, n_kv_heads):
    """The query heads of each key/value head stacked along the positions: (m, h, T, d) →
    (m, n_kv_heads, g·T, d), g = h / n_kv_heads, rows ``[i·T, (i+1)·T)`` of block j being
    query head j·g + i (a view when q is contiguous). Then ``stack_groups(q, k) @ kᵀ``
    scores every query head against the key/value head it reads: ``kv_head_of`` as one
    matrix product per key/value head, no copy of k."""
    m, h, T, d = q.shape
    return q.reshape(m, n_kv_heads, (h // n_kv_heads) * T, d)
