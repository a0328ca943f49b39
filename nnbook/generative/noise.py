"""Noise schedules of diffusion (chapter 26): how much of the signal is left at time t, ᾱ(t),
for t from 0 (the data) to 1 (almost pure noise). The noised sample is
x_t = √ᾱ(t)·x_0 + √(1 − ᾱ(t))·ε with ε ~ N(0, I).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..validate import positive_int

__all__ = ["NoiseSchedule", "LinearSchedule", "CosineSchedule"]


class NoiseSchedule:
    """The base of the schedules: ``alpha_bar(t)``, decreasing from ᾱ(0) = 1; subclasses
    define ``_alpha_bar(t)`` on an array of times in [0, 1].

    Shapes:
        t: a number or an array of any shape, each 0 ≤ t ≤ 1  →  the same shape

    ``sigma(t)`` is √(1 − ᾱ(t)), the noise's standard deviation in x_t; ``times(steps)`` the
    grid 1 = t_0 > t_1 > … > t_steps = 0 that the samplers walk; ``betas(steps)`` the
    β_i = 1 − ᾱ(t_i)/ᾱ(t_{i−1}) of the chain x_i = √(1 − β_i)·x_{i−1} + √β_i·ε_i on the grid
    read from 0 to 1, so that Π_i (1 − β_i) = ᾱ(t_i) (chapter 26 checks it).
    """

    def _alpha_bar(self, t):
        raise NotImplementedError

    def _t(self, t, what="alpha_bar"):
        raw = None if isinstance(t, (str, bytes)) else np.asarray(t)   # True is no time
        numeric = raw is not None and (raw.dtype.kind in "fiu" or raw.dtype == object)
        arr = np.asarray(t, dtype=np.float64) if numeric else None
        if arr is None or arr.dtype.kind != "f" or not np.all((arr >= 0) & (arr <= 1)):
            raise ValueError(f"{self!r}.{what}: expected times 0 ≤ t ≤ 1 (0 the data, 1 pure "
                             f"noise), got {t!r}. Divide a step index by the number of steps.")
        return arr

    def alpha_bar(self, t):
        """ᾱ(t), the share of the data's variance left in x_t (a float for a number t)."""
        if type(t) is float and 0.0 <= t <= 1.0:    # a sampler's one time: no array, the
            return float(self._alpha_bar(t))          # same float64 arithmetic
        out = self._alpha_bar(self._t(t))
        return float(out) if np.ndim(out) == 0 else out

    def sigma(self, t):
        """√(1 − ᾱ(t)), the standard deviation of the noise in x_t."""
        out = np.sqrt(1.0 - self._alpha_bar(self._t(t, "sigma")))
        return float(out) if np.ndim(out) == 0 else out

    def times(self, steps):
        """The ``steps + 1`` times 1, 1 − 1/steps, …, 0 that a sampler walks: (steps + 1,)."""
        steps = positive_int(f"{self!r}.times", "steps", steps)
        return np.linspace(1.0, 0.0, steps + 1)

    def betas(self, steps):
        """The noise added at each of ``steps`` equal steps from t = 0 to 1: (steps,)."""
        steps = positive_int(f"{self!r}.betas", "steps", steps)
        ab = self._alpha_bar(np.linspace(0.0, 1.0, steps + 1))
        return 1.0 - ab[1:] / ab[:-1]


def _positive(owner, name, value):
    if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0
            or not np.isfinite(value)):
        raise ValueError(f"{owner}: expected {name} > 0, got {value!r}.")
    return float(value)


class LinearSchedule(NoiseSchedule):
    """β(t) = β_min + t·(β_max − β_min), ᾱ(t) = exp(−β_min·t − (β_max − β_min)·t²/2).

    The continuous form of DDPM's schedule (Ho et al. 2020: 1000 steps with β from 10⁻⁴ to
    0.02): ``betas(1000)`` is close to it, and ᾱ(1) = e^(−10.05) ≈ 4·10⁻⁵.

    Args:
        beta_min, beta_max: 0 < β_min ≤ β_max, the rates at t = 0 and t = 1 (0.1 and 20).
    """

    def __init__(self, beta_min=0.1, beta_max=20.0):
        self.beta_min = _positive("LinearSchedule", "beta_min", beta_min)
        self.beta_max = _positive("LinearSchedule", "beta_max", beta_max)
        if self.beta_max < self.beta_min:
            raise ValueError(f"LinearSchedule: expected beta_min ≤ beta_max, got beta_min="
                             f"{beta_min!r} and beta_max={beta_max!r}. Swap them.")

    def _alpha_bar(self, t):
        return np.exp(-self.beta_min * t - 0.5 * (self.beta_max - self.beta_min) * t * t)

    def __repr__(self):
        return f"LinearSchedule(beta_min={self.beta_min:g}, beta_max={self.beta_max:g})"


class CosineSchedule(NoiseSchedule):
    """ᾱ(t) = f(t)/f(0) with f(t) = cos²(π/2 · (t + s)/(1 + s)), kept ≥ ``alpha_bar_min``.

    Nichol and Dhariwal's schedule (2021): the signal fades more evenly than the linear
    schedule's, which destroys most of it in the first half. f(1) = 0, so ᾱ is held at
    ``alpha_bar_min`` near t = 1, where a sampler would otherwise divide by √ᾱ = 0.

    Args:
        s: the small offset at t = 0 (0.008).
        alpha_bar_min: the floor of ᾱ, > 0 (4·10⁻⁵, about the linear schedule's ᾱ(1)).
    """

    def __init__(self, s=0.008, alpha_bar_min=4e-5):
        self.s = _positive("CosineSchedule", "s", s)
        self.alpha_bar_min = _positive("CosineSchedule", "alpha_bar_min", alpha_bar_min)
        if self.alpha_bar_min >= 1:
            raise ValueError(f"CosineSchedule: expected 0 < alpha_bar_min < 1, got "
                             f"{alpha_bar_min!r}.")

    def _alpha_bar(self, t):
        f = np.cos(0.5 * np.pi * (t + self.s) / (1 + self.s)) ** 2
        f0 = np.cos(0.5 * np.pi * self.s / (1 + self.s)) ** 2
        return np.maximum(f / f0, self.alpha_bar_min)

    def __repr__(self):
        return f"CosineSchedule(s={self.s:g})"
