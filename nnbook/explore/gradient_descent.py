"""Gradient descent and its learning rate (chapter 00): on L(w) = a(w − w*)², each step
multiplies w − w* by 1 − 2a·α, so α decides between slow, good, oscillating and
diverging. ``learning_rate`` is the explorable, ``learning_rate_figure`` its static figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT, plain_axes
from ._widgets import LINE, PATH, _explorable, _float, _int

__all__ = ["learning_rate", "learning_rate_figure", "lr_regime"]


def lr_regime(lr, curvature=1.0):
    """"slow", "good", "oscillating" or "diverging": gradient descent on a(w − w*)²
    multiplies w − w* by r = 1 − 2a·lr each step."""
    r = 1 - 2 * curvature * lr
    if abs(r) > 1:
        return "diverging"
    if r < 0:
        return "oscillating"
    return "good" if r < 0.7 else "slow"


def learning_rate_figure(lr=0.1, *, steps=15, w0=-1.0, w_star=2.0, curvature=1.0):
    """Gradient descent w ← w − lr·L'(w) on L(w) = a(w − w*)²: the path on the loss (left)
    and the loss per step (right). Chapter 00."""
    w = [float(w0)]
    for _ in range(steps):
        w.append(w[-1] - lr * 2 * curvature * (w[-1] - w_star))
    w = np.array(w)
    loss = curvature * (w - w_star) ** 2
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.2), layout="constrained")
    span = max(3.5, min(np.abs(w - w_star).max() * 1.1, 12))
    grid = np.linspace(w_star - span, w_star + span, 200)
    a.plot(grid, curvature * (grid - w_star) ** 2, color=LINE)
    shown = np.abs(w - w_star) <= span
    a.plot(w[shown], loss[shown], "o-", color=PATH, ms=4, lw=1)
    a.set_xlabel("w", fontsize=FONT)
    a.set_ylabel("L(w)", fontsize=FONT)
    a.set_title(f"α = {lr:g}: {lr_regime(lr, curvature)}", fontsize=FONT + 1)
    b.semilogy(np.arange(steps + 1), np.maximum(loss, 1e-16), "o-", color=PATH, ms=3)
    b.set_xlabel("step", fontsize=FONT)
    b.set_ylabel("L (log scale)", fontsize=FONT)
    b.set_title(f"loss after {steps} steps: {loss[-1]:.3g}", fontsize=FONT + 1)
    b.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    for ax in (a, b):
        plain_axes(ax)
    return fig


def learning_rate(lr=0.1, steps=15):
    """Gradient descent on L(w) = (w − 2)² with a learning-rate slider: slow (α small),
    good, oscillating (α > 0.5), diverging (α > 1). Figure: ``learning_rate_figure``.
    Chapter 00."""
    import ipywidgets as w
    controls = {"lr": _float(w, "α", lr, 0.02, 1.1, 0.02), "steps": _int(w, "steps", steps, 1, 40)}
    return _explorable(controls, learning_rate_figure,
                       lambda lr, steps: f"α = {lr:g}: each step multiplies w − w* by 1 − 2α = "
                                         f"{1 - 2 * lr:+.2f}, so it is {lr_regime(lr)}.")
