"""``CrossEntropy`` (chapter 09): the loss of a classifier that ends in ``Softmax``, with
one-hot or integer-label targets; chapter 17 applies it to sequences, predictions (m, T, V)
with a class per position, averaged over all m·T positions; chapter 22 skips positions
(``ignore_index``, the prompt of a fine-tuning example).
"""

from __future__ import annotations

import numpy as np

from ..data.labels import one_hot
from ..layers.activations import Softmax, softmax
from ..registry import register_class
from ..validate import as_float_array, finite
from .loss_base import EPS, Loss, not_probabilities

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

__all__ = ["CrossEntropy", "positions"]


def positions(yp) -> int:
    """How many class distributions ``yp`` holds, the number the loss averages over: m for
    (m, k), m·T for a sequence's (m, T, V) (the classes are the last axis)."""
    return yp.size // yp.shape[-1]


@register_class
class CrossEntropy(Loss):
    """Mean over samples of −Σ_k y_k log ŷ_k.

    Shapes:
        y_true: one-hot (m, k), or integer labels (m,) in [0, k)
        y_pred: probabilities (m, k), e.g. the output of ``Softmax``
                (logits when ``from_logits=True``)
        sequences (chapter 17): y_pred (m, T, V) with one-hot (m, T, V) or integer
                targets (m, T); the loss is the mean over all n = m·T positions

    After a ``Softmax``, ∂L/∂z = (ŷ − y)/m: the Jacobian cancels (chapter 09), so the loss
    declares ``fuses_with = Softmax`` and ``fit`` skips that layer's backward. Over
    sequences it is (ŷ − y)/n with n = m·T, the number of positions averaged over.
    Per position, ``metrics=["accuracy"]`` compares the arg-max with the target.
    ``ignore_index`` (chapter 22, PyTorch's): integer targets equal to it contribute
    nothing to the loss or its gradient, and the mean is over the other positions. When
    every target of a batch is ignored, the loss is 0.0 and its gradient zero (PyTorch
    gives NaN): such a batch teaches nothing, and training goes on.
    ŷ is clipped below at 1e-7, as in Keras. Keras also divides each row of ŷ by
    its sum first, which adds 1/m to every entry of ∂L/∂ŷ; for rows that sum to 1
    (all that nnbook accepts) the loss is the same and so is ∂L/∂z after a Softmax.
    """

    fuses_with = Softmax

    def __init__(self, from_logits: bool = False, ignore_index=None):
        self.from_logits = bool(from_logits)
        if ignore_index is not None and (isinstance(ignore_index, bool) or
                                         not isinstance(ignore_index, (int, np.integer))):
            raise ValueError(
                f"CrossEntropy: ignore_index must be an integer label or None, got "
                f"{ignore_index!r}. Pass the label that marks positions to skip, e.g. "
                f"ignore_index=-100 (PyTorch's default).")
        self.ignore_index = None if ignore_index is None else int(ignore_index)

    def get_config(self):
        return {"from_logits": self.from_logits, "ignore_index": self.ignore_index}

    def __repr__(self):
        args = ["from_logits=True"] * self.from_logits
        args += [] if self.ignore_index is None else [f"ignore_index={self.ignore_index}"]
        return f"{type(self).__name__}({', '.join(args)})"

    def _check(self, y_true, y_pred):
        yp = as_float_array("CrossEntropy", "y_pred", y_pred)
        if yp.ndim < 2:
            raise ValueError(
                f"CrossEntropy: expected y_pred of shape (m, k) (one row of class "
                f"probabilities per sample), or (m, T, k) for sequences, got {tuple(yp.shape)}."
            )
        if yp.size == 0:
            raise ValueError(f"CrossEntropy: got empty arrays (y_pred has shape {yp.shape}); "
                             f"a loss needs at least one sample and one class.")
        self.check_predictions("CrossEntropy", yp)
        return self.targets("CrossEntropy", y_true, yp.shape[1:], np.float64, m=len(yp)), yp

    def targets(self, owner, y, out_shape, dtype, m=None):
        """One-hot rows (m, k): from integer labels (m,) or (m, 1), or checked one-hot/
        probability rows (m, k). Sequences: (m, T, V) from labels (m, T) or (m, T, 1)."""
        y, out_shape = np.asarray(y), tuple(out_shape)
        k = out_shape[-1] if out_shape else None
        m = len(y) if m is None else m
        labels = y.ndim == max(len(out_shape), 1) or (y.ndim == len(out_shape) + 1 and
                                                      y.shape[-1] == 1 and k != 1)
        if labels and k is None:
            raise ValueError(f"{owner}: integer labels need a model output of shape (m, k), "
                             f"but the model gives {('m',) + tuple(out_shape)}.")
        if labels:
            return self._label_targets(owner, y, m, out_shape, dtype)
        yt = as_float_array(owner, "y", y)
        finite(owner, "y", yt)
        if yt.shape != (m,) + tuple(out_shape):
            seq = len(out_shape) > 1                 # a class per position of a sequence
            raise ValueError(
                f"{owner}: y has shape {tuple(yt.shape)} but the predictions have shape "
                f"{(m,) + tuple(out_shape)}; expected one-hot {(m,) + tuple(out_shape)} or "
                f"integer labels {(m,) + tuple(out_shape[:-1])}. Pass one-hot targets "
                f"{'(m, T, V)' if seq else '(m, k)'} or integer labels {'(m, T)' if seq else '(m,)'}."
            )
        yt = yt.astype(dtype, copy=False)
        self.check_targets(owner, yt)
        return yt

    def _label_targets(self, owner, y, m, out_shape, dtype):
        """One-hot targets (m,) + out_shape from integer labels (m,) + out_shape[:-1]."""
        if len(y) != m:
            raise ValueError(f"{owner}: got {len(y)} labels for {m} predictions; "
                             f"expected one label per row of y_pred.")
        if y.ndim > len(out_shape):
            y = y[..., 0]                             # (m, …, 1) labels
        if y.shape[1:] != out_shape[:-1]:
            raise ValueError(
                f"{owner}: got integer labels of shape {y.shape} for predictions of shape "
                f"{(m,) + out_shape}; expected {(m,) + out_shape[:-1]}, one label per position.")
        k, flat = out_shape[-1], y.reshape(-1)
        if self.ignore_index is None:
            return one_hot(flat, k, owner=owner, dtype=dtype).reshape((m,) + out_shape)
        kept = flat != self.ignore_index
        rows = one_hot(np.where(kept, flat, 0), k, owner=owner, dtype=dtype)
        rows[~kept] = 0.0                             # an ignored position: a row of zeros
        return rows.reshape((m,) + out_shape)

    def counted(self, yt, yp):
        """The number of positions the mean is over (at least 1), and the mask of kept
        positions (None without ``ignore_index``): ignored positions have all-zero rows."""
        if self.ignore_index is None:
            return yp.size // yp.shape[-1], None      # positions(yp), without the call
        kept = yt.any(axis=-1)
        return max(int(np.count_nonzero(kept)), 1), kept[..., None]

    def weight(self, yt):
        """The positions a batch's mean is over: all its samples' (rows), or with
        ``ignore_index`` the kept positions, 0 when every target is ignored (one-hot
        rows of zeros; integer labels not yet turned into rows are compared with it)."""
        if self.ignore_index is None:
            return len(yt)
        yt = np.asarray(yt)
        if yt.dtype.kind in "iu":
            return int(np.count_nonzero(yt != self.ignore_index))
        return int(np.count_nonzero(yt.any(axis=-1)))

    def check_targets(self, owner, yt):
        if yt.size == 0:
            return
        sums = yt.sum(axis=-1)           # each 1 within allclose's atol=1e-3 (NaN is not)
        if yt.min() < 0 or not np.abs(sums - 1.0).max() <= 1e-3 + 1e-5:
            bad = (yt < 0).any(axis=-1) | ~np.isclose(sums, 1.0, atol=1e-3)
            at = np.unravel_index(int(np.argmax(bad)), bad.shape)
            row = f"row {at[0]}" if len(at) == 1 else f"position {tuple(int(i) for i in at)}"
            raise ValueError(
                f"{owner}: CrossEntropy targets must be distributions (entries ≥ 0, each row "
                f"summing to 1), but {row} is {np.array2string(yt[at], precision=4)}. "
                f"Pass one-hot rows (nb.data.one_hot(labels, k)) or integer labels (m,)."
            )

    def check_predictions(self, owner, yp):
        if self.from_logits or yp.size == 0:
            return
        if yp.min() < 0 or yp.max() > 1:
            not_probabilities(owner, self, yp, "some lie outside [0, 1]", "Softmax()")
        sums = yp.sum(axis=-1)           # each 1 within allclose's atol=1e-3 (NaN is not)
        if not np.abs(sums - 1.0).max() <= 1e-3 + 1e-5:
            bad = sums[~np.isclose(sums, 1.0, atol=1e-3)][0]
            raise ValueError(
                f"{owner}: {self!r} expects each row of y_pred to be a distribution, but a "
                f"row sums to {bad:.4g}. End the model with Softmax() (not Sigmoid()), or use "
                f"CrossEntropy(from_logits=True) for raw scores (logits)."
            )

    def value(self, yt, yp):
        m = yp.size // yp.shape[-1] if self.ignore_index is None else self.counted(yt, yp)[0]
        if self.from_logits:                          # log_softmax, its last pass in place
            yp = np.asarray(yp, dtype=np.result_type(yp, np.float32))   # floats keep theirs
            shifted = yp - yp.max(axis=-1, keepdims=True)
            shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
            return -np.vdot(yt, shifted) / m
        return -np.vdot(yt, np.log(np.minimum(np.maximum(yp, EPS), 1.0))) / m   # clipped

    def gradient(self, yt, yp):
        m, kept = self.counted(yt, yp)
        if self.from_logits:
            g = softmax(yp)                           # a new array: (ŷ − y)/n written in it
            g -= yt
            g /= m
            return g if kept is None else g * kept    # ignored positions: no gradient
        g = -yt / (np.clip(yp, EPS, 1.0) * m)
        g[yp < EPS] = 0.0                         # the clip is flat there
        return g

    def value_and_gradient(self, yt, yp):
        """``(value, gradient)`` as the two give them, bit for bit; from logits the
        gradient's softmax reuses the value's e^(z − max z) and its row sums, so a training
        step makes the largest pass (e^·, over m·T·V numbers for a language model) once
        instead of twice, and the max and the sums once: 9 passes over (…, V), not 14."""
        if not (self.from_logits and yp.dtype in _FLOATS):
            return self.value(yt, yp), self.gradient(yt, yp)
        m, kept = self.counted(yt, yp)
        shifted = yp - yp.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        sums = e.sum(axis=-1, keepdims=True)
        shifted -= np.log(sums)                       # log_softmax, as value makes it
        value = -np.vdot(yt, shifted) / m
        e /= sums                                     # softmax, as gradient makes it
        e -= yt
        e /= m
        return value, (e if kept is None else e * kept)

    def fused_gradient(self, yt, p):
        """∂L/∂z for p = softmax(z) over the last axis: (p − y)/n, n the positions the loss
        averages over: m rows (chapter 09), the m·T of a sequence's (m, T, V), or the kept
        ones with ``ignore_index`` (ignored positions get zero)."""
        if self.ignore_index is not None:             # only the kept positions count
            n, kept = self.counted(yt, p)
            return (p - yt) * kept / n
        return (p - yt) / (p.size // p.shape[-1])     # n = m rows (or m·T positions)
