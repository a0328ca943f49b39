"""The base class of the losses (chapters 00, 01, 09): ``Loss`` turns a learner's
``loss(y_true, y_pred)`` and ``grad`` into what ``fit`` calls, checks shapes and targets,
and says when a loss can skip the last activation's backward. The losses are in losses.py.
"""

from __future__ import annotations

import numpy as np

from ..validate import as_float_array, finite

__all__ = ["Loss", "EPS", "not_probabilities", "joint_value_gradient"]

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

    def value_and_gradient(self, yt, yp):
        """``(value(yt, yp), gradient(yt, yp))`` for checked arrays: the training step's
        two calls in one. A loss may compute them together where they share passes
        (``CrossEntropy`` from logits: one e^z for both); ``joint_value_gradient`` says
        when the step may call it instead of the two."""
        return self.value(yt, yp), self.gradient(yt, yp)

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

    def weight(self, yt) -> int:
        """How much a batch with checked targets ``yt`` weighs when batch means are
        averaged (``evaluate``, ``fit``'s epoch means, ``val_loss``): its number of
        samples, since every sample adds the same number of terms to the mean. A loss
        that skips terms (``CrossEntropy(ignore_index=)``) counts the terms it keeps."""
        return len(yt)

    def get_config(self) -> dict:
        """The constructor arguments that rebuild this loss, ``type(loss)(**config)``
        (as a layer's and an optimizer's): ``save`` writes them, ``load_model`` reads
        them. A loss with arguments of its own returns them."""
        return {}

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


def not_probabilities(owner, loss, yp, why, head):
    """Raise: ``yp`` holds numbers that are not probabilities (``why``); the fix names
    the activation ``head`` to end the model with, or ``from_logits=True``."""
    bad = yp.min() if yp.min() < 0 else yp.max()
    raise ValueError(
        f"{owner}: {loss!r} expects probabilities in y_pred, but {why} (e.g. {bad:.4g}). "
        f"End the model with {head}, or use {type(loss).__name__}(from_logits=True) for raw "
        f"scores (logits)."
    )


def joint_value_gradient(loss):
    """``loss.value_and_gradient`` when it gives what ``value`` and ``gradient`` give: the
    class that defines it defines both (a subclass that redefines either is called the
    plain way, two calls), else None."""
    mro = type(loss).__mro__

    def definer(name):
        return next(k for k in mro if name in vars(k))

    if {"value", "gradient"} & set(getattr(loss, "__dict__", ())):
        return None                                  # replaced on the instance
    owner = definer("value_and_gradient")
    if owner is Loss or definer("value") is not owner or definer("gradient") is not owner:
        return None
    return loss.value_and_gradient
