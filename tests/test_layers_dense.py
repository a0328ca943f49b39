"""Tests of nnbook/layers/dense.py and base.py: Layer, Dense and Flatten (hand-computed values,
shapes, the layer contract and every error message)."""

import numpy as np
import pytest

import nnbook as nb


def dense_2x2():
    """The hand example: W = [[1, 2], [3, 4]], b = [0.5, −1]."""
    layer = nb.Dense(2, 2, rng=np.random.default_rng(0))
    layer.params["W"][...] = [[1.0, 2.0], [3.0, 4.0]]
    layer.params["b"][...] = [0.5, -1.0]
    return layer


# Dense: values by hand -------------------------------------------------------------
def test_dense_forward_by_hand():
    layer = dense_2x2()
    x = np.array([[1.0, 1.0], [2.0, -1.0]])
    # row 1: [1+3, 2+4] + b = [4.5, 5];  row 2: [2−3, 4−4] + b = [−0.5, −1]
    np.testing.assert_array_equal(layer.forward(x), [[4.5, 5.0], [-0.5, -1.0]])


def test_dense_backward_by_hand():
    layer = dense_2x2()
    x = np.array([[1.0, 1.0], [2.0, -1.0]])
    dy = np.array([[1.0, 0.0], [0.0, 2.0]])
    layer.forward(x)
    dx = layer.backward(dy)
    # dW = Xᵀ dY = [[1, 2], [1, −1]] @ [[1, 0], [0, 2]]
    np.testing.assert_array_equal(layer.grads["W"], [[1.0, 4.0], [1.0, -2.0]])
    np.testing.assert_array_equal(layer.grads["b"], [1.0, 2.0])       # summed over the batch
    # dX = dY Wᵀ = [[1, 0], [0, 2]] @ [[1, 3], [2, 4]]
    np.testing.assert_array_equal(dx, [[1.0, 3.0], [4.0, 8.0]])


def test_dense_backward_need_dx_false_fills_grads_and_returns_none():
    layer = dense_2x2()
    layer.forward(np.array([[1.0, 1.0], [2.0, -1.0]]))
    assert layer.backward(np.array([[1.0, 0.0], [0.0, 2.0]]), need_dx=False) is None
    np.testing.assert_array_equal(layer.grads["W"], [[1.0, 4.0], [1.0, -2.0]])
    np.testing.assert_array_equal(layer.grads["b"], [1.0, 2.0])


def test_dense_backward_overwrites_grads_rather_than_accumulating():
    layer = dense_2x2()
    x, dy = np.ones((1, 2)), np.ones((1, 2))
    for _ in range(3):
        layer.forward(x)
        layer.backward(dy)
    np.testing.assert_array_equal(layer.grads["W"], np.ones((2, 2)))
    np.testing.assert_array_equal(layer.grads["b"], [1.0, 1.0])


def test_dense_shapes():
    layer = nb.Dense(3, 5, rng=np.random.default_rng(1))
    assert layer.params["W"].shape == (3, 5)
    assert layer.params["b"].shape == (5,)
    assert set(layer.grads) == set(layer.params) == {"W", "b"}
    assert all(layer.grads[k].shape == layer.params[k].shape for k in layer.params)
    x = np.random.default_rng(2).standard_normal((7, 3))
    y = layer.forward(x)
    assert y.shape == (7, 5)
    assert layer.backward(np.ones_like(y)).shape == (7, 3)
    assert layer.output_shape((3,)) == (5,)


def test_dense_params_are_live():
    layer = nb.Dense(2, 1, rng=np.random.default_rng(0))
    W = layer.params["W"]
    layer.params["W"][...] = [[2.0], [-1.0]]
    layer.params["b"][...] = 3.0
    assert layer.params["W"] is W
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 1.0]])), [[4.0]])


def test_dense_call_is_forward():
    layer = dense_2x2()
    x = np.array([[1.0, 0.0]])
    np.testing.assert_array_equal(layer(x), layer.forward(x))


def test_dense_custom_init_function_and_dtype():
    def init(shape, fan_in, fan_out, rng, dtype):
        assert (fan_in, fan_out) == (3, 2)
        return np.full(shape, 0.5, dtype=dtype)

    layer = nb.Dense(3, 2, init=init, dtype=np.float32)
    assert layer.params["W"].dtype == layer.params["b"].dtype == np.float32
    np.testing.assert_array_equal(layer.params["W"], np.full((3, 2), 0.5))
    y = layer.forward(np.ones((4, 3), dtype=np.float32))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, np.full((4, 2), 1.5))


def test_dense_repr_and_config():
    layer = nb.Dense(3, 1)
    assert repr(layer) == "Dense(3 → 1)"
    assert layer.get_config() == {"n_in": 3, "n_out": 1}


