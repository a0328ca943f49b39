"""Loss functions: ``MSE`` (chapter 00/03), ``BinaryCrossEntropy`` (chapter 01)
and ``CrossEntropy`` (chapter 09). Each is called as ``loss(y_true, y_pred)``
(Keras' order) and has ``grad(y_true, y_pred)`` = ∂loss/∂y_pred. Shapes must
match exactly: a loss never broadcasts ``(m,)`` against ``(m, 1)``. ``value``,
``gradient`` and ``fused_gradient`` are the unchecked forms ``fit`` calls on
arrays it has already checked once.
"""

from __future__ import annotations

import numpy as np

from ..validate import as_float_array, finite
from ..layers.activations import Sigmoid, Softmax, log_softmax, sigmoid, softmax
from ..data.labels import one_hot
from ..registry import register_class

__all__ = ["Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy", "get_loss"]

EPS = 1e-7   # how far predicted probabilities are kept from 0 and 1 (as in Keras)


class Loss:
    """Base class: ``loss(y_true, y_pred)`` gives the scalar loss, ``grad`` its gradient.

    A subclass defines ``value(yt, yp)`` and ``gradient(yt, yp)`` for arrays of
    equal shape that are already checked (or, as the public API reads, ``__call__``
    and ``grad``: ``fit`` then calls those). A loss that can skip the backward of
    the model's last activation declares it: ``fuses_with`` is that activation
    class and ``fused_gradient(yt, p)`` gives ∂L/∂z for p = activation(z).
    """

    fuses_with: type | None = None   # the activation class whose backward it can skip
    from_logits = False

    def __call__(self, y_true, y_pred) -> float:
        yt, yp = self._check(y_true, y_pred)
        return float(self.value(yt, yp))

    def grad(self, y_true, y_pred) -> np.ndarray:
        """∂loss/∂y_pred, the shape of ``y_pred``."""
        yt, yp = self._check(y_true, y_pred)
        return self.gradient(yt, yp)

    def value(self, yt, yp) -> float:
        """The loss for checked arrays ``yt``, ``yp`` of the same shape (no checks)."""
        if type(self).__call__ is not Loss.__call__:      # a learner's loss(y_true, y_pred)
            return self(yt, yp)
        raise NotImplementedError(f"{type(self).__name__}: define value(yt, yp) (or "
                                  f"__call__(y_true, y_pred)).")

    def gradient(self, yt, yp) -> np.ndarray:
        """∂loss/∂yp for checked arrays of the same shape (no checks)."""
        if type(self).grad is not Loss.grad:              # a learner's grad(y_true, y_pred)
            return np.asarray(self.grad(yt, yp), dtype=yp.dtype)
        raise NotImplementedError(f"{type(self).__name__}: define gradient(yt, yp) (or "
                                  f"grad(y_true, y_pred)).")

    def fused_gradient(self, yt, p) -> np.ndarray:
        """∂loss/∂z where p = fuses_with()(z); only for losses that declare ``fuses_with``."""
        raise NotImplementedError(f"{type(self).__name__} fuses with no activation.")

    def fuses(self, last_layer) -> bool:
        """Whether ``fused_gradient`` replaces ``last_layer``'s backward: an instance of
        ``fuses_with`` that computes the same function (a subclass that redefines
        ``function`` or ``forward`` gets the plain chain rule)."""
        act = self.fuses_with
        if act is None or self.from_logits or not isinstance(last_layer, act):
            return False
        cls = type(last_layer)
        return cls is act or (cls.function is act.function and cls.forward is act.forward)

    def targets(self, owner: str, y, out_shape: tuple, dtype) -> np.ndarray:
        """``y`` as checked targets of shape (m,) + out_shape and ``dtype``, for ``fit``."""
        y = as_float_array(owner, "y", y)
        finite(owner, "y", y)
        if y.ndim == 1 and tuple(out_shape) == (1,):
            y = y.reshape(-1, 1)                     # one target per sample
        if y.shape[1:] != tuple(out_shape):
            raise ValueError(
                f"{owner}: targets y have shape {y.shape} but the model outputs "
                f"{('m',) + tuple(out_shape)} per batch; expected y of shape "
                f"{(len(y),) + tuple(out_shape)}. Check the last layer's size or the targets."
            )
        y = y.astype(dtype, copy=False)
        self.check_targets(owner, y)
        return y

    def check_targets(self, owner: str, yt) -> None:
        """Raise if the targets make no sense for this loss (any float is fine for MSE)."""

    def check_predictions(self, owner: str, yp) -> None:
        """Raise if the predictions make no sense for this loss (e.g. not probabilities)."""

    def __repr__(self):
        return f"{type(self).__name__}()"

    def _check(self, y_true, y_pred):
        name = type(self).__name__
        yt = as_float_array(name, "y_true", y_true)
        yp = as_float_array(name, "y_pred", y_pred)
        if yt.shape != yp.shape:
            raise ValueError(self._shape_message(yt.shape, yp.shape))
        if yp.size == 0:
            raise ValueError(f"{name}: got empty arrays; a loss needs at least one sample.")
        self.check_targets(name, yt)
        self.check_predictions(name, yp)
        return yt, yp

    def _shape_message(self, st, sp):
        name = type(self).__name__
        fix = "Make both the same shape."
        if len(st) == 1 and sp == (st[0], 1):
            fix = "Reshape the targets with y_true.reshape(-1, 1)."
        elif len(sp) == 1 and st == (sp[0], 1):
            fix = "Reshape the predictions with y_pred.reshape(-1, 1)."
        return (f"{name}: y_true has shape {tuple(st)} but y_pred has shape {tuple(sp)}; "
                f"expected the same shape (a loss never broadcasts). {fix}")


