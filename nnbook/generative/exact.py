"""The exact functions a sampler needs, for data from a ``GaussianMixture`` (chapter 26): the
score and the optimal noise prediction of the noised data at every time, and the marginal
velocity of flow matching's straight paths. Plugged into the samplers, they test the sampler
alone; beside a trained network, they say how far its training got.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..data.mixture import GaussianMixture
from ..validate import as_float_array
from .noise import NoiseSchedule

__all__ = ["exact_score", "exact_noise", "flow_marginal", "exact_velocity"]


def _check(owner, mixture, schedule=True):
    if not isinstance(mixture, GaussianMixture):
        raise ValueError(f"{owner}: expected mixture to be a nb.data.GaussianMixture, got "
                         f"{type(mixture).__name__}.")
    if schedule is not True and not isinstance(schedule, NoiseSchedule):
        raise ValueError(f"{owner}: expected schedule to be a NoiseSchedule (e.g. "
                         f"nb.generative.LinearSchedule()), got {type(schedule).__name__}.")


def _time(owner, t):
    """t as a float, or a ValueError: one number for all rows (the samplers' t)."""
    if (isinstance(t, (bool, np.bool_)) or not isinstance(t, (numbers.Real, np.ndarray))
            or np.ndim(t) != 0 or np.asarray(t).dtype.kind not in "fiu"):
        shown = f"an array of shape {np.shape(t)}" if np.ndim(t) else repr(t)
        raise ValueError(f"{owner}: expected t, one number in [0, 1] for all the rows of x, "
                         f"got {shown}. For a time per row, call it once for each time.")
    return float(t)


def _like(x, out):
    """The mixture computes in float64; float32 points get float32 answers."""
    dtype = np.asarray(x).dtype
    return out.astype(dtype) if dtype.kind == "f" and dtype != out.dtype else out


def exact_score(mixture, schedule):
    """f(x, t) = ∇ log p_t(x), p_t the law of x_t = √ᾱ(t)·x_0 + √(1 − ᾱ(t))·ε with x_0 from
    ``mixture``: ``mixture.noised(ᾱ(t)).score(x)``. Shapes: x (n, d), t a number → (n, d),
    in x's float dtype."""
    _check("exact_score", mixture, schedule)
    return lambda x, t: _like(x, mixture.noised(
        schedule.alpha_bar(_time("exact_score", t))).score(x))


def exact_noise(mixture, schedule):
    """f(x, t) = E[ε | x_t = x] = −σ(t)·∇ log p_t(x), the noise prediction that denoising
    score matching's loss is minimised by. Shapes: x (n, d), t a number → (n, d)."""
    _check("exact_noise", mixture, schedule)
    score = exact_score(mixture, schedule)
    return lambda x, t: -schedule.sigma(_time("exact_noise", t)) * score(x, t)


def flow_marginal(mixture, t):
    """The law of x_t = (1 − t)·x_0 + t·x_1, x_0 ~ N(0, I), x_1 from ``mixture``: a mixture
    with means t·μ_k and covariances t²·Σ_k + (1 − t)²·I, for a number 0 ≤ t ≤ 1."""
    _check("flow_marginal", mixture)
    if (isinstance(t, bool) or not isinstance(t, numbers.Real)
            or not 0.0 <= float(t) <= 1.0):
        raise ValueError(f"flow_marginal: expected t, a number in [0, 1], got {t!r}.")
    t = float(t)
    return GaussianMixture(t * mixture.means,
                           t * t * mixture.covs + (1 - t) ** 2 * np.eye(mixture.d),
                           mixture.weights)


def exact_velocity(mixture):
    """f(x, t) = E[x_1 − x_0 | x_t = x], flow matching's marginal velocity on straight paths:
    for component k, (x_1 − x_0, x_t) are jointly Gaussian, so
    E[x_1 − x_0 | x_t, k] = μ_k + (t·Σ_k − (1 − t)·I) C_k⁻¹ (x_t − t·μ_k) with
    C_k = t²·Σ_k + (1 − t)²·I, averaged with the weights p(k | x_t).
    Shapes: x (n, d), t a number → (n, d), in x's float dtype."""
    _check("exact_velocity", mixture)

    def velocity(x, t):
        marginal = flow_marginal(mixture, t)
        x = as_float_array("exact_velocity", "x", x)
        r = marginal.responsibilities(x)                                 # (n, k)
        cross = t * mixture.covs - (1 - t) * np.eye(mixture.d)           # (k, d, d)
        gain = cross @ np.linalg.inv(marginal.covs)                      # (k, d, d)
        diff = x[:, None, :] - marginal.means[None]                      # (n, k, d)
        per = mixture.means[None] + np.einsum("kde,nke->nkd", gain, diff)
        return _like(x, np.einsum("nk,nkd->nd", r, per))

    return velocity
