"""Chapter 27's class input: one network, ``denoiser(d, n_classes=)`` trained by
``train_denoiser(labels=)``, is both the conditional model ε(x, t, c) and the unconditional
ε(x, t, ∅), reading [x_t, one-hot(c), t] (``with_class``) whose one-hot's last column is the
null class (id n_classes). ``class_function`` gives the sampler's f(x, t) for a class or for
the null class."""

from __future__ import annotations

import numbers

import numpy as np

from ..validate import positive_int
from .time_embedding import TimeEmbedding, with_time

__all__ = ["with_class", "class_function"]


def _labels(owner, labels, n_classes, n, *, null_ok=True):
    """The class ids as an int array of shape (n,), or a ValueError: integers in
    0…n_classes (n_classes is the null class), one per row or one for all."""
    top = n_classes if null_ok else n_classes - 1
    arr = np.asarray(labels)
    bad = None
    if isinstance(labels, (bool, np.bool_)) or arr.dtype.kind not in "iu":
        bad = {"f": f"floats ({arr.dtype})", "O": type(labels).__name__}.get(
            arr.dtype.kind, f"dtype {arr.dtype}")
    elif arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        bad = f"shape {arr.shape}"
    elif arr.size and (arr.min() < 0 or arr.max() > top):
        bad = f"ids from {arr.min()} to {arr.max()}"
    if bad is not None:
        null = f", or {n_classes} for the null class" if null_ok else ""
        raise ValueError(f"{owner}: expected the class ids, integers 0…{n_classes - 1}"
                         f"{null}, one number or one per row ({n},), got {bad}. Turn class "
                         f"names into ids with np.unique(y, return_inverse=True), and pass "
                         f"ints (y.astype(int)).")
    return np.broadcast_to(arr.astype(np.int64), (n,))


def with_class(x, t, labels, n_classes):
    """The conditional denoiser's input: x_t, then the one-hot of each row's class in
    n_classes + 1 columns (the last one is the null class, id n_classes), then the time t.

    Shapes:
        x: (n, d); t: a number or (n,); labels: an int or (n,) ints in 0…n_classes
        →  (n, d + n_classes + 2), in x's float dtype
    """
    n_classes = positive_int("with_class", "n_classes", n_classes)
    inner = with_time(x, t)                                      # checks x and t
    n, d = inner.shape[0], inner.shape[1] - 1
    ids = _labels("with_class", labels, n_classes, n)
    out = np.zeros((n, d + n_classes + 2), inner.dtype)
    out[:, :d] = inner[:, :d]
    out[np.arange(n), d + ids] = 1.0
    out[:, -1] = inner[:, -1]
    return out


def _shape_of(owner, model):
    """(d, n_classes) of a ``denoiser(d, n_classes=n_classes)``, or a ValueError."""
    layers = getattr(model, "layers", None) or []
    last = layers[-1] if layers else None
    if not (layers and isinstance(layers[0], TimeEmbedding) and hasattr(last, "n_out")
            and layers[0].d > last.n_out + 1):
        raise ValueError(f"{owner}: expected a model from nb.generative.denoiser(d, "
                         f"n_classes=n_classes), got {type(model).__name__} "
                         f"({layers[:1]!r}…). Build it with n_classes=.")
    return last.n_out, layers[0].d - last.n_out - 1


def class_function(model, label):
    """f(x, t) = ``model.predict(with_class(x, t, label, n_classes))``: the sampler's function
    of a ``denoiser(d, n_classes=n_classes)`` for one class, or for the null class (``None``,
    or the id n_classes), the unconditional model. For guidance:
    ``guided(class_function(model, None), class_function(model, c), w)``.

    Shapes:
        f(x, t): x (n, d), t a number  →  (n, d)
    """
    d, n_classes = _shape_of("class_function", model)
    if label is None:
        label = n_classes
    ok = (not isinstance(label, (bool, np.bool_)) and isinstance(label, numbers.Integral)
          and 0 <= label <= n_classes)
    if not ok:
        raise ValueError(f"class_function: expected label, one class id 0…{n_classes - 1}, "
                         f"or None (or {n_classes}) for the null class, got {label!r}. "
                         f"Pass an int, e.g. int(c).")
    label = int(label)
    return lambda x, t: model.predict(with_class(x, t, label, n_classes))
