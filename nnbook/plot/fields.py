"""Pictures of 2-D densities and of what moves samples (chapter 26): a density as filled
contours with samples on it, a vector field (a score or a velocity) as arrows, and
snapshots of samples along a path (the noising chain, a sampler). Reached as
``nb.plot.density``, ``nb.plot.vector_field`` and ``nb.plot.snapshots``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .style import _axis

__all__ = ["density", "vector_field", "snapshots"]


def _grid(lim, n):
    g = np.linspace(-lim, lim, n)
    X, Y = np.meshgrid(g, g)
    return X, Y, np.column_stack([X.ravel(), Y.ravel()])


def _log_prob(owner, log_prob):
    f = getattr(log_prob, "log_prob", log_prob)
    if not callable(f):
        raise ValueError(f"plot.{owner}: expected a GaussianMixture or a function "
                         f"log_prob(x) → (n,), got {type(log_prob).__name__}.")
    return f


def _points(owner, samples):
    x = np.asarray(samples, dtype=float)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"plot.{owner}: expected samples of shape (n, 2), got {x.shape}.")
    return x


def density(log_prob, ax=None, *, samples=None, lim=3.5, resolution=120, title="Density",
            levels=10):
    """p(x) on [−lim, lim]² as filled contours (viridis, from 0), with ``samples`` as dots.

    Args:
        log_prob: a ``nb.data.GaussianMixture`` or a function log p(x) of points (n, 2).
    Shapes:
        samples: (n, 2)
    """
    f = _log_prob("density", log_prob)
    X, Y, pts = _grid(lim, resolution)
    ax = _axis(ax, (4.2, 4.0))
    p = np.exp(f(pts)).reshape(X.shape)
    ax.contourf(X, Y, p, levels=levels, cmap="viridis", vmin=0)
    if samples is not None:
        x = _points("density", samples)
        ax.scatter(x[:, 0], x[:, 1], s=2, color="white", alpha=0.6, linewidths=0)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", title=title,
           xlabel="$x_1$", ylabel="$x_2$")
    return ax


def vector_field(fn, ax=None, *, lim=3.5, n=17, log_prob=None, title="Vector field"):
    """The arrows of ``fn`` on an n × n grid of [−lim, lim]², each scaled to the same
    length and coloured by its norm (viridis); ``log_prob`` adds the density's contours.

    Args:
        fn: a function of points (m, 2) → (m, 2): a score ∇ log p, a velocity.
    """
    X, Y, pts = _grid(lim, n)
    v = np.asarray(fn(pts), dtype=float)
    if v.shape != pts.shape:
        raise ValueError(f"plot.vector_field: fn(points) returned shape {v.shape}; expected "
                         f"{pts.shape}, one 2-D vector per point.")
    ax = _axis(ax, (4.2, 4.0))
    if log_prob is not None:
        f = _log_prob("vector_field", log_prob)
        Xd, Yd, dense = _grid(lim, 100)
        ax.contour(Xd, Yd, np.exp(f(dense)).reshape(Xd.shape), levels=6, colors="0.7",
                   linewidths=0.8)
    norm = np.linalg.norm(v, axis=1)
    unit = v / np.maximum(norm, 1e-12)[:, None]
    ax.quiver(pts[:, 0], pts[:, 1], unit[:, 0], unit[:, 1], np.log1p(norm), cmap="viridis",
              angles="xy", scale_units="xy", scale=n / (1.6 * lim), width=0.006)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", title=title,
           xlabel="$x_1$", ylabel="$x_2$")
    return ax


def snapshots(frames, labels, axes=None, *, lim=3.5, title=None, log_prob=None):
    """One scatter per frame, side by side, on the same axes limits.

    Args:
        frames: a sequence of sample arrays, each (n, 2) (e.g. a sampler's ``path`` at a few
            steps).
        labels: one title per frame (``"t = 0.5"``).
        axes: as many axes as frames (``None``: a new row of panels).
        log_prob: a ``GaussianMixture`` or log p whose contours are drawn under each frame.
    Shapes:
        frames: (k, n, 2) or a list of k arrays (n_i, 2)
    """
    frames = [_points("snapshots", f) for f in frames]
    labels = list(labels)
    if len(labels) != len(frames):
        raise ValueError(f"plot.snapshots: {len(labels)} labels for {len(frames)} frames; give "
                         f"one label per frame.")
    if axes is None:
        fig, axes = plt.subplots(1, len(frames), figsize=(2.1 * len(frames), 2.5), dpi=80,
                                 layout="constrained", squeeze=False)
        axes = axes[0]
        if title:
            fig.suptitle(title)
    if log_prob is not None:
        f = _log_prob("snapshots", log_prob)
        X, Y, pts = _grid(lim, 80)
        p = np.exp(f(pts)).reshape(X.shape)
    for ax, x, label in zip(axes, frames, labels):
        if log_prob is not None:
            ax.contour(X, Y, p, levels=5, colors="0.75", linewidths=0.7)
        ax.scatter(x[:, 0], x[:, 1], s=2, color="C0", alpha=0.5, linewidths=0)
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", title=label,
               xticks=[], yticks=[])
    return axes
