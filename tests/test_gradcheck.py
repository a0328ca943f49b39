"""Tests of nnbook/gradcheck.py: the finite-difference oracle on known
functions, and check_gradients catching a deliberately wrong backward."""

import numpy as np
import pytest

import nnbook as nb


def test_numerical_gradient_of_sum_of_squares_is_2x():
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -0.25]])
    g = nb.numerical_gradient(lambda v: np.sum(v ** 2), x)
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * x, rtol=1e-8, atol=1e-8)


def test_numerical_gradient_uses_central_differences():
    # for x³, (f(x+h) − f(x−h)) / 2h = 3x² + h² exactly; a forward difference would add 3xh
    x = np.array([2.0])
    g = nb.numerical_gradient(lambda v: v[0] ** 3, x, eps=1e-3)
    assert g[0] == pytest.approx(12.0 + 1e-6, abs=1e-9)


def test_numerical_gradient_through_a_closure_and_restores_x():
    W = np.array([[0.3, -1.2], [2.0, 0.7]])
    before = W.copy()

    def f(_):                      # reads W itself, not its argument
        return float(np.sum(np.sin(W)))

    g = nb.numerical_gradient(f, W)
    np.testing.assert_allclose(g, np.cos(before), rtol=1e-8)
    np.testing.assert_array_equal(W, before)          # restored bit for bit


def test_numerical_gradient_accepts_lists_and_scalars():
    np.testing.assert_allclose(nb.numerical_gradient(lambda v: np.sum(3 * v), [1, 2]), [3.0, 3.0])
    assert nb.numerical_gradient(lambda v: float(v) ** 2, 1.5) == pytest.approx(3.0)


def test_numerical_gradient_rejects_non_contiguous_arrays():
    x = np.zeros((2, 3)).T                               # a view that reshape(-1) must copy
    with pytest.raises(ValueError, match=r"numerical_gradient: x must be a contiguous array"):
        nb.numerical_gradient(np.sum, x)


def test_relative_error():
    assert nb.relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert nb.relative_error([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert nb.relative_error([3.0, 4.0], [0.0, 0.0]) == 1.0
    assert nb.relative_error([1.0], [3.0]) == pytest.approx(2 / 4)
    with pytest.raises(ValueError, match=r"relative_error: shapes differ, \(2,\) vs \(3,\)"):
        nb.relative_error([1.0, 2.0], [1.0, 2.0, 3.0])


def test_check_gradients_on_dense():
    rng = np.random.default_rng(0)
    layer = nb.Dense(3, 2, rng=rng)
    errors = nb.check_gradients(layer, rng.standard_normal((4, 3)), rng=rng)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-7


def test_check_gradients_with_explicit_dy_and_determinism():
    layer = nb.Dense(2, 2, rng=np.random.default_rng(1))
    x = np.array([[1.0, -1.0]])
    errors = nb.check_gradients(layer, x, dy=np.array([[1.0, 2.0]]))
    assert max(errors.values()) < 1e-7
    a = nb.check_gradients(layer, x, rng=np.random.default_rng(5))
    b = nb.check_gradients(layer, x, rng=np.random.default_rng(5))
    assert a == b


class BuggyDense(nb.Dense):
    """Dense whose backward forgets to sum ∂E/∂b over the batch and drops the
    transpose's partner: a typical first-try mistake."""

    def backward(self, dy, need_dx=True):
        dx = super().backward(dy, need_dx)
        self.grads["b"][...] = dy[0]                      # bug: only the first sample
        return None if dx is None else 2 * dx             # bug: a stray factor 2


def test_check_gradients_detects_a_wrong_backward():
    rng = np.random.default_rng(2)
    errors = nb.check_gradients(BuggyDense(3, 2, rng=rng), rng.standard_normal((5, 3)), rng=rng)
    assert errors["W"] < 1e-7                             # W is right …
    assert errors["b"] > 0.1                              # … b and x are not
    assert errors["x"] == pytest.approx(1 / 3, rel=1e-6)  # ‖2g − g‖ / (‖2g‖ + ‖g‖)


def test_check_gradients_with_loss_on_a_model():
    rng = np.random.default_rng(3)
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 1, rng=rng)])
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    errors = nb.check_gradients(model, x, loss=nb.MSE(), y=y)
    assert set(errors) == {"x", "0.W", "0.b", "2.W", "2.b"}
    assert max(errors.values()) < 1e-6


def test_check_gradients_needs_y_with_loss():
    with pytest.raises(ValueError, match=r"check_gradients: with loss= also pass the targets y="):
        nb.check_gradients(nb.Dense(2, 1), np.ones((1, 2)), loss=nb.MSE())


def test_numerical_gradient_accepts_one_element_arrays_and_rejects_vectors():
    x = np.array([1.0, 2.0])
    g = nb.numerical_gradient(lambda v: np.array([np.sum(v ** 2)]), x)
    assert np.allclose(g, 2 * x, atol=1e-6)
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape \(2,\)"):
        nb.numerical_gradient(lambda v: v * 2, x)


def test_check_gradients_on_a_float32_layer_computes_in_float64():
    layer = nb.Dense(3, 2, rng=np.random.default_rng(0), dtype=np.float32)
    w = layer.params["W"]
    errors = nb.check_gradients(layer, np.random.default_rng(1).standard_normal((4, 3)),
                                rng=np.random.default_rng(2))
    assert max(errors.values()) < 1e-7
    assert layer.params["W"] is w and w.dtype == np.float32      # put back as it was


def test_an_exactly_zero_gradient_is_not_called_wrong():
    """Attention over one position (T = 1) has ∂E/∂W_q = ∂E/∂W_k = 0 exactly (and b_k's
    is 0 at any T): finite differences give round-off there, and the relative error of two
    "zeros" was 1.0. Both within the differences' round-off is agreement; a gradient that
    should not be 0 still fails."""
    rng = np.random.default_rng(0)
    layer = nb.MultiHeadAttention(4, 2, rng=rng)
    for p in layer.params.values():
        p += 0.1 * rng.normal(size=p.shape)
    errors = nb.check_gradients(layer, rng.normal(size=(2, 1, 4)), rng=rng)
    assert np.abs(layer.grads["W_q"]).max() < 1e-15          # 0 up to round-off
    assert max(errors.values()) < 1e-7, errors
    assert nb.check_gradients(layer, rng.normal(size=(2, 3, 4)), rng=rng)["b_k"] < 1e-7

    class ForgetsW(nb.Dense):
        def backward(self, dy, need_dx=True):
            dx = super().backward(dy, need_dx)
            self.grads["W"][...] = 0.0            # a gradient that should not be zero
            return dx
    assert nb.check_gradients(ForgetsW(3, 2, rng=rng), rng.normal(size=(4, 3)),
                              rng=rng)["W"] == 1.0
