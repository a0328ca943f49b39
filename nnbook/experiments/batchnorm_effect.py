"""Chapter 13's two experiments from a seed: a ten-layer dense network trained with plain
SGD with and without batch normalisation, and the two-block digits CNN with and without
it, on chapter 10's fixed split. Ten seeds are stored (the CNNs take about 5 s a seed);
the notebook shows them beside its own run."""

from __future__ import annotations

import numpy as np

from ..data import digits_split
from ..layers import BatchNorm, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Softmax
from ..training import SGD, Sequential

__all__ = ["deep_dense_run", "cnn_run", "TABLES"]


def _deep_dense(rng, batchnorm, depth=10, width=64):
    layers, n_in = [], 64
    for _ in range(depth):
        layers.append(Dense(n_in, width, init="he_normal", rng=rng))
        layers += [BatchNorm(width)] if batchnorm else []
        layers.append(ReLU())
        n_in = width
    return Sequential(layers + [Dense(width, 10, rng=rng), Softmax()], input_shape=(64,))


def _train_steps(model, X, y, rng, epochs=4, batch_size=32):
    """Section 5's loop: one ``fit`` call per mini-batch, a new shuffle every epoch.
    Returns every step's loss, or None once the loss becomes NaN."""
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    step = model.fit(X[batch], y[batch], epochs=1, batch_size=batch_size,
                                     shuffle=False, verbose=0)
            except FloatingPointError:                     # fit stops at a NaN loss
                return None
            losses += step.history["loss"]
    return np.array(losses)


def deep_dense_run(seed):
    """Section 5 from a seed: the 10-layer dense network, 4 epochs of plain SGD in batches
    of 32, without BN at α = 0.05 and α = 0.5 and with BN at α = 0.5. Returns each run's
    mean training loss over its last epoch (inf: the loss became NaN) and validation
    accuracy (0: diverged)."""
    rng = np.random.default_rng(seed)
    X_train, y_train, X_val, y_val, _, _ = digits_split()
    X_train, X_val = X_train.reshape(-1, 64), X_val.reshape(-1, 64)
    steps_per_epoch = -(-len(X_train) // 32)
    result = {}
    for name, batchnorm, lr in [("no BN, α 0.05", False, 0.05), ("no BN, α 0.5", False, 0.5),
                                ("BN, α 0.5", True, 0.5)]:
        model = _deep_dense(rng, batchnorm)
        model.compile(optimizer=SGD(lr=lr), loss="crossentropy", metrics=["accuracy"])
        losses = _train_steps(model, X_train, y_train, rng)
        diverged = losses is None
        result[f"{name}: loss"] = np.inf if diverged else losses[-steps_per_epoch:].mean()
        result[f"{name}: acc"] = 0.0 if diverged else model.evaluate(X_val, y_val)[1]
    return result


def _digits_cnn(rng, batchnorm, width=32, dtype=np.float32):
    layers = []
    for spec in [(1, width), (width, width), "pool", (width, width), (width, width), "pool"]:
        if spec == "pool":
            layers.append(MaxPool2D(2))
            continue
        layers.append(Conv2D(*spec, 3, padding=1, init="he_normal", rng=rng, dtype=dtype))
        layers += [BatchNorm(spec[1], dtype=dtype)] if batchnorm else []
        layers.append(ReLU())
    head = [Flatten(), Dense(2 * 2 * width, 10, rng=rng, dtype=dtype), Softmax()]
    return Sequential(layers + head, input_shape=(8, 8, 1))


def cnn_run(seed):
    """Section 6 from a seed: the two-block CNN with and without BN, SGD with momentum 0.9
    at α = 0.1 and weight decay 5·10⁻⁴, 12 epochs of batches of 32, in float32. Returns
    each network's number of right test digits (of 450) and its final training loss."""
    rng = np.random.default_rng(seed)
    X_train, y_train, X_val, y_val, X_test, y_test = digits_split()
    result = {}
    for name, batchnorm in [("BN", True), ("no BN", False)]:
        model = _digits_cnn(rng, batchnorm)
        model.compile(optimizer=SGD(lr=0.1, momentum=0.9, weight_decay=5e-4),
                      loss="crossentropy", metrics=["accuracy"])
        history = model.fit(X_train, y_train, epochs=12, batch_size=32, verbose=0, rng=rng,
                            validation_data=(X_val, y_val))
        result[f"{name}: right"] = int(np.sum(model.predict(X_test).argmax(axis=1) == y_test))
        result[f"{name}: loss"] = history.history["loss"][-1]
    return result


_SEEDS = tuple(range(1, 11))
TABLES = {
    "13_deep_dense": (deep_dense_run, _SEEDS),
    "13_digits_cnn": (cnn_run, _SEEDS),
}
