"""Optimizers: ``SGD`` (with momentum and gradient clipping) and ``Adam``.

``step(pairs)`` applies one update ``w ← w − α ∂E/∂w`` (chapter 00) to every
(parameter, gradient) pair, in place. Buffers (velocity, moments, scratch) are
allocated once per parameter and reused, so a step makes no temporaries the
size of a parameter. Clipping is chapter 06.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Optimizer", "SGD", "Adam", "get_optimizer"]


def _positive(owner, name, value, allow_zero=False):
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool) \
        and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: expected {name} {bound}, got {value!r}.")
    return float(value)


class Optimizer:
    """Base class. ``clipvalue`` clips every gradient entry to [−c, c];
    ``clipnorm`` rescales each parameter's gradient to norm ≤ c (Keras'
    meaning); ``global_clipnorm`` rescales all gradients together so that
    their joint norm is ≤ c."""

    def __init__(self, lr, clipvalue=None, clipnorm=None, global_clipnorm=None):
        owner = type(self).__name__
        self.lr = _positive(owner, "a learning rate lr", lr)
        self.clipvalue = None if clipvalue is None else _positive(owner, "clipvalue", clipvalue)
        self.clipnorm = None if clipnorm is None else _positive(owner, "clipnorm", clipnorm)
        self.global_clipnorm = (None if global_clipnorm is None
                                else _positive(owner, "global_clipnorm", global_clipnorm))
        self.iterations = 0
        self._state: dict[int, dict] = {}

    def step(self, pairs) -> None:
        """Update each parameter in ``pairs`` (an iterable of (param, grad)) in place."""
        pairs = list(pairs)
        scale = 1.0
        if self.global_clipnorm is not None:
            total = math.sqrt(sum(float(np.vdot(g, g)) for _, g in pairs))
            if total > self.global_clipnorm:
                scale = self.global_clipnorm / total
        self.iterations += 1
        for p, g in pairs:
            st = self._state.get(id(p))
            if st is None or st["p"] is not p:
                st = self._state[id(p)] = {"p": p, "tmp": np.empty_like(p), **self._new_state(p)}
            self._update(p, self._clip(g, st["tmp"], scale), st)

    def reset(self) -> None:
        """Forget all buffers (momentum, moments) and the step count."""
        self._state.clear()
        self.iterations = 0

    def _clip(self, g, tmp, scale):
        if scale != 1.0:
            np.multiply(g, scale, out=tmp)
            g = tmp
        if self.clipvalue is not None:
            np.clip(g, -self.clipvalue, self.clipvalue, out=tmp)
            g = tmp
        if self.clipnorm is not None:
            norm = math.sqrt(float(np.vdot(g, g)))
            if norm > self.clipnorm:
                np.multiply(g, self.clipnorm / norm, out=tmp)
                g = tmp
        return g

    def _new_state(self, p) -> dict:
        return {}

    def _update(self, p, g, st) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        cfg = {"lr": self.lr}
        for k in ("clipvalue", "clipnorm", "global_clipnorm"):
            if getattr(self, k) is not None:
                cfg[k] = getattr(self, k)
        return cfg

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent: ``w ← w − lr·g``.

    With momentum μ (Keras' form): ``v ← μ v − lr·g``, ``w ← w + v``.
    """

    def __init__(self, lr=0.01, momentum=0.0, clipvalue=None, clipnorm=None, global_clipnorm=None):
        super().__init__(lr, clipvalue, clipnorm, global_clipnorm)
        self.momentum = _positive("SGD", "momentum", momentum, allow_zero=True)
        if self.momentum >= 1:
            raise ValueError(f"SGD: expected 0 ≤ momentum < 1, got {momentum!r}.")

    def _new_state(self, p):
        return {"v": np.zeros_like(p)} if self.momentum else {}

    def _update(self, p, g, st):
        tmp = st["tmp"]
        np.multiply(g, self.lr, out=tmp)          # lr·g, no new array
        if self.momentum:
            v = st["v"]
            v *= self.momentum
            v -= tmp
            p += v
        else:
            p -= tmp

    def get_config(self):
        cfg = super().get_config()
        if self.momentum:
            cfg["momentum"] = self.momentum
        return cfg


class Adam(Optimizer):
    """Adam (Kingma & Ba): moments m and v of the gradient, bias-corrected.

    m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
    w ← w − lr · m̂ / (√v̂ + ε)  with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ) (as in PyTorch).
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8,
                 clipvalue=None, clipnorm=None, global_clipnorm=None):
        super().__init__(lr, clipvalue, clipnorm, global_clipnorm)
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if isinstance(b, bool) or not (isinstance(b, (int, float, np.integer, np.floating))
                                           and 0 <= b < 1):
                raise ValueError(f"Adam: expected 0 ≤ {name} < 1, got {b!r}.")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = _positive("Adam", "eps", eps)

    def _new_state(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p), "t": 0}

    def _update(self, p, g, st):
        m, v, tmp = st["m"], st["v"], st["tmp"]
        st["t"] = t = st["t"] + 1
        b1, b2 = self.beta1, self.beta2
        m -= g                                    # m ← β₁(m − g) + g = β₁m + (1−β₁)g
        m *= b1
        m += g
        np.multiply(g, g, out=tmp)                # g² (g may be tmp itself: fine)
        v -= tmp                                  # v ← β₂(v − g²) + g²
        v *= b2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp *= 1.0 / math.sqrt(1 - b2 ** t)       # √v̂
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1 - b1 ** t)            # lr · m̂ / (√v̂ + ε)
        p -= tmp

    def get_config(self):
        cfg = super().get_config()
        cfg.update(beta1=self.beta1, beta2=self.beta2, eps=self.eps)
        return cfg


_BY_NAME = {"sgd": SGD, "adam": Adam}


def get_optimizer(optimizer) -> Optimizer:
    """An ``Optimizer`` from an instance or the names ``"sgd"`` / ``"adam"`` (default settings)."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    raise ValueError(
        f"unknown optimizer {optimizer!r}. Use an Optimizer object (SGD(lr=...), Adam(...)) "
        f"or one of {sorted(_BY_NAME)}."
    )
