"""AdamW (chapter 20): a step by hand, decoupled decay against Adam's coupled L2, its
settings saved and loaded (weight_decay=0 included), its name, and the errors."""

import math

import numpy as np
import pytest

import nnbook as nb


def test_one_step_by_hand():
    w, g = np.array([1.0, -2.0]), np.array([0.5, 0.0])
    nb.AdamW(lr=0.1, weight_decay=0.1, eps=1e-8).step([(w, g)])
    # decay: w·(1 − 0.1·0.1); Adam's first step moves by lr·g/(|g| + ε) ≈ lr·sign(g)
    np.testing.assert_allclose(w, [0.99 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 * 0.99], rtol=1e-14)


def test_the_decay_is_decoupled_from_the_moments():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(5)
    grads = [rng.standard_normal(5) for _ in range(4)]
    a, b = w0.copy(), w0.copy()
    adamw, adam = nb.AdamW(lr=0.01, weight_decay=0.5), nb.Adam(lr=0.01)
    for g in grads:
        adamw.step([(a, g)])
        b *= 1 - 0.01 * 0.5                               # decay by hand, then plain Adam
        adam.step([(b, g)])
    np.testing.assert_allclose(a, b, rtol=1e-14)
    c = w0.copy()
    coupled = nb.Adam(lr=0.01, weight_decay=0.5)          # chapter 11's L2 goes through √v̂
    for g in grads:
        coupled.step([(c, g)])
    assert np.abs(c - a).max() > 1e-4


def test_without_decay_it_is_adam():
    rng = np.random.default_rng(1)
    w0, g = rng.standard_normal(4), rng.standard_normal(4)
    a, b = w0.copy(), w0.copy()
    nb.AdamW(lr=0.01, weight_decay=0).step([(a, g)])
    nb.Adam(lr=0.01).step([(b, g)])
    np.testing.assert_array_equal(a, b)


def test_config_and_name():
    opt = nb.AdamW()
    assert opt.get_config() == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                                "weight_decay": 0.01}
    zero = nb.AdamW.from_config(nb.AdamW(weight_decay=0).get_config())
    assert zero.weight_decay == 0.0
    assert isinstance(nb.optimizers.get_optimizer("adamw"), nb.AdamW)
    assert nb.AdamW(learning_rate=0.05).lr == 0.05


def test_training_continues_identically_after_loading(tmp_path):
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 1, rng=rng)])
    model.compile(nb.AdamW(lr=0.01, weight_decay=0.2), "mse")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, rng=np.random.default_rng(0))
    back = nb.load_model(model.save(tmp_path / "adamw"))
    assert isinstance(back.optimizer, nb.AdamW) and back.optimizer.weight_decay == 0.2
    for m in (model, back):
        m.fit(x, y, epochs=1, batch_size=4, verbose=0, rng=np.random.default_rng(1))
    for p, q in zip(model.get_weights(), back.get_weights()):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"weight_decay": -0.1}, ValueError, "AdamW: expected weight_decay ≥ 0, got -0.1."),
    ({"beta1": 1.0}, ValueError, "AdamW: expected 0 ≤ beta1 < 1, got 1.0."),
    ({"beta_1": 0.8}, ValueError, "AdamW: got beta_1=0.8 (Keras' spelling); nnbook writes beta1=0.8."),
    ({"lr": 0}, ValueError, "AdamW: expected a learning rate lr > 0, got 0."),
    ({"eps": math.nan}, ValueError, "AdamW: expected eps > 0, got nan."),
])
def test_bad_settings_are_named(kwargs, error, message):
    with pytest.raises(error) as err:
        nb.AdamW(**kwargs)
    assert message in str(err.value)
