"""Cutting a data set into parts: ``train_test_split``, stratified by class when the
targets are classes (chapter 10). ``digits_split`` in digits.py uses it for the course's
fixed split of the 8×8 digits.
"""

from __future__ import annotations

import math

import numpy as np

from ..validate import make_rng

__all__ = ["train_test_split"]


def _class_labels(y: np.ndarray):
    """Integer class labels (m,) if ``y`` holds classes, else None (targets to plain-shuffle).

    Classes are: integer (or bool) labels (m,) or (m, 1); 0/1 floats (m, 1);
    one-hot rows (m, k).
    """
    if y.dtype.kind in "iub" and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        return y.reshape(-1).astype(np.int64)
    if y.dtype.kind == "f" and y.ndim == 2 and y.size:
        binary = np.isin(y, (0.0, 1.0)).all()
        if y.shape[1] == 1 and binary:
            return y[:, 0].astype(np.int64)
        if y.shape[1] > 1 and binary and (y.sum(axis=1) == 1).all():
            return y.argmax(axis=1).astype(np.int64)
    return None


def train_test_split(X, y, test_size: float = 0.25, *, stratify: bool = True, rng=None):
    """Split samples into a training and a test set, ``ceil(test_size * m)`` in the test set.

    When ``y`` holds classes (integer labels, 0/1 targets of shape (m, 1) or
    one-hot rows) and ``stratify`` is true, each class is split in the same
    proportion, so both sets keep the class balance. Otherwise the samples are
    shuffled and cut. Both sets come back in shuffled order.

    Shapes:
        X: (m, …);  y: (m, …)
        returns X_train (m - t, …), X_test (t, …), y_train (m - t, …), y_test (t, …)

    Args:
        test_size: the fraction of samples for the test set, 0 < test_size < 1.
        rng: ``np.random.Generator``; the same seed gives the same split.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"train_test_split: X and y must have one row per sample, got X of shape "
            f"{X.shape} and y of shape {y.shape}. Pass arrays with the same first dimension."
        )
    m = len(X)
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float, np.floating)) \
            or not 0 < test_size < 1:
        raise ValueError(
            f"train_test_split: expected 0 < test_size < 1 (a fraction of the samples), "
            f"got {test_size!r}. For 20% use test_size=0.2."
        )
    n_test = math.ceil(test_size * m)
    if m < 2 or n_test >= m:
        raise ValueError(
            f"train_test_split: cannot split {m} samples with test_size={test_size} "
            f"(test set {n_test}, training set {m - n_test}). Use more samples or a smaller test_size."
        )
    rng = make_rng(rng)
    labels = _class_labels(y) if stratify else None
    if labels is None:
        order = rng.permutation(m)
        test, train = order[:n_test], order[n_test:]
    else:
        classes, counts = np.unique(labels, return_counts=True)
        quota = counts * n_test / m                                   # ideal per class
        take = np.floor(quota).astype(int)
        short = n_test - take.sum()                                   # largest remainders get one more
        take[np.argsort(-(quota - take), kind="stable")[:short]] += 1
        test_parts, train_parts = [], []
        for c, t in zip(classes, take):
            idx = rng.permutation(np.flatnonzero(labels == c))
            test_parts.append(idx[:t])
            train_parts.append(idx[t:])
        test = rng.permutation(np.concatenate(test_parts))
        train = rng.permutation(np.concatenate(train_parts))
    return X[train], X[test], y[train], y[test]
