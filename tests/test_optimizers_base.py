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


# A learner's optimizer overrides _update, the extension point CONTRIBUTING names ---------
BUILT_IN = [nb.SGD, nb.RMSProp, nb.Adam, nb.AdamW]
SETTINGS = {"plain": {}, "clipnorm": {"clipnorm": 0.5}, "weight decay": {"weight_decay": 0.01},
            "global clipnorm": {"global_clipnorm": 0.5}}


def public_optimizers():
    """Every Optimizer class nnbook exports (a new one is tested here without a word)."""
    found = {v for v in vars(nb).values()
             if isinstance(v, type) and issubclass(v, nb.Optimizer) and v is not nb.Optimizer}
    assert set(BUILT_IN) <= found             # catches the list above gone stale
    return sorted(found, key=lambda c: c.__name__)


def counting(cls, *, step=True):
    """A learner's subclass of ``cls`` that rewrites ``_update`` alone: it counts its calls
    and takes ``cls``'s step (``step=True``) or none at all."""
    class Counting(cls):
        calls = 0

        def _update(self, p, g, st):
            type(self).calls += 1
            if step:
                super()._update(p, g, st)
    return Counting


def settings_of(cls):
    out = dict(SETTINGS)
    if cls is nb.AdamW:                       # its decay is on by default
        out["plain"] = {"weight_decay": 0.0}
    if cls is nb.SGD:
        out["momentum"] = {"momentum": 0.9}
    if cls is nb.Muon:                        # no clipping: its update is normalised (the
        out = {k: v for k, v in out.items() if "clip" not in k}   # fallback may clip)
    return out


@pytest.mark.parametrize("cls", public_optimizers(), ids=lambda c: c.__name__)
def test_an_override_of_update_is_used_with_and_without_clipping_or_decay(cls):
    # before: Adam's and SGD's own loops (_update_all) ran when nothing was clipped or
    # decayed, so the override ran only with clipnorm (catches the loop skipping it)
    for name, kw in settings_of(cls).items():
        sub = counting(cls)
        assert steps(sub(lr=0.1, **kw), n=3).tolist() == steps(cls(lr=0.1, **kw), n=3).tolist()
        assert sub.calls == 3, (name, sub.calls)           # one parameter, three steps
        frozen = counting(cls, step=False)
        w0 = steps(frozen(lr=0.1, **kw), n=0)
        assert np.array_equal(steps(frozen(lr=0.1, **kw), n=3), w0), name   # no step taken


@pytest.mark.parametrize("eager", [False, True])
@pytest.mark.parametrize("cls", public_optimizers(), ids=lambda c: c.__name__)
def test_fit_steps_a_learners_optimizer_through_its_update(cls, eager):
    # fit's planned steps and its checked ones (run_eagerly) both call optimizer.step: the
    # override must be called for each of the model's 4 parameters at each of its 6 steps
    for name, kw in settings_of(cls).items():
        sub = counting(cls)
        rng = np.random.default_rng(3)
        x, y = rng.standard_normal((24, 3)), rng.standard_normal((24, 1))
        model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 1, rng=rng)])
        model.compile(sub(lr=0.05, **kw), "mse", run_eagerly=eager)
        model.fit(x, y, epochs=2, batch_size=8, verbose=0, rng=rng)
        stepped = 2 if cls is nb.Muon else 4          # Muon's are the W; b go to its fallback
        assert sub.calls == stepped * 6, (name, sub.calls)


def test_an_instance_that_replaces_update_is_stepped_through_it():
    opt, seen = nb.Adam(lr=0.1), []
    opt._update = lambda p, g, st: seen.append(p.shape)       # a learner's patch, no step
    w0 = steps(opt, n=0)
    assert np.array_equal(steps(opt, n=2), w0) and seen == [(3, 2)] * 2


@pytest.mark.parametrize("cls, kw", [(nb.SGD, {}), (nb.Adam, {}), (nb.AdamW, {"weight_decay": 0.0})],
                         ids=["SGD", "Adam", "AdamW"])
def test_the_built_ins_keep_their_one_loop(cls, kw, monkeypatch):
    # the fix must not send nnbook's own optimizers through a call per parameter (catches
    # every optimizer stepped through _update): their _update is never called unclipped
    calls = []
    original = cls._update
    monkeypatch.setattr(cls, "_update", lambda self, p, g, st: (calls.append(1),
                                                                original(self, p, g, st)))
    steps(cls(lr=0.1, **kw), n=3)
    assert calls == []
    steps(cls(lr=0.1, clipnorm=0.5, **kw), n=3)       # with clipping it is the step
    assert len(calls) == 3


def test_an_update_from_a_mixin_placed_before_adam_is_used():
    # the override need not derive from Adam: what counts is the order a step looks up
    # the methods in (catches the rule written with issubclass instead of the MRO)
    class Record:
        calls = 0

        def _update(self, p, g, st):
            Record.calls += 1
            super()._update(p, g, st)

    class Mine(Record, nb.Adam):
        pass

    assert steps(Mine(lr=0.1)).tolist() == steps(nb.Adam(lr=0.1)).tolist()
    assert Record.calls == 3
