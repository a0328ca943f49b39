"""How often a classifier is right: ``accuracy`` (chapter 05 onward) and the
``confusion_matrix`` of chapter 10. Both take targets and predictions in any of
the usual forms (labels, one-hot rows, class scores, sigmoid outputs).
"""

from __future__ import annotations

import numpy as np

from ..validate import positive_int
from ..data.labels import class_labels


__all__ = ["accuracy", "confusion_matrix"]


def _pair(owner: str, y_true, y_pred, k=None):
    """Both label arrays (m,) and the number of classes k, after every shape check."""
    t, kt = class_labels(owner, "y_true", y_true)
    p, kp = class_labels(owner, "y_pred", y_pred)
    st, sp = np.shape(y_true), np.shape(y_pred)
    if len(t) != len(p):
        raise ValueError(
            f"{owner}: y_true has {len(t)} samples (shape {st}) but y_pred has {len(p)} "
            f"(shape {sp}); expected one prediction per target."
        )
    if len(t) == 0:
        raise ValueError(f"{owner}: got empty arrays; expected at least one sample.")
    if kt is not None and kp is not None and kt != kp:
        raise ValueError(
            f"{owner}: y_true of shape {st} has {kt} classes but y_pred of shape {sp} has "
            f"{kp}. Use the same number of classes (one-hot targets and scores of width k, "
            f"or 0/1 targets (m, 1) with sigmoid outputs (m, 1))."
        )
    implied = kt or kp
    if k is not None:
        k = positive_int(owner, "k", k)
        if implied is not None and implied != k:
            raise ValueError(f"{owner}: k={k} but the arrays have {implied} classes "
                             f"(y_true {st}, y_pred {sp}).")
        implied = k
    top = int(max(t.max(), p.max()))
    if implied is None:
        implied = top + 1
    elif top >= implied:
        which = "y_true" if t.max() >= implied else "y_pred"
        raise ValueError(
            f"{owner}: {which} holds label {top}, outside [0, {implied}) for {implied} classes "
            f"(y_true {st}, y_pred {sp}). Check the labels or the model's output width."
        )
    return t, p, implied


def accuracy(y_true, y_pred) -> float:
    """The fraction of samples whose predicted class is the true class.

    Shapes:
        y_true: (m,) labels, (m, k) one-hot, or (m, 1) 0/1 targets
        y_pred: (m,) labels, (m, k) probabilities/scores (argmax),
                or (m, 1) sigmoid outputs (class 1 where > 0.5)
    """
    t, p, _ = _pair("accuracy", y_true, y_pred)
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, k: int | None = None) -> np.ndarray:
    """Counts ``cm[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    The diagonal holds the correct predictions; ``cm.sum() == m``.

    Shapes:
        y_true, y_pred: as for ``accuracy``
        returns (k, k) int64; rows = true class, columns = predicted class
    Args:
        k: the number of classes; by default from the score width, or the
            largest label + 1.
    """
    t, p, k = _pair("confusion_matrix", y_true, y_pred, k)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)
