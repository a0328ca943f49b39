"""The sinusoidal time embedding of a diffusion denoiser (chapter 26): the time t, the last
column of the input, becomes sines and cosines of t at geometrically spaced frequencies,
beside x_t, so that a plain MLP can tell the noise levels apart. ``with_time`` builds that
input from x_t and t.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..layers.base import Layer
from ..registry import register_class
from ..validate import as_float_array, positive_int

__all__ = ["TimeEmbedding", "with_time"]


def with_time(x, t):
    """The denoiser's input: ``x`` (n, d) with the time ``t`` as a last column.

    Shapes:
        x: (n, d);  t: a number or (n,)  →  (n, d + 1), in x's float dtype
    """
    x = as_float_array("with_time", "x", x)
    if x.ndim != 2:
        raise ValueError(f"with_time: expected x of shape (n, d), one sample per row, got "
                         f"{x.shape}.")
    t = as_float_array("with_time", "t", t)
    if t.ndim > 1 or (t.ndim == 1 and t.shape[0] != x.shape[0]):
        raise ValueError(f"with_time: expected t to be a number or of shape ({x.shape[0]},), "
                         f"one time per row of x, got {t.shape}.")
    out = np.empty((x.shape[0], x.shape[1] + 1), x.dtype)
    out[:, :-1] = x
    out[:, -1] = t
    return out


@register_class
class TimeEmbedding(Layer):
    """``[x, t] → [x, sin(ω_1 t), …, sin(ω_K t), cos(ω_1 t), …, cos(ω_K t)]`` with
    ω_k = max_freq^((k − 1)/(K − 1)), from 1 to ``max_freq``.

    Shapes:
        x: (m, d + 1), the time t in the last column (``with_time(x_t, t)``)
        →  y: (m, d + 2K), x_t unchanged, then the K sines, then the K cosines

    Backward: ∂E/∂x_t = ∂E/∂y for the first d columns, and
    ``∂E/∂t = Σ_k ω_k (∂E/∂sin_k · cos(ω_k t) − ∂E/∂cos_k · sin(ω_k t))``.
    No parameters; it computes in the input's float dtype (float32 or float64).

    Args:
        d: the dimension of x_t.
        n_freq: K ≥ 1, the number of frequencies (8).
        max_freq: the highest ω (100.0); t is in [0, 1], so ω = 1 varies slowly across all
            noise levels and ω = 100 tells close times apart.

    As ``TimeEmbedding`` in the PyTorch bridge (``to_torch``). Chapter 26.
    """

    def __init__(self, d=None, n_freq=8, *, max_freq=100.0):
        super().__init__()
        self.d = positive_int("TimeEmbedding", "d", d)
        self.n_freq = positive_int("TimeEmbedding", "n_freq", n_freq)
        if (isinstance(max_freq, bool) or not isinstance(max_freq, numbers.Real)
                or not max_freq >= 1 or not np.isfinite(max_freq)):
            raise ValueError(f"TimeEmbedding: expected max_freq ≥ 1 (the highest frequency, "
                             f"in radians per unit of t), got {max_freq!r}.")
        self.max_freq = float(max_freq)
        k = np.arange(self.n_freq)
        self.freqs = self.max_freq ** (k / max(self.n_freq - 1, 1))      # (K,)
        self._cache = None

    def forward(self, x):
        x = np.asarray(x)
        d = self.d
        if x.ndim != 2 or x.shape[1] != d + 1:
            raise ValueError(f"{self!r}: expected input of shape (m, {d + 1}): x_t of {d} "
                             f"columns and the time t last, got {tuple(x.shape)}. Build it "
                             f"with nb.generative.with_time(x_t, t).")
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        freqs = self.freqs if x.dtype == np.float64 else self.freqs.astype(x.dtype)
        m, K, t = len(x), self.n_freq, x[:, d:]                          # t: (m, 1)
        if m > 1 and (t == t[0]).all():             # one time for all (a sampler's step):
            angle = t[0] * freqs                     # sin and cos of K numbers, not m·K,
            row = np.concatenate([np.zeros(d, x.dtype), np.sin(angle), np.cos(angle)])
            out = np.repeat(row[None], m, axis=0)    # repeated down the rows
            out[:, :d] = x[:, :d]
            sin, cos = row[d:d + K], row[d + K:]    # (K,): the backward broadcasts them
        else:
            angle = t * freqs                                            # (m, K): ω t
            sin, cos = np.sin(angle), np.cos(angle)
            out = np.concatenate([x[:, :d], sin, cos], axis=1)
        self._cache = (sin, cos, freqs, x.shape)
        return out                                                       # (m, d + 2K)

    def backward(self, dy, need_dx: bool = True):
        if self._cache is None:
            self._before_forward()
        sin, cos, freqs, shape = self._cache
        d, K = self.d, self.n_freq
        dy = np.asarray(dy, dtype=sin.dtype)
        if dy.shape != (shape[0], d + 2 * K):
            self._bad_dy(dy, (shape[0], d + 2 * K))
        if not need_dx:
            return None
        dx = np.empty(shape, sin.dtype)
        dx[:, :d] = dy[:, :d]
        dx[:, d] = ((dy[:, d:d + K] * cos - dy[:, d + K:] * sin) * freqs).sum(axis=1)
        return dx

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 1 or shape[0] not in (self.d + 1, None):
            raise ValueError(f"{self!r}: expected samples of shape ({self.d + 1},): x_t and "
                             f"the time t, got {shape}.")
        return (self.d + 2 * self.n_freq,)

    def get_config(self):
        return {"d": self.d, "n_freq": self.n_freq, "max_freq": self.max_freq}

    def __repr__(self):
        return f"TimeEmbedding(d={self.d}, n_freq={self.n_freq})"
