"""Chapter 08's small digits CNN trained from a seed: how many of its eight learned 3×3
filters look like chapter 07's edge filters, and how it reads shifted and turned test
digits. The notebook runs it over ten seeds (cheap: a fraction of a second each)."""

from __future__ import annotations

import numpy as np

from ..data import load_digits, train_test_split
from ..layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Softmax
from ..metrics import accuracy
from ..training import Adam, Sequential

__all__ = ["EDGE_VERTICAL", "EDGE_HORIZONTAL", "edge_cosine", "train_cnn", "cnn_run"]

EDGE_VERTICAL = np.array([[1.0, 0.0, -1.0]] * 3)        # chapter 07's edge filters
EDGE_HORIZONTAL = EDGE_VERTICAL.T
THRESHOLD = 0.65                                        # "close to an edge filter"


def edge_cosine(k, K):
    """|cosine| of a 3×3 filter ``k``, its mean removed, with the edge filter ``K``."""
    k = k - k.mean()
    return float(abs(np.vdot(k, K)) / (np.linalg.norm(k) * np.linalg.norm(K)))


def train_cnn(rng, epochs=15):
    """Section 7 of chapter 08 from the generator ``rng``: the test/validation split, the
    Conv2D(1, 8, 3) → ReLU → MaxPool2D(2) → Dense(128, 10) network, Adam(0.01), 15 epochs
    of batches of 32. Returns ``(cnn, X_test, y_test)``."""
    digits, labels = load_digits()
    X_rest, X_test, y_rest, y_test = train_test_split(digits, labels, test_size=0.25, rng=rng)
    X_train, _, y_train, _ = train_test_split(X_rest, y_rest, test_size=0.2, rng=rng)
    cnn = Sequential([Conv2D(1, 8, 3, padding=1, init="he_normal", rng=rng), ReLU(),
                      MaxPool2D(2), Flatten(), Dense(4 * 4 * 8, 10, rng=rng), Softmax()],
                     input_shape=(8, 8, 1))
    cnn.compile(optimizer=Adam(lr=0.01), loss="crossentropy")
    cnn.fit(X_train, y_train, epochs=epochs, batch_size=32, verbose=0, rng=rng)
    return cnn, X_test, y_test


def cnn_run(seed):
    """One seed of chapter 08's CNN: the number of its 8 filters whose |cosine| with the
    nearer edge filter is above 0.65 ("edge-like"), how many of those are nearer the
    horizontal and how many the vertical one, and its test accuracy as is, shifted one pixel right and turned 90°."""
    cnn, X_test, y_test = train_cnn(np.random.default_rng(seed))
    W = cnn.layers[0].params["W"]                                # (3, 3, 1, 8)
    kernels = [W[:, :, 0, j] for j in range(W.shape[-1])]
    cosines = [(edge_cosine(k, EDGE_HORIZONTAL), edge_cosine(k, EDGE_VERTICAL))
               for k in kernels]
    # an edge-like filter counts once, as the kind of the edge filter it is nearer
    edge_like = sum(max(h, v) > THRESHOLD for h, v in cosines)
    horizontal = sum(h > THRESHOLD and h > v for h, v in cosines)
    vertical = edge_like - horizontal
    shifted = np.zeros_like(X_test)
    shifted[:, :, 1:] = X_test[:, :, :-1]
    return {"edge-like": edge_like, "horizontal": horizontal, "vertical": vertical,
            "test": accuracy(y_test, cnn.predict(X_test)),
            "shifted": accuracy(y_test, cnn.predict(shifted)),
            "turned": accuracy(y_test, cnn.predict(np.rot90(X_test, 1, axes=(1, 2))))}
