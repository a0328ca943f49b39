"""Tests for nnbook/data/sequences.py: the sine wave, the adding problem, the recall task and
their chance levels. Shapes, targets worked by hand, the draws of default_rng(0) written out
(so that a change in NumPy's streams or in the code is caught), chance levels against a
Monte Carlo estimate, and every error message."""

import numpy as np
import pytest

from nnbook import data


def rng(seed=0):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------
# sine_wave


def test_sine_wave_shapes_and_shift():
    x, y = data.sine_wave(5, 12, rng=rng())
    assert x.shape == (5, 12, 1) and y.shape == (5, 12, 1) and x.dtype == np.float64
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:])           # the target is the next input
    x2, last = data.sine_wave(5, 12, return_sequences=False, rng=rng())
    np.testing.assert_array_equal(x2, x)
    assert last.shape == (5, 1)
    np.testing.assert_array_equal(last, y[:, -1])


def test_sine_wave_by_hand():
    # default_rng(0).random(2) · 2π = phases 4.0021, 1.6951; 8 + 24 · random(2) = periods 8.9834, 8.3967
    x, y = data.sine_wave(2, 3, rng=rng())
    np.testing.assert_allclose(x[..., 0], [[-0.7582, -0.9999, -0.7721], [0.9923, 0.6428, -0.0501]],
                               atol=1e-4)
    np.testing.assert_allclose(y[:, -1, 0], [-0.1817, -0.7163], atol=1e-4)
    r = rng()
    phase, period = 2 * np.pi * r.random(2), 8 + 24 * r.random(2)
    t = np.arange(4)
    np.testing.assert_allclose(x[..., 0], np.sin(2 * np.pi * t[:3] / period[:, None] + phase[:, None]))


def test_sine_wave_fixed_period_and_noise():
    x, y = data.sine_wave(50, 40, periods=(10, 10), rng=rng(1))
    np.testing.assert_allclose(x[:, :30], x[:, 10:], atol=1e-12)  # one period is 10 steps
    assert np.abs(x).max() <= 1
    # repeat-the-last-value baseline: mean of (sin(a + 2π/10) − sin a)² = 1 − cos(2π/10)
    np.testing.assert_allclose(np.mean((x - y) ** 2), 1 - np.cos(2 * np.pi / 10), rtol=0.05)
    clean, _ = data.sine_wave(50, 40, periods=(10, 10), rng=rng(1))
    noisy, ny = data.sine_wave(50, 40, periods=(10, 10), noise=0.1, rng=rng(1))
    np.testing.assert_allclose((noisy - clean).std(), 0.1, rtol=0.1)
    np.testing.assert_array_equal(ny[:, :-1], noisy[:, 1:])       # the same noisy series


