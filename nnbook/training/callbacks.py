"""Callbacks: code that ``Sequential.fit`` runs at fixed moments of training, with Keras'
names and meanings; this module (``nb.callbacks``) holds ``LearningRateScheduler``, where
Part II's schedules plug in, and exports ``Callback``, ``CallbackList`` (callback_base.py),
``EarlyStopping`` and ``ModelCheckpoint`` (monitoring.py) with it. Chapter 10 uses them;
(``SampleText``, which shows a character model's writing while it trains, lives beside
``sample_text`` in nnbook/inference/text.py: training never imports inference.)
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np

from .callback_base import Callback, CallbackList
from .monitoring import EarlyStopping, ModelCheckpoint

__all__ = ["Callback", "CallbackList", "EarlyStopping", "ModelCheckpoint",
           "LearningRateScheduler"]


class LearningRateScheduler(Callback):
    """Set ``model.optimizer.lr = schedule(epoch, lr)`` at the start of every epoch (Keras' rule).

    ``schedule`` takes the epoch (from 0) and the current learning rate and
    returns the new one, e.g. ``lambda epoch, lr: lr * 0.9``; a one-argument
    ``schedule(epoch)`` works too. The rate used is put into the logs as
    ``"learning_rate"`` at the end of the epoch (Keras 3's key; Keras 2 said ``"lr"``),
    so ``History`` records it. ``verbose=1``
    prints each new rate. The schedules of ``nnbook.schedules`` plug in here
    (Part II).
    """

    changes_learning_rate = True

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise ValueError(f"LearningRateScheduler: expected a function schedule(epoch, lr), "
                             f"got {schedule!r}.")
        self.schedule = schedule
        self.verbose = verbose
        self._two_args = _takes_two(schedule)

    def _optimizer(self):
        opt = getattr(self.model, "optimizer", None)
        if opt is None or not hasattr(opt, "lr"):
            raise ValueError("LearningRateScheduler: the model has no optimizer with an lr yet. "
                             "Call model.compile(optimizer=..., loss=...) before fit.")
        return opt

    def on_epoch_begin(self, epoch, logs=None):
        opt = self._optimizer()
        lr = self.schedule(epoch, float(opt.lr)) if self._two_args else self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) \
                or not math.isfinite(lr) or lr < 0:
            raise ValueError(
                f"LearningRateScheduler: schedule({epoch}{', lr' if self._two_args else ''}) "
                f"returned {lr!r}; expected a finite number ≥ 0. Check the schedule's formula."
            )
        opt.lr = float(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {opt.lr:.4g}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self._optimizer().lr)


def _takes_two(fn) -> bool:
    """Whether ``fn`` accepts (epoch, lr), Keras' form; else it is ``schedule(epoch)``."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):     # some builtins have no signature: assume Keras' form
        return True
    kinds = [p.kind for p in params]
    return (inspect.Parameter.VAR_POSITIONAL in kinds or
            sum(k in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                for k in kinds) >= 2)
