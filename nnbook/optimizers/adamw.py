"""``AdamW`` (chapter 20): Adam with decoupled weight decay, as ``torch.optim.AdamW``."""

from __future__ import annotations

from ..registry import register_class
from .adam import Adam
from .base import Optimizer
from .hyperparams import DefaultRate, fraction, positive, resolve_lr

__all__ = ["AdamW"]


@register_class
class AdamW(Adam):
    """AdamW (Loshchilov & Hutter): Adam with decoupled weight decay,
    ``w ← w − lr·λ·w``, then Adam's step on the gradient alone (the decay never enters
    the moments m and v), exactly as ``torch.optim.AdamW``. Adam's coupled L2 (chapter
    11's ``weight_decay``) divides the decay by √v̂ like the gradient, so weights with
    large gradients are hardly decayed; here every weight shrinks by the same factor
    ``1 − lr·λ`` per step. Like PyTorch, it decays every parameter it is given (γ and
    biases too). Chapter 20.
    """

    def __init__(self, lr=DefaultRate(0.001), beta1=0.9, beta2=0.999, eps=1e-8,
                 weight_decay=0.01, clipvalue=None, clipnorm=None, global_clipnorm=None,
                 **other_spellings):
        lr = resolve_lr("AdamW", lr, other_spellings)
        Optimizer.__init__(self, lr, clipvalue, clipnorm, global_clipnorm, weight_decay)
        self.beta1 = fraction("AdamW", "beta1", beta1)
        self.beta2 = fraction("AdamW", "beta2", beta2)
        self.eps = positive("AdamW", "eps", eps)

    def _decay(self, p, g, st):
        return g                                  # decoupled: nothing is added to g

    def _update_all(self, triples):
        """Adam's loop, written here beside ``_update`` so that ``step`` may use it: it is
        reached only when there is no decay to apply."""
        super()._update_all(triples)

    def _update(self, p, g, st):
        if self.weight_decay:
            p *= 1.0 - self.lr * self.weight_decay   # w ← w − lr·λ·w
        self._update_all(((p, g, st),))           # then Adam's step

    def get_config(self):
        cfg = super().get_config()
        cfg["weight_decay"] = self.weight_decay   # always: its default is not 0
        return cfg
