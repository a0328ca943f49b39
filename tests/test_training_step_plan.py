"""train_step's fast path (nnbook/training/step_plan.py): the planned steps give the same
numbers as checked ones, notice every change that would make the plan wrong, and a
non-finite loss names the layer that first produced the NaN or inf
(nnbook/training/protocol.py's first_non_finite); compile(..., run_eagerly=True) keeps
every step on the layers' own methods."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.layers import base
from nnbook.training import protocol, step_plan


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


def counting(monkeypatch, cls, name):
    """Patch ``cls.<name>`` (forward or backward) at the class level with a wrapper that
    counts its calls per layer: ``{id(layer): calls}``. A class-level patch keeps the
    layers' fast pair (``Layer.fast_path``), so the counts say which steps called the method."""
    calls, method = {}, getattr(cls, name)

    def counted(self, *args, **kwargs):
        calls[id(self)] = calls.get(id(self), 0) + 1
        return method(self, *args, **kwargs)

    if name == "backward":
        def counted(self, dy, need_dx=True):                    # noqa: F811 (need_dx: declared)
            calls[id(self)] = calls.get(id(self), 0) + 1
            return method(self, dy, need_dx)
    monkeypatch.setattr(cls, name, counted)
    return calls


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
    assert protocol.first_non_finite(model, x).startswith(
        "layer 1 (Dense(2 → 1)) holds non-finite weights (b)")
    model.layers[1].params["b"][0] = 0.0
    assert protocol.first_non_finite(model, x).startswith("every layer's output is finite")


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
    assert protocol.first_non_finite(model, x).startswith("layer 0 (Dense(6 → 8)) first")
    for k, v in before.items():
        np.testing.assert_array_equal(norm.buffers[k], v)
    assert drop.rng.bit_generator.state == state


def mlp_and_batch(out="softmax", dtype=np.float64):
    rng = np.random.default_rng(3)
    last = {"softmax": nb.Softmax(), "sigmoid": nb.Sigmoid(), "tanh": nb.Tanh()}[out]
    model = nb.Sequential([nb.Dense(5, 7, rng=rng, dtype=dtype), nb.Tanh(),
                           nb.Dense(7, 7, rng=rng, dtype=dtype), nb.ReLU(),
                           nb.Dense(7, 3, rng=rng, dtype=dtype), last])
    model.compile(nb.SGD(lr=0.1), "crossentropy" if out == "softmax" else "mse")
    data = np.random.default_rng(4)
    x = data.standard_normal((6, 5)).astype(dtype)
    return model, x, np.eye(3, dtype=dtype)[data.integers(0, 3, 6)]


