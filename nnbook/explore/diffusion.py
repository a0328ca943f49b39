"""Chapter 26's explorable and animation: the exact score field of a noised mixture with a
slider for the time t (``score_field``, beside its static figure ``score_field_figure``), and
samples flowing from noise to the data along a sampler's path, as a GIF that plays without a
kernel (``flow_animation``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plot.fields import density, vector_field
from ._widgets import _explorable, _float, _png
from .animation import frames_gif

__all__ = ["score_field_figure", "score_field", "flow_animation"]


def score_field_figure(mixture, schedule, t=0.1, *, lim=3.2, n=15):
    """The density of the noised data at time t (``mixture.noised(ᾱ(t))``) under the arrows
    of its exact score: one figure, the static version of ``score_field``."""
    p_t = mixture.noised(schedule.alpha_bar(float(t)))
    fig, ax = plt.subplots(figsize=(4.2, 4.0), dpi=80, layout="constrained")
    density(p_t, ax, lim=lim, title=f"$p_t$ and its score, t = {float(t):.2f}")
    vector_field(p_t.score, ax, lim=lim, n=n,
                 title=f"$p_t$ and its score, t = {float(t):.2f}")
    return fig


def score_field(mixture, schedule, t=0.1):
    """A slider for the time t on the density of the noised data and its exact score: the
    caption gives ᾱ(t), σ(t) and the largest score on the grid, which grows without bound as
    t → 0 and the components sharpen.

    Figure: ``score_field_figure``
    """
    import ipywidgets as w

    def caption(t):
        p_t = mixture.noised(schedule.alpha_bar(t))
        g = np.linspace(-3.2, 3.2, 15)
        grid = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
        largest = np.linalg.norm(p_t.score(grid), axis=1).max()
        return (f"t = {t:.2f}: ᾱ = {schedule.alpha_bar(t):.3f}, σ = {schedule.sigma(t):.3f}, "
                f"largest |score| on the grid {largest:.1f}")

    controls = {"t": _float(w, "t", t, 0.01, 1.0, 0.01)}
    return _explorable(controls, lambda t: score_field_figure(mixture, schedule, t), caption)


def flow_animation(path, times, *, log_prob=None, lim=3.5, n_frames=12, dpi=70,
                   interval_ms=350):
    """A GIF (bytes) of samples moving along a sampler's ``path``: ``n_frames`` frames taken
    evenly from it, each titled with its time. Show it with
    ``IPython.display.Image(data=gif)``.

    Shapes:
        path: (steps + 1, n, 2), as ``ddpm_sample(..., path=True)`` returns;
        times: (steps + 1,), the time of each entry
    """
    path = np.asarray(path, dtype=float)
    times = np.asarray(times, dtype=float)
    if path.ndim != 3 or path.shape[2] != 2 or len(times) != len(path):
        raise ValueError(f"flow_animation: expected a path of shape (steps + 1, n, 2) and one "
                         f"time per entry, got {path.shape} and {times.shape}.")
    picks = np.unique(np.linspace(0, len(path) - 1, min(n_frames, len(path))).round().astype(int))
    if log_prob is not None:
        g = np.linspace(-lim, lim, 80)
        X, Y = np.meshgrid(g, g)
        p = np.exp(getattr(log_prob, "log_prob", log_prob)(np.column_stack([X.ravel(),
                                                                             Y.ravel()])))
    pngs = []
    for i in picks:
        fig, ax = plt.subplots(figsize=(3.4, 3.4), layout="constrained")
        if log_prob is not None:
            ax.contour(X, Y, p.reshape(X.shape), levels=5, colors="0.75", linewidths=0.7)
        ax.scatter(path[i, :, 0], path[i, :, 1], s=3, color="C0", alpha=0.6, linewidths=0)
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xticks=[], yticks=[],
               title=f"t = {times[i]:.2f}")
        pngs.append(_png(fig, dpi=dpi))
    return frames_gif(pngs, interval_ms=interval_ms)
