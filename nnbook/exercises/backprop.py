"""Exercises of chapters 03–05: the backward pass of a dense and an activation
layer, the MSE gradient, a two-layer network's vectorised gradients, a loop to
vectorise, the He initial scale, and XOR by hand.
"""

from __future__ import annotations

import numpy as np

from ..layers.activations import Sigmoid, Tanh, sigmoid
from ..layers.dense import Dense
from ..training.losses import MSE, BinaryCrossEntropy
from ..training.model import Sequential
from ._core import (Mistake, NotAttempted, Runner, as_array, check_number_function, check_value, compare, exercise,
                    is_stub, unpack)


def _dense(W, b):
    layer = Dense(*W.shape)
    layer.params["W"][...], layer.params["b"][...] = W, b
    return layer


# 03 · Many neurons per layer --------------------------------------------------------
@exercise("03.1", "Backward pass of a dense layer", "function dense_backward(x, W, dy) -> (dx, dW, db)")
def dense_backward(fn):
    run = Runner(fn, "dense_backward")
    rng = np.random.default_rng(31)
    for m, n_in, n_out in ((5, 3, 3), (4, 3, 2)):           # square first: transposes give values, not errors
        x, W, dy = rng.normal(size=(m, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=(m, n_out))
        layer = _dense(W, np.zeros(n_out))
        layer.forward(x)
        dx = layer.backward(dy)
        dW, db = layer.grads["W"], layer.grads["b"]
        got = unpack(run(x, W, dy), ("dx", "dW", "db"), "dense_backward")
        square = [(dy @ W, "W is not transposed: in row form ∂E/∂X = ∂E/∂Y Wᵀ, dx = dy @ W.T.")] if n_in == n_out else []
        compare("dx", got[0], dx, square + [
            (dx / m, "dx is divided by m: each sample's ∂E/∂x is its own row, nothing is averaged.")])
        compare("dW", got[1], dW, [
            (dW.T, "dW is transposed (that is the notes' column-form ∂E/∂W_notes); nnbook's W is "
                   "(n_in, n_out): dW = x.T @ dy."),
            (dW / m, "dW is divided by m: the layer sums over the batch, the 1/m belongs to the loss.")])
        compare("db", got[2], db, [
            (dy, "db must be summed over the batch (axis=0): one number per output neuron."),
            (dy.mean(axis=0), "db is averaged: the layer sums over the batch (the 1/m belongs to the loss)."),
            (dy.sum(axis=1), "db is summed over the wrong axis: sum over the samples, axis=0."),
            (db[None, :], f"db has shape (1, {n_out}): expected ({n_out},), the shape of b (drop keepdims).")])
    return "right: dx = dy @ W.T, dW = x.T @ dy, db = dy.sum(axis=0), as nb.Dense.backward."


@exercise("03.2", "Backward pass of a tanh layer", "function tanh_backward(x, dy) -> dx")
def tanh_backward(fn):
    run = Runner(fn, "tanh_backward")
    rng = np.random.default_rng(32)
    for shape in ((4, 4), (3, 5)):
        x, dy = rng.normal(size=shape), rng.normal(size=shape)
        layer = Tanh()
        layer.forward(x)
        fp = 1 - np.tanh(x) ** 2
        wrongs = [(fp, "this is f'(x): multiply it by the upstream gradient dy."),
                  (dy * (1 - x ** 2), "1 − y² needs y = tanh(x), not x."),
                  (dy * np.tanh(x), "this is dy ⊙ f(x): use the derivative f'(x) = 1 − tanh²(x)."),
                  (dy * (1 - np.tanh(x)), "the square is missing: f'(x) = 1 − tanh²(x)."),
                  (dy * fp ** 2, "f'(x) is applied twice.")]
        if shape[0] == shape[1]:
            wrongs += [(dy @ fp, "a matrix product: an activation acts elementwise, use dy * f'(x)."),
                       (fp @ dy, "a matrix product: an activation acts elementwise, use dy * f'(x).")]
        compare("dx", run(x, dy), layer.backward(dy), wrongs)
    return "right: dx = dy ⊙ (1 − tanh²(x)), elementwise."


@exercise("03.3", "Gradient of the mean squared error", "function mse_grad(y_true, y_pred) -> array")
def mse_grad(fn):
    run = Runner(fn, "mse_grad")
    rng = np.random.default_rng(33)
    for shape in ((5, 2), (4, 3)):
        y_true, y_pred = rng.normal(size=shape), rng.normal(size=shape)
        d, n, m = y_pred - y_true, y_pred.size, shape[0]
        compare("mse_grad", run(y_true, y_pred), MSE().grad(y_true, y_pred), [
            (d, "the factor 2/n is missing."),
            (d / n, "the 2 is missing: d/dy (y − y*)² = 2(y − y*)."),
            (2 * d, "the 1/n of the mean is missing."),
            (-2 * d / n, "the sign is flipped: ∂E/∂y = (2/n)(y − y*), prediction minus target."),
            (2 * d / m, "n counts every entry (y_pred.size), not only the rows."),
            (d / m, "the factor is 2/n with n = y_pred.size (every entry), and the 2 is missing.")])
    return "right: (2/n)(y_pred − y_true), n = the number of entries, as nb.MSE().grad."


# 04 · Vectorised batches ------------------------------------------------------------
@exercise("04.1", "Vectorised gradients of a two-layer network",
          "function two_layer_grads(X, Y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)")
def two_layer_grads(fn):
    run = Runner(fn, "two_layer_grads")
    rng = np.random.default_rng(41)
    for m, n, n1 in ((8, 3, 4), (5, 2, 3)):
        X, Y = rng.normal(size=(m, n)), rng.integers(0, 2, size=(m, 1)).astype(float)
        W1, b1, W2, b2 = rng.normal(size=(n, n1)), rng.normal(size=n1), rng.normal(size=(n1, 1)), rng.normal(size=1)
        net = Sequential([_dense(W1, b1), Tanh(), _dense(W2, b2), Sigmoid()])
        net.backward(BinaryCrossEntropy().grad(Y, net.forward(X)))
        right = [net.layers[0].grads["W"], net.layers[0].grads["b"], net.layers[2].grads["W"], net.layers[2].grads["b"]]
        A1 = np.tanh(X @ W1 + b1)
        Y_hat = sigmoid(A1 @ W2 + b2)

        def grads(dZ2, g1=lambda: 1 - A1 ** 2):           # the backward pass from a given dZ2
            dZ1 = dZ2 @ W2.T * g1()
            return [X.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0)]

        dZ2 = (Y_hat - Y) / m
        variants = [
            (grads(dZ2 * m), "m times too large: the cost is the mean over the batch, dZ2 = (Ŷ − Y)/m."),
            (grads(-dZ2), "the sign is flipped: dZ2 = (Ŷ − Y)/m."),
            (grads(dZ2 * Y_hat * (1 - Y_hat)), "σ' cancels with the cross-entropy: dZ2 = (Ŷ − Y)/m, "
                                                "no extra Ŷ(1 − Ŷ)."),
            (grads(dZ2, lambda: (1 - A1 ** 2) ** 2), "g'(Z1) is applied twice: it is already inside dZ1."),
            (grads(dZ2, lambda: A1), "this uses g(Z1) = tanh(Z1) where the chain rule needs g'(Z1) = 1 − tanh²(Z1).")]
        dZ1 = dZ2 @ W2.T * (1 - A1 ** 2)
        shapes = {1: [(dZ1, "db1 must be summed over the batch (axis=0), one number per hidden neuron.")],
                  3: [(dZ2, "db2 must be summed over the batch (axis=0).")]}
        names = ("dW1", "db1", "dW2", "db2")
        got = unpack(run(X, Y, W1, b1, W2, b2), names, "two_layer_grads")
        for k, name in enumerate(names):
            wrongs = [(v[k], hint) for v, hint in variants] + shapes.get(k, [])
            if k in (0, 2):
                wrongs.append((right[k].T, "it is transposed (the notes' column form); it must have the shape "
                                           f"of {name[1:]}, {right[k].shape}: A_prev.T @ dZ."))
            else:
                wrongs.append((right[k][None, :], f"expected shape {right[k].shape}, the shape of {name[1:]} "
                                                  "(drop keepdims)."))
            compare(name, got[k], right[k], wrongs)
    return "right: dZ2 = (Ŷ − Y)/m, dW2 = A1ᵀ dZ2, dZ1 = dZ2 W2ᵀ ⊙ (1 − A1²), dW1 = Xᵀ dZ1, db = Σ over rows."


