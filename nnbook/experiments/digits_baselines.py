"""Chapter 10's digits runs from a seed: the dense network trained with plain SGD on scaled
and on byte-valued pixels at five learning rates, and the dense network and the small CNN
on the course's fixed split and on other splits of the same digits. Eight seeds are
stored (1–2 s each); the notebook shows them beside its own run."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..data import digits_split, load_digits
from ..layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Softmax
from ..training import SGD, Adam, CrossEntropy, Sequential

__all__ = ["RATES", "scaling_runs", "scaled_inputs", "byte_inputs", "dense_and_cnn",
           "fixed_split", "other_splits", "TABLES"]

RATES = (0.5, 0.05, 5e-3, 5e-4, 5e-5)           # section 3b's learning rates


def _dense(rng):
    return Sequential([Flatten(), Dense(64, 128, init="he_normal", rng=rng), ReLU(),
                       Dense(128, 10, rng=rng), Softmax()], input_shape=(8, 8, 1))


@lru_cache(maxsize=16)
def scaling_runs(seed):
    """Section 3b from one start (the same weights for every run): 5 epochs of plain SGD on
    the first 1000 digits, scaled to [0, 1] and as bytes (× 255), at each rate. Returns
    ``{"scaled": (first loss, accuracies), "bytes": (…)}``, accuracies on the other 797."""
    images, labels = load_digits()
    result = {}
    for name, factor in [("scaled", 1.0), ("bytes", 255.0)]:
        accuracies = []
        for lr in RATES:
            rng = np.random.default_rng(seed)
            net = _dense(rng)
            first = CrossEntropy()(labels, net.predict(images * factor))
            net.compile(SGD(lr), "crossentropy")
            with np.errstate(over="ignore", invalid="ignore"):
                net.fit(images[:1000] * factor, labels[:1000], epochs=5, batch_size=16,
                        verbose=0, rng=rng)
                predicted = net.predict(images[1000:] * factor).argmax(axis=1)
            accuracies.append(float(np.mean(predicted == labels[1000:])))
        result[name] = (float(first), tuple(accuracies))
    return result


def _scaling_row(seed, name):
    first, accuracies = scaling_runs(seed)[name]
    return {"first loss": first, **{f"α {lr:g}": a for lr, a in zip(RATES, accuracies)}}


def scaled_inputs(seed):
    """The first loss and, per learning rate, the held-out accuracy on scaled pixels."""
    return _scaling_row(seed, "scaled")


def byte_inputs(seed):
    """The same on pixels as bytes (0–255)."""
    return _scaling_row(seed, "bytes")


def dense_and_cnn(seed, split_seed=None):
    """Sections 5–6 from ``np.random.default_rng(seed)``: the dense network (Adam(0.002),
    30 epochs, batches of 16) and the CNN (Adam(0.005), 20 epochs, batches of 32) on the
    fixed split, or on ``digits_split(rng=np.random.default_rng(split_seed))``. Returns
    each model's test accuracy and its mean largest probability on the test digits it
    gets wrong."""
    rng = np.random.default_rng(seed)
    split = digits_split() if split_seed is None else digits_split(
        rng=np.random.default_rng(split_seed))
    X_train, y_train, X_val, y_val, X_test, y_test = split
    cnn = Sequential([Conv2D(1, 32, 3, padding=1, init="he_normal", rng=rng), ReLU(),
                      MaxPool2D(2), Flatten(), Dense(4 * 4 * 32, 10, rng=rng), Softmax()],
                     input_shape=(8, 8, 1))
    models = {"dense": (_dense(rng), 0.002, 30, 16), "CNN": (cnn, 0.005, 20, 32)}
    result = {}
    for name, (net, lr, epochs, batch_size) in models.items():
        net.compile(optimizer=Adam(lr=lr), loss="crossentropy")
        net.fit(X_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0, rng=rng,
                validation_data=(X_val, y_val))
        probs = net.predict(X_test)
        wrong = probs.argmax(axis=1) != y_test
        result[name] = float(np.mean(~wrong))
        result[f"{name}: top p wrong"] = float(probs.max(axis=1)[wrong].mean())
    return result


def fixed_split(seed):
    """``dense_and_cnn`` on the course's fixed split (chapter 10's), weights and batches
    from the seed."""
    return dense_and_cnn(seed)


def other_splits(seed):
    """``dense_and_cnn`` on another split of the 1797 digits, drawn from the seed too."""
    return dense_and_cnn(seed, split_seed=seed)


_SEEDS = tuple(range(1, 9))
TABLES = {
    "10_scaled_inputs": (scaled_inputs, _SEEDS),
    "10_byte_inputs": (byte_inputs, _SEEDS),
    "10_fixed_split": (fixed_split, _SEEDS),
    "10_other_splits": (other_splits, _SEEDS),
}
