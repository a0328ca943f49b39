"""Tests of nnbook/layers/conv/pooling.py: MaxPool2D and AvgPool2D (hand-computed values,
shapes, the tie rule, overlapping windows against a loop reference, gradients
against finite differences, float32, every error message)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnbook as nb

# The notes' max-pooling example (file 002): f = 2, s = 2.
X4 = np.array([[8, 4, 2, 1],
               [9, 3, 2, 8],
               [1, 5, 7, 1],
               [2, 0, 3, 7]], dtype=float)


def image(a):
    """(h, w) → (1, h, w, 1)."""
    return np.asarray(a, dtype=float)[None, :, :, None]


def pool_loops(x, dy, f, s, kind):
    """Reference: y and dx window by window. Max sends dy to np.argmax of the
    window, which is the first maximum in row-major order."""
    m, h, w, c = x.shape
    h_o, w_o = (h - f) // s + 1, (w - f) // s + 1
    y, dx = np.zeros((m, h_o, w_o, c)), np.zeros(x.shape)
    for n in range(m):
        for r in range(h_o):
            for q in range(w_o):
                for k in range(c):
                    window = x[n, s * r:s * r + f, s * q:s * q + f, k]
                    if kind == "max":
                        i, j = np.unravel_index(np.argmax(window), window.shape)
                        y[n, r, q, k] = window[i, j]
                        dx[n, s * r + i, s * q + j, k] += dy[n, r, q, k]
                    else:
                        y[n, r, q, k] = window.mean()
                        dx[n, s * r:s * r + f, s * q:s * q + f, k] += dy[n, r, q, k] / f ** 2
    return y, dx


@st.composite
def pool_case(draw, ties):
    """(layer class, x, dy, pool_size, stride); ``ties``: small integers, many equal values."""
    f = draw(st.integers(1, 4))
    s = draw(st.integers(1, 4))
    m, h, w, c = draw(st.integers(1, 3)), draw(st.integers(f, 8)), draw(st.integers(f, 8)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if ties:
        x = rng.integers(0, 3, (m, h, w, c)).astype(float)
    else:                                                     # distinct values, 0.1 apart
        x = (rng.permutation(m * h * w * c) * 0.1).reshape(m, h, w, c)
    dy = rng.standard_normal((m, (h - f) // s + 1, (w - f) // s + 1, c))
    return x, dy, f, s


# values by hand ---------------------------------------------------------------------------------------
def test_notes_max_pool_example():
    pool = nb.MaxPool2D(2)
    np.testing.assert_array_equal(pool.forward(image(X4))[0, :, :, 0], [[9, 8], [5, 7]])
    dx = pool.backward(image([[1, 2], [3, 4]]))[0, :, :, 0]
    np.testing.assert_array_equal(dx, [[0, 0, 0, 0],
                                       [1, 0, 0, 2],
                                       [0, 3, 4, 0],
                                       [0, 0, 0, 0]])           # the two 7s tie: the first one gets dy


def test_notes_example_average_pool():
    pool = nb.AvgPool2D(2)
    np.testing.assert_array_equal(pool.forward(image(X4))[0, :, :, 0], [[6, 3.25], [2, 4.5]])
    dx = pool.backward(image([[4, 8], [0, -4]]))[0, :, :, 0]
    np.testing.assert_array_equal(dx, [[1, 1, 2, 2], [1, 1, 2, 2], [0, 0, -1, -1], [0, 0, -1, -1]])


def test_overlapping_max_pool_by_hand():
    # 3×3 windows moving by 1 on a 4×4 image: 2×2 outputs; 9 is in all four windows
    x = image([[1, 2, 3, 0], [4, 9, 5, 0], [6, 7, 8, 0], [0, 0, 0, 1]])
    pool = nb.MaxPool2D(3, stride=1)
    np.testing.assert_array_equal(pool.forward(x)[0, :, :, 0], [[9, 9], [9, 9]])
    dx = pool.backward(image([[1, 2], [3, 4]]))[0, :, :, 0]
    assert dx[1, 1] == 1 + 2 + 3 + 4 and dx.sum() == 10       # the gradients add up


def test_tie_goes_to_the_first_maximum_in_row_major_order():
    pool = nb.MaxPool2D(2)
    for window, first in [([[1, 3], [3, 2]], (0, 1)), ([[5, 5], [5, 5]], (0, 0)),
                          ([[0, 1], [2, 2]], (1, 0))]:
        pool.forward(image(window))
        dx = pool.backward(image([[7]]))[0, :, :, 0]
        want = np.zeros((2, 2))
        want[first] = 7
        np.testing.assert_array_equal(dx, want)


def test_channels_and_samples_pool_separately():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 6, 5))
    y = nb.MaxPool2D(2).forward(x)
    assert y.shape == (3, 2, 3, 5)
    assert y[2, 1, 0, 4] == x[2, 2:4, 0:2, 4].max()


@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
@pytest.mark.parametrize("f, s, shape, want", [
    (2, None, (2, 28, 28, 8), (2, 14, 14, 8)),
    (2, None, (1, 5, 7, 1), (1, 2, 3, 1)),                  # the last row/column is dropped
    (3, 1, (1, 5, 5, 2), (1, 3, 3, 2)),
    (3, 2, (1, 7, 8, 1), (1, 3, 3, 1)),
    (1, 3, (1, 7, 7, 1), (1, 3, 3, 1)),
])
def test_shapes(cls, f, s, shape, want):
    pool = cls(f, stride=s)
    x = np.random.default_rng(1).standard_normal(shape)
    y = pool.forward(x)
    assert y.shape == want and pool.output_shape(shape[1:]) == want[1:]
    assert pool.backward(np.ones(want)).shape == shape


def test_leftover_pixels_get_zero_gradient():
    x = np.random.default_rng(2).standard_normal((1, 5, 5, 1))
    for pool in (nb.MaxPool2D(2), nb.AvgPool2D(2)):
        pool.forward(x)
        dx = pool.backward(np.ones((1, 2, 2, 1)))
        assert np.all(dx[:, 4, :, :] == 0) and np.all(dx[:, :, 4, :] == 0)


# against the loop reference, with and without ties ----------------------------------------------------------
@settings(max_examples=80)
@given(pool_case(ties=True))
def test_max_pool_matches_the_loops_with_ties(case):
    x, dy, f, s = case
    pool = nb.MaxPool2D(f, stride=s)
    y_ref, dx_ref = pool_loops(x, dy, f, s, "max")
    np.testing.assert_array_equal(pool.forward(x), y_ref)
    np.testing.assert_allclose(pool.backward(dy), dx_ref, atol=1e-12)


@settings(max_examples=50)
@given(pool_case(ties=False))
def test_avg_pool_matches_the_loops(case):
    x, dy, f, s = case
    pool = nb.AvgPool2D(f, stride=s)
    y_ref, dx_ref = pool_loops(x, dy, f, s, "avg")
    np.testing.assert_allclose(pool.forward(x), y_ref, atol=1e-12)
    np.testing.assert_allclose(pool.backward(dy), dx_ref, atol=1e-12)


@settings(max_examples=30)
@given(pool_case(ties=False), st.sampled_from(["max", "avg"]))
def test_gradients_numerically(case, kind):
    x, dy, f, s = case
    pool = nb.MaxPool2D(f, stride=s) if kind == "max" else nb.AvgPool2D(f, stride=s)
    errors = nb.check_gradients(pool, x, dy, eps=1e-4)      # values 0.1 apart: no max changes
    assert set(errors) == {"x"} and errors["x"] < 1e-8, errors


# the layer contract ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
def test_no_parameters_config_repr(cls):
    pool = cls(3, stride=2)
    assert pool.params == {} and pool.grads == {}
    assert pool.get_config() == {"pool_size": 3, "stride": 2, "padding": 0}
    assert cls().get_config() == {"pool_size": 2, "stride": 2, "padding": 0}
    assert repr(pool) == f"{cls.__name__}(3×3, stride=2)"
    assert (pool.pool_size, pool.stride) == (3, 2)


@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
def test_output_shape_with_unknown_sizes(cls):
    assert cls(2).output_shape((None, 9, 4)) == (None, 4, 4)
    assert cls(2).output_shape((None, None, 4)) == (None, None, 4)


@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
def test_float32_stays_float32_and_ints_become_float64(cls):
    pool = cls(2)
    x = np.random.default_rng(3).standard_normal((2, 4, 4, 3)).astype(np.float32)
    y = pool.forward(x)
    assert y.dtype == np.float32
    assert pool.backward(np.ones(y.shape)).dtype == np.float32
    assert pool.forward(np.arange(16).reshape(1, 4, 4, 1)).dtype == np.float64


@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
def test_need_dx_false_returns_none(cls):
    pool = cls(2)
    pool.forward(np.ones((1, 4, 4, 1)))
    assert pool.backward(np.ones((1, 2, 2, 1)), need_dx=False) is None


def test_backward_does_not_change_the_stored_output():
    pool = nb.MaxPool2D(2)
    x = np.random.default_rng(4).standard_normal((1, 4, 4, 2))
    y = pool.forward(x)
    y_copy = y.copy()
    pool.backward(np.ones_like(y))
    np.testing.assert_array_equal(y, y_copy)


# errors -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
@pytest.mark.parametrize("args, kwargs, match", [
    ((0,), {}, r"expected pool_size to be an integer ≥ 1, got 0"),
    ((2.0,), {}, r"expected pool_size to be an integer ≥ 1, got 2\.0"),
    ((2,), {"stride": 0}, r"expected stride to be an integer ≥ 1, got 0"),
    ((2,), {"stride": -1}, r"expected stride to be an integer ≥ 1, got -1"),
])
def test_constructor_errors(cls, args, kwargs, match):
    with pytest.raises(ValueError, match=f"{cls.__name__}: {match}"):
        cls(*args, **kwargs)


@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
@pytest.mark.parametrize("shape, match", [
    ((4, 4, 1), r"expected input of shape \(m, h, w, c\), got \(4, 4, 1\)\. A single image needs a "
                r"batch axis: use x\[None\]\."),
    ((2, 16), r"expected input of shape \(m, h, w, c\), got \(2, 16\)\. Pass a batch of images"),
    ((2, 1, 4, 1), r"the 2×2 window is larger than the image: height 1 < 2 \(input \(2, 1, 4, 1\)\)\. "
                   r"Use a smaller pool_size or larger images\."),
])
def test_forward_errors(cls, shape, match):
    with pytest.raises(ValueError, match=rf"{cls.__name__}\(2×2, stride=2\): {match}"):
        cls(2).forward(np.zeros(shape))


@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
def test_non_numeric_input(cls):
    with pytest.raises(ValueError, match=r"expected numbers, got an array of dtype"):
        cls(1).forward(np.array([[[["a"]]]]))


@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
def test_backward_before_forward_and_bad_dy(cls):
    pool = cls(2)
    with pytest.raises(ValueError, match=rf"{cls.__name__}\(2×2, stride=2\): backward\(\) was called "
                                         r"before forward\(\)"):
        pool.backward(np.ones((1, 2, 2, 1)))
    pool.forward(np.ones((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(1, 2, 2, 1\).*got \(1, 4, 4, 1\)"):
        pool.backward(np.ones((1, 4, 4, 1)))


@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
def test_output_shape_errors(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}\(2×2, stride=2\): expected samples of shape "
                                         r"\(h, w, c\), got \(64,\)\. Pooling works on images"):
        cls(2).output_shape((64,))
    with pytest.raises(ValueError, match=r"the 2×2 window is larger than the image: width 1 < 2"):
        cls(2).output_shape((None, 1, 3))
    with pytest.raises(ValueError, match=r"Sequential: layer 2 does not fit.*window is larger"):
        nb.Sequential([nb.Conv2D(1, 2, 3, rng=np.random.default_rng(0)), cls(2), cls(2)],
                      input_shape=(5, 5, 1))
