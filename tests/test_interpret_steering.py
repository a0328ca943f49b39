"""nb.interpret's steered, probe_direction and steered_sample on chapter 20's model
(nnbook/interpret/steering.py): gradient-free identities that hold bit for bit."""

import warnings

import numpy as np
import pytest

import nnbook as nb
from nnbook.experiments.modern_block import V, modern
from nnbook.interpret import patched, probe_direction, residuals, steered, steered_sample


@pytest.fixture(scope="module")
def model_and_x():
    rng = np.random.default_rng(0)
    model = nb.Sequential(modern(12)(rng))
    return model, rng.integers(0, V, (3, 12))


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_a_zero_direction_is_the_model_bit_for_bit(model_and_x, layer):
    model, x = model_and_x
    assert np.array_equal(steered(model, x, layer, np.zeros(32)), model.predict(x))


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_steering_is_patching_every_position_with_the_shifted_residual(model_and_x, layer):
    model, x = model_and_x
    d = np.random.default_rng(1).standard_normal(32)
    h = residuals(model, x, layer)
    want = patched(model, x, layer, np.arange(12), h + d)
    got = steered(model, x, layer, d)
    assert np.array_equal(got, want)          # the wrong layer or sign differs by far
    assert not np.allclose(got, model.predict(x))


def test_probe_direction_is_the_weight_difference_over_the_scale():
    probe = nb.Sequential([nb.Dense(3, 2, rng=np.random.default_rng(0)), nb.Softmax()])
    probe.layers[0].params["W"][...] = [[1.0, 3.0], [0.0, 0.0], [2.0, 1.0]]
    u = probe_direction(probe, np.array([2.0, 1.0, 0.5]))
    assert np.allclose(u, np.array([1.0, 0.0, -2.0]) / np.sqrt(5.0), rtol=0, atol=1e-15)


def test_a_zero_direction_samples_what_generate_samples(model_and_x):
    model, x = model_and_x
    start = x[:, :3]
    got = steered_sample(model, start, 14, 1, np.zeros(32), context=12,
                         rng=np.random.default_rng(4))
    want = nb.generate(model, start, 14, context=12, use_cache=False,
                       rng=np.random.default_rng(4))
    assert np.array_equal(got, want)


def test_misuse_is_named(model_and_x):
    model, x = model_and_x
    with pytest.raises(ValueError, match=r"steered: got layer=7"):
        steered(model, x, 7, np.zeros(32))
    with pytest.raises(ValueError, match=r"steered: layer 1 .* direction of shape \(5,\)"):
        steered(model, x, 1, np.zeros(5))
    with pytest.raises(ValueError, match=r"probe_direction: got weights of shape"):
        probe_direction(nb.Sequential([nb.Dense(3, 4), nb.Softmax()]), np.ones(3))


def trained_on(length):
    """Chapter 20's model (12-character windows) marked as trained on ``length``."""
    model = nb.Sequential(modern(12)(np.random.default_rng(0)))
    model.trained_length = length
    return model


def test_sampling_past_the_trained_windows_warns_as_generate_does(model_and_x):
    """The eighteenth cold reading of 36: steered_sample(..., context=40) ran a model
    trained on 16 positions on 31 without a word, where nb.generate warns."""
    model, x = trained_on(8), model_and_x[1]
    start = x[:, :3]
    with pytest.warns(UserWarning) as got:
        steered_sample(model, start, 10, 1, np.zeros(32), context=12,
                       rng=np.random.default_rng(4))
    with pytest.warns(UserWarning) as want:
        nb.generate(model, start, 10, context=12, use_cache=False,
                    rng=np.random.default_rng(4))
    assert len(got) == 1       # once, not once a step
    assert str(got[0].message) == str(want[0].message).replace("generate:", "steered_sample:")
    assert "read 12 positions" in str(got[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # inside the trained windows: silent
        steered_sample(model, start, 10, 1, np.zeros(32), context=8,
                       rng=np.random.default_rng(4))


def test_reading_windows_longer_than_trained_warns(model_and_x):
    x = model_and_x[1]                                      # 12 positions
    model = trained_on(8)
    h = residuals(trained_on(12), x, 1)                     # the same weights, silent
    for name, call in (("residuals", lambda: residuals(model, x, 1)),
                       ("patched", lambda: patched(model, x, 1, 3, h[:, 3])),
                       ("steered", lambda: steered(model, x, 1, np.zeros(32)))):
        with pytest.warns(UserWarning, match=rf"{name}: x has T = 12 positions, more than "
                                             r"the 8 .*x\[:, -8:\]"):
            call()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        residuals(trained_on(12), x, 1)
        residuals(model, x[:, :8], 1)