@pytest.mark.parametrize("out", ["softmax", "sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layers_walked_without_their_checks_give_the_checked_numbers(monkeypatch, out, dtype):
    fast, x, y = mlp_and_batch(out, dtype)
    counts = [counting(monkeypatch, cls, name) for cls in (nb.Dense, nb.Activation)
              for name in ("forward", "backward")]
    losses = [fast.train_step(x, y)["loss"]]
    first = [dict(c) for c in counts]                            # the checked step's calls
    losses += [fast.train_step(x, y)["loss"] for _ in range(3)]
    assert counts == first and sum(map(len, first)) >= 11      # every layer took its fast pair
    monkeypatch.undo()
    unplanned(monkeypatch)
    slow, _, _ = mlp_and_batch(out, dtype)
    assert [slow.train_step(x, y)["loss"] for _ in range(4)] == losses
    for a, b in zip(weights(fast), weights(slow)):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)


class LoudDense(nb.Dense):
    """A learner's Dense that counts its forward and backward calls."""
    calls = 0

    def forward(self, x):
        LoudDense.calls += 1
        return super().forward(x)


def test_a_subclass_that_overrides_forward_is_walked_with_it(monkeypatch):
    model, x, y = mlp_and_batch()
    model.layers[2] = LoudDense(7, 7, rng=np.random.default_rng(0))
    LoudDense.calls = 0
    calls = counting(monkeypatch, nb.Activation, "forward")
    for _ in range(3):
        model.train_step(x, y)
    assert LoudDense.calls == 3                                  # planned steps call it too
    assert calls[id(model.layers[3])] == 3                       # and the layer after it
    assert calls[id(model.layers[1])] == 1                       # the one before: fast


def test_a_method_replaced_on_a_layer_after_planned_steps_is_called():
    model, x, y = mlp_and_batch()
    for _ in range(2):
        model.train_step(x, y)
    seen = []
    relu = model.layers[3]
    original = relu.backward

    def backward(dy, need_dx=True):
        seen.append(dy.shape)
        return original(dy, need_dx)

    relu.backward = backward
    model.train_step(x, y)
    assert seen == [(6, 7)]


class HalfPrecisionMSE(nb.MSE):
    """A learner's loss whose gradient comes back float32 for float64 outputs."""

    def gradient(self, yt, yp):
        return super().gradient(yt, yp).astype(np.float32)


def test_a_loss_gradient_of_another_dtype_is_cast_as_the_layers_cast_it(monkeypatch):
    def run(model):
        model.compile(nb.SGD(lr=0.1), HalfPrecisionMSE())
        return [model.train_step(x, y)["loss"] for _ in range(3)], weights(model)

    fast, x, y = mlp_and_batch("tanh")
    calls = counting(monkeypatch, nb.Activation, "backward")
    losses, ws = run(fast)
    assert calls[id(fast.layers[-1])] == 1                       # the top Tanh: fast, planned
    monkeypatch.undo()
    unplanned(monkeypatch)
    slow, _, _ = mlp_and_batch("tanh")
    slow_losses, slow_ws = run(slow)
    assert losses == slow_losses
    for a, b in zip(ws, slow_ws):
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, b)


def test_a_wrong_shaped_gradient_from_a_learners_layer_is_still_refused():
    class Wrong(nb.Layer):
        """Right in the checked first step, then one row: ReLU's dy ⊙ mask would broadcast."""
        steps = 0

        def forward(self, x):
            return x

        def backward(self, dy, need_dx=True):
            Wrong.steps += 1
            return dy if Wrong.steps == 1 else dy[:1]

    model, x, y = mlp_and_batch()
    model.layers.insert(4, Wrong())
    model.train_step(x, y)
    with pytest.raises(ValueError, match=r"ReLU\(\): expected dy of shape \(6, 7\)"):
        model.train_step(x, y)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("ignore", [None, 2])
def test_crossentropys_value_and_gradient_in_one_call_equal_the_two_bit_for_bit(dtype, ignore):
    rng = np.random.default_rng(3)
    loss = nb.CrossEntropy(from_logits=True, ignore_index=ignore)
    z = (rng.standard_normal((3, 5, 7)) * 20).astype(dtype)
    yt = loss.targets("test", rng.integers(0, 7, (3, 5)), (5, 7), dtype)
    value, grad = loss.value_and_gradient(yt, z)
    assert value == loss.value(yt, z)
    assert grad.dtype == z.dtype and np.array_equal(grad, loss.gradient(yt, z))
    probs = nb.CrossEntropy()                       # from probabilities: the two calls
    p = nb.softmax(z)
    v2, g2 = probs.value_and_gradient(yt, p)
    assert v2 == probs.value(yt, p) and np.array_equal(g2, probs.gradient(yt, p))


