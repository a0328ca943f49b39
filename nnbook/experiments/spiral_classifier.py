"""Chapter 09's two comparisons on the three spirals, from a seed: the 4 → 5 → 3 network on
the engineered features (x₁, x₂, x₁², x₂²) against 2 → 5 → 3 on the raw coordinates, and
the same network trained with mean squared error against cross-entropy. The notebook runs
both over seeds (a fraction of a second each)."""

from __future__ import annotations

import numpy as np

from ..data import one_hot, spirals, train_test_split
from ..layers import Dense, Softmax, Tanh
from ..metrics import accuracy
from ..training import MSE, SGD, Adam, CrossEntropy, Sequential

__all__ = ["squared_features", "spirals_split", "features_run", "loss_run"]


def squared_features(P):
    """(x₁, x₂) → (x₁, x₂, x₁², x₂²), the four inputs of chapter 09's network.

    Shapes:
        P: (m, 2) → (m, 4)
    """
    P = np.asarray(P, dtype=float)
    return np.column_stack([P, P ** 2])


def spirals_split(rng):
    """Chapter 09's data from ``rng``: 300 points of three noisy spiral arms, a quarter
    held out. Returns ``(X_train, X_test, y_train, y_test)``, (225, 2), (75, 2), …"""
    X, labels = spirals(100, 3, noise=0.2, rng=rng)
    return train_test_split(X, labels, test_size=0.25, rng=rng)


def _tanh_net(n_in, rng):
    return Sequential([Dense(n_in, 5, rng=rng), Tanh(), Dense(5, 3, rng=rng), Softmax()])


def features_run(seed):
    """Held-out accuracy of 4 → 5 → 3 on the squared features and of 2 → 5 → 3 on the raw
    coordinates, each trained with Adam(0.05) for 200 epochs (batches of 32), as in
    section 7, on one draw of the spirals."""
    rng = np.random.default_rng(seed)
    X_tr, X_te, y_tr, y_te = spirals_split(rng)
    result = {}
    for name, f, n_in in [("with squares", squared_features, 4), ("raw", np.asarray, 2)]:
        net = _tanh_net(n_in, rng)
        net.compile(Adam(0.05), "crossentropy")
        net.fit(f(X_tr), y_tr, epochs=200, batch_size=32, verbose=0, rng=rng)
        result[name] = accuracy(y_te, net.predict(f(X_te)))
    return result


def loss_run(seed, epochs=80, lr=0.5):
    """Section 8 on one draw: the 4 → 5 → 3 network from the same initial weights and the
    same batches, plain SGD(0.5) for 80 epochs, once with MSE and once with cross-entropy.
    Returns each loss's training accuracy at the last epoch and averaged over the last 10
    epochs, the cross-entropy of its predictions averaged over the last 10 epochs, and
    its accuracy swing (max − min) over its last 10 epochs."""
    rng = np.random.default_rng(seed)
    X_tr, _, y_tr, _ = spirals_split(rng)
    F, Y = squared_features(X_tr), one_hot(y_tr, 3)
    init_seed, shuffle_seed = rng.integers(2**31, size=2)
    result = {}
    for name, loss in [("MSE", MSE()), ("CE", CrossEntropy())]:
        model = _tanh_net(4, np.random.default_rng(init_seed))
        model.compile(SGD(lr), loss)
        shuffle = np.random.default_rng(shuffle_seed)
        acc, xent = [], []
        for _ in range(epochs):
            model.fit(F, Y, epochs=1, batch_size=32, verbose=0, rng=shuffle)
            out = model.predict(F)
            acc.append(accuracy(y_tr, out))
            xent.append(CrossEntropy()(Y, out))
        result[f"{name} last"] = acc[-1]
        result[f"{name} last 10"] = np.mean(acc[-10:])
        result[f"{name} xent 10"] = np.mean(xent[-10:])
        result[f"{name} swing"] = np.max(acc[-10:]) - np.min(acc[-10:])
    return result
