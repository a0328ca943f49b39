"""Optimizers: ``SGD`` (momentum, Nesterov), ``RMSProp`` and ``Adam``, with
gradient clipping and weight decay. Chapter 00 introduces the update
``w ← w − α ∂E/∂w``, chapter 06 clipping, chapter 11 derives the rest.

``step(pairs)`` updates every (parameter, gradient) pair in place. Buffers
(velocity, moments, scratch) are allocated once per parameter and reused.
``get_state``/``set_state`` hand the buffers out and back (``save`` uses them).
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..registry import register_class

__all__ = ["Optimizer", "SGD", "RMSProp", "Adam", "get_optimizer"]


def _positive(owner, name, value, allow_zero=False):
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool) \
        and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: expected {name} {bound}, got {value!r}.")
    return float(value)


def _fraction(owner, name, value):
    """A float in [0, 1)."""
    if isinstance(value, bool) or not (isinstance(value, (int, float, np.integer, np.floating))
                                       and 0 <= value < 1):
        raise ValueError(f"{owner}: expected 0 ≤ {name} < 1, got {value!r}.")
    return float(value)


def _refuse_other_spellings(owner, kwargs, spellings):
    """Keras' and PyTorch's names for nnbook's arguments get a ValueError naming nnbook's."""
    spellings = {"learning_rate": "lr", **spellings}
    for name, value in kwargs.items():
        if name in spellings:
            ours = spellings[name]
            raise ValueError(f"{owner}: got {name}={value!r}, but nnbook spells this argument "
                             f"{ours}=. Write {owner}({ours}={value!r}).")
        raise TypeError(f"{owner}() got an unexpected keyword argument {name!r}")


class Optimizer:
    """Base class. ``clipvalue`` clips every gradient entry to [−c, c];
    ``clipnorm`` rescales each parameter's gradient to norm ≤ c (Keras'
    meaning); ``global_clipnorm`` rescales all gradients together so that
    their joint norm is ≤ c. ``weight_decay`` λ adds ``λ·w`` to each
    gradient after clipping: coupled L2, the gradient of ``(λ/2)‖w‖²`` (as
    PyTorch's ``weight_decay``; not AdamW's decoupled decay). Keras'
    ``weight_decay`` is decoupled for every optimizer (``w ← w − lr·λ·w`` before
    the step): the two agree for plain SGD only. Chapter 12.
    """

    def __init__(self, lr, clipvalue=None, clipnorm=None, global_clipnorm=None, weight_decay=0.0):
        owner = type(self).__name__
        self.lr = _positive(owner, "a learning rate lr", lr)
        self.clipvalue = None if clipvalue is None else _positive(owner, "clipvalue", clipvalue)
        self.clipnorm = None if clipnorm is None else _positive(owner, "clipnorm", clipnorm)
        self.global_clipnorm = (None if global_clipnorm is None
                                else _positive(owner, "global_clipnorm", global_clipnorm))
        self.weight_decay = _positive(owner, "weight_decay", weight_decay, allow_zero=True)
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
            g = self._clip(g, st["tmp"], scale)
            if self.weight_decay:
                g = self._decay(p, g, st)
            self._update(p, g, st)

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

    def _decay(self, p, g, st):
        """g + λ·w, written into the scratch buffer ``tmp``."""
        tmp = st["tmp"]
        if g is tmp:                                  # already clipped into tmp
            tmp2 = self._scratch(st, "tmp2", p)
            np.multiply(p, self.weight_decay, out=tmp2)
            tmp += tmp2
        else:
            np.multiply(p, self.weight_decay, out=tmp)
            tmp += g
        return tmp

    @staticmethod
    def _scratch(st, name, p):
        if name not in st:
            st[name] = np.empty_like(p)
        return st[name]

    def _new_state(self, p) -> dict:
        return {}

    def _update(self, p, g, st) -> None:
        raise NotImplementedError

    # state for saving (contract: a fresh optimizer + set_state continues identically) -------
    def get_state(self, params) -> dict:
        """The buffers of ``params`` (a list in a fixed order) as ``{"param{i}.{name}": array}``
        plus ``"iterations"``; copies, so later steps do not change them. A parameter
        that has not been stepped yet has no entries."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        for i, p in enumerate(params):
            st = self._state.get(id(p))
            if st is None or st["p"] is not p:
                continue
            for name, value in st.items():
                if name != "p" and not name.startswith("tmp"):
                    state[f"param{i}.{name}"] = np.array(value)
        return state

    def set_state(self, params, state) -> None:
        """Install what ``get_state(params)`` returned, for the same parameters (same order,
        shapes and count); the buffers are copied into fresh arrays."""
        owner = type(self).__name__
        if "iterations" not in state:
            raise ValueError(f"{owner}.set_state: the state has no 'iterations'; pass what "
                             f"get_state(params) returned.")
        found: dict[int, dict] = {}
        for key, value in state.items():
            if key == "iterations":
                continue
            match = re.fullmatch(r"param(\d+)\.(\w+)", key)
            if match is None or int(match[1]) >= len(params):
                raise ValueError(f"{owner}.set_state: unexpected key {key!r} for {len(params)} "
                                 f"parameters; expected 'iterations' and 'param<i>.<buffer>'.")
            found.setdefault(int(match[1]), {})[match[2]] = value
        new = {}
        for i, values in found.items():
            p = params[i]
            st = {"p": p, "tmp": np.empty_like(p), **self._new_state(p)}
            if set(values) != set(st) - {"p", "tmp"}:
                raise ValueError(f"{owner}.set_state: parameter {i} has buffers {sorted(values)}, "
                                 f"expected {sorted(set(st) - {'p', 'tmp'})}. Was the state "
                                 f"saved by an optimizer with another configuration?")
            for name, value in values.items():
                if isinstance(st[name], np.ndarray):
                    value = np.asarray(value)
                    if value.shape != p.shape:
                        raise ValueError(f"{owner}.set_state: buffer param{i}.{name} has shape "
                                         f"{value.shape}, expected {p.shape} (the parameter's).")
                    st[name][...] = value
                else:
                    st[name] = int(value)
            new[id(p)] = st
        self._state = new
        self.iterations = int(state["iterations"])

    def get_config(self) -> dict:
        cfg = {"lr": self.lr}
        for k in ("clipvalue", "clipnorm", "global_clipnorm"):
            if getattr(self, k) is not None:
                cfg[k] = getattr(self, k)
        if self.weight_decay:
            cfg["weight_decay"] = self.weight_decay
        return cfg

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


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

    def __init__(self, lr=0.01, momentum=0.0, clipvalue=None, clipnorm=None, global_clipnorm=None,
                 *, nesterov=False, weight_decay=0.0, **other_spellings):
        _refuse_other_spellings("SGD", other_spellings, {})
        super().__init__(lr, clipvalue, clipnorm, global_clipnorm, weight_decay)
        self.momentum = _positive("SGD", "momentum", momentum, allow_zero=True)
        if self.momentum >= 1:
            raise ValueError(f"SGD: expected 0 ≤ momentum < 1, got {momentum!r}.")
        if nesterov not in (True, False):
            raise ValueError(f"SGD: expected nesterov True or False, got {nesterov!r}.")
        if nesterov and not self.momentum:
            raise ValueError("SGD: nesterov=True needs a momentum > 0, got momentum=0. "
                             "Pass e.g. SGD(lr=0.01, momentum=0.9, nesterov=True).")
        self.nesterov = bool(nesterov)

    def _new_state(self, p):
        return {"v": np.zeros_like(p)} if self.momentum else {}

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

    def __init__(self, lr=0.001, rho=0.9, eps=1e-8, momentum=0.0, clipvalue=None, clipnorm=None,
                 global_clipnorm=None, *, centered=False, weight_decay=0.0, **other_spellings):
        _refuse_other_spellings("RMSProp", other_spellings, {"alpha": "rho", "epsilon": "eps"})
        super().__init__(lr, clipvalue, clipnorm, global_clipnorm, weight_decay)
        self.rho = _fraction("RMSProp", "rho", rho)
        self.eps = _positive("RMSProp", "eps", eps)
        self.momentum = _fraction("RMSProp", "momentum", momentum)
        if centered not in (True, False):
            raise ValueError(f"RMSProp: expected centered True or False, got {centered!r}.")
        self.centered = bool(centered)

    def _new_state(self, p):
        return {"v": np.zeros_like(p), **({"b": np.zeros_like(p)} if self.momentum else {}),
                **({"g_avg": np.zeros_like(p)} if self.centered else {})}

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

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, clipvalue=None, clipnorm=None,
                 global_clipnorm=None, *, weight_decay=0.0, **other_spellings):
        _refuse_other_spellings("Adam", other_spellings,
                                {"beta_1": "beta1", "beta_2": "beta2", "epsilon": "eps"})
        super().__init__(lr, clipvalue, clipnorm, global_clipnorm, weight_decay)
        self.beta1 = _fraction("Adam", "beta1", beta1)
        self.beta2 = _fraction("Adam", "beta2", beta2)
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


_BY_NAME = {"sgd": SGD, "rmsprop": RMSProp, "adam": Adam}


def get_optimizer(optimizer) -> Optimizer:
    """An ``Optimizer`` from an instance or the names ``"sgd"``, ``"rmsprop"``, ``"adam"``
    (default settings)."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        raise ValueError(f"unknown optimizer: got the class {optimizer.__name__}, expected an "
                         f"instance. Did you mean {optimizer.__name__}()?")
    raise ValueError(
        f"unknown optimizer {optimizer!r}. Use an Optimizer object (SGD(lr=...), RMSProp(...), "
        f"Adam(...)) or one of {sorted(_BY_NAME)}."
    )