def _not_probabilities(owner, loss, yp, why, head):
    bad = yp.min() if yp.min() < 0 else yp.max()
    raise ValueError(
        f"{owner}: {loss!r} expects probabilities in y_pred, but {why} (e.g. {bad:.4g}). "
        f"End the model with {head}, or use {type(loss).__name__}(from_logits=True) for raw "
        f"scores (logits)."
    )


@register_class
class MSE(Loss):
    """Mean squared error: mean over all elements of (y_true − y_pred)².

    ∂/∂y_pred = 2 (y_pred − y_true) / n, n the number of elements (notes 000, 7.1).
    """

    def value(self, yt, yp):
        d = yp - yt
        return np.vdot(d, d) / d.size

    def gradient(self, yt, yp):
        d = yp - yt
        d *= 2.0 / d.size
        return d


@register_class
class BinaryCrossEntropy(Loss):
    """Mean over all elements of −(y log ŷ + (1 − y) log(1 − ŷ)).

    ŷ is clipped to [1e-7, 1 − 1e-7], so a confident wrong answer costs
    about 16 instead of ∞. With ``from_logits=True``, y_pred are the logits z
    and ŷ = σ(z) is computed inside, exactly (no clipping needed).
    After a ``Sigmoid``, ∂L/∂z = (ŷ − y)/n: the derivative of σ cancels (chapter 01).
    """

    fuses_with = Sigmoid

    def __init__(self, from_logits: bool = False):
        self.from_logits = bool(from_logits)

    def __repr__(self):
        return "BinaryCrossEntropy(from_logits=True)" if self.from_logits else "BinaryCrossEntropy()"

    def check_targets(self, owner, yt):
        if yt.size and (yt.min() < 0 or yt.max() > 1):
            bad = yt.min() if yt.min() < 0 else yt.max()
            raise ValueError(f"{owner}: BinaryCrossEntropy targets must lie in [0, 1] (0/1 labels "
                             f"or probabilities), got {float(bad):g}. Rescale or relabel y.")

    def check_predictions(self, owner, yp):
        if not self.from_logits and yp.size and (yp.min() < 0 or yp.max() > 1):
            _not_probabilities(owner, self, yp, "some lie outside [0, 1]", "Sigmoid()")

    def value(self, yt, yp):
        if self.from_logits:   # log(1 + e^(−|z|)) + max(z, 0) − z y
            return np.mean(np.logaddexp(0.0, -np.abs(yp)) + np.maximum(yp, 0) - yp * yt)
        p = np.clip(yp, EPS, 1 - EPS)
        return -np.mean(yt * np.log(p) + (1 - yt) * np.log1p(-p))

    def gradient(self, yt, yp):
        if self.from_logits:
            return (sigmoid(yp) - yt) / yp.size
        p = np.clip(yp, EPS, 1 - EPS)
        g = (p - yt) / (p * (1 - p) * yp.size)
        g[(yp < EPS) | (yp > 1 - EPS)] = 0.0      # the clip is flat there
        return g

    def fused_gradient(self, yt, p):
        """∂L/∂z for p = σ(z): (p − y)/n."""
        return (p - yt) / p.size