def test_the_plan_calls_the_joint_loss_only_where_it_equals_value_and_gradient(monkeypatch):
    from nnbook.training.loss_base import joint_value_gradient

    class Doubled(nb.CrossEntropy):                 # a learner's change of the value alone
        def value(self, yt, yp):
            return 2 * super().value(yt, yp)

    assert joint_value_gradient(nb.CrossEntropy(from_logits=True)) is not None
    assert joint_value_gradient(Doubled(from_logits=True)) is None
    assert joint_value_gradient(nb.MSE()) is None   # the base's default: nothing to share
    patched = nb.CrossEntropy(from_logits=True)
    patched.gradient = lambda yt, yp: np.zeros_like(yp)
    assert joint_value_gradient(patched) is None

    def losses(loss):
        rng = np.random.default_rng(0)
        model = nb.Sequential([nb.Dense(4, 6, rng=rng), nb.Tanh(), nb.Dense(6, 3, rng=rng)])
        model.compile(nb.SGD(lr=0.1), loss)
        x = np.random.default_rng(1).standard_normal((8, 4))
        y = np.eye(3)[np.arange(8) % 3]
        return [model.train_step(x, y)["loss"] for _ in range(4)]

    planned, doubled = losses(nb.CrossEntropy(from_logits=True)), losses(Doubled(from_logits=True))
    np.testing.assert_allclose(doubled[0], 2 * planned[0], rtol=1e-12)
    np.testing.assert_allclose(doubled[1:], [2 * v for v in planned[1:]], rtol=1e-12)
    unplanned(monkeypatch)
    assert losses(nb.CrossEntropy(from_logits=True)) == planned     # the same numbers


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("head", ["softmax", "sigmoid", "tanh"])
def test_arrays_kept_between_planned_steps_give_the_same_numbers(monkeypatch, dtype, head):
    """From KEEP_FROM bytes up, the fast pairs write a step's outputs and ∂E/∂x into arrays
    of their own (nnbook/layers/base.py's with_work_arrays): the same numbers as fresh arrays, step
    after step, and the same array objects (no allocation) from the first planned step on."""
    def train(steps=5):
        rng = np.random.default_rng(0)
        act = {"softmax": nb.ReLU, "sigmoid": nb.Sigmoid, "tanh": nb.Tanh}[head]
        layers = [nb.Dense(16, 128, rng=rng, dtype=dtype), act(),
                  nb.Dense(128, 96, rng=rng, dtype=dtype), act(),
                  nb.Dense(96, 3, rng=rng, dtype=dtype)]
        layers += [nb.Softmax()] if head == "softmax" else []
        model = nb.Sequential(layers)
        loss = "crossentropy" if head == "softmax" else nb.CrossEntropy(from_logits=True)
        model.compile(nb.SGD(lr=0.05, momentum=0.9), loss)
        data = np.random.default_rng(1)
        x = data.standard_normal((256, 16)).astype(dtype)
        y = np.eye(3, dtype=dtype)[data.integers(0, 3, 256)]
        seen = []
        losses = []
        for _ in range(steps):
            losses.append(model.train_step(x, y)["loss"])
            seen.append([id(model.layers[i]._x) for i in (1, 3)])   # the Dense outputs
        return losses, [p.copy() for p, _ in model.gradient_pairs()], seen

    kept_losses, kept_weights, seen = train()
    assert seen[1] == seen[2] == seen[3] == seen[4]      # the same arrays, written in place
    assert base.KEEP_FROM <= 256 * 96 * np.dtype(dtype).itemsize
    monkeypatch.setattr(base, "KEEP_FROM", 1 << 60)      # nothing kept: fresh arrays
    fresh_losses, fresh_weights, _ = train()
    assert kept_losses == fresh_losses
    assert all(np.array_equal(a, b) for a, b in zip(kept_weights, fresh_weights))
    unplanned(monkeypatch)                               # the checked walk, every step
    checked_losses, checked_weights, _ = train()
    assert kept_losses == checked_losses
    assert all(np.array_equal(a, b) for a, b in zip(kept_weights, checked_weights))


