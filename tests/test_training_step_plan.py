"""train_step's fast path (nnbook/training/step_plan.py): the planned steps give the same
numbers as checked ones, notice every change that would make the plan wrong, and a
non-finite loss names the layer that first produced the NaN or inf."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.training import step_plan


def model_and_batch(seed=0, optimizer=None):
    rng = np.random.default_rng(seed)
    model = nb.Sequential([nb.Dense(6, 8, rng=rng), nb.BatchNorm(8), nb.ReLU(),
                           nb.Dropout(0.2, rng=np.random.default_rng(5)),
                           nb.Dense(8, 3, rng=rng), nb.Softmax()])
    model.compile(optimizer or nb.Adam(lr=0.01, weight_decay=1e-3, clipnorm=1.0),
                  "crossentropy")
    data = np.random.default_rng(9)
    x = data.standard_normal((10, 6))
    return model, x, np.eye(3)[data.integers(0, 3, 10)]


def weights(model):
    return [p.copy() for layer in model.layers for p in layer.params.values()]


def unplanned(monkeypatch):
    monkeypatch.setattr(step_plan.StepPlan, "after", classmethod(lambda *a, **k: None))


OPTIMIZERS = [lambda: nb.Adam(lr=0.01, weight_decay=1e-3, clipnorm=1.0),
              lambda: "sgd", lambda: nb.SGD(lr=0.1, momentum=0.9)]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_planned_steps_give_the_checked_steps_numbers(monkeypatch, make):
    def train(model):
        out = [model.train_step(x[:8], y[:8])["loss"] for _ in range(4)]
        out.append(model.train_step(x[8:], y[8:])["loss"])        # a second shape, planned too
        return out + [model.train_step(x[:8], y[:8])["loss"]]

    fast, x, y = model_and_batch(optimizer=make())
    losses = train(fast)
    assert len(fast._plans) == 2
    unplanned(monkeypatch)
    slow, _, _ = model_and_batch(optimizer=make())
    assert train(slow) == losses and not any(slow._plans.values())
    for a, b in zip(weights(fast), weights(slow)):
        np.testing.assert_array_equal(a, b)


class FreshGrads(nb.Layer):
    """A layer whose backward puts a new gradient array in grads (the contract allows it)."""

    def __init__(self, n):
        super().__init__()
        self.params = {"w": np.ones(n)}
        self.grads = {"w": np.zeros(n)}

    def forward(self, x):
        self._x = x
        return x * self.params["w"]

    def backward(self, dy):
        self.grads = {"w": (dy * self._x).sum(axis=0)}         # a new dict, a new array
        return dy * self.params["w"]


def test_a_gradient_array_replaced_in_backward_is_the_one_trained():
    rng = np.random.default_rng(0)
    model = nb.Sequential([FreshGrads(4), nb.Dense(4, 1, rng=rng)])
    model.compile(nb.SGD(lr=0.1), "mse")
    x, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 1))
    for _ in range(3):
        before = model.layers[0].params["w"].copy()
        model.train_step(x, y)
        step = before - model.layers[0].params["w"]
        np.testing.assert_allclose(step, 0.1 * model.layers[0].grads["w"], rtol=1e-12)
        assert np.abs(step).max() > 0


def test_freezing_or_replacing_a_parameter_after_planned_steps_is_seen():
    model, x, y = model_and_batch(optimizer=nb.SGD(lr=0.1))
    for _ in range(3):
        model.train_step(x, y)
    first = model.layers[0]
    first.trainable = False
    frozen = first.params["W"].copy()
    model.train_step(x, y)
    np.testing.assert_array_equal(first.params["W"], frozen)
    first.trainable = True
    last = model.layers[4]
    last.params["W"] = new = last.params["W"].copy()                 # a new array
    model.train_step(x, y)
    assert last.params["W"] is new and not np.array_equal(new, frozen[:0])
    assert not np.array_equal(first.params["W"], frozen)


def test_an_optimizer_reset_or_swapped_after_planned_steps_starts_afresh():
    a, x, y = model_and_batch()
    b, _, _ = model_and_batch()
    for _ in range(3):
        a.train_step(x, y)
        b.train_step(x, y)
    a.optimizer.reset()
    b.compile(nb.Adam(lr=0.01, weight_decay=1e-3, clipnorm=1.0), "crossentropy")
    for _ in range(2):
        assert a.train_step(x, y) == b.train_step(x, y)
    for p, q in zip(weights(a), weights(b)):
        np.testing.assert_array_equal(p, q)


class Blow(nb.Layer):
    def forward(self, x):
        return np.exp(1000.0 * x)

    def backward(self, dy):
        return dy


def test_a_non_finite_loss_names_the_layer_that_first_produced_it():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((50, 2))
    model = nb.Sequential([nb.Dense(2, 3, rng=rng), Blow(), nb.Dense(3, 1, rng=rng)])
    model.compile("sgd", "mse")
    with pytest.raises(FloatingPointError, match=r"loss became (nan|inf) in epoch 0") as info:
        model.fit(x, x[:, :1], epochs=2, verbose=0, rng=rng)
    assert info.value.blame.startswith("layer 1 (Blow()) first produced a non-finite value")
    if hasattr(info.value, "add_note"):                     # Python 3.11 on: shown as a note
        assert info.value.blame in info.value.__notes__[0]


def test_weights_made_non_finite_by_a_step_are_blamed_on_their_layer():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 2))
    model = nb.Sequential([nb.Dense(2, 2, rng=rng), nb.Dense(2, 1, rng=rng)])
    model.compile("sgd", "mse")
    model.train_step(x, x[:, :1])
    model.layers[1].params["b"][0] = np.inf
    assert step_plan.first_non_finite(model, x).startswith(
        "layer 1 (Dense(2 → 1)) holds non-finite weights (b)")
    model.layers[1].params["b"][0] = 0.0
    assert step_plan.first_non_finite(model, x).startswith("every layer's output is finite")


def test_the_guilty_layer_walk_changes_no_buffer_and_no_generator():
    model, x, y = model_and_batch()
    model.train_step(x, y)
    model.layers[4].params["W"][0, 0] = np.nan
    model.layers[4].params["W"][0, 0] = 0.0
    model.set_training(True)
    norm, drop = model.layers[1], model.layers[3]
    before = {k: v.copy() for k, v in norm.buffers.items()}
    state = drop.rng.bit_generator.state
    x = x.copy()
    x[0, 0] = np.inf
    assert step_plan.first_non_finite(model, x).startswith("layer 0 (Dense(6 → 8)) first")
    for k, v in before.items():
        np.testing.assert_array_equal(norm.buffers[k], v)
    assert drop.rng.bit_generator.state == state
