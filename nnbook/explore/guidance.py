"""Chapter 27's explorable: the guidance weight w on a mixture whose class scores are exact.
Guided DDIM samples, from the same starting noise at every w, over the tilted density
p(x | c)^w p(x)^(1−w) that guidance is often said to sample (``guidance_weight``, beside its
static figure ``guidance_weight_figure``; the numbers behind both: ``guidance_numbers``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..generative.guidance import class_mixture, exact_class_noise, guided
from ..generative.samplers import ddim_sample
from ..plot.fields import density
from ._widgets import DPI, _explorable, _float

__all__ = ["guidance_numbers", "guidance_weight_figure", "guidance_weight"]

LIM, RESOLUTION = 3.0, 121        # the square [−LIM, LIM]² and the grid's points per axis
FIGSIZE = (4.2, 4.0)              # inches: the static figure's and the slider's


def guidance_numbers(mixture, schedule, component, w, *, n=400, steps=60, seed=0):
    """What the explorable shows at one w: guided DDIM samples of class ``component`` with
    the exact noise predictions (``exact_class_noise``), started from
    ``default_rng(seed).standard_normal((n, d))``, and the tilted density on a grid.

    Returns a dict: ``samples`` (n, 2); ``log_tilted``, a function of points (m, 2), the
    tilted density's log normalised on the grid; ``sample_mean`` and ``tilted_mean`` (2,);
    ``sample_spread`` and ``tilted_spread``, the root of the mean squared distance to the
    mean (the square root of the covariance's trace).
    """
    if mixture.d != 2:
        raise ValueError(f"guidance_numbers: expected a mixture in 2 dimensions (the figure "
                         f"is a plane), got d = {mixture.d}.")
    fn = guided(exact_class_noise(mixture, schedule, None),
                exact_class_noise(mixture, schedule, component), w)
    start = np.random.default_rng(seed).standard_normal((n, 2))
    samples = ddim_sample(fn, start, schedule, steps=steps)
    cls = class_mixture(mixture, component)
    g = np.linspace(-LIM, LIM, RESOLUTION)
    grid = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    cell = (g[1] - g[0]) ** 2

    def unnormalised(x):
        return w * cls.log_prob(x) + (1.0 - w) * mixture.log_prob(x)

    on_grid = unnormalised(grid)
    top = on_grid.max()
    log_z = top + np.log(np.exp(on_grid - top).sum() * cell)
    probs = np.exp(on_grid - log_z) * cell
    probs /= probs.sum()
    mean = probs @ grid
    sample_mean = samples.mean(axis=0)
    return {"samples": samples, "log_tilted": lambda x: unnormalised(x) - log_z,
            "sample_mean": sample_mean, "tilted_mean": mean,
            "sample_spread": float(np.sqrt(((samples - sample_mean) ** 2).sum(axis=1).mean())),
            "tilted_spread": float(np.sqrt(probs @ ((grid - mean) ** 2).sum(axis=1)))}


def guidance_weight_figure(mixture, schedule, component, w=3.0, *, n=400, steps=60, seed=0):
    """The tilted density at weight w (filled contours) under guided DDIM samples (dots):
    one figure, the static version of ``guidance_weight``."""
    r = guidance_numbers(mixture, schedule, component, w, n=n, steps=steps, seed=seed)
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=80, layout="constrained")
    density(r["log_tilted"], ax, samples=r["samples"], lim=LIM,
            title=f"tilted density and guided DDIM, w = {float(w):.2f}")
    return fig


def guidance_weight(mixture, schedule, component, w=3.0, *, n=400, steps=60, seed=0):
    """A slider for the guidance weight w: guided DDIM samples of class ``component`` (the
    same starting noise at every w) over the tilted density p(x | c)^w p(x)^(1−w). The
    caption gives the samples' mean and spread beside the tilted density's: at w = 1 the
    samples follow p(x | c); as w grows they move towards the class's far edge and narrow,
    while the tilted density of a class far from the others hardly moves.

    Figure: ``guidance_weight_figure``
    """
    import ipywidgets as widgets

    def caption(w):
        r = guidance_numbers(mixture, schedule, component, w, n=n, steps=steps, seed=seed)
        (s1, s2), (t1, t2) = r["sample_mean"], r["tilted_mean"]
        return (f"w = {w:.2f}: samples at ({s1:.2f}, {s2:.2f}), spread "
                f"{r['sample_spread']:.2f}; the tilted density at ({t1:.2f}, {t2:.2f}), "
                f"spread {r['tilted_spread']:.2f}")

    controls = {"w": _float(widgets, "w", w, 0.0, 8.0, 0.25)}
    # drawn at twice the screen's resolution and shown at the figure's own width (4.2 in
    # at 96 px an inch), so the square plot is neither stretched nor soft
    return _explorable(controls, lambda w: guidance_weight_figure(
        mixture, schedule, component, w, n=n, steps=steps, seed=seed), caption,
        dpi=2 * DPI, width=f"{round(FIGSIZE[0] * DPI)}px")
