"""Data sets made up by a formula, so they need no file: logic gates (chapters 01 and 05),
Gaussian blobs (chapter 01) and interleaved spirals (chapter 09). The random ones draw only
from the ``rng`` they are given.
"""

from __future__ import annotations

import numpy as np

from ..validate import make_rng, positive_int

__all__ = ["xor", "logic_gate", "blobs", "spirals"]

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