@register_class
class CrossEntropy(Loss):
    """Mean over samples of −Σ_k y_k log ŷ_k.

    Shapes:
        y_true: one-hot (m, k), or integer labels (m,) in [0, k)
        y_pred: probabilities (m, k), e.g. the output of ``Softmax``
                (logits when ``from_logits=True``)

    After a ``Softmax``, ∂L/∂z = (ŷ − y)/m: the Jacobian cancels (chapter 09).
    ŷ is clipped below at 1e-7, as in Keras. Keras also divides each row of ŷ by
    its sum first, which adds 1/m to every entry of ∂L/∂ŷ; for rows that sum to 1
    (all that nnbook accepts) the loss is the same and so is ∂L/∂z after a Softmax.
    """

    fuses_with = Softmax

    def __init__(self, from_logits: bool = False):
        self.from_logits = bool(from_logits)

    def __repr__(self):
        return "CrossEntropy(from_logits=True)" if self.from_logits else "CrossEntropy()"

    def _check(self, y_true, y_pred):
        yp = as_float_array("CrossEntropy", "y_pred", y_pred)
        if yp.ndim != 2:
            raise ValueError(
                f"CrossEntropy: expected y_pred of shape (m, k) (one row of class "
                f"probabilities per sample), got {tuple(yp.shape)}."
            )
        m, k = yp.shape
        if yp.size == 0:
            raise ValueError(f"CrossEntropy: got empty arrays (y_pred has shape {(m, k)}); "
                             f"a loss needs at least one sample and one class.")
        self.check_predictions("CrossEntropy", yp)
        return self.targets("CrossEntropy", y_true, (k,), np.float64, m=m), yp

    def targets(self, owner, y, out_shape, dtype, m=None):
        """One-hot rows (m, k): from integer labels (m,) or (m, 1), or checked one-hot/
        probability rows (m, k)."""
        y = np.asarray(y)
        k = out_shape[0] if len(out_shape) == 1 else None
        m = len(y) if m is None else m
        labels = y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and k != 1)
        if labels and k is None:
            raise ValueError(f"{owner}: integer labels need a model output of shape (m, k), "
                             f"but the model gives {('m',) + tuple(out_shape)}.")
        if labels:
            if len(y) != m:
                raise ValueError(f"{owner}: got {len(y)} labels for {m} predictions; "
                                 f"expected one label per row of y_pred.")
            return one_hot(y, k, owner=owner, dtype=dtype)
        yt = as_float_array(owner, "y", y)
        finite(owner, "y", yt)
        if yt.shape != (m,) + tuple(out_shape):
            raise ValueError(
                f"{owner}: y has shape {tuple(yt.shape)} but the predictions have shape "
                f"{(m,) + tuple(out_shape)}; expected one-hot {(m,) + tuple(out_shape)} or "
                f"integer labels ({m},). Pass one-hot targets (m, k) or integer labels (m,)."
            )
        yt = yt.astype(dtype, copy=False)
        self.check_targets(owner, yt)
        return yt

    def check_targets(self, owner, yt):
        if yt.size == 0:
            return
        if yt.min() < 0 or not np.allclose(yt.sum(axis=-1), 1.0, atol=1e-3):
            row = int(np.argmax((yt < 0).any(axis=-1) | ~np.isclose(yt.sum(axis=-1), 1.0, atol=1e-3)))
            raise ValueError(
                f"{owner}: CrossEntropy targets must be distributions (entries ≥ 0, each row "
                f"summing to 1), but row {row} is {np.array2string(yt[row], precision=4)}. "
                f"Pass one-hot rows (nb.data.one_hot(labels, k)) or integer labels (m,)."
            )

    def check_predictions(self, owner, yp):
        if self.from_logits or yp.size == 0:
            return
        if yp.min() < 0 or yp.max() > 1:
            _not_probabilities(owner, self, yp, "some lie outside [0, 1]", "Softmax()")
        sums = yp.sum(axis=-1)
        if not np.allclose(sums, 1.0, atol=1e-3):
            bad = sums[~np.isclose(sums, 1.0, atol=1e-3)][0]
            raise ValueError(
                f"{owner}: {self!r} expects each row of y_pred to be a distribution, but a "
                f"row sums to {bad:.4g}. End the model with Softmax() (not Sigmoid()), or use "
                f"CrossEntropy(from_logits=True) for raw scores (logits)."
            )

    def value(self, yt, yp):
        m = yp.shape[0]
        if self.from_logits:
            return -np.vdot(yt, log_softmax(yp)) / m
        return -np.vdot(yt, np.log(np.clip(yp, EPS, 1.0))) / m

    def gradient(self, yt, yp):
        m = yp.shape[0]
        if self.from_logits:
            return (softmax(yp) - yt) / m
        g = -yt / (np.clip(yp, EPS, 1.0) * m)
        g[yp < EPS] = 0.0                         # the clip is flat there
        return g

    def fused_gradient(self, yt, p):
        """∂L/∂z for p = softmax(z): (p − y)/m."""
        return (p - yt) / p.shape[0]


_BY_NAME = {
    "mse": MSE, "mean_squared_error": MSE,
    "binary_crossentropy": BinaryCrossEntropy, "bce": BinaryCrossEntropy,
    "crossentropy": CrossEntropy, "categorical_crossentropy": CrossEntropy,
    "sparse_categorical_crossentropy": CrossEntropy,
}


def get_loss(loss) -> Loss:
    """A ``Loss`` from an instance or one of the Keras-style names."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss.lower() in _BY_NAME:
        return _BY_NAME[loss.lower()]()
    if isinstance(loss, type) and issubclass(loss, Loss):
        raise ValueError(f"unknown loss: got the class {loss.__name__}, expected an "
                         f"instance. Did you mean {loss.__name__}()?")
    raise ValueError(f"unknown loss {loss!r}. Use a Loss object or one of {sorted(_BY_NAME)}.")