# Dense: errors ------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3", None])
def test_dense_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match=r"Dense: expected n_in to be an integer ≥ 1"):
        nb.Dense(bad, 2)
    with pytest.raises(ValueError, match=r"Dense: expected n_out to be an integer ≥ 1"):
        nb.Dense(2, bad)


def test_dense_accepts_numpy_integers():
    layer = nb.Dense(np.int64(2), np.int32(3))
    assert layer.params["W"].shape == (2, 3)
    assert type(layer.n_in) is int


def test_dense_rejects_bad_dtype_and_init():
    with pytest.raises(ValueError, match=r"expected a floating dtype.*got"):
        nb.Dense(2, 2, dtype=np.int32)
    with pytest.raises(ValueError, match=r"unknown init 'nope'"):
        nb.Dense(2, 2, init="nope")
    with pytest.raises(ValueError, match=r"np.random.default_rng\(seed\)"):
        nb.Dense(2, 2, rng=42)


def test_dense_rejects_init_of_wrong_shape():
    with pytest.raises(ValueError, match=r"init returned shape \(2,\), expected \(2, 3\)"):
        nb.Dense(2, 3, init=lambda shape, fi, fo, rng, dtype: np.zeros(2))


def test_dense_forward_wrong_feature_count_names_expected_and_received():
    layer = nb.Dense(3, 1)
    with pytest.raises(ValueError, match=r"Dense\(3 → 1\): expected input of shape \(m, 3\), "
                                         r"got \(4, 2\)\. Check"):
        layer.forward(np.zeros((4, 2)))


def test_dense_forward_wrong_rank():
    layer = nb.Dense(3, 1)
    with pytest.raises(ValueError, match=r"got \(3,\)\. A single sample needs a batch axis"):
        layer.forward(np.zeros(3))
    with pytest.raises(ValueError, match=r"got \(2, 3, 1\)\. Add Flatten\(\)"):
        layer.forward(np.zeros((2, 3, 1)))


def test_dense_backward_before_forward():
    with pytest.raises(ValueError, match=r"Dense\(2 → 2\): backward\(\) was called before forward\(\)"):
        nb.Dense(2, 2).backward(np.zeros((1, 2)))


def test_dense_backward_wrong_dy_shape():
    layer = nb.Dense(2, 3)
    layer.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(4, 3\).*got \(4, 2\)"):
        layer.backward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(4, 3\).*got \(3,\)"):
        layer.backward(np.zeros(3))


def test_dense_output_shape_mismatch():
    with pytest.raises(ValueError, match=r"expected samples of shape \(3,\), got \(4,\)"):
        nb.Dense(3, 1).output_shape((4,))


# Flatten -----------------------------------------------------------------------------
def test_flatten_c_order_nhwc():
    x = np.arange(2 * 2 * 3 * 2).reshape(2, 2, 3, 2).astype(float)   # (m, h, w, c)
    layer = nb.Flatten()
    y = layer.forward(x)
    assert y.shape == (2, 12)
    # row by row, channels last: sample 0 is pixel (0,0) c0, c1, pixel (0,1) c0, c1, …
    np.testing.assert_array_equal(y[0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    np.testing.assert_array_equal(y[1, :2], x[1, 0, 0, :])
    assert layer.params == {} and layer.grads == {}


def test_flatten_backward_restores_shape():
    x = np.random.default_rng(0).standard_normal((3, 2, 2))
    layer = nb.Flatten()
    y = layer.forward(x)
    dx = layer.backward(2 * y)
    assert dx.shape == x.shape
    np.testing.assert_array_equal(dx, 2 * x)
    assert layer.backward(y, need_dx=False) is None


def test_flatten_output_shape():
    assert nb.Flatten().output_shape((8, 8, 1)) == (64,)
    assert nb.Flatten().output_shape((None, None, 3)) == (None,)


def test_flatten_errors():
    with pytest.raises(ValueError, match=r"Flatten\(\): expected a batch of shape \(m, …\), got \(3,\)"):
        nb.Flatten().forward(np.zeros(3))
    with pytest.raises(ValueError, match=r"Flatten\(\): backward\(\) was called before forward\(\)"):
        nb.Flatten().backward(np.zeros((1, 3)))
    layer = nb.Flatten()
    layer.forward(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(2, 12\).*got \(2, 3, 4\)"):
        layer.backward(np.zeros((2, 3, 4)))


# the base class ------------------------------------------------------------------------
def test_layer_base_has_empty_params_and_abstract_methods():
    layer = nb.Layer()
    assert layer.params == {} and layer.grads == {}
    with pytest.raises(NotImplementedError):
        layer.forward(np.zeros((1, 1)))
    with pytest.raises(NotImplementedError):
        layer.backward(np.zeros((1, 1)))
    assert layer.output_shape((3, 2)) == (3, 2)
    assert layer.get_config() == {}
