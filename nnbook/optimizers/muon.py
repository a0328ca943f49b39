"""``Muon`` (chapter 34): momentum, each matrix's update orthogonalised by Newton–Schulz
(polar.py) and scaled by its shape, the other parameters stepped by a fallback."""

from __future__ import annotations

import re

import numpy as np

from ..registry import lookup, name_of, register_class, registered
from .adamw import AdamW
from .base import Optimizer, momentum_setting
from .hyperparams import DefaultRate, positive, resolve_lr
from .polar import QUINTIC, SHAPE_SCALES, _newton_schulz, checked_matrix, newton_schulz

__all__ = ["Muon"]


@register_class
class Muon(Optimizer):
    """Muon (Keller Jordan, 2024), as ``torch.optim.Muon``, on each 2-D parameter W:
    m ← μm + (1−μ)g, u = (1−μ)g + μm (``nesterov``) or m, W ← W(1 − lr·λ) − lr·s·NS(u), NS
    = ``newton_schulz(u, ns_steps, ns_coefficients, eps)``, λ decoupled as AdamW's, s =
    ``SHAPE_SCALES[shape_scale](fan_in, fan_out)`` (polar.py): by default
    √max(1, fan_out/fan_in), Keller Jordan's and PyTorch's, at which lr = 0.02 was tuned.
    The other parameters (biases, gains; with ``hidden_only`` also the first and last
    matrices ``step`` gets: an embedding table, the output W) go to ``fallback`` (an
    optimizer, a name, or what ``get_config`` writes; ``AdamW()`` by default) at the rate
    lr × ``fallback_lr_ratio`` (Keras' ``adam_lr_ratio``: a schedule moves both). A
    non-finite gradient is a ValueError naming it, and no weight changes.
    """

    def __init__(self, lr=DefaultRate(0.02), momentum=0.95, *, nesterov=True, ns_steps=5,
                 ns_coefficients=QUINTIC, eps=1e-7, weight_decay=0.0, shape_scale="original",
                 hidden_only=False, fallback=None, fallback_lr_ratio=0.05, **other_spellings):
        lr = resolve_lr("Muon", lr, other_spellings)
        try:
            super().__init__(lr, weight_decay=weight_decay)
            self.momentum = momentum              # checked by momentum_setting, now and later
            self.fallback_lr_ratio = positive("Muon", "fallback_lr_ratio", fallback_lr_ratio)
            self.eps = positive("Muon", "eps", eps)
            newton_schulz(np.eye(2), ns_steps, ns_coefficients, eps)   # its checks, now
            for name, value, allowed in (("nesterov", nesterov, (True, False)), ("hidden_only",
                                         hidden_only, (True, False)), ("shape_scale",
                                         shape_scale, tuple(SHAPE_SCALES))):
                if value not in allowed or type(value) not in (bool, str):
                    raise ValueError(f"Muon: expected {name} one of {allowed}, got {value!r}.")
        except ValueError as exc:
            raise ValueError(f"{exc} Muon's published settings: Muon(lr=0.02, momentum=0.95, "
                             f"ns_steps=5, eps=1e-7, fallback_lr_ratio=0.05).") from None
        self.nesterov, self.hidden_only, self.shape_scale = nesterov, hidden_only, shape_scale
        self.ns_steps, self.ns_coefficients = int(ns_steps), tuple(map(float, ns_coefficients))
        self.fallback = _fallback(AdamW() if fallback is None else fallback)
        self._split = None                            # (pairs, pairs as a tuple, mats, rest)

    _buffer_names = ("m",)                            # the momentum of each matrix
    momentum = momentum_setting()

    def step(self, pairs) -> None:
        """Check every gradient, then step the matrices and the fallback the rest."""
        split = self._split
        if split is None or split[0] is not pairs:
            every = tuple(pairs)
            mats = [i for i, (p, _) in enumerate(every) if np.ndim(p) == 2][
                slice(1, -1) if self.hidden_only else slice(None)]
            rest = tuple(pair for i, pair in enumerate(every) if i not in mats)
            split = (pairs, every, tuple(every[i] for i in mats), rest)
            self._split = split if isinstance(pairs, tuple) else None
        for i, (p, g) in enumerate(split[1]):
            if not np.isfinite(np.sum(g)) and not np.isfinite(g).all():
                raise ValueError(f"Muon: the gradient of parameter {i} (shape {np.shape(p)}, in "
                                 f"the model's order) is not finite; no weight was changed. "
                                 f"Find its source (nb.diagnostics) or lower the rate.")
        self.fallback.lr = self.lr * self.fallback_lr_ratio
        super().step(split[2])
        self.fallback.step(split[3])

    def _decay(self, p, g, st):
        return g                                      # decoupled: _update decays W itself

    def _update(self, p, g, st):
        m, u, mu = st["m"], st["tmp"], self.momentum
        np.multiply(g, 1.0 - mu, out=u)
        m *= mu
        m += u                                        # m ← μm + (1−μ)g
        u = u + mu * m if self.nesterov else m        # u = (1−μ)g + μm, or m
        o = self._orthogonalise(u)
        if self.weight_decay:
            p *= 1.0 - self.lr * self.weight_decay    # W ← W(1 − lr·λ)
        o *= self.lr * SHAPE_SCALES[self.shape_scale](*p.shape)
        p -= o

    def _orthogonalise(self, u):
        """``newton_schulz(u, self.ns_steps, self.ns_coefficients, self.eps)`` without
        checking the settings again in every step (``__init__`` checked them): the same
        call below the checks, with the same values."""
        X = u if u.size and u.dtype in (np.float64, np.float32) else checked_matrix(
            "newton_schulz", u)
        a, b, c = self.ns_coefficients
        return _newton_schulz("newton_schulz", u, X, self.ns_steps, a, b, c, self.eps)

    def reset(self) -> None:
        super().reset()
        self.fallback.reset()

    def get_state(self, params) -> dict:                # the fallback's keys and Muon's
        state = self.fallback.get_state(params)
        state.update(super().get_state(params))
        return state

    def set_state(self, params, state) -> None:
        """A matrix with ``m`` alone is Muon's, the rest the fallback's; a refusal changes none."""
        index = {k: int(m[1]) for k in state if (m := re.fullmatch(r"param(\d+)\.\w+", k))}
        own = {i for i in index.values() if i < len(params) and np.ndim(params[i]) == 2
               and [k for k in index if index[k] == i] == [f"param{i}.m"]}
        mine = {k: v for k, v in state.items() if k not in index or index[k] in own}
        theirs = {k: v for k, v in state.items() if k not in mine or k == "iterations"}
        before = (self._state, self.iterations)
        super().set_state(params, mine)
        try:
            self.fallback.set_state(params, theirs)
        except ValueError:
            (self._state, self.iterations), self._ready = before, None
            raise

    def get_config(self) -> dict:
        names = ("momentum", "nesterov", "ns_steps", "eps", "shape_scale", "hidden_only",
                 "fallback_lr_ratio")
        fallback = {k: v for k, v in self.fallback.get_config().items() if k != "lr"}
        return {**super().get_config(), **{k: getattr(self, k) for k in names},
                "ns_coefficients": list(self.ns_coefficients),
                "fallback": {"class": name_of(type(self.fallback)), "config": fallback}}


def _fallback(given) -> Optimizer:
    """An optimizer, ``get_config``'s {"class", "config"}, or a registered class's name in any
    case (``get_optimizer``'s names, "adam", are its classes' lowercased; it is the package's
    ``__init__``, which imports this module, so the registry answers here)."""
    fallback = given
    if isinstance(given, str):
        fallback = {"class": next((k for k in registered() if k.lower() == given.lower()), given)}
    cls = lookup(str(fallback.get("class"))) if isinstance(fallback, dict) else None
    if isinstance(cls, type) and issubclass(cls, Optimizer):
        fallback = cls.from_config(fallback.get("config", {}))
    if isinstance(fallback, Optimizer) and not isinstance(fallback, Muon):
        return fallback
    raise ValueError(f"Muon: expected fallback an optimizer for the parameters that are not "
                     f"matrices, got {given!r}. Pass e.g. fallback=nb.AdamW() (the default) "
                     f"or fallback='adam'.")
