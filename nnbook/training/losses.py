"""Loss functions: ``MSE`` (chapters 00, 03) and ``BinaryCrossEntropy`` (chapter 01) here,
``CrossEntropy`` (chapter 09) from crossentropy.py and the base class ``Loss`` from
loss_base.py; ``get_loss`` finds one by its Keras name.

Each is called as ``loss(y_true, y_pred)`` (Keras' order), has ``grad(y_true, y_pred)``
= ∂loss/∂y_pred and never broadcasts (``(m,)`` against ``(m, 1)`` is an error), and
``value``, ``gradient`` and ``fused_gradient`` are the unchecked forms ``fit`` calls on
arrays it has already checked once. A new loss subclasses ``Loss``, carries
``@register_class`` (so a saved model finds it) and adds its names to ``_BY_NAME``.
"""

from __future__ import annotations

import numpy as np

from ..layers.activations import Sigmoid, sigmoid
from ..registry import register_class
from .crossentropy import CrossEntropy
from .loss_base import EPS, Loss, not_probabilities

__all__ = ["Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy", "get_loss"]


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

    def get_config(self):
        return {"from_logits": self.from_logits}

    def check_targets(self, owner, yt):
        if yt.size and (yt.min() < 0 or yt.max() > 1):
            bad = yt.min() if yt.min() < 0 else yt.max()
            raise ValueError(f"{owner}: BinaryCrossEntropy targets must lie in [0, 1] (0/1 labels "
                             f"or probabilities), got {float(bad):g}. Rescale or relabel y.")

    def check_predictions(self, owner, yp):
        if not self.from_logits and yp.size and (yp.min() < 0 or yp.max() > 1):
            not_probabilities(owner, self, yp, "some lie outside [0, 1]", "Sigmoid()")

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
