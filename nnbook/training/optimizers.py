"""Optimizers: ``SGD`` (momentum, Nesterov), ``RMSProp``, ``Adam`` and ``AdamW`` (chapter
20), with gradient clipping and weight decay; chapter 00 introduces the update
``w ← w − α ∂E/∂w``, chapter 06 clipping, chapter 11 derives the rest.

``step(pairs)`` updates every (parameter, gradient) pair in place; the base class
``Optimizer`` (clipping, decay, buffers, saving) is in optimizer_base.py, and ``lr`` may
also be written ``learning_rate=`` (Keras' name).
"""

from __future__ import annotations

import math

import numpy as np

from ..registry import lookup, register_class
from .hyperparams import DefaultRate, fraction, positive, resolve_lr
from .optimizer_base import Optimizer

__all__ = ["Optimizer", "SGD", "RMSProp", "Adam", "AdamW", "get_optimizer"]


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
        self.momentum = positive("SGD", "momentum", momentum, allow_zero=True)
        if self.momentum >= 1:
            raise ValueError(f"SGD: expected 0 ≤ momentum < 1, got {momentum!r}.")
        if nesterov not in (True, False):
            raise ValueError(f"SGD: expected nesterov True or False, got {nesterov!r}.")
        if nesterov and not self.momentum:
            raise ValueError("SGD: nesterov=True needs a momentum > 0, got momentum=0. "
                             "Pass e.g. SGD(lr=0.01, momentum=0.9, nesterov=True).")
        self.nesterov = bool(nesterov)

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
        self.momentum = fraction("RMSProp", "momentum", momentum)
        if centered not in (True, False):
            raise ValueError(f"RMSProp: expected centered True or False, got {centered!r}.")
        self.centered = bool(centered)

    _nonnegative = ("v",)

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


_BY_NAME = {"sgd": "SGD", "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW", "muon": "Muon"}


def get_optimizer(optimizer) -> Optimizer:
    """An ``Optimizer`` from an instance or the names ``"sgd"``, ``"rmsprop"``, ``"adam"``,
    ``"adamw"``, ``"muon"`` (default settings)."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return lookup(_BY_NAME[optimizer.lower()])()
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        raise ValueError(f"unknown optimizer: got the class {optimizer.__name__}, expected an "
                         f"instance. Did you mean {optimizer.__name__}()?")
    raise ValueError(
        f"unknown optimizer {optimizer!r}. Use an Optimizer object (SGD(lr=...), RMSProp(...), "
        f"Adam(...), AdamW(...), Muon(...)) or one of {sorted(_BY_NAME)}."
    )