@exercise("04.2", "Vectorise a layer's loops", "function layer_forward(X, W, b) -> A, without Python loops")
def layer_forward(fn):
    run = Runner(fn, "layer_forward")
    rng = np.random.default_rng(42)
    for m, n_in, n_out in ((4, 4, 4), (6, 3, 5)):
        X, W, b = rng.normal(size=(m, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
        right = Tanh().forward(_dense(W, b).forward(X))
        wrongs = [(np.tanh(X @ W), "the bias b is missing."),
                  (X @ W + b, "the activation tanh is missing.")]
        if n_in == n_out:
            wrongs.append((np.tanh(X @ W.T + b), "W is transposed: column j of W holds neuron j's weights, Z = X @ W + b."))
        if m == n_out:
            wrongs.append((np.tanh(X @ W + b[:, None]), "b is added down the columns: b has one entry per neuron "
                                                        "(column); X @ W + b adds it to every row."))
        compare("A", run(X, W, b), right, wrongs)
    loop = run.loops()
    if loop:
        raise Mistake(f"the numbers are right, but layer_forward still uses {loop}: "
                      "replace it by one matrix product, np.tanh(X @ W + b).")
    return "right, and no Python loop: one matrix product does all m·n_out weighted sums."


@exercise("04.3", "The He initial scale for a ReLU layer", "function he_std(n_in, n_out) -> float")
def he_std(fn):
    run = Runner(fn, "he_std")
    check_number_function(run, [(200, 100), (50, 400), (784, 128), (10, 10)], lambda n_in, n_out: np.sqrt(2 / n_in), [
        (lambda n_in, n_out: 2 / n_in, "that is the variance 2/n_in; the standard deviation is its square root."),
        (lambda n_in, n_out: np.sqrt(1 / n_in), "He has a 2 in the numerator, which makes up for ReLU zeroing "
                                                "half of its inputs."),
        (lambda n_in, n_out: np.sqrt(2 / n_out), "He uses the fan-in n_in, the number of inputs each neuron adds up."),
        (lambda n_in, n_out: np.sqrt(2 / (n_in + n_out)), "that is Xavier/Glorot (for tanh and sigmoid); "
                                                          "He is sqrt(2 / n_in)."),
        (lambda n_in, n_out: np.sqrt(6 / (n_in + n_out)), "that is the limit of Xavier's uniform version, "
                                                          "not He's standard deviation."),
        (lambda n_in, n_out: np.sqrt(6 / n_in), "that is the limit of He's uniform version U(±√(6/n_in)), "
                                                "not its standard deviation."),
        (lambda n_in, n_out: 0.01, "the notes' 0.01·randn does not depend on the layer size; He scales with 1/√n_in.")],
        lambda c: f"{c}", rtol=1e-4)
    return "right: σ = √(2/n_in), so the size of the signal stays about the same through ReLU layers."


# 05 · XOR --------------------------------------------------------------------------
_XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0]}


