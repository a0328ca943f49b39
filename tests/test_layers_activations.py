"""Tests of nnbook/layers/activations.py: values and derivatives by hand, softmax's
stability and Jacobian, the layer contract of the activation layers."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnbook as nb

ELEMENTWISE = [nb.Sigmoid, nb.Tanh, nb.ReLU]


# sigmoid -----------------------------------------------------------------------------------
def test_sigmoid_values_by_hand():
    np.testing.assert_allclose(nb.sigmoid([0.0, 1.0, -1.0]),
                               [0.5, 0.7310585786300049, 0.2689414213699951], rtol=1e-15)
    assert nb.Sigmoid().function(np.array(0.0)) == 0.5


def test_sigmoid_is_stable_for_large_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # no overflow warning either
        s = nb.sigmoid(np.array([-1000.0, -40.0, 40.0, 1000.0]))
    assert np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[-1] == 1.0
    assert 0 < s[1] < 1e-17


def test_sigmoid_derivative_peaks_at_zero_with_a_quarter():
    x = np.linspace(-10, 10, 2001)                         # contains 0 exactly
    d = nb.Sigmoid().derivative(x)
    assert d.max() == 0.25
    assert x[d.argmax()] == 0.0
    assert np.all(d <= 0.25) and np.all(d > 0)
    np.testing.assert_allclose(nb.Sigmoid().derivative(np.array([1.0])),
                               [0.7310585786300049 * 0.2689414213699951])


# tanh and ReLU -------------------------------------------------------------------------------
def test_tanh_values_and_derivative():
    layer = nb.Tanh()
    np.testing.assert_allclose(layer.function(np.array([0.0, 1.0])), [0.0, 0.7615941559557649])
    assert layer.derivative(np.array([0.0]))[0] == 1.0
    np.testing.assert_allclose(layer.derivative(np.array([1.0])), [1 - 0.7615941559557649 ** 2])


def test_relu_values_and_derivative_zero_at_zero():
    layer = nb.ReLU()
    x = np.array([-2.0, -0.0, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(layer.function(x), [0.0, 0.0, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(layer.derivative(x), [0.0, 0.0, 0.0, 1.0, 1.0])
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(np.full(5, 7.0)), [0.0, 0.0, 0.0, 7.0, 7.0])


def test_integer_input_becomes_float64():
    for cls in ELEMENTWISE + [nb.Softmax]:
        y = cls().forward(np.array([[1, 2]]))
        assert y.dtype == np.float64, cls


@pytest.mark.parametrize("cls", ELEMENTWISE + [nb.Softmax])
def test_float32_stays_float32(cls):
    layer = cls()
    x = np.array([[-1.0, 0.5, 2.0]], dtype=np.float32)
    y = layer.forward(x)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32


# the layer contract for elementwise activations ----------------------------------------------
@settings(max_examples=25, deadline=None)
@given(data=st.data(), cls=st.sampled_from(ELEMENTWISE))
def test_backward_is_dy_times_derivative(data, cls):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4))
    floats = st.floats(-5, 5).filter(lambda v: abs(v) > 1e-3)
    x = data.draw(hnp.arrays(np.float64, shape, elements=floats))
    dy = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3)))
    layer = cls()
    y = layer.forward(x)
    assert y.shape == x.shape
    np.testing.assert_allclose(y, layer.function(x))
    np.testing.assert_allclose(layer.backward(dy), dy * layer.derivative(x), rtol=1e-12, atol=1e-15)
    assert layer.params == {} and layer.grads == {}


@pytest.mark.parametrize("cls", ELEMENTWISE + [nb.Softmax])
def test_activation_errors(cls):
    layer = cls()
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"{name}\(\): backward\(\) was called before forward\(\)"):
        layer.backward(np.zeros((2, 3)))
    layer.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=rf"{name}\(\): expected dy of shape \(2, 3\).*got \(3, 2\)"):
        layer.backward(np.zeros((3, 2)))
    assert layer.backward(np.zeros((2, 3)), need_dx=False) is None


# softmax -------------------------------------------------------------------------------------
def test_softmax_of_1_2_3():
    np.testing.assert_allclose(nb.softmax([1.0, 2.0, 3.0]), [0.0900, 0.2447, 0.6652], atol=5e-5)
    np.testing.assert_allclose(nb.softmax([1.0, 2.0, 3.0]).sum(), 1.0, rtol=1e-15)


def test_softmax_erratum_value():
    # the notes' e^10/(e^10 + e^2 + e^0) is ≈ 0.9996, not 0
    e10, e2 = 22026.4658, 7.3891                         # e^10, e^2
    assert nb.softmax([10.0, 2.0, 0.0])[0] == pytest.approx(e10 / (e10 + e2 + 1.0), abs=1e-7)
    assert nb.softmax([10.0, 2.0, 0.0])[0] > 0.9996


def test_softmax_is_stable_for_large_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = nb.softmax(np.array([1000.0, 1001.0]))
        ls = nb.log_softmax(np.array([1000.0, 1001.0]))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(ls))
    np.testing.assert_allclose(y, [0.2689414213699951, 0.7310585786300049], rtol=1e-14)
    np.testing.assert_allclose(ls, np.log(y), rtol=1e-14)


def test_softmax_works_on_the_last_axis_of_a_batch():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    y = nb.Softmax().forward(x)
    np.testing.assert_allclose(y[1], [1 / 3] * 3)
    np.testing.assert_allclose(y.sum(axis=-1), [1.0, 1.0])
    np.testing.assert_allclose(nb.softmax(x, axis=0)[:, 0], [np.e / (1 + np.e), 1 / (1 + np.e)])


def test_softmax_jacobian_is_diag_minus_outer():
    x = np.array([1.0, 2.0, 3.0])
    y = nb.softmax(x)
    J = nb.Softmax().jacobian(x)
    np.testing.assert_allclose(J, np.diag(y) - np.outer(y, y), rtol=1e-15)
    np.testing.assert_allclose(J, J.T)
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-16)   # rows sum to 0
    # entry by hand: ∂y_0/∂x_0 = y_0 (1 − y_0)
    assert J[0, 0] == pytest.approx(y[0] * (1 - y[0]))


def test_softmax_backward_applies_the_jacobian_per_sample():
    rng = np.random.default_rng(3)
    x, dy = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    layer = nb.Softmax()
    layer.forward(x)
    dx = layer.backward(dy)
    expected = np.stack([nb.Softmax().jacobian(x[i]).T @ dy[i] for i in range(4)])
    np.testing.assert_allclose(dx, expected, rtol=1e-12, atol=1e-15)


def test_softmax_has_no_elementwise_derivative():
    with pytest.raises(ValueError, match=r"Softmax\(\): softmax is not elementwise.*jacobian"):
        nb.Softmax().derivative(np.zeros(3))
    with pytest.raises(ValueError, match=r"Softmax\(\)/softmax\(\): expected an array with a class axis, got a scalar"):
        nb.Softmax().forward(1.0)
    with pytest.raises(ValueError, match=r"softmax\(\): expected an array with a class axis"):
        nb.softmax(2.0)
