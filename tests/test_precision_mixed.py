"""Chapter 24's mixed precision emulated (nnbook/precision/mixed.py): ``RoundTo`` rounds
activations and their gradients to a format; ``mixed_precision_step`` computes the
gradient with the weights rounded to bfloat16, rounds it, and updates float32 master
weights (or, with ``master="bfloat16"``, rounds the master too, so small updates are
lost); ``accumulated_gradients`` reproduces the big batch's gradient from micro-batches
with different numbers of kept targets only when each is weighted by its share of the kept
targets. Bad input."""

import numpy as np
import pytest

import nnbook as nb

P = nb.precision


def mlp(seed, dtype=np.float32, fmt=None):
    rng = np.random.default_rng(seed)
    layers = [nb.Dense(6, 16, rng=rng, dtype=dtype), nb.Tanh(), nb.Dense(16, 3, rng=rng,
                                                                         dtype=dtype)]
    if fmt:
        layers = [layers[0], P.RoundTo(fmt), layers[1], layers[2], P.RoundTo(fmt)]
    model = nb.Sequential(layers)
    model.compile(optimizer=nb.SGD(lr=0.1), loss=nb.CrossEntropy(from_logits=True))
    return model


def data(seed=0, m=64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, 6)).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 1)


def test_round_to_layer():
    layer = P.RoundTo("bfloat16")
    x = np.array([[1.0 + 2.0 ** -9, 3.0]], dtype=np.float32)
    y = layer.forward(x)
    assert y.dtype == np.float32 and y.tolist() == [[1.0, 3.0]]
    assert layer.backward(x).tolist() == [[1.0, 3.0]]
    assert layer.params == {} and repr(layer) == "RoundTo('bfloat16')"
    assert layer.get_config() == {"fmt": "bfloat16"}
    x64 = np.array([1.0 + 2.0 ** -30])
    assert P.RoundTo("float32").forward(x64).dtype == np.float64   # the input's dtype kept
    assert P.RoundTo("float32").forward(x64)[0] == 1.0


def test_a_step_with_the_format_float64_is_a_plain_step():
    x, y = data()
    a, b = mlp(0, np.float64), mlp(0, np.float64)
    la = a.train_step(x, y)["loss"]
    lb = P.mixed_precision_step(b, x, y, fmt="float64", master="float64")["loss"]
    assert la == lb
    for p, q in zip(a.params.values(), b.params.values()):
        assert np.array_equal(p, q)


def test_mixed_step_by_hand():
    x, y = data()
    model = mlp(1, fmt="bfloat16")
    master = {k: p.copy() for k, p in model.params.items()}
    # by hand: a copy with the weights rounded gives the gradient
    twin = mlp(1, fmt="bfloat16")
    for k, p in twin.params.items():
        p[...] = P.to_bfloat16(master[k])
    value, _ = twin.compute_gradients(x, y)
    logs = P.mixed_precision_step(model, x, y)
    assert logs["loss"] == value
    for k, p in model.params.items():
        g = P.to_bfloat16(twin.grads[k])
        assert np.array_equal(p, master[k] - np.float32(0.1) * g)
    assert model.dtype == np.float32


def test_a_bfloat16_master_loses_small_updates():
    x, y = data()
    model = mlp(2)
    model.compile(optimizer=nb.SGD(lr=1e-4), loss=nb.CrossEntropy(from_logits=True))
    for p in model.params.values():
        p[...] = P.to_bfloat16(1.0 + p)                   # bfloat16 weights near 1
    before = {k: p.copy() for k, p in model.params.items()}
    P.mixed_precision_step(model, x, y, master="bfloat16")
    lost = [np.array_equal(p, before[k]) for k, p in model.params.items()]
    assert all(lost)                                   # lr·g < 2^-8 of 1: rounded away
    P.mixed_precision_step(model, x, y)                # a float32 master keeps them
    assert not np.array_equal(model.params["0.W"], before["0.W"])


