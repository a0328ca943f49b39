"""Samplers (chapter 26) that turn noise into data with any function f(x, t): DDPM's
ancestral sampler and the deterministic DDIM sampler for a noise prediction (or a score,
turned into one by ε̂ = −σ(t)·score), and Euler's method for a flow-matching velocity.
They take the function, never a model, so the exact score of a mixture plugs in as well.
A start, or an output of the function, with NaN or inf is a ``ValueError`` that says so
(as ``generate`` refuses a NaN output): the samples would be NaN without a word.
"""

from __future__ import annotations

import math

import numpy as np

from ..validate import all_finite, as_float_array, make_rng, positive_int
from .noise import NoiseSchedule

__all__ = ["ddpm_sample", "ddpm_step", "ddim_sample", "euler_sample"]


def _start(owner, fn, x, schedule, prediction):
    if not callable(fn):
        raise ValueError(f"{owner}: expected fn, a function f(x, t) → (n, d), got "
                         f"{type(fn).__name__}. For a trained denoiser pass "
                         f"nb.generative.as_function(model).")
    x = as_float_array(owner, "x", x)
    if x.ndim != 2:
        raise ValueError(f"{owner}: expected x of shape (n, d), the starting noise (e.g. "
                         f"rng.standard_normal((n, d))), got {x.shape}.")
    if not all_finite(x):
        raise ValueError(f"{owner}: the starting x holds NaN or inf, so every sample would "
                         f"be NaN. Start from finite noise, e.g. rng.standard_normal((n, d)).")
    diffusion = owner != "euler_sample"           # the diffusion samplers need both
    if diffusion and not isinstance(schedule, NoiseSchedule):
        raise ValueError(f"{owner}: expected schedule to be a NoiseSchedule (e.g. "
                         f"nb.generative.LinearSchedule()), got {type(schedule).__name__}.")
    if diffusion and prediction not in ("noise", "score"):
        raise ValueError(f"{owner}: expected prediction 'noise' (fn predicts ε) or 'score' "
                         f"(fn gives ∇ log p_t), got {prediction!r}.")
    return x


def _call(owner, fn, x, t):
    out = np.asarray(fn(x, float(t)))
    if out.shape != x.shape:
        raise ValueError(f"{owner}: fn(x, t) returned shape {out.shape}; expected x's shape "
                         f"{x.shape}, one vector per sample.")
    out = out.astype(x.dtype, copy=False)            # a float64 fn keeps float32 x float32
    if not all_finite(out):
        raise ValueError(f"{owner}: fn(x, t) at t = {float(t):g} holds NaN or inf, so the "
                         f"samples would be NaN from here on. A trained denoiser whose "
                         f"training diverged (or a NaN weight) does this: retrain it with a "
                         f"smaller learning rate. A function of your own must stay finite "
                         f"at every t the sampler calls it with.")
    return out


def _noise(owner, fn, x, t, schedule, prediction):
    """ε̂(x, t): fn's output, or −σ(t)·fn(x, t) for a score."""
    out = _call(owner, fn, x, t)
    return out if prediction == "noise" else -float(schedule.sigma(t)) * out


def ddpm_sample(fn, x, schedule, *, steps=1000, prediction="noise", rng=None, path=False):
    """DDPM's ancestral sampler (Ho et al. 2020) on ``steps`` equal steps from t = 1 to 0.

    From t to the next time s < t, with α = ᾱ(t)/ᾱ(s) and β = 1 − α::

        x_s = (x_t − β/√(1 − ᾱ(t)) · ε̂(x_t, t)) / √α + √(β (1 − ᾱ(s))/(1 − ᾱ(t))) · z

    z ~ N(0, I), none at the last step (s = 0).

    Shapes:
        x: (n, d), the starting noise  →  (n, d); with ``path`` (steps + 1, n, d)

    Args:
        fn: f(x, t) → (n, d), t a float: the predicted noise ε̂, or the score ∇ log p_t
            with ``prediction="score"``.
        schedule: a ``NoiseSchedule``.
        rng: draws z (``None``: a fresh generator).
        path: also return every intermediate x.
    """
    x = _start("ddpm_sample", fn, x, schedule, prediction)
    steps = positive_int("ddpm_sample", "steps", steps)
    rng = make_rng(rng, "ddpm_sample")
    times = schedule.times(steps)
    xs = [x]
    for t, s in zip(times[:-1], times[1:]):
        z = rng.standard_normal(x.shape) if s > 0 else None
        x = _ddpm_step("ddpm_sample", fn, x, t, s, schedule, prediction, z)
        xs.append(x)
    return np.stack(xs) if path else x


