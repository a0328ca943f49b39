"""What classifier-free guidance samples in closed form (chapter 27): in 1-D, for a Gaussian
class p(x | c) = N(μ, a²) inside p(x) = N(0, b²), the end mean and variance of the guided
probability-flow ODE (DDIM) and of the guided reverse SDE (DDPM), for the variance-exploding
process and for the course's variance-preserving one, beside the tilted target's.

The derivation's four steps are in the comment below, and each function names the ones it
uses.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .noise import NoiseSchedule

# The derivation, named in the docstrings below: (1) with exact scores the guided score is
# linear in x, ŝ(x, s) = −k(s)·x + w·μ/(a² + s), k(s) = w/(a² + s) + (1 − w)/(b² + s), at the
# VE noise variance s (x_s = x + √s·ε); (2) so each sampler moves a Gaussian's mean and
# variance by a linear ODE; (3) with G(s)² = ((a² + s)/a²)^w·((b² + s)/b²)^(1−w) = exp ∫₀ˢ k,
# an integrating factor solves each; (4) the VP process x_t = √ᾱ·x + √(1 − ᾱ)·ε is the VE one
# in y = x/√ᾱ at s = (1 − ᾱ)/ᾱ, for the ODE and the SDE alike, so the VP answers are the VE
# ones with S = (1 − ᾱ(1))/ᾱ(1) and the start scaled by 1/√ᾱ(1).

__all__ = ["tilted_moments", "ve_guided_ode_moments", "ve_guided_sde_moments",
           "guided_ode_moments", "guided_sde_moments"]

# composite Gauss–Legendre in u = log(1 + s/c): the integrands are smooth power laws in s,
# so in u they are smooth and decay like e^(−u/2) or faster; 400 panels of 16 nodes agree
# with 800 panels to 4e-16 (relative, for w up to 10 and S up to 1e8), and the tests
# compare them with integrals done by hand (w = 1, and the rational one of w = 3)
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)


def _number(owner, name, value, *, low=None, positive=False):
    ok = (not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Real)
          and math.isfinite(float(value)))
    if ok and positive:
        ok = float(value) > 0
    if ok and low is not None:
        ok = float(value) >= low
    if not ok:
        need = "> 0" if positive else f"≥ {low:g}" if low is not None else "finite"
        raise ValueError(f"{owner}: expected {name}, a finite number {need}, got {value!r}.")
    return float(value)


def _problem(owner, mu, a2, b2, w):
    mu = _number(owner, "mu (the class mean)", mu)
    a2 = _number(owner, "a2 (the class variance a²)", a2, positive=True)
    b2 = _number(owner, "b2 (the marginal variance b²)", b2, positive=True)
    w = _number(owner, "w (the guidance weight)", w, low=0.0)
    return mu, a2, b2, w


def _start(owner, start):
    if not (isinstance(start, tuple) and len(start) == 2):
        raise ValueError(f"{owner}: expected start, a pair (mean, variance) of the sampler's "
                         f"starting noise, got {start!r}. rng.standard_normal((n, 1)) is "
                         f"(0.0, 1.0).")
    return (_number(owner, "the start's mean", start[0]),
            _number(owner, "the start's variance", start[1], positive=True))


def tilted_moments(mu, a2, b2, w):
    """The mean and variance of the tilted target p(x | c)^w·p(x)^(1−w), the density guidance
    is often said to sample: its log is a quadratic with precision P = w/a² + (1 − w)/b²
    and mean (w·μ/a²)/P. Returns (mean, variance) = (w·μ/(a²·P), 1/P); P ≤ 0 (possible for
    a² > b²) is no density, a ValueError."""
    mu, a2, b2, w = _problem("tilted_moments", mu, a2, b2, w)
    precision = w / a2 + (1.0 - w) / b2
    if precision <= 0:
        raise ValueError(f"tilted_moments: w/a² + (1 − w)/b² = {precision:g} ≤ 0, so "
                         f"p(x | c)^w p(x)^(1−w) cannot be normalised. Use a² < b² or a "
                         f"smaller w.")
    return w * mu / a2 / precision, 1.0 / precision


def _g(s, a2, b2, w):
    """G(s) = exp(½ ∫₀ˢ k) = ((a² + s)/a²)^(w/2)·((b² + s)/b²)^((1−w)/2), step (3)."""
    return np.exp(0.5 * w * np.log1p(s / a2) + 0.5 * (1.0 - w) * np.log1p(s / b2))


def _integral(f, S, c):
    """∫₀ˢ f(s) ds, by Gauss–Legendre on 400 panels in u = log(1 + s/c)."""
    edges = np.linspace(0.0, math.log1p(S / c), 401)
    half = 0.5 * np.diff(edges)[:, None]                                 # (400, 1)
    u = (edges[:-1, None] + half * (_NODES + 1.0)).ravel()               # (6400,)
    s = c * np.expm1(u)
    return float(np.sum(f(s) * c * np.exp(u) * (half * _WEIGHTS).ravel()))


def ve_guided_ode_moments(mu, a2, b2, w, S, *, start=None):
    """The end (s = 0) mean and variance of the guided probability-flow ODE of the VE process
    x_s = x + √s·ε, dx/ds = −½·ŝ(x, s), run from noise variance S down to 0 with the guided
    score ŝ = w·∇log p_s(x | c) + (1 − w)·∇log p_s(x) (step (1)).

    Step (2): dm/ds = ½k·m − ½w·μ/(a² + s) and dV/ds = k·V. Step (3): V(0) = V(S)/G(S)², that
    is (b² + S)·(a²/(a² + S))^w·(b²/(b² + S))^(1−w) from the marginal start, → a^(2w)·b^(2(1−w))
    as S → ∞; m(0) = m(S)/G(S) + ½w·μ·∫₀ˢ ds/((a² + s)·G(s)), the integral by quadrature.

    Args:
        mu, a2, b2: the class N(μ, a²) and the marginal N(0, b²).
        w: the guidance weight ≥ 0; S: the start's noise variance > 0.
        start: (mean, variance) of the start; ``None`` is the marginal N(0, b² + S).

    Returns:
        (mean, variance) at s = 0.
    """
    owner = "ve_guided_ode_moments"
    mu, a2, b2, w = _problem(owner, mu, a2, b2, w)
    S = _number(owner, "S (the starting noise variance)", S, positive=True)
    m_S, v_S = (0.0, b2 + S) if start is None else _start(owner, start)
    g_S = float(_g(S, a2, b2, w))
    drift = _integral(lambda s: 1.0 / ((a2 + s) * _g(s, a2, b2, w)), S, min(a2, b2))
    return m_S / g_S + 0.5 * w * mu * drift, v_S / g_S ** 2


def ve_guided_sde_moments(mu, a2, b2, w, S, *, start=None):
    """The end mean and variance of the guided reverse SDE of the same VE process, run from S
    down to 0: each step ds back is y ← y + ŝ(y, s)·ds + √ds·z, z ~ N(0, 1).

    Step (2): dm/ds = k·m − w·μ/(a² + s) and dV/ds = 2k·V − 1 (the new noise adds ds). Step
    (3), with the factor G(s)⁻⁴ = exp(−2 ∫₀ˢ k): V(0) = V(S)/G(S)⁴ + ∫₀ˢ G(s)⁻⁴ ds and
    m(0) = m(S)/G(S)² + w·μ·∫₀ˢ ds/((a² + s)·G(s)²), both integrals by quadrature (relative
    error below 1e-12). At w = 1 it is a² exactly for the start N(μ, a² + S).

    Same arguments and result as ``ve_guided_ode_moments``.
    """
    owner = "ve_guided_sde_moments"
    mu, a2, b2, w = _problem(owner, mu, a2, b2, w)
    S = _number(owner, "S (the starting noise variance)", S, positive=True)
    m_S, v_S = (0.0, b2 + S) if start is None else _start(owner, start)
    g_S = float(_g(S, a2, b2, w))
    c = min(a2, b2)
    noise = _integral(lambda s: _g(s, a2, b2, w) ** -4.0, S, c)
    drift = _integral(lambda s: 1.0 / ((a2 + s) * _g(s, a2, b2, w) ** 2), S, c)
    return m_S / g_S ** 2 + w * mu * drift, v_S / g_S ** 4 + noise


def _vp(owner, schedule, start):
    """Step (4): S = (1 − ᾱ(1))/ᾱ(1) and the start in y = x/√ᾱ(1); y = x at t = 0."""
    if not isinstance(schedule, NoiseSchedule):
        raise ValueError(f"{owner}: expected schedule to be a NoiseSchedule (e.g. "
                         f"nb.generative.LinearSchedule()), got {type(schedule).__name__}.")
    m, v = _start(owner, start)
    ab = float(schedule.alpha_bar(1.0))
    return (1.0 - ab) / ab, (m / math.sqrt(ab), v / ab)


def guided_ode_moments(mu, a2, b2, w, schedule, *, start=(0.0, 1.0)):
    """The end (t = 0) mean and variance of the guided probability-flow ODE of the course's
    VP process x_t = √ᾱ(t)·x + √(1 − ᾱ(t))·ε, dx/dt = −½β(t)·(x + ŝ(x, t)), which
    ``ddim_sample`` steps along (exactly so as its steps → ∞), started at t = 1 from ``start``.

    Step (4): in y = x/√ᾱ(t) and s = (1 − ᾱ)/ᾱ this ODE is dy/ds = −½·ŝ_y(y, s) with
    ŝ_y = √ᾱ·ŝ_x, the VE one; so this is ``ve_guided_ode_moments`` with
    S = (1 − ᾱ(1))/ᾱ(1) and the start's mean and variance divided by √ᾱ(1) and ᾱ(1). Only
    ᾱ(1) matters, not the schedule's shape.

    Args:
        mu, a2, b2, w: the class N(μ, a²), the marginal N(0, b²), the guidance weight ≥ 0.
        schedule: a ``NoiseSchedule``.
        start: (mean, variance) of the starting x; (0, 1) is rng.standard_normal((n, 1)).

    Returns:
        (mean, variance) at t = 0.
    """
    S, start_y = _vp("guided_ode_moments", schedule, start)
    return ve_guided_ode_moments(mu, a2, b2, w, S, start=start_y)


def guided_sde_moments(mu, a2, b2, w, schedule, *, start=(0.0, 1.0)):
    """The end mean and variance of the guided reverse SDE of the VP process,
    dx = −β(t)·(½x + ŝ(x, t))·dt + √β(t)·dW̄ backwards in t, which ``ddpm_sample`` steps along.
    Step (4) again: in y = x/√ᾱ a step back of ds = β·dt/ᾱ in s is y ← y + ŝ_y·ds + √ds·z,
    the VE reverse SDE, so this is ``ve_guided_sde_moments`` at S = (1 − ᾱ(1))/ᾱ(1).

    Same arguments and result as ``guided_ode_moments``.
    """
    S, start_y = _vp("guided_sde_moments", schedule, start)
    return ve_guided_sde_moments(mu, a2, b2, w, S, start=start_y)
