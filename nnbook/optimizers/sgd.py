"""``SGD``: gradient descent, chapter 00's update ``w ← w − α ∂E/∂w``, with momentum and
Nesterov's momentum (chapter 11). Clipping (chapter 06), weight decay and the saved state come
from the base class ``Optimizer`` (base.py); ``lr`` may also be written ``learning_rate=``.
"""

from __future__ import annotations

import numpy as np

from ..registry import register_class
from .base import Optimizer, momentum_setting
from .hyperparams import DefaultRate, resolve_lr

__all__ = ["SGD"]


@register_class
class SGD(Optimizer):
    """Stochastic gradient descent: ``w ← w − lr·g``.

    With momentum μ (Keras' form, as nnbook always had): ``v ← μv − lr·g``,
    ``w ← w + v``. With ``nesterov=True``: ``v ← μv − lr·g``, ``w ← w + μv − lr·g``.
    PyTorch writes the same with a buffer b = −v/lr: ``b ← μb + g``,
    ``w ← w − lr·b`` (Nesterov: ``w ← w − lr·(g + μb)``); for a constant lr the
    two forms take the same steps (to rounding). When a schedule changes lr they
    differ: here the velocity keeps the old steps at the lr they were taken with,
    in PyTorch the new lr rescales the whole buffer. Chapter 11.
    """

    def __init__(self, lr=DefaultRate(0.01), momentum=0.0, clipvalue=None, clipnorm=None,
                 global_clipnorm=None, *, nesterov=False, weight_decay=0.0, **other_spellings):
        lr = resolve_lr("SGD", lr, other_spellings)
        super().__init__(lr, clipvalue, clipnorm, global_clipnorm, weight_decay)
        self.momentum = momentum                  # checked by momentum_setting, now and later
        if nesterov not in (True, False):
            raise ValueError(f"SGD: expected nesterov True or False, got {nesterov!r}.")
        if nesterov and not self.momentum:
            raise ValueError("SGD: nesterov=True needs a momentum > 0, got momentum=0. "
                             "Pass e.g. SGD(lr=0.01, momentum=0.9, nesterov=True).")
        self.nesterov = bool(nesterov)

    momentum = momentum_setting(buffer="v", nesterov_needs_it=True)

    @property
    def _buffer_names(self):                      # the velocity, with momentum
        return ("v",) if self.momentum else ()

    def _update_all(self, triples):
        if self.momentum:
            return super()._update_all(triples)
        lr = self.lr
        for p, g, st in triples:                  # _update's plain step, without its call
            tmp = st["tmp"]
            np.multiply(g, lr, out=tmp)
            p -= tmp

    def _update(self, p, g, st):
        tmp = st["tmp"]
        np.multiply(g, self.lr, out=tmp)          # lr·g, no new array
        if not self.momentum:
            p -= tmp
            return
        v = st["v"]
        v *= self.momentum
        v -= tmp                                  # v ← μv − lr·g
        if self.nesterov:
            p -= tmp
            np.multiply(v, self.momentum, out=tmp)
            p += tmp                              # w ← w + μv − lr·g
        else:
            p += v

    def get_config(self):
        cfg = super().get_config()
        if self.momentum:
            cfg["momentum"] = self.momentum
        if self.nesterov:
            cfg["nesterov"] = True
        return cfg
