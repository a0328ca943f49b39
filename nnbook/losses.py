"""Loss functions: ``MSE`` (chapter 00/03), ``BinaryCrossEntropy`` (chapter 01)
and ``CrossEntropy`` (chapter 09). Each is called as ``loss(y_true, y_pred)``
(Keras' order) and has ``grad(y_true, y_pred)`` = ∂loss/∂y_pred. Shapes must
match exactly: a loss never broadcasts ``(m,)`` against ``(m, 1)``.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array
from .activations import log_softmax, sigmoid, softmax

__all__ = ["Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy", "get_loss"]

EPS = 1e-7   # how far predicted probabilities are kept from 0 and 1 (as in Keras)


class Loss:
    """Base class: ``__call__`` gives the scalar loss, ``grad`` its gradient."""

    def __call__(self, y_true, y_pred) -> float:
        yt, yp = self._check(y_true, y_pred)
        return float(self._value(yt, yp))

    def grad(self, y_true, y_pred) -> np.ndarray:
        """∂loss/∂y_pred, the shape of ``y_pred``."""
        yt, yp = self._check(y_true, y_pred)
        return self._grad(yt, yp)

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

    # fused path: a loss that knows the gradient w.r.t. the last layer's input
    fuses_with = None   # the activation class whose backward it can skip

    def _value(self, yt, yp):
        raise NotImplementedError

    def _grad(self, yt, yp):
        raise NotImplementedError


class MSE(Loss):
    """Mean squared error: mean over all elements of (y_true − y_pred)².

    ∂/∂y_pred = 2 (y_pred − y_true) / n, n the number of elements (notes 000, 7.1).
    """

    def _value(self, yt, yp):
        d = yp - yt
        return np.vdot(d, d) / d.size

    def _grad(self, yt, yp):
        d = yp - yt
        d *= 2.0 / d.size
        return d


class BinaryCrossEntropy(Loss):
    """Mean over all elements of −(y log ŷ + (1 − y) log(1 − ŷ)).

    ŷ is clipped to [1e-7, 1 − 1e-7], so a confident wrong answer costs
    about 16 instead of ∞. With ``from_logits=True``, y_pred are the logits z
    and ŷ = σ(z) is computed inside, exactly (no clipping needed).
    After a ``Sigmoid``, ∂L/∂z = (ŷ − y)/n: the derivative of σ cancels (chapter 01).
    """

    fuses_with = "Sigmoid"

    def __init__(self, from_logits: bool = False):
        self.from_logits = bool(from_logits)

    def __repr__(self):
        return "BinaryCrossEntropy(from_logits=True)" if self.from_logits else "BinaryCrossEntropy()"

    def _value(self, yt, yp):
        if self.from_logits:   # log(1 + e^(−|z|)) + max(z, 0) − z y
            return np.mean(np.logaddexp(0.0, -np.abs(yp)) + np.maximum(yp, 0) - yp * yt)
        p = np.clip(yp, EPS, 1 - EPS)
        return -np.mean(yt * np.log(p) + (1 - yt) * np.log1p(-p))

    def _grad(self, yt, yp):
        if self.from_logits:
            return (sigmoid(yp) - yt) / yp.size
        p = np.clip(yp, EPS, 1 - EPS)
        g = (p - yt) / (p * (1 - p) * yp.size)
        g[(yp < EPS) | (yp > 1 - EPS)] = 0.0      # the clip is flat there
        return g

    def _fused_grad(self, yt, p):
        """∂L/∂z for p = σ(z): (p − y)/n."""
        return (p - yt) / p.size


class CrossEntropy(Loss):
    """Mean over samples of −Σ_k y_k log ŷ_k.

    Shapes:
        y_true: one-hot (m, k), or integer labels (m,) in [0, k)
        y_pred: probabilities (m, k), e.g. the output of ``Softmax``
                (logits when ``from_logits=True``)

    After a ``Softmax``, ∂L/∂z = (ŷ − y)/m: the Jacobian cancels (chapter 09).
    """

    fuses_with = "Softmax"

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
        yt = np.asarray(y_true)
        if yt.ndim == 1:
            return self._labels_to_onehot(yt, m, k), yp
        yt = as_float_array("CrossEntropy", "y_true", yt)
        if yt.shape != yp.shape:
            fix = ("For integer labels pass shape (m,): y_true.ravel()."
                   if yt.shape == (m, 1) else "Pass one-hot targets (m, k) or integer labels (m,).")
            raise ValueError(
                f"CrossEntropy: y_true has shape {tuple(yt.shape)} but y_pred has shape "
                f"{(m, k)}; expected one-hot ({m}, {k}) or labels ({m},). {fix}"
            )
        return yt, yp

    @staticmethod
    def _labels_to_onehot(labels, m, k):
        if labels.shape[0] != m:
            raise ValueError(
                f"CrossEntropy: got {labels.shape[0]} labels for {m} predictions; "
                f"expected one label per row of y_pred."
            )
        if labels.dtype.kind not in "iu":
            if labels.dtype.kind != "f" or not np.all(np.mod(labels, 1) == 0):
                raise ValueError(
                    f"CrossEntropy: integer labels expected in y_true of shape ({m},), got "
                    f"dtype {labels.dtype} with non-integer values. Pass class indices 0…{k - 1} "
                    f"or one-hot rows of shape ({m}, {k})."
                )
            labels = labels.astype(np.int64)
        if m and (labels.min() < 0 or labels.max() >= k):
            bad = labels[(labels < 0) | (labels >= k)][0]
            raise ValueError(
                f"CrossEntropy: label {bad} is outside [0, {k}) for predictions with {k} "
                f"classes. Check the labels or give the last layer {int(labels.max()) + 1} outputs."
            )
        onehot = np.zeros((m, k))
        onehot[np.arange(m), labels] = 1.0
        return onehot

    def _value(self, yt, yp):
        m = yp.shape[0]
        if self.from_logits:
            return -np.vdot(yt, log_softmax(yp)) / m
        return -np.vdot(yt, np.log(np.clip(yp, EPS, 1.0))) / m

    def _grad(self, yt, yp):
        m = yp.shape[0]
        if self.from_logits:
            return (softmax(yp) - yt) / m
        g = -yt / (np.clip(yp, EPS, 1.0) * m)
        g[yp < EPS] = 0.0                         # the clip is flat there
        return g

    def _fused_grad(self, yt, p):
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
    raise ValueError(f"unknown loss {loss!r}. Use a Loss object or one of {sorted(_BY_NAME)}.")
