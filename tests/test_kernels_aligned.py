"""empty_aligned: shape, dtype and a first value on a 64-byte boundary; BatchNorm's
work arrays and outputs come from it."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.kernels.aligned import ALIGN, empty_aligned


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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_aligned_copy_and_like_keep_values_shape_and_dtype(dtype):
    from nnbook.kernels.aligned import aligned_copy, aligned_like
    a = np.arange(15, dtype=np.float64).reshape(3, 5)[:, ::2]           # a strided view
    c = aligned_copy(a, dtype)
    assert c.dtype == dtype and c.shape == (3, 3) and c.ctypes.data % ALIGN == 0
    np.testing.assert_array_equal(c, a)
    z = aligned_like(c, zeros=True)
    assert z.dtype == dtype and z.shape == c.shape and not z.any() and z.ctypes.data % ALIGN == 0


@pytest.mark.parametrize("make", [lambda: nb.SGD(lr=0.1, momentum=0.9), lambda: nb.Adam(),
                                  lambda: nb.RMSProp(momentum=0.5, centered=True)])
def test_dense_weights_gradients_and_optimizer_buffers_start_on_the_boundary(make):
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Dense(5, 7, rng=rng), nb.ReLU(), nb.Dense(7, 3, rng=rng)])
    model.compile(make(), "mse")
    x, y = rng.standard_normal((6, 5)), rng.standard_normal((6, 3))
    model.train_step(x, y)
    arrays = [a for layer in model.layers for d in (layer.params, layer.grads) for a in d.values()]
    arrays += [b for st in model.optimizer._state.values() for b in st.values()
               if isinstance(b, np.ndarray)]
    assert len(arrays) > 8
    assert all(a.ctypes.data % ALIGN == 0 for a in arrays)


def test_aligned_zeros_cuts_every_buffer_from_one_allocation_on_the_boundary():
    from nnbook.kernels.aligned import aligned_zeros
    arrays = [np.ones((3, 5)), np.ones(7, np.float32), np.ones((0, 4)), np.ones((2, 2, 2))]
    made = aligned_zeros(arrays, 3)
    assert len(made) == 4 and all(len(zeros) == 3 for zeros in made)
    for a, zeros in zip(arrays, made):
        for z in zeros:
            assert z.shape == a.shape and z.dtype == a.dtype and z.flags.c_contiguous
            assert z.size == 0 or z.ctypes.data % ALIGN == 0
            assert not z.any()
            z[...] = 5                           # no two buffers share a byte
    assert all(np.all(z == 5) for zeros in made for z in zeros)
