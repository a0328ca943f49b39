"""``Adam`` (chapter 11): the moments of the gradient, bias-corrected, with PyTorch's coupled
L2 ``weight_decay``. Clipping and the saved state come from the base class ``Optimizer``
(base.py); ``AdamW``, the decoupled decay, is in adamw.py.
"""

from __future__ import annotations

import math

import numpy as np

from ..registry import register_class
from .base import Optimizer
from .hyperparams import DefaultRate, fraction, positive, resolve_lr

__all__ = ["Adam"]


@register_class
class Adam(Optimizer):
    """Adam (Kingma & Ba): moments m and v of the gradient, bias-corrected.

    m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
    w ← w − lr · m̂ / (√v̂ + ε)  with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ) (the paper's
    Algorithm 1, as PyTorch). Keras adds its ε (default 1e-7, here 1e-8) to √v
    before the bias correction, so Keras' ε acts as ε/√(1−β₂ᵗ) here: the steps
    differ only while √v̂ is near ε. ``weight_decay`` is PyTorch Adam's coupled L2
    (g + λw enters the moments), not AdamW. Chapter 11.
    """

    def __init__(self, lr=DefaultRate(0.001), beta1=0.9, beta2=0.999, eps=1e-8, clipvalue=None,
                 clipnorm=None, global_clipnorm=None, *, weight_decay=0.0, **other_spellings):
        lr = resolve_lr("Adam", lr, other_spellings)
        super().__init__(lr, clipvalue, clipnorm, global_clipnorm, weight_decay)
        self.beta1 = fraction("Adam", "beta1", beta1)
        self.beta2 = fraction("Adam", "beta2", beta2)
        self.eps = positive("Adam", "eps", eps)

    _buffer_names = ("m", "v")                    # the moments
    _nonnegative = ("v",)
    _counters = {"t": 0}                          # the steps this parameter has taken

    def _update_all(self, triples):
        """Adam's step on every (parameter, gradient, buffers) in one loop."""
        b1, b2, eps, lr = self.beta1, self.beta2, self.eps, self.lr
        for p, g, st in triples:
            m, v, tmp = st["m"], st["v"], st["tmp"]
            st["t"] = t = st["t"] + 1
            m -= g                                # m ← β₁(m − g) + g = β₁m + (1−β₁)g
            m *= b1
            m += g
            np.multiply(g, g, out=tmp)            # g² (g may be tmp itself: fine)
            v -= tmp                              # v ← β₂(v − g²) + g²
            v *= b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp *= 1.0 / math.sqrt(1 - b2 ** t)   # √v̂
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= lr / (1 - b1 ** t)             # lr · m̂ / (√v̂ + ε)
            p -= tmp

    def _update(self, p, g, st):
        self._update_all(((p, g, st),))           # the step above, on one parameter

    def get_config(self):
        cfg = super().get_config()
        cfg.update(beta1=self.beta1, beta2=self.beta2, eps=self.eps)
        return cfg
