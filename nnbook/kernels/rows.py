"""Reductions along the last axis, written for short rows: ``row_max``, the max of each
row as one ``reduceat`` over the array's flat memory (attention's softmax over its keys,
chapters 17–28).
"""

from __future__ import annotations

import numpy as np

__all__ = ["row_max"]


def row_max(S):
    """The max of each row of ``S`` over its last axis, ``np.maximum.reduce(S, axis=-1,
    keepdims=True)`` to the bit (a max does not depend on the order it reads its row; NaN
    propagates the same way), a new array. For a C-contiguous ``S`` with rows of n ≥ 1,
    one ``np.maximum.reduceat`` over the flat array at every n-th entry; any other ``S``
    goes to ``np.maximum.reduce``.

    Shapes: S (…, n)  →  (…, 1).
    """
    n = S.shape[-1]
    if n == 0 or S.size == 0 or not S.flags.c_contiguous:
        return np.maximum.reduce(S, axis=-1, keepdims=True)
    flat = S.reshape(-1)
    starts = np.arange(0, flat.size, n)
    return np.maximum.reduceat(flat, starts).reshape(S.shape[:-1] + (1,))
