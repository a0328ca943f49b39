"""``CrossEntropy`` (chapter 09): the loss of a classifier that ends in ``Softmax``, with
one-hot or integer-label targets. Part III's sequence loss over (m, T, V) belongs next
to it, as a subclass that changes the checks of shapes and targets.
"""

from __future__ import annotations

import numpy as np

from ..data.labels import one_hot
from ..layers.activations import Softmax, log_softmax, softmax
from ..registry import register_class
from ..validate import as_float_array, finite
from .loss_base import EPS, Loss, not_probabilities

__all__ = ["CrossEntropy"]


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
        return f"{type(self).__name__}({'from_logits=True' if self.from_logits else ''})"

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
            not_probabilities(owner, self, yp, "some lie outside [0, 1]", "Softmax()")
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
