"""Noise schedules of diffusion (chapter 26): how much of the signal is left at time t, ᾱ(t),
for t from 0 (the data) to 1 (almost pure noise). The noised sample is
x_t = √ᾱ(t)·x_0 + √(1 − ᾱ(t))·ε with ε ~ N(0, I).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..validate import positive_int

__all__ = ["NoiseSchedule", "LinearSchedule", "CosineSchedule", "DiscreteSchedule"]


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

    @staticmethod
    def discrete(T=1000, beta_start=1e-4, beta_end=0.02):
        """The DDPM paper's own schedule (Ho et al. 2020), discrete: T betas evenly from
        ``beta_start`` to ``beta_end``, ᾱ_i = Π_{j ≤ i} (1 − β_j) at t = i/T (diffusers'
        ``beta_schedule="linear"`` in float64). A ``DiscreteSchedule``; the continuous
        ``LinearSchedule()`` is close to it (its ``betas(1000)`` within 3·10⁻⁴)."""
        owner = "LinearSchedule.discrete"
        T = positive_int(owner, "T", T)
        start, end = _positive(owner, "beta_start", beta_start), _positive(owner, "beta_end",
                                                                           beta_end)
        if not start <= end < 1:
            raise ValueError(f"{owner}: expected 0 < beta_start ≤ beta_end < 1, got "
                             f"beta_start={beta_start!r} and beta_end={beta_end!r}.")
        return DiscreteSchedule(np.linspace(start, end, T),
                                name=f"LinearSchedule.discrete(T={T}, beta_start={start:g}, "
                                     f"beta_end={end:g})")


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

    @staticmethod
    def discrete(T=1000, s=0.008, max_beta=0.999):
        """The improved-DDPM paper's discrete cosine schedule (Nichol and Dhariwal 2021), as
        diffusers' ``beta_schedule="squaredcos_cap_v2"``: β_i = min(1 − f(i/T)/f((i−1)/T),
        ``max_beta``) for i = 1 … T with the f above, and ᾱ_i = Π_{j ≤ i} (1 − β_j). The cap
        keeps the last steps from β = 1 (f(1) = 0), where ``CosineSchedule()`` holds ᾱ at a
        floor instead. A ``DiscreteSchedule``."""
        owner = "CosineSchedule.discrete"
        T = positive_int(owner, "T", T)
        s = _positive(owner, "s", s)
        max_beta = _positive(owner, "max_beta", max_beta)
        if max_beta >= 1:
            raise ValueError(f"{owner}: expected 0 < max_beta < 1, got {max_beta!r}; β = 1 "
                             f"leaves no signal to divide by (0.999 is the paper's).")
        t = np.arange(T + 1) / T                      # diffusers' order of operations
        f = np.cos((t + s) / (1 + s) * np.pi / 2) ** 2
        betas = np.minimum(1.0 - f[1:] / f[:-1], max_beta)
        return DiscreteSchedule(betas, name=f"CosineSchedule.discrete(T={T}, s={s:g}, "
                                            f"max_beta={max_beta:g})")


class DiscreteSchedule(NoiseSchedule):
    """A schedule given by its T betas, as the DDPM papers and diffusers define one:
    ᾱ_i = Π_{j ≤ i} (1 − β_j) at the time t = i/T (ᾱ_0 = 1 at t = 0). Between two of
    these times log ᾱ is interpolated linearly, so every t in [0, 1] has an ᾱ; samplers
    whose ``steps`` divides T only visit the T + 1 times themselves.

    nnbook's time t = (k + 1)/T is diffusers' timestep k (its ``alphas_cumprod[k]``):
    ``ddpm_sample(..., steps=T)`` is ``DDPMScheduler(clip_sample=False)``, and
    ``ddim_sample(..., steps=n)`` is ``DDIMScheduler(timestep_spacing="trailing",
    set_alpha_to_one=True)`` with η = 0 (tests/test_generative_noise.py checks both against
    the closed forms). ``LinearSchedule.discrete()`` and ``CosineSchedule.discrete()`` make
    the papers' two.

    Args:
        betas: the T betas, each 0 < β < 1 (a 1-D array).

    Attributes:
        beta: the T betas as given, (T,) (``betas(T)`` gives them back from ᾱ);  T.
    """

    def __init__(self, betas, *, name=None):
        given = betas
        betas = np.array(betas, dtype=np.float64) if _numeric(betas) else None
        if betas is None or betas.ndim != 1 or betas.size == 0 or not np.all(
                (betas > 0) & (betas < 1)):
            what = (f"shape {betas.shape}, from {betas.min():g} to {betas.max():g}"
                    if betas is not None and betas.size else
                    f"shape {betas.shape}" if betas is not None else type(given).__name__)
            raise ValueError(f"DiscreteSchedule: expected betas, a 1-D array of T numbers "
                             f"0 < β < 1, got {what}. Try LinearSchedule.discrete() or "
                             f"CosineSchedule.discrete().")
        self.beta = betas                             # (T,), as given
        self.T = betas.size
        self._log_ab = np.concatenate([[0.0], np.cumsum(np.log1p(-betas))])
        self._ab = np.concatenate([[1.0], np.cumprod(1.0 - betas)])   # exactly the papers'
        self._name = name

    def _alpha_bar(self, t):
        i = np.asarray(t, dtype=np.float64) * self.T
        near = np.rint(i)
        on_grid = np.abs(i - near) < 1e-9 * self.T
        lo = np.clip(np.floor(i), 0, self.T - 1).astype(np.int64)
        frac = i - lo
        between = np.exp((1 - frac) * self._log_ab[lo] + frac * self._log_ab[lo + 1])
        out = np.where(on_grid, self._ab[near.astype(np.int64)], between)
        return out if out.ndim else out[()]

    def __repr__(self):
        return self._name or f"DiscreteSchedule(T={self.T})"


def _numeric(values):
    try:
        return np.asarray(values).dtype.kind in "fiu"
    except (TypeError, ValueError):
        return False
