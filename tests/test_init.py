"""Tests of nnbook/init.py: bounds, scales and dtypes of the initialisers,
names, determinism, and that the global NumPy random state is never used."""

import numpy as np
import pytest

import nnbook as nb
from nnbook import init
from nnbook.init import get_initializer

FAN_IN, FAN_OUT = 300, 500          # a big layer: 150,000 weights, statistics to ~1 %
SHAPE = (FAN_IN, FAN_OUT)


def draw(fn, seed=0, dtype=np.float64, shape=SHAPE):
    return fn(shape, shape[0], shape[1], np.random.default_rng(seed), dtype)


def test_zeros_and_constant():
    np.testing.assert_array_equal(draw(init.zeros, shape=(2, 3)), np.zeros((2, 3)))
    c = init.constant(0.5)
    np.testing.assert_array_equal(draw(c, shape=(2, 3)), np.full((2, 3), 0.5))
    assert c.__name__ == "constant(0.5)"


def test_xavier_uniform_bounds_and_variance():
    limit = np.sqrt(6 / (FAN_IN + FAN_OUT))
    w = draw(init.xavier_uniform)
    assert np.all(np.abs(w) <= limit)
    assert w.max() > 0.99 * limit and w.min() < -0.99 * limit     # fills the interval
    assert w.var() == pytest.approx(limit ** 2 / 3, rel=0.03)     # U(±a) has variance a²/3
    assert abs(w.mean()) < 0.01 * limit
    # roughly uniform: each tenth of the interval holds about a tenth of the weights
    counts, _ = np.histogram(w, bins=10, range=(-limit, limit))
    np.testing.assert_allclose(counts / w.size, 0.1, atol=0.01)


def test_he_uniform_bounds():
    limit = np.sqrt(6 / FAN_IN)
    w = draw(init.he_uniform)
    assert np.all(np.abs(w) <= limit) and w.max() > 0.99 * limit
    assert w.var() == pytest.approx(limit ** 2 / 3, rel=0.03)


@pytest.mark.parametrize("fn, std", [
    (init.xavier_normal, np.sqrt(2 / (FAN_IN + FAN_OUT))),
    (init.he_normal, np.sqrt(2 / FAN_IN)),
    (init.small_random, 0.01),
    (init.normal(0.3), 0.3),
])
def test_normal_initialisers_scale(fn, std):
    w = draw(fn)
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 0.02 * std


def test_uniform_limit():
    w = draw(init.uniform(0.2))
    assert np.all(np.abs(w) <= 0.2) and w.max() > 0.199


def test_bad_scale_arguments():
    with pytest.raises(ValueError, match=r"normal: expected std ≥ 0, got -1"):
        init.normal(-1)
    with pytest.raises(ValueError, match=r"uniform: expected limit ≥ 0, got nan"):
        init.uniform(float("nan"))


@pytest.mark.parametrize("name", ["zeros", "small_random", "xavier", "xavier_uniform",
                                  "glorot_uniform", "xavier_normal", "glorot_normal",
                                  "he", "he_normal", "he_uniform"])
def test_every_name_gives_a_function_with_dtype_and_shape(name):
    fn = get_initializer(name)
    for dtype in (np.float64, np.float32):
        w = fn((4, 3), 4, 3, np.random.default_rng(0), dtype)
        assert w.shape == (4, 3) and w.dtype == dtype


def test_names_point_to_the_right_functions():
    assert get_initializer("xavier") is init.xavier_uniform
    assert get_initializer("glorot_normal") is init.xavier_normal
    assert get_initializer("he") is init.he_normal
    assert get_initializer(init.he_uniform) is init.he_uniform


def test_unknown_name():
    with pytest.raises(ValueError, match=r"Dense\(2 → 2\): unknown init 'glorot'.*init\(shape"):
        nb.Dense(2, 2, init="glorot")
    with pytest.raises(ValueError, match=r"unknown init 3"):
        get_initializer(3)


def test_same_seed_same_weights_different_seed_different():
    for fn in (init.xavier_uniform, init.xavier_normal, init.he_normal, init.small_random):
        a, b, c = draw(fn, 7, shape=(5, 4)), draw(fn, 7, shape=(5, 4)), draw(fn, 8, shape=(5, 4))
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_dense_uses_the_init_name():
    rng = np.random.default_rng(0)
    layer = nb.Dense(400, 300, init="he_uniform", rng=rng)
    limit = np.sqrt(6 / 400)
    assert np.abs(layer.params["W"]).max() <= limit
    assert np.abs(layer.params["W"]).max() > 0.99 * limit
    np.testing.assert_array_equal(nb.Dense(3, 2, init="zeros").params["W"], np.zeros((3, 2)))


def test_global_random_state_is_untouched():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    for name in ("xavier", "he_normal", "small_random"):
        nb.Dense(5, 4, init=name)                        # rng=None: a fresh generator
        nb.Dense(5, 4, init=name, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(np.random.get_state()[1], before)