def test_a_planned_step_after_the_weights_turned_float32_casts_as_the_checked_step():
    """Issue 50.11: every weight and gradient converted to float32 after planned steps,
    the data still float64: the step casts the batch, as the checked step does (NumPy's
    "output array is not acceptable" before), and gives the checked step's numbers."""
    def float32_model():
        rng = np.random.default_rng(0)
        model = nb.Sequential([nb.Dense(30, 64, rng=rng), nb.ReLU(), nb.Dense(64, 3, rng=rng)])
        model.compile(nb.SGD(lr=0.1), "mse")
        return model

    data = np.random.default_rng(1)
    x, y = data.standard_normal((300, 30)), data.standard_normal((300, 3))
    planned, checked = float32_model(), float32_model()
    for model in (planned, checked):
        for _ in range(3):
            model.train_step(x, y)                            # float64: planned from step 2
        for layer in model.layers:
            for k in layer.params:
                layer.params[k] = layer.params[k].astype(np.float32)
                layer.grads[k] = layer.grads[k].astype(np.float32)
    assert planned._plans and any(planned._plans.values())
    checked._plans.clear()
    for _ in range(3):
        assert planned.train_step(x, y) == checked.train_step(x, y)
    assert all(np.array_equal(a, b) and a.dtype == np.float32
               for a, b in zip(weights(planned), weights(checked)))


def small_mlp():
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Dense(6, 16, rng=rng), nb.ReLU(), nb.Dense(16, 16, rng=rng),
                           nb.Tanh(), nb.Dense(16, 3, rng=rng), nb.Softmax()])
    model.compile(nb.Adam(lr=0.01), "crossentropy")
    data = np.random.default_rng(1)
    return model, data.standard_normal((96, 6)), data.integers(0, 3, 96)


def test_run_eagerly_walks_every_batch_with_the_layers_own_forward(monkeypatch):
    """compile(..., run_eagerly=True) (Keras' switch) and model.run_eagerly = True keep
    every batch on Dense.forward (and backward), patched here at the class level, and never
    make a plan; the default calls Dense's fast pair from a shape's second batch on. The
    weights come out bit for bit the same."""
    forward = counting(monkeypatch, nb.Dense, "forward")
    backward = counting(monkeypatch, nb.Dense, "backward")
    after = []
    make = step_plan.StepPlan.after
    monkeypatch.setattr(step_plan.StepPlan, "after",
                        classmethod(lambda cls, *a: after.append(1) or make(*a)))
    batches = 3 * 3                                        # 3 epochs of 96 / 32
    eager, x, y = small_mlp()
    eager.compile(nb.Adam(lr=0.01), "crossentropy", run_eagerly=True)
    eager.fit(x, y, epochs=3, batch_size=32, verbose=0, rng=np.random.default_rng(2))
    assert eager.run_eagerly is True and not after and not eager._plans
    assert [forward[id(eager.layers[i])] for i in (0, 2, 4)] == [batches + 1] * 3   # + the
    assert [backward[id(eager.layers[i])] for i in (0, 2, 4)] == [batches] * 3      # final check
    forward.clear()
    backward.clear()
    planned, _, _ = small_mlp()
    planned.fit(x, y, epochs=3, batch_size=32, verbose=0, rng=np.random.default_rng(2))
    assert after and planned.run_eagerly is False
    assert forward[id(planned.layers[0])] < batches and backward[id(planned.layers[0])] < batches
    for a, b in zip(weights(eager), weights(planned)):
        np.testing.assert_array_equal(a, b)
    forward.clear()
    switched, _, _ = small_mlp()
    switched.run_eagerly = True
    switched.fit(x, y, epochs=3, batch_size=32, verbose=0, rng=np.random.default_rng(2))
    assert forward[id(switched.layers[0])] == batches + 1 and not switched._plans
    for a, b in zip(weights(switched), weights(planned)):
        np.testing.assert_array_equal(a, b)


def test_the_old_fast_switch_is_refused_with_the_new_one():
    model, x, y = small_mlp()
    for call, error in ((lambda: model.fit(x, y, verbose=0, fast=False), ValueError),
                        (lambda: model.fit(x, y, verbose=0, run_eagerly=True), ValueError),
                        (lambda: setattr(model, "fast", False), AttributeError),
                        (lambda: model.fast, AttributeError)):
        with pytest.raises(error, match=r"model\.compile\(\.\.\., run_eagerly=True\)"):
            call()
    assert not hasattr(model, "fast")
    with pytest.raises(ValueError, match="run_eagerly must be True or False"):
        model.compile("sgd", "mse", run_eagerly="yes")
