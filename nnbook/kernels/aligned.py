"""Arrays that start on a 64-byte boundary (the layers' speed, not the course's subject):
BatchNorm's work arrays and outputs (chapter 13), Dense's parameters and gradients
(``aligned_params``), the fast pairs' work arrays and the optimizers' buffers. Why, and
what it was measured to save: benchmarks/README.md, "Where the speed comes from".
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["ALIGN", "empty_aligned", "aligned_like", "aligned_copy", "aligned_params",
           "aligned_zeros"]

ALIGN = 64          # bytes: one cache line, one AVX-512 vector


def empty_aligned(shape, dtype) -> np.ndarray:
    """``np.empty(shape, dtype)`` whose first value sits on an ``ALIGN``-byte boundary:
    a view into a byte buffer ALIGN bytes longer, starting at the first boundary.

    Shapes: any ``shape``, C-ordered.
    """
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    nbytes = math.prod(shape) * dtype.itemsize       # (math.prod: np.prod took 2.7 µs a call)
    raw = np.empty(nbytes + ALIGN, np.uint8)
    start = -raw.ctypes.data % ALIGN
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def aligned_like(a, zeros: bool = False) -> np.ndarray:
    """An ``ALIGN``-aligned C-ordered array of ``a``'s shape and dtype: uninitialised, or
    filled with zeros (``np.empty_like``/``np.zeros_like`` on a boundary)."""
    out = empty_aligned(np.shape(a), np.asarray(a).dtype)
    if zeros:
        out[...] = 0
    return out


def aligned_copy(a, dtype=None) -> np.ndarray:
    """A copy of ``a`` (as ``dtype``, default its own) on an ``ALIGN``-byte boundary."""
    a = np.asarray(a)
    out = empty_aligned(a.shape, a.dtype if dtype is None else dtype)
    out[...] = a
    return out


def aligned_zeros(arrays, n: int) -> list:
    """For each of ``arrays``, ``n`` arrays of zeros of its shape and dtype, each on an
    ``ALIGN``-byte boundary, all cut from one allocation (an optimizer's buffers for every
    parameter, made in one pass): ``[[z_1, …, z_n] for each array]``.

    Shapes: each ``z_i`` of its array's shape, C-ordered.
    """
    spans, total = [], 0
    for a in arrays:                                 # each array's bytes, rounded up to ALIGN
        span = -(-a.size * a.dtype.itemsize // ALIGN) * ALIGN
        spans.append(span)
        total += span * n
    raw = np.zeros(total + ALIGN, np.uint8)
    start = -raw.ctypes.data % ALIGN
    out = []
    for a, span in zip(arrays, spans):
        nbytes, zeros = a.size * a.dtype.itemsize, []
        for _ in range(n):
            zeros.append(raw[start:start + nbytes].view(a.dtype).reshape(a.shape))
            start += span
        out.append(zeros)
    return out


def aligned_params(params, dtype):
    """``(params, grads)``: a copy of each array of ``params`` as ``dtype`` on an
    ``ALIGN``-byte boundary, and zero gradients like them (Dense's arrays: the optimizer's
    buffers are aligned too, and the passes over all three are faster)."""
    params = {k: aligned_copy(v, dtype) for k, v in params.items()}
    return params, {k: aligned_like(v, zeros=True) for k, v in params.items()}