def _xor_outputs(W1, b1, W2, b2):
    return (np.maximum(_XOR_X @ W1 + b1, 0) @ W2 + b2).ravel()


@exercise("05.1", "Weights that solve XOR, by hand", "values: answer = (W1, b1, W2, b2)")
def xor_weights(answer):
    if is_stub(answer) or (isinstance(answer, (tuple, list)) and all(is_stub(a) for a in answer)):
        raise NotAttempted()
    if not isinstance(answer, (tuple, list)) or len(answer) != 4:
        raise Mistake("expected four arrays, answer = (W1, b1, W2, b2).")
    shapes = {"W1": (2, 2), "b1": (2,), "W2": (2, 1), "b2": (1,)}
    arrays = {name: as_array(value, name) for name, value in zip(shapes, answer)}
    arrays["b2"] = arrays["b2"].reshape(-1) if arrays["b2"].size == 1 else arrays["b2"]
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            hint = " (n_in = 2 hidden neurons, n_out = 1: the transpose of the notes' W)" if name == "W2" else ""
            raise Mistake(f"{name} has shape {arrays[name].shape}, expected {shape}{hint}.")
    if not all(np.all(np.isfinite(a)) for a in arrays.values()):
        raise Mistake("the weights contain nan or inf.")
    out = _xor_outputs(*arrays.values())
    classes = (out > 0.5).astype(int)
    if classes.tolist() == [0, 1, 1, 0]:
        return f"right: the network outputs {np.round(out, 2) + 0.0} for (0,0), (0,1), (1,0), (1,1)."
    if (_xor_outputs(arrays["W1"].T, arrays["b1"], arrays["W2"], arrays["b2"]) > 0.5).astype(int).tolist() == [0, 1, 1, 0]:
        raise Mistake("your W1 works transposed: nnbook's W is (n_in, n_out), row i holds input i's weights.")
    gate = next((name for name, table in _GATES.items() if classes.tolist() == table), None)
    what = f"{gate}, not XOR" if gate else f"the classes {classes.tolist()}"
    raise Mistake(f"the outputs {np.round(out, 2) + 0.0} give {what}; XOR needs the classes [0, 1, 1, 0] "
                  f"(1 means an output above 0.5).")


@exercise("05.2", "The loss of the best single neuron on XOR", "a number: answer = ...")
def shrug_loss(answer):
    check_value(answer, np.log(2), [
        (0.5, "0.5 is the prediction ŷ for every input, not the loss."),
        (np.log10(2), "the cross-entropy uses the natural logarithm: ln 2, not log₁₀ 2."),
        (1.0, "the cross-entropy uses the natural logarithm: ln 2, not log₂ 2 = 1."),
        (0.25, "0.25 is the mean squared error of answering 0.5; the neuron was trained with cross-entropy."),
        (-np.log(2), "a loss is never negative: −log(0.5) = +ln 2.")])
    return "right: −log(½) = ln 2 ≈ 0.693 for every example, so the mean is ln 2."


@exercise("05.3", "How many XOR points can one line get right?", "a number: answer = ...")
def best_line(answer):
    check_value(answer, 3, [
        (4, "no line gets all four: the two middle inequalities of the proof contradict the other two."),
        (2, "you can do better: a line can cut off one corner, which gets 3 of 4 right.")], rtol=1e-9)
    return "right: 3 of 4 at best (one corner cut off), never 4."
