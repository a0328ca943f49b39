"""Inverted dropout (chapter 12): in training, each activation is kept with
probability 1 − rate and scaled by 1/(1 − rate), so its expected value is
unchanged; in inference the layer does nothing.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..spellings import refuse_spellings
from ..validate import make_rng
from .base import Layer
from ..registry import register_class

__all__ = ["Dropout"]


@register_class
class Dropout(Layer):
    """``y = x ⊙ mask``, ``mask = keep / (1 − rate)`` with ``keep ~ Bernoulli(1 − rate)``.

    Shapes:
        x: any (m, …)  →  y: the same shape;  ``mask``: the shape of x.

    Only when ``self.training`` is True (``fit`` sets it for the training
    batches); otherwise ``y = x`` and ``backward`` passes ``dy`` through.
    ``backward`` uses the mask of the last ``forward``: ``dx = dy ⊙ mask``.
    Each entry is kept independently; E[y] = x since E[mask] = 1.

    Args:
        rate: the probability of dropping an entry, 0 ≤ rate < 1 (Keras' and
            PyTorch's ``p``).
        rng: the ``np.random.Generator`` that draws the masks. ``None``: inside ``fit``
            the masks come from fit's ``rng`` (so ``fit(rng=...)`` alone makes training
            repeatable, also for a model read by ``load_model``); outside ``fit``, from a
            fresh generator.

    Gradient checking needs the same mask in every forward pass: run one
    training forward, then set ``fixed_mask = True``; later training passes
    reuse ``mask`` (it must have the input's shape) instead of drawing one::

        d = Dropout(0.5, rng=rng); d.training = True
        d.forward(x); d.fixed_mask = True
        nb.check_gradients(d, x)

    Chapter 12.
    """

    positionwise = True    # each position alone: a model of such layers can cache (base.py)

    training = False          # the base Layer's default (contract 3), repeated for clarity

    def __init__(self, rate=None, rng=None, **keras):
        super().__init__()
        refuse_spellings("Dropout", keras, unknown=True)         # Keras' names: nnbook's
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
            raise ValueError(f"Dropout: expected a rate with 0 ≤ rate < 1 (the fraction of "
                             f"entries dropped), got {rate!r}.")
        self.rate = float(rate)
        self.rng = None if rng is None else make_rng(rng, "Dropout")   # None: fit lends one
        self._fresh = None        # the generator used outside fit when rng is None
        self.mask = None          # (the shape of x): 0 or 1/(1 − rate), from the last training forward
        self.fixed_mask = False
        self._passed = None       # whether the last forward passed x through unchanged
        self._dtype = None        # the dtype of the last forward's x (backward returns it)

    def forward(self, x):
        x = np.asarray(x)
        self._dtype = x.dtype
        if not self.training or self.rate == 0:
            self._passed = True
            return x
        if not (self.fixed_mask and self.mask is not None and self.mask.shape == x.shape):
            if self.fixed_mask and self.mask is not None:
                raise ValueError(f"{self!r}: fixed_mask is set but the kept mask has shape "
                                 f"{self.mask.shape}, the input {x.shape}. Set fixed_mask = False "
                                 f"to draw a new mask.")
            keep = self._generator().random(x.shape, dtype=np.float32) >= self.rate  # P = 1 − rate
            self.mask = np.multiply(keep, 1.0 / (1.0 - self.rate), dtype=x.dtype)
        self._passed = False
        return x * self.mask

    def backward(self, dy, need_dx: bool = True):
        if self._passed is None:
            self._before_forward()
        if not need_dx:
            return None
        dy = np.asarray(dy, dtype=self._dtype if self._dtype.kind == "f" else None)
        if self._passed:
            return dy
        if dy.shape != self.mask.shape:
            self._bad_dy(dy, self.mask.shape)
        return dy * self.mask

    def _generator(self) -> np.random.Generator:
        if self.rng is not None:
            return self.rng
        if self._fresh is None:
            self._fresh = np.random.default_rng()
        return self._fresh

    def get_config(self):
        return {"rate": self.rate}

    def __repr__(self):
        return f"Dropout({self.rate:g})"