def test_sine_wave_deterministic():
    a, b, c = (data.sine_wave(4, 7, rng=rng(s))[0] for s in (3, 3, 4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("kwargs, match", [
    ({"m": 0}, r"sine_wave: expected m to be an integer ≥ 1, got 0"),
    ({"T": 2.5}, r"sine_wave: expected T to be an integer ≥ 1, got 2.5"),
    ({"periods": (1, 8)}, r"periods .* 2 ≤ shortest ≤ longest, got \(1, 8\).*periods=\(8, 32\)"),
    ({"periods": (9, 8)}, r"got \(9, 8\)"),
    ({"periods": 8}, r"got 8\."),
    ({"noise": -0.1}, r"noise to be a number ≥ 0 .*got -0.1"),
    ({"return_sequences": "yes"}, r"return_sequences to be True or False, got 'yes'"),
    ({"rng": 3}, r"sine_wave: expected rng .*np.random.default_rng\(3\)"),
])
def test_sine_wave_errors(kwargs, match):
    args = {"m": 2, "T": 5} | kwargs
    with pytest.raises(ValueError, match=match):
        data.sine_wave(**args)


# --------------------------------------------------------------------------
# adding_problem


def test_adding_problem_by_hand():
    x, y = data.adding_problem(2, 6, rng=rng())
    assert x.shape == (2, 6, 2) and y.shape == (2, 1)
    # default_rng(0): row 0 marks steps 2 and 5, row 1 steps 0 and 3
    np.testing.assert_array_equal(x[:, :, 1], [[0, 0, 1, 0, 0, 1], [1, 0, 0, 1, 0, 0]])
    np.testing.assert_allclose(x[0, :, 0], [0.6370, 0.2698, 0.0410, 0.0165, 0.8133, 0.9128], atol=1e-4)
    np.testing.assert_allclose(y[:, 0], [0.0410 + 0.9128, 0.6066 + 0.9351], atol=2e-4)


def test_adding_problem_markers_one_per_half():
    T = 9
    x, y = data.adding_problem(500, T, rng=rng(2))
    markers = x[:, :, 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    np.testing.assert_array_equal(markers[:, :T // 2].sum(1), 1)
    np.testing.assert_array_equal(markers[:, T // 2:].sum(1), 1)
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * markers).sum(1))
    assert 0 <= x[:, :, 0].min() and x[:, :, 0].max() < 1
    # every position of each half is used
    assert set(np.argmax(markers[:, :T // 2], 1)) == set(range(T // 2))
    assert set(np.argmax(markers[:, T // 2:], 1)) == set(range(T - T // 2))


def test_adding_problem_shortest():
    x, y = data.adding_problem(3, 2, rng=rng())
    np.testing.assert_array_equal(x[:, :, 1], np.ones((3, 2)))
    np.testing.assert_allclose(y[:, 0], x[:, :, 0].sum(1))


def test_adding_chance_level_is_the_best_constant():
    assert data.chance_level("adding") == 1 / 6
    _, y = data.adding_problem(200_000, 4, rng=rng(5))
    assert abs(np.mean((y - 1) ** 2) - 1 / 6) < 0.003
    assert abs(y.mean() - 1) < 0.005


@pytest.mark.parametrize("kwargs, match", [
    ({"T": 1}, r"adding_problem: expected T to be an integer ≥ 2, got 1"),
    ({"m": -3}, r"adding_problem: expected m to be an integer ≥ 1, got -3"),
    ({"rng": "seed"}, r"adding_problem: expected rng to be a np.random.Generator"),
])
def test_adding_problem_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.adding_problem(**({"m": 2, "T": 5} | kwargs))


# --------------------------------------------------------------------------
# recall_task


def test_recall_task_by_hand():
    x, y = data.recall_task(3, 5, rng=rng())
    assert x.dtype == np.int64 and y.dtype == np.int64
    np.testing.assert_array_equal(x, [[2, 4, 7, 7, 6], [1, 6, 6, 7, 7], [0, 4, 7, 4, 6]])
    np.testing.assert_array_equal(y, [2, 1, 0])


def test_recall_task_symbols_distractors_and_one_hot():
    x, y = data.recall_task(400, 10, n_symbols=3, n_distractors=5, rng=rng(1))
    np.testing.assert_array_equal(x[:, 0], y)
    assert set(np.unique(y)) == {0, 1, 2}
    assert set(np.unique(x[:, 1:])) == set(range(3, 8))
    oh, y2 = data.recall_task(400, 10, n_symbols=3, n_distractors=5, one_hot=True, rng=rng(1))
    assert oh.shape == (400, 10, 8) and oh.dtype == np.float64
    np.testing.assert_array_equal(oh.argmax(-1), x)
    np.testing.assert_array_equal(oh.sum(-1), 1)
    np.testing.assert_array_equal(y2, y)
    x1, y1 = data.recall_task(4, 1, rng=rng())
    np.testing.assert_array_equal(x1[:, 0], y1)


def test_recall_chance_level():
    assert data.chance_level("recall", n_symbols=4) == 0.25
    assert data.chance_level("Recall", n_symbols=5) == 0.2
    # the distractors say nothing: guessing from the last token is right 1 time in n_symbols
    x, y = data.recall_task(100_000, 6, n_symbols=4, rng=rng(3))
    assert abs(np.mean(x[:, -1] % 4 == y) - 0.25) < 0.01
    assert abs(np.mean(y == 0) - 0.25) < 0.01


@pytest.mark.parametrize("kwargs, match", [
    ({"n_symbols": 1}, r"recall_task: expected n_symbols to be an integer ≥ 2, got 1"),
    ({"n_distractors": 0}, r"recall_task: expected n_distractors to be an integer ≥ 1, got 0"),
    ({"one_hot": 1}, r"recall_task: expected one_hot to be True or False, got 1"),
    ({"T": 0}, r"recall_task: expected T to be an integer ≥ 1, got 0"),
])
def test_recall_task_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.recall_task(**({"m": 2, "T": 5} | kwargs))


@pytest.mark.parametrize("args, kwargs, match", [
    (("sine",), {}, r"unknown task 'sine'; expected one of \['adding', 'recall'\]\. The sine "
                    r"wave's baseline .*np.mean\(\(x - y\) \*\* 2\)"),
    (("copy",), {}, r"unknown task 'copy'; expected one of \['adding', 'recall'\]\.$"),
    (("recall",), {}, r"pass the n_symbols you gave recall_task"),
    (("recall",), {"n_symbols": 1}, r"n_symbols to be an integer ≥ 2, got 1"),
    (("adding",), {"n_symbols": 4}, r"adding problem has no symbols, got n_symbols=4"),
])
def test_chance_level_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.chance_level(*args, **kwargs)