def _ddpm_step(owner, fn, x, t, s, schedule, prediction, z):
    ab_t, ab_s = schedule.alpha_bar(t), schedule.alpha_bar(s)
    alpha = ab_t / ab_s
    beta = 1.0 - alpha
    eps = _noise(owner, fn, x, t, schedule, prediction)          # (n, d)
    # Python floats keep x's dtype (float32); the two new arrays are the product and the
    # difference, then ÷ √α and + noise in place: 5 passes over (n, d), as before
    x = x - beta / math.sqrt(1.0 - ab_t) * eps
    x /= math.sqrt(alpha)
    if z is not None:
        x += math.sqrt(beta * (1.0 - ab_s) / (1.0 - ab_t)) * np.asarray(z, x.dtype)
    return x


def _real(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def ddpm_step(fn, x, t, s, schedule, *, z=None, prediction="noise"):
    """One step of ``ddpm_sample`` from time t to s < t, with the noise ``z`` given
    (``None``: no noise, as at the last step).

    Shapes:
        x: (n, d);  z: (n, d) or None  →  (n, d)
    """
    x = _start("ddpm_step", fn, x, schedule, prediction)
    if not (_real(t) and _real(s)) or not 0.0 <= float(s) < float(t) <= 1.0:
        raise ValueError(f"ddpm_step: expected times 0 ≤ s < t ≤ 1 (a step back towards the "
                         f"data), got t={t!r}, s={s!r}.")
    if z is not None and np.shape(z) != x.shape:
        raise ValueError(f"ddpm_step: expected z of x's shape {x.shape}, got {np.shape(z)}.")
    return _ddpm_step("ddpm_step", fn, x, float(t), float(s), schedule, prediction, z)


def ddim_sample(fn, x, schedule, *, steps=50, prediction="noise", path=False):
    """The deterministic DDIM sampler (Song, Meng and Ermon 2021, η = 0), a step of the
    probability-flow ODE: predict x̂_0, then move to time s keeping the predicted noise::

        x̂_0 = (x_t − √(1 − ᾱ(t)) · ε̂) / √ᾱ(t),   x_s = √ᾱ(s) · x̂_0 + √(1 − ᾱ(s)) · ε̂

    Same arguments and shapes as ``ddpm_sample``, without ``rng``: the same start gives the
    same samples.
    """
    x = _start("ddim_sample", fn, x, schedule, prediction)
    steps = positive_int("ddim_sample", "steps", steps)
    times = schedule.times(steps)
    xs = [x]
    for t, s in zip(times[:-1], times[1:]):
        ab_t, ab_s = schedule.alpha_bar(t), schedule.alpha_bar(s)
        eps = _noise("ddim_sample", fn, x, t, schedule, prediction)
        x0 = (x - math.sqrt(1.0 - ab_t) * eps) / math.sqrt(ab_t)
        x = math.sqrt(ab_s) * x0 + math.sqrt(1.0 - ab_s) * eps
        xs.append(x)
    return np.stack(xs) if path else x


def euler_sample(velocity, x, *, steps=50, path=False):
    """Euler's method on dx/dt = v(x, t) from t = 0 (noise) to t = 1 (data), flow matching's
    sampler: x ← x + v(x, t)/steps at t = 0, 1/steps, …, 1 − 1/steps.

    Shapes:
        x: (n, d), the starting noise  →  (n, d); with ``path`` (steps + 1, n, d)

    Args:
        velocity: f(x, t) → (n, d), t a float (``as_function`` of a flow-matching model).
    """
    x = _start("euler_sample", velocity, x, None, None)
    steps = positive_int("euler_sample", "steps", steps)
    h = 1.0 / steps
    xs = [x]
    for i in range(steps):
        x = x + h * _call("euler_sample", velocity, x, i * h)
        xs.append(x)
    return np.stack(xs) if path else x
