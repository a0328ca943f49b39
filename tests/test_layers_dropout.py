"""Tests of nnbook/layers/dropout.py: inverted dropout by hand, the expectation kept,
train vs inference mode, the fixed mask for gradient checking, errors."""

import numpy as np
import pytest

import nnbook as nb


def training(layer):
    layer.training = True
    return layer


def test_inference_is_the_identity():
    d = nb.Dropout(0.5, rng=np.random.default_rng(0))
    assert d.training is False
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(d.forward(x), x)
    np.testing.assert_array_equal(d.backward(np.ones((2, 3))), np.ones((2, 3)))


def test_training_masks_and_scales_by_hand():
    d = training(nb.Dropout(0.25, rng=np.random.default_rng(1)))
    x = np.arange(1.0, 201.0).reshape(4, 50)
    y = d.forward(x)
    kept = d.mask != 0
    assert set(np.unique(d.mask)) == {0.0, 1 / 0.75}
    np.testing.assert_allclose(y[kept], x[kept] / 0.75, rtol=1e-15)
    np.testing.assert_array_equal(y[~kept], 0.0)
    dy = np.full((4, 50), 2.0)
    np.testing.assert_allclose(d.backward(dy), np.where(kept, 2.0 / 0.75, 0.0), rtol=1e-15)
    assert 0.1 < 1 - kept.mean() < 0.4                      # about a quarter dropped


def test_expectation_is_unchanged():
    # E[mask] = 1: the mean over 2000 masks of 50 entries (10⁵ Bernoulli draws) is 1 ± 0.02
    d = training(nb.Dropout(0.4, rng=np.random.default_rng(2)))
    x = np.ones((2000, 50))
    assert abs(d.forward(x).mean() - 1.0) < 0.02
    assert abs((d.mask == 0).mean() - 0.4) < 0.01


def test_each_training_pass_draws_a_new_mask_unless_fixed():
    d = training(nb.Dropout(0.5, rng=np.random.default_rng(3)))
    x = np.ones((8, 8))
    first = d.forward(x).copy()
    assert not np.array_equal(d.forward(x), first)
    d.fixed_mask = True
    kept = d.mask.copy()
    np.testing.assert_array_equal(d.forward(2 * x), 2 * kept)
    with pytest.raises(ValueError, match=r"fixed_mask is set but the kept mask has shape \(8, 8\), "
                                         r"the input \(2, 8\)"):
        d.forward(np.ones((2, 8)))


def test_gradient_with_a_fixed_mask():
    rng = np.random.default_rng(4)
    d = training(nb.Dropout(0.5, rng=rng))
    x = rng.standard_normal((3, 5))
    d.forward(x)
    d.fixed_mask = True
    errors = nb.check_gradients(d, x, rng=rng)
    assert errors["x"] < 1e-9


def test_rate_zero_and_dtype():
    d = training(nb.Dropout(0.0))
    x = np.ones((2, 3), dtype=np.float32)
    assert d.forward(x) is x
    d = training(nb.Dropout(0.5, rng=np.random.default_rng(0)))
    assert d.forward(x).dtype == np.float32 and d.backward(x).dtype == np.float32


def test_same_seed_same_masks():
    a = training(nb.Dropout(0.3, rng=np.random.default_rng(7)))
    b = training(nb.Dropout(0.3, rng=np.random.default_rng(7)))
    x = np.ones((5, 6))
    np.testing.assert_array_equal(a.forward(x), b.forward(x))


def test_errors_and_config():
    for rate in (1.0, -0.1, "0.5", True):
        with pytest.raises(ValueError, match=r"Dropout: expected a rate with 0 ≤ rate < 1"):
            nb.Dropout(rate)
    with pytest.raises(ValueError, match=r"backward\(\) was called before forward\(\)"):
        nb.Dropout(0.5).backward(np.ones(3))
    d = training(nb.Dropout(0.5))
    d.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(2, 3\)"):
        d.backward(np.ones((3, 2)))
    assert d.backward(np.ones((2, 3)), need_dx=False) is None
    assert d.get_config() == {"rate": 0.5} and repr(d) == "Dropout(0.5)"
    assert d.params == {} and d.output_shape((4, 4, 3)) == (4, 4, 3)
