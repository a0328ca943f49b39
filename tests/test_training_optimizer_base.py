"""Tests of how an optimizer is described and built again: Keras' spelling ``learning_rate=``
for ``lr=`` (and the error for both), ``get_config`` keeping "lr", and ``Optimizer.from_config``,
which rebuilds any optimizer from ``get_config()`` and accepts the lr of 0 a schedule can end at."""

import inspect
import json
import math

import numpy as np
import pytest

import nnbook as nb
from nnbook.training.callbacks import LearningRateScheduler
from nnbook.training.schedules import cosine_decay

CLASSES = [nb.SGD, nb.RMSProp, nb.Adam]
CONFIGS = [nb.SGD(), nb.SGD(lr=0.1, momentum=0.9), nb.SGD(lr=0.1, momentum=0.9, nesterov=True,
                                                          weight_decay=0.01, clipvalue=0.5),
           nb.RMSProp(), nb.RMSProp(lr=0.01, rho=0.8, eps=1e-6, momentum=0.5, centered=True,
                                    clipnorm=1.0),
           nb.Adam(), nb.Adam(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-7, weight_decay=0.001,
                              global_clipnorm=2.0)]


def steps(opt, n=3):
    """The weights after ``n`` steps of ``opt`` on fixed gradients."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 2))
    for _ in range(n):
        opt.step([(w, rng.standard_normal((3, 2)))])
    return w


# learning_rate= ----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", CLASSES)
def test_learning_rate_is_lr(cls):
    keras, ours = cls(learning_rate=0.05), cls(lr=0.05)
    assert keras.lr == 0.05 and keras.get_config() == ours.get_config()
    assert "lr" in keras.get_config() and "learning_rate" not in keras.get_config()
    assert repr(keras) == repr(ours)
    np.testing.assert_array_equal(steps(keras), steps(ours))


@pytest.mark.parametrize("cls", CLASSES)
def test_learning_rate_attribute_is_lr_read_and_written(cls):
    """A Keras callback writes ``optimizer.learning_rate``: it must move the steps."""
    opt = cls(lr=0.05)
    assert opt.learning_rate == 0.05
    opt.learning_rate = 0.5
    assert opt.lr == 0.5 and opt.learning_rate == 0.5 and opt.get_config()["lr"] == 0.5
    opt.lr = 0.25
    assert opt.learning_rate == 0.25
    fast, slow = cls(lr=0.01), cls(lr=0.01)
    fast.learning_rate = 0.1
    assert not np.allclose(steps(fast), steps(slow))
    assert np.allclose(steps(fast), steps(cls(lr=0.1)))


def test_learning_rate_with_the_other_arguments():
    opt = nb.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    assert opt.get_config() == {"lr": 0.1, "momentum": 0.9, "nesterov": True}
    assert nb.Adam(learning_rate=np.float32(0.5)).lr == 0.5


@pytest.mark.parametrize("cls", CLASSES)
def test_lr_and_learning_rate_together_are_refused(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"{name}: got both lr=0.1 and learning_rate=0.2, "
                                         rf"which are one argument .* Pass only one"):
        cls(lr=0.1, learning_rate=0.2)
    default = inspect.signature(cls).parameters["lr"].default
    with pytest.raises(ValueError, match=rf"{name}: got both lr="):   # even the default's value
        cls(float(default), learning_rate=0.2)


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), "0.1", True])
def test_a_bad_learning_rate_is_refused_either_way(cls, lr):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: expected a learning rate lr > 0"):
        cls(learning_rate=lr)


def test_defaults_still_read_as_numbers():
    assert str(inspect.signature(nb.SGD).parameters["lr"]) == "lr=0.01"
    assert str(inspect.signature(nb.Adam).parameters["lr"]) == "lr=0.001"
    for cls in CLASSES:
        assert type(cls().lr) is float                # a plain float, written to JSON as one
        json.dumps(cls().get_config())
    assert nb.SGD().lr == 0.01 and nb.RMSProp().lr == nb.Adam().lr == 0.001


def test_other_unknown_keywords_are_still_type_errors():
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'lrate'"):
        nb.Adam(lrate=0.1)


# from_config ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("opt", CONFIGS, ids=repr)
def test_from_config_round_trip(opt):
    twin = type(opt).from_config(opt.get_config())
    assert type(twin) is type(opt)
    assert twin.get_config() == opt.get_config() and repr(twin) == repr(opt)
    opt.reset()
    np.testing.assert_array_equal(steps(twin), steps(opt))


def test_from_config_does_not_change_its_argument():
    cfg = {"lr": 0.0, "momentum": 0.9}
    nb.SGD.from_config(cfg)
    assert cfg == {"lr": 0.0, "momentum": 0.9}


@pytest.mark.parametrize("cls", CLASSES)
def test_from_config_accepts_lr_zero(cls):
    opt = cls.from_config({**cls().get_config(), "lr": 0})
    assert opt.lr == 0.0 and type(opt.lr) is float
    assert opt.get_config()["lr"] == 0.0
    rng = np.random.default_rng(1)
    w = rng.standard_normal(4)
    before = w.copy()
    opt.step([(w, rng.standard_normal(4))])
    np.testing.assert_array_equal(w, before)          # a rate of 0 moves nothing
    with pytest.raises(ValueError, match=r"lr > 0"):  # the constructor still refuses it
        cls(lr=0)


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("lr", [-0.1, -1e-12, float("nan"), float("inf"), "0.1", None, True])
def test_from_config_refuses_a_negative_or_non_finite_lr(cls, lr):
    with pytest.raises(ValueError, match=rf"{cls.__name__}.from_config: the config's learning "
                                         rf"rate lr is .*; expected a finite number ≥ 0"):
        cls.from_config({"lr": lr})


def test_from_config_other_errors():
    with pytest.raises(ValueError, match=r"SGD.from_config: expected a dict .* got \[0.1\]"):
        nb.SGD.from_config([0.1])
    with pytest.raises(ValueError, match=r"Adam.from_config: the config .* does not fit Adam .*"
                                         r"'rho'.* Pass what Adam.get_config\(\) returned"):
        nb.Adam.from_config({"lr": 0.01, "rho": 0.9})
    with pytest.raises(ValueError, match=r"SGD: expected 0 ≤ momentum < 1"):   # checks still run
        nb.SGD.from_config({"lr": 0.0, "momentum": 1.5})
    assert nb.SGD.from_config({}).get_config() == nb.SGD().get_config()   # defaults fill in


def test_from_config_serves_a_learners_optimizer():
    class Halving(nb.Optimizer):
        def __init__(self, lr=0.5, factor=0.5):
            super().__init__(lr)
            self.factor = factor

        def _update(self, p, g, st):
            p -= self.lr * self.factor * g

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    opt = Halving.from_config({"lr": 0.0, "factor": 0.25})
    assert type(opt) is Halving and opt.lr == 0.0 and opt.factor == 0.25


def test_a_cosine_schedule_ending_at_zero_gives_a_config_from_config_accepts():
    x = np.random.default_rng(0).standard_normal((8, 2))
    y = x.sum(axis=1, keepdims=True)
    model = nb.Sequential([nb.Dense(2, 1, rng=np.random.default_rng(0))])
    model.compile(optimizer=nb.SGD(lr=0.1, momentum=0.9), loss="mse")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[LearningRateScheduler(cosine_decay(0.1, 2))])
    assert model.optimizer.lr == 0.0                  # the last epoch ran at lr = 0
    cfg = model.optimizer.get_config()
    with pytest.raises(ValueError, match=r"lr > 0"):
        nb.SGD(**cfg)                                 # why from_config is needed
    back = nb.SGD.from_config(cfg)
    assert back.get_config() == cfg and math.isclose(back.momentum, 0.9)


@pytest.mark.parametrize("make", [lambda: nb.Adam(lr=0.01), lambda: nb.SGD(lr=0.1, momentum=0.9),
                                  lambda: nb.RMSProp(lr=0.01)])
def test_a_deep_copy_of_a_compiled_model_keeps_its_optimizer_state(make):
    """The buffers are keyed by id() of the parameter arrays; a copy's arrays are new, so
    ``copy.deepcopy`` (and pickle) key them again: the copy trains on exactly as the
    original does, instead of restarting Adam from zero."""
    import copy
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 2, rng=rng)])
    model.compile(make(), "mse")
    model.fit(x, y, epochs=3, batch_size=4, verbose=0, rng=np.random.default_rng(1))
    twin = copy.deepcopy(model)
    for m in (model, twin):
        m.fit(x, y, epochs=2, batch_size=4, verbose=0, rng=np.random.default_rng(2))
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert twin.optimizer.iterations == model.optimizer.iterations
