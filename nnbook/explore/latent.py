"""Chapter 25's explorable: the ELBO's gap as the KL divergence to the true posterior, on a
one-dimensional linear-Gaussian model whose log p(x) and posterior are exact. Sliders move
the mean and the standard deviation of q(z | x); the gap closes only where q is the
posterior (``posterior_gap``, beside its static figure ``posterior_gap_figure``; the numbers
come from ``posterior_gap_numbers``).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from ..diagrams.latent import elbo_gap
from ._widgets import LINE, PATH, _explorable, _float

__all__ = ["posterior_gap_numbers", "posterior_gap_figure", "posterior_gap"]

LOG_2PI = math.log(2.0 * math.pi)


def posterior_gap_numbers(mu, sigma, *, x=1.5, w=1.5, noise=0.5):
    """The exact quantities of z ~ N(0, 1), x | z ~ N(w z, noise²), q(z | x) = N(mu, sigma²).

    Returns a dict of floats: ``log_p`` (log p(x) = log N(x; 0, w² + noise²)), ``post_mean``
    and ``post_std`` of p(z | x), ``reconstruction`` (E_q[log p(x | z)]), ``kl_prior``
    (KL(q ‖ p(z))), ``elbo`` (their difference) and ``gap`` (KL(q ‖ p(z | x)), which equals
    log_p − elbo).
    """
    for name, v in (("mu", mu), ("sigma", sigma), ("x", x), ("w", w), ("noise", noise)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating)) \
                or not math.isfinite(v):
            raise ValueError(f"posterior_gap_numbers: expected {name} to be a finite number, "
                             f"got {v!r}.")
    if sigma <= 0 or noise <= 0:
        raise ValueError(f"posterior_gap_numbers: expected sigma > 0 and noise > 0 (standard "
                         f"deviations), got sigma={sigma!r}, noise={noise!r}.")
    s2, v = noise * noise, sigma * sigma
    c = 1.0 / (1.0 + w * w / s2)                      # the posterior's variance
    m = c * w * x / s2                                # and its mean
    log_p = -0.5 * (x * x / (w * w + s2) + math.log(w * w + s2) + LOG_2PI)
    rec = -0.5 * (((x - w * mu) ** 2 + w * w * v) / s2 + math.log(s2) + LOG_2PI)
    kl_prior = 0.5 * (mu * mu + v - 1.0 - math.log(v))
    gap = 0.5 * (v / c + (mu - m) ** 2 / c - 1.0 + math.log(c / v))
    return {"log_p": log_p, "post_mean": m, "post_std": math.sqrt(c), "reconstruction": rec,
            "kl_prior": kl_prior, "elbo": rec - kl_prior, "gap": gap}


def posterior_gap_figure(mu=0.0, sigma=1.0, *, x=1.5, w=1.5, noise=0.5):
    """Left: the true posterior p(z | x) and q(z | x) = N(mu, sigma²) over z. Right: log p(x)
    split into the ELBO and the gap (``nb.diagrams.elbo_gap``). The static version of
    ``posterior_gap``."""
    n = posterior_gap_numbers(mu, sigma, x=x, w=w, noise=noise)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.2), dpi=80, layout="constrained",
                                      width_ratios=(1.0, 1.15))
    z = np.linspace(-3.5, 3.5, 400)
    for mean, std, colour, label in ((n["post_mean"], n["post_std"], LINE, "p(z | x), exact"),
                                     (mu, sigma, PATH, "q(z | x)")):
        dens = np.exp(-0.5 * ((z - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))
        left.plot(z, dens, color=colour, lw=1.6, label=label,
                  ls="-" if colour == LINE else "--")
    left.set(xlabel="z", ylabel="density", xlim=(-3.5, 3.5),
             title=f"x = {x:g}: posterior and q")
    left.legend(loc="upper left", frameon=False)
    elbo_gap(n["log_p"], n["reconstruction"], n["kl_prior"], ax=right)
    right.set_title(f"gap = KL(q ‖ p(z | x)) = {n['gap']:.3f} nats")
    return fig


def posterior_gap(mu=0.0, sigma=1.0, *, x=1.5, w=1.5, noise=0.5):
    """Sliders for q's mean μ and standard deviation σ on the one-dimensional
    linear-Gaussian model: the caption gives the ELBO, log p(x) and the gap, which is 0
    only at the posterior's mean and standard deviation (also in the caption).

    Figure: ``posterior_gap_figure``
    """
    import ipywidgets as wd

    def figure(mu, sigma):
        return posterior_gap_figure(mu, sigma, x=x, w=w, noise=noise)

    def caption(mu, sigma):
        n = posterior_gap_numbers(mu, sigma, x=x, w=w, noise=noise)
        return (f"μ = {mu:.2f}, σ = {sigma:.2f}: ELBO {n['elbo']:.3f} = log p(x) "
                f"{n['log_p']:.3f} − gap {n['gap']:.3f}; the gap is 0 only at the posterior, "
                f"μ = {n['post_mean']:.2f}, σ = {n['post_std']:.2f}")

    controls = {"mu": _float(wd, "μ", mu, -2.0, 2.0, 0.05),
                "sigma": _float(wd, "σ", sigma, 0.05, 1.5, 0.05)}
    return _explorable(controls, figure, caption)
