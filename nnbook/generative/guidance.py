"""Classifier-free guidance (chapter 27): ``guide`` mixes an unconditional and a conditional
prediction with a weight w, ``guided`` does it to two functions f(x, t) so that every sampler
of chapter 26 takes the result, and ``class_mixture``, ``exact_class_score`` and
``exact_class_noise`` give the exact conditional functions of a ``GaussianMixture``'s classes.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..data.mixture import GaussianMixture
from ..validate import all_finite, as_float_array
from .exact import exact_noise, exact_score

__all__ = ["guide", "guided", "class_mixture", "exact_class_score", "exact_class_noise"]


def _weight(owner, w):
    """w as a float, or a ValueError: a finite real number ≥ 0."""
    ok = (not isinstance(w, (bool, np.bool_)) and isinstance(w, (numbers.Real, np.ndarray))
          and np.ndim(w) == 0 and np.asarray(w).dtype.kind in "fiu")
    if not ok or not np.isfinite(float(w)) or float(w) < 0:
        shown = f"an array of shape {np.shape(w)}" if np.ndim(w) else repr(w)
        raise ValueError(f"{owner}: expected the guidance weight w, one finite number ≥ 0 "
                         f"(0 unconditional, 1 conditional, > 1 guided), got {shown}. "
                         f"Pass a float such as w=3.0.")
    return float(w)


def guide(uncond, cond, w):
    """Classifier-free guidance on two predictions at the same (x, t):

        ε̂ = ε(x, ∅) + w·(ε(x, c) − ε(x, ∅))  =  (1 − w)·ε(x, ∅) + w·ε(x, c)

    computed in the first form, u + w·(c − u), except at the ends: w = 0 returns ``uncond``
    and w = 1 returns ``cond`` bit for bit (−0.0 included; u + (c − u) can be off by a
    rounding there). The first form is the one that stays accurate for large w: where the
    two predictions agree it gives u exactly, where the second's (1 − w)·u and w·c cancel
    (in float32 at w = 1e6 by up to 11 %, in float64 at w = 1e17 to 0). A w so large that the
    result overflows is refused. The same on scores: (1 − w)·∇log p_t(x) + w·∇log p_t(x | c)
    is the score of p_t(x)^(1−w)·p_t(x | c)^w, the tilted density at noise level t
    (ε̂ = −σ(t)·score is linear, so guiding noise predictions or scores is the same).

    Shapes:
        uncond, cond: the same shape, e.g. (n, d)  →  that shape, in their float dtype

    Args:
        uncond: ε(x, ∅) (or the score), the prediction with the null class.
        cond: ε(x, c) (or the score), the prediction with the class c.
        w: the guidance weight, a finite number ≥ 0.
    """
    w = _weight("guide", w)
    uncond = as_float_array("guide", "uncond", uncond)
    cond = as_float_array("guide", "cond", cond)
    if uncond.shape != cond.shape:
        raise ValueError(f"guide: expected uncond and cond of the same shape (both "
                         f"predictions at the same x), got {uncond.shape} and {cond.shape}. "
                         f"Call both functions on the same x.")
    for name, arr in (("uncond", uncond), ("cond", cond)):
        if not all_finite(arr):
            raise ValueError(f"guide: {name} holds NaN or inf, so the guided prediction "
                             f"would too. Check the function that made it (a diverged "
                             f"network, or a time it is not defined at).")
    dtype = np.result_type(uncond, cond)
    if w == 0.0 or w == 1.0:                       # the ends as they are (−0.0 stays −0.0)
        return (cond if w else uncond).astype(dtype, copy=True)
    with np.errstate(over="ignore", invalid="ignore"):   # an overflow is refused below
        out = cond - uncond                        # a Python float w keeps float32 float32
        out *= w
        out += uncond                              # u + w·(c − u): c = u gives u exactly
    if not all_finite(out):
        raise ValueError(f"guide: the guided prediction u + w·(c − u) overflows {dtype} at "
                         f"w = {w:g}, so it would hold inf. Use a smaller w (guidance takes "
                         f"w of a few units to tens), or pass the predictions in float64.")
    return out


def guided(uncond, cond, w):
    """The guided function f(x, t) = ``guide(uncond(x, t), cond(x, t), w)``: give it to
    ``ddpm_sample``, ``ddim_sample`` (noise predictions, or scores with
    ``prediction="score"``) or ``euler_sample`` (velocities, also linear in the score).

    Shapes:
        f(x, t): x (n, d), t a number  →  (n, d)

    Args:
        uncond: f(x, t), the unconditional (null-class) noise prediction or score.
        cond: f(x, t), the conditional one, of the same kind.
        w: the guidance weight, a finite number ≥ 0 (checked now, not at the first call).
    """
    w = _weight("guided", w)
    for name, fn in (("uncond", uncond), ("cond", cond)):
        if not callable(fn):
            raise ValueError(f"guided: expected {name}, a function f(x, t) → (n, d), got "
                             f"{type(fn).__name__}. For a mixture's class use "
                             f"nb.generative.exact_class_noise(mixture, schedule, component).")
    return lambda x, t: guide(uncond(x, t), cond(x, t), w)


def class_mixture(mixture, component):
    """p(x | c) for a class c of ``mixture``: the components of the class, with their weights
    divided by the class's total weight, π_k / Σ_{j∈c} π_j (Bayes' rule). A class is one
    component index or a list of them; ``None`` is the null class, the whole mixture p(x).

    Shapes:
        mixture: k components in d dimensions  →  a ``GaussianMixture`` of len(c) components
    """
    if not isinstance(mixture, GaussianMixture):
        raise ValueError(f"class_mixture: expected mixture to be a nb.data.GaussianMixture, "
                         f"got {type(mixture).__name__}.")
    if component is None:
        return mixture
    idx = np.atleast_1d(np.asarray(component))
    ok = (idx.ndim == 1 and idx.size > 0 and idx.dtype.kind in "iu"
          and not isinstance(component, (bool, np.bool_))
          and np.all((idx >= 0) & (idx < mixture.k)) and np.unique(idx).size == idx.size)
    if not ok:
        raise ValueError(f"class_mixture: expected component, an index 0…{mixture.k - 1} or "
                         f"a list of distinct ones (a class), or None (the null class), got "
                         f"{component!r}.")
    weights = mixture.weights[idx]
    if weights.sum() <= 0:
        raise ValueError(f"class_mixture: the class {idx.tolist()} has weight 0 in the "
                         f"mixture, so p(x | c) is undefined. Choose components of weight > 0.")
    return GaussianMixture(mixture.means[idx], mixture.covs[idx], weights / weights.sum())


def exact_class_score(mixture, schedule, component):
    """f(x, t) = ∇ log p_t(x | c), the exact score of the noised class c (``None``: of the
    whole mixture, the null class): ``exact_score`` of ``class_mixture(mixture, component)``.
    Shapes: x (n, d), t a number → (n, d)."""
    return exact_score(class_mixture(mixture, component), schedule)


def exact_class_noise(mixture, schedule, component):
    """f(x, t) = E[ε | x_t = x, c] = −σ(t)·∇ log p_t(x | c), the optimal noise prediction of
    a class-conditional denoiser (``None``: of the unconditional one).
    Shapes: x (n, d), t a number → (n, d)."""
    return exact_noise(class_mixture(mixture, component), schedule)