def test_gradient_accumulation():
    rng = np.random.default_rng(3)
    emb = nb.Embedding(7, 8, rng=rng)
    model = nb.Sequential([emb, nb.Dense(8, 7, rng=rng)])
    model.compile(optimizer="sgd", loss=nb.CrossEntropy(from_logits=True, ignore_index=-1))
    x = rng.integers(0, 7, (12, 5))
    y = rng.integers(0, 7, (12, 5))
    y[:4, 2:] = -1                                      # micro-batch 1 keeps fewer targets
    y[8:, 4:] = -1
    model.compute_gradients(x, y)
    big = {k: g.copy() for k, g in model.grads.items()}
    right = P.accumulated_gradients(model, x, y, n_micro=3)
    wrong = P.accumulated_gradients(model, x, y, n_micro=3, weighting="mean")
    for k in big:
        assert np.abs(right[k] - big[k]).max() < 1e-12
    assert max(np.abs(wrong[k] - big[k]).max() for k in big) > 1e-3
    y_all = rng.integers(0, 7, (12, 5))                # equal counts: both are right
    model.compute_gradients(x, y_all)
    big = {k: g.copy() for k, g in model.grads.items()}
    wrong = P.accumulated_gradients(model, x, y_all, n_micro=4, weighting="mean")
    assert max(np.abs(wrong[k] - big[k]).max() for k in big) < 1e-12


def test_bad_input():
    with pytest.raises(ValueError, match=r"RoundTo: unknown format 'int8'"):
        P.RoundTo("int8")
    x, y = data()
    model = mlp(0)
    with pytest.raises(ValueError, match=r"mixed_precision_step: unknown format 'fp8'"):
        P.mixed_precision_step(model, x, y, fmt="fp8")
    with pytest.raises(ValueError, match=r"mixed_precision_step: unknown format 'x'"):
        P.mixed_precision_step(model, x, y, master="x")
    bare = nb.Sequential([nb.Dense(6, 3)])
    with pytest.raises(ValueError, match=r"mixed_precision_step: the model has no optimizer"):
        P.mixed_precision_step(bare, x, y)
    with pytest.raises(ValueError, match=r"accumulated_gradients: expected n_micro to be an "
                                         r"integer ≥ 1"):
        P.accumulated_gradients(model, x, y, n_micro=0)
    with pytest.raises(ValueError, match=r"accumulated_gradients: n_micro=5 does not divide "
                                         r"the 64 samples"):
        P.accumulated_gradients(model, x, y, n_micro=5)
    with pytest.raises(ValueError, match=r"accumulated_gradients: expected weighting "
                                         r"'kept' or 'mean'"):
        P.accumulated_gradients(model, x, y, n_micro=2, weighting="sum")


def test_mixed_step_leaves_frozen_parameters_as_they_were():
    """Issue 50.1: a float64 model with master="float32" rounds only what the step trains.
    Catches rounding every parameter after the step: the frozen layer's and a LoRA's base
    weights (float64 draws, not float32 values) would change on every step."""
    rng = np.random.default_rng(0)
    frozen = nb.Dense(6, 16, rng=rng)
    head = nb.LoRA(nb.Dense(16, 3, rng=rng), 2, rng=rng)
    model = nb.Sequential([frozen, nb.Tanh(), head])
    model.compile(optimizer=nb.SGD(lr=0.1), loss=nb.CrossEntropy(from_logits=True))
    frozen.trainable = False
    kept = {k: p.copy() for k, p in model.params.items() if k not in ("2.A", "2.B")}
    assert any(not np.array_equal(p, P.round_to(p, "float32")) for p in kept.values())
    x, y = data()
    for _ in range(3):
        P.mixed_precision_step(model, x.astype(np.float64), y)
    for k, p in kept.items():
        assert np.array_equal(model.params[k], p), k
    B = model.params["2.B"]
    assert np.any(B != 0) and np.array_equal(B, P.round_to(B, "float32"))  # trained: rounded
