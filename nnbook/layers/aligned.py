"""Arrays that start on a 64-byte boundary (the layers' speed, not the course's
subject): BatchNorm's work arrays and outputs (chapter 13), Dense's parameters and
gradients, and the optimizers' buffers (an SGD update reads and writes each weight
matrix twice: 1-2.5 % of a training step of a 64-64-64-10 MLP, 3 % at 128 wide and
batch 256, float64). The LSTM's and Conv2D's work arrays were measured too, and ran
no faster in these.

NumPy's arrays start where the C allocator puts them: on a 16-byte boundary, a
64-byte one only by chance (glibc gives a fresh block of 128 kB or more 16 bytes past
a page). A 64-byte cache line then holds the end of one AVX-512 vector and the start
of the next, and NumPy's element-wise loops read and write two lines per vector:
measured on an Intel Xeon (AVX512_SPR), one thread,
``np.multiply(a, b, out=c)`` on (256, 128) float32 took 6.4 µs with the three
arrays 16 bytes off and 3.2 µs with all three on the boundary (float64 12.6 and
6.1 µs; (4, 32, 64) float32 1.9 and 1.05 µs). The values are the same: where an array
starts changes which loads NumPy makes, not what it adds or multiplies.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["ALIGN", "empty_aligned", "aligned_like", "aligned_copy"]

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
