"""empty_aligned: shape, dtype and a first value on a 64-byte boundary; BatchNorm's
work arrays and outputs come from it."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.layers.aligned import ALIGN, empty_aligned


@pytest.mark.parametrize("shape", [(0,), (1,), (3, 5), (256, 128), (2, 3, 4, 5)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_shape_dtype_and_boundary(shape, dtype):
    a = empty_aligned(shape, dtype)
    assert a.shape == shape and a.dtype == np.dtype(dtype)
    assert a.flags.c_contiguous and a.flags.writeable
    assert a.size == 0 or a.ctypes.data % ALIGN == 0       # (no first value: no address)
    a[...] = 7                                   # every value is writable
    assert np.all(a == 7)


def test_batchnorm_arrays_start_on_the_boundary():
    bn = nb.BatchNorm(8, dtype=np.float32)
    bn.training = True
    x = np.random.default_rng(0).standard_normal((40, 8)).astype(np.float32)
    y = bn.forward(x)
    dx = bn.backward(np.ones_like(x))
    for a in (y, dx, *bn._work_arrays[1:]):
        assert a.ctypes.data % ALIGN == 0
    assert y.dtype == dx.dtype == np.float32
