"""``RMSProp`` (chapter 11): each step divided by a running root mean square of the gradient,
with momentum and the centered form. Clipping, weight decay and the saved state come from
the base class ``Optimizer`` (base.py).
"""

from __future__ import annotations

import numpy as np

from ..registry import register_class
from .base import Optimizer, momentum_setting
from .hyperparams import DefaultRate, fraction, positive, resolve_lr

__all__ = ["RMSProp"]


@register_class
class RMSProp(Optimizer):
    """RMSProp (Hinton): ``v ← ρv + (1−ρ)g²``, ``w ← w − lr · g / (√v + ε)``.

    ε is added after the square root, exactly as ``torch.optim.RMSprop(lr=lr,
    alpha=ρ, eps=ε, momentum=μ)`` (and as nnbook's Adam); Keras adds it under the
    root, ``g / √(v + ε)``. The defaults lr = 0.001, ρ = 0.9 are Hinton's and
    Keras' (PyTorch's are lr = 0.01, alpha = 0.99); ε = 1e-8 as in PyTorch (Keras: 1e-7).
    With momentum μ (PyTorch's form): ``b ← μb + g / (√v + ε)``, ``w ← w − lr·b``;
    Keras keeps lr inside b, which takes the same steps while lr is constant.
    ``centered=True`` divides by the running standard deviation instead:
    ``ḡ ← ρḡ + (1−ρ)g``, ``w ← w − lr · g / (√(v − ḡ²) + ε)`` (PyTorch's and Keras'
    ``centered``, ε placed as above). Chapter 11.
    """

    def __init__(self, lr=DefaultRate(0.001), rho=0.9, eps=1e-8, momentum=0.0, clipvalue=None,
                 clipnorm=None, global_clipnorm=None, *, centered=False, weight_decay=0.0,
                 **other_spellings):
        lr = resolve_lr("RMSProp", lr, other_spellings)
        super().__init__(lr, clipvalue, clipnorm, global_clipnorm, weight_decay)
        self.rho = fraction("RMSProp", "rho", rho)
        self.eps = positive("RMSProp", "eps", eps)
        self.momentum = momentum                  # checked by momentum_setting, now and later
        if centered not in (True, False):
            raise ValueError(f"RMSProp: expected centered True or False, got {centered!r}.")
        self.centered = bool(centered)

    _nonnegative = ("v",)
    momentum = momentum_setting(buffer="b")

    @property
    def _buffer_names(self):                      # v; b with momentum; ḡ when centered
        return ("v",) + ("b",) * bool(self.momentum) + ("g_avg",) * self.centered

    def _update(self, p, g, st):
        v = st["v"]
        tmp = st["tmp"] if g is not st["tmp"] else self._scratch(st, "tmp2", p)
        np.multiply(g, g, out=tmp)                # g²
        v -= tmp                                  # v ← ρ(v − g²) + g² = ρv + (1−ρ)g²
        v *= self.rho
        v += tmp
        if self.centered:
            a = st["g_avg"]
            a -= g                                # ḡ ← ρ(ḡ − g) + g = ρḡ + (1−ρ)g
            a *= self.rho
            a += g
            np.multiply(a, a, out=tmp)
            np.subtract(v, tmp, out=tmp)          # v − ḡ² ≥ 0 (up to rounding)
            np.maximum(tmp, 0, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(v, out=tmp)
        tmp += self.eps
        np.divide(g, tmp, out=tmp)                # g / (√v + ε)
        if self.momentum:
            b = st["b"]
            b *= self.momentum
            b += tmp                              # b ← μb + g / (√v + ε)
            np.multiply(b, self.lr, out=tmp)
        else:
            tmp *= self.lr
        p -= tmp

    def get_config(self):
        cfg = super().get_config()
        cfg.update(rho=self.rho, eps=self.eps)
        if self.momentum:
            cfg["momentum"] = self.momentum
        if self.centered:
            cfg["centered"] = True
        return cfg
