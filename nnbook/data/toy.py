"""Small data sets and the helpers that prepare them: logic gates and point clouds
(chapters 01, 05 and 09), scikit-learn's 8×8 digits (chapter 10), ``train_test_split``
and ``one_hot``. MNIST's ``read_idx``/``load_mnist`` live in idx.py and are
re-exported here. Nothing here downloads.
"""

from __future__ import annotations

import math

import numpy as np

from . import labels as _labels
from ..validate import make_rng, positive_int

__all__ = ["xor", "logic_gate", "blobs", "spirals", "load_digits", "train_test_split", "one_hot"]

# --------------------------------------------------------------------------
# Logic gates (chapters 01 and 05)

_GATES = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "xor": [0, 1, 1, 0],
    "nand": [1, 1, 1, 0],
}


def logic_gate(name: str):
    """The truth table of a two-input gate: ``"and"``, ``"or"``, ``"xor"`` or ``"nand"``.

    Shapes:
        X: (4, 2) float64, the inputs [[0,0],[0,1],[1,0],[1,1]]
        y: (4, 1) float64, the gate's output for each row (0 or 1)
    """
    key = str(name).lower()
    if key not in _GATES:
        raise ValueError(
            f"logic_gate: unknown gate {name!r}; expected one of {sorted(_GATES)}."
        )
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array(_GATES[key], dtype=np.float64).reshape(4, 1)
    return X, y


def xor():
    """The XOR truth table (chapter 05): ``logic_gate("xor")``.

    Shapes:
        X: (4, 2) float64,  y: (4, 1) float64 = [[0],[1],[1],[0]]
    """
    return logic_gate("xor")


# --------------------------------------------------------------------------
# Point clouds (chapters 01 and 09)

def blobs(n_per_class: int = 50, centers=((-1.0, -1.0), (1.0, 1.0)), std=0.4, rng=None):
    """Gaussian clouds of points, one per centre; with the defaults two
    linearly separable classes in 2-D (chapter 01).

    Shapes:
        centers: (k, d);  std: a number or (k,) (one per class)
        X: (k * n_per_class, d) float64, class by class
        labels: (k * n_per_class,) int64, the class index of each row

    Args:
        n_per_class: points per class (≥ 1).
        rng: ``np.random.Generator``; ``None`` means a fresh one.
    """
    n = positive_int("blobs", "n_per_class", n_per_class)
    c = np.asarray(centers, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] < 1:
        raise ValueError(
            f"blobs: expected centers of shape (k, d), got {c.shape}. "
            f"Pass one point per class, e.g. [(-1, -1), (1, 1)]."
        )
    k, d = c.shape
    s = np.asarray(std, dtype=np.float64)
    if s.ndim > 1 or s.size not in (1, k) or not np.all(s >= 0):
        raise ValueError(
            f"blobs: expected std to be a number ≥ 0 or one per class ({k} values), "
            f"got {std!r}."
        )
    s = np.broadcast_to(s.reshape(-1), (k,))
    rng = make_rng(rng)
    X = c[:, None, :] + s[:, None, None] * rng.standard_normal((k, n, d))  # (k, n, d)
    labels = np.repeat(np.arange(k, dtype=np.int64), n)
    return X.reshape(k * n, d), labels


def spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, rng=None):
    """Interleaved spiral arms, one per class: a set no straight line can split
    (chapter 09). Each arm winds from the centre outward about three quarters
    of a turn; ``noise`` jitters the angle (in radians). Points lie in the unit
    disc, so roughly in [-1, 1]².

    Shapes:
        X: (n_per_class * n_classes, 2) float64, class by class
        labels: (n_per_class * n_classes,) int64

    Args:
        rng: ``np.random.Generator``; the same seed gives the same points.
    """
    n = positive_int("spirals", "n_per_class", n_per_class)
    k = positive_int("spirals", "n_classes", n_classes)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"spirals: expected noise ≥ 0, got {noise!r}.")
    rng = make_rng(rng)
    r = np.linspace(0.05, 1.0, n)                                     # radius, (n,)
    X = np.empty((k * n, 2))
    for c in range(k):
        theta = 2 * np.pi * c / k + 1.5 * np.pi * r + noise * rng.standard_normal(n)
        X[c * n:(c + 1) * n, 0] = r * np.cos(theta)
        X[c * n:(c + 1) * n, 1] = r * np.sin(theta)
    labels = np.repeat(np.arange(k, dtype=np.int64), n)
    return X, labels


# --------------------------------------------------------------------------
# scikit-learn's 8×8 digits (chapter 10)

_DIGITS = None   # (images (1797, 8, 8, 1), labels (1797,)), filled on first use


def load_digits(*, flat: bool = False):
    """scikit-learn's handwritten digits: 1797 gray 8×8 images of 0–9, shipped
    with scikit-learn (no download). Pixels are scaled from 0..16 to [0, 1].

    Shapes:
        images: (1797, 8, 8, 1) float64 (NHWC), or (1797, 64) with ``flat=True``
        labels: (1797,) int64 in 0..9

    Returns fresh copies, so changing them does not change the next call.
    """
    global _DIGITS
    if _DIGITS is None:
        try:
            from sklearn.datasets import load_digits as sk_load_digits
        except ImportError:
            raise ImportError(
                "load_digits needs scikit-learn, which ships the 8×8 digits. Install it with "
                "`pip install scikit-learn` (or `pip install -e \".[course]\"` in the nnbook folder)."
            ) from None
        bunch = sk_load_digits()
        images = np.asarray(bunch.images, dtype=np.float64) / 16.0          # (1797, 8, 8)
        _DIGITS = (images[..., None], np.asarray(bunch.target, dtype=np.int64))
    images, labels = _DIGITS
    images = images.reshape(len(images), -1) if flat else images
    return images.copy(), labels.copy()


# --------------------------------------------------------------------------
# Splitting and encoding

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


def one_hot(labels, k: int | None = None) -> np.ndarray:
    """Rows of zeros with a 1 at each label: ``one_hot([2, 0], 3) = [[0,0,1],[1,0,0]]``.

    Shapes:
        labels: (m,) integers in [0, k)  →  (m, k) float64
    Args:
        k: the number of classes; ``None`` means ``max(labels) + 1``.

    The conversion itself lives in ``nb.labels`` (the one home of label handling).
    """
    return _labels.one_hot(labels, k, owner="one_hot")
