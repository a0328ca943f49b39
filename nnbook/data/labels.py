"""Class labels in one place: integer labels to one-hot rows (``one_hot``) and
any classifier output back to labels (``class_labels``). Losses, the model,
the metrics and ``data.one_hot`` all use these two (chapters 05, 09, 10).
"""

from __future__ import annotations

import numpy as np

from ..validate import positive_int

__all__ = ["one_hot", "class_labels"]


def _show(value) -> str:
    """A label as the user gave it: 3, 2.5 or 1e+20 (never an overflowed int)."""
    v = value.item() if isinstance(value, np.generic) else value
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _names_fix(a) -> str:
    """The fix for class names given as labels (strings such as 'cat')."""
    if a.dtype.kind in "US" and a.size:
        return (f" (e.g. {a.flat[0].item()!r}). Turn class names into indices 0…k−1 first: "
                f"names, y = np.unique(y, return_inverse=True).")
    return "."


def _integer_labels(owner: str, what: str, a: np.ndarray, hint: str, k=None) -> np.ndarray:
    """Check that ``a`` (1-D) holds whole numbers ≥ 0; return them as int64."""
    if a.dtype.kind not in "iubf":
        raise ValueError(f"{owner}: expected integer class labels in {what}, got dtype "
                         f"{a.dtype}{_names_fix(a)}")
    if a.dtype.kind == "f":
        bad = ~np.isfinite(a) | (a != np.round(a))
        if bad.any():
            raise ValueError(f"{owner}: expected integer class labels, got {_show(a[bad][0])} in "
                             f"{what} (dtype {a.dtype}), a non-integer value. Labels are class "
                             f"indices 0, 1, …. {hint}")
    too_big = a.dtype.kind == "f" and a.size and a.max() >= 2 ** 62
    if a.size and (a.min() < 0 or too_big):
        v = a.min() if a.min() < 0 else a.max()
        top = f"[0, {k})" if k else "[0, k)" + (" (a negative label)" if v < 0 else "")
        raise ValueError(f"{owner}: label {_show(v)} is outside {top}; expected class indices "
                         f"0, 1, …. Check the labels, or pass the right number of classes k. {hint}")
    return a.astype(np.int64)


def one_hot(labels, k: int | None = None, *, owner: str = "one_hot",
            dtype=np.float64) -> np.ndarray:
    """Rows of zeros with a 1 at each label: ``one_hot([2, 0], 3) = [[0,0,1],[1,0,0]]``.

    Shapes:
        labels: (m,) or (m, 1) whole numbers in [0, k)  →  (m, k) of ``dtype``
    Args:
        k: the number of classes; ``None`` means ``max(labels) + 1``.
        owner: the name shown in error messages (the caller's).
    """
    y = np.asarray(labels)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{owner}: expected labels of shape (m,), got {y.shape}. Pass a 1-D "
                         f"array of class indices (use labels.ravel() if needed); (m, 1) works too.")
    hint = f"Pass class indices 0…{k - 1} or one-hot rows." if k else "Pass class indices."
    y = _integer_labels(owner, "the labels", y, hint, k)
    if k is None:
        if y.size == 0:
            raise ValueError(f"{owner}: got no labels and no k; pass k to encode an empty array.")
        k = int(y.max()) + 1
    k = positive_int(owner, "k", k)
    if y.size and y.max() >= k:
        raise ValueError(
            f"{owner}: label {int(y.max())} is outside [0, {k}) for {k} classes. Check the "
            f"labels, or pass the right number of classes k (the model's output width)."
        )
    out = np.zeros((len(y), k), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def class_labels(owner: str, what: str, a) -> tuple[np.ndarray, int | None]:
    """Class labels (m,) int64 from labels, one-hot rows, scores or sigmoid outputs.

    Returns the labels and the number of classes the shape implies (``None``
    for plain labels). Shapes (Keras' rules for "accuracy")::

        (m,) or (m, 1) integer labels     → as they are
        (m, 1) probabilities or 0/1       → 1 where > 0.5, else 0   (2 classes)
        (m, k), k ≥ 2, one-hot or scores  → argmax over the row     (k classes)
    """
    a = np.asarray(a)
    if a.dtype.kind not in "iubf":
        raise ValueError(f"{owner}: expected numbers in {what}, got dtype {a.dtype}.")
    if a.ndim == 1:
        hint = ("For sigmoid outputs pass shape (m, 1) (reshape(-1, 1)); for scores pass (m, k)."
                if a.dtype.kind == "f" else "")
        return _integer_labels(owner, what, a, hint), None
    if a.ndim == 2 and a.shape[1] == 1 and a.dtype.kind in "iu":
        return class_labels(owner, what, a[:, 0])                    # labels as a column
    if a.ndim == 2 and a.shape[1] == 1:
        return (a[:, 0] > 0.5).astype(np.int64), 2
    if a.ndim == 2:
        return a.argmax(axis=1).astype(np.int64), a.shape[1]
    raise ValueError(
        f"{owner}: expected {what} of shape (m,) labels or (m, k) one-hot/scores, got "
        f"{a.shape}. Flatten per-sample outputs first."
    )
