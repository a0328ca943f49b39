"""Sigmoid saturation (chapter 01): σ'(z) ≤ ¼, and tiny once |z| is large, which is
why a saturated unit barely learns. ``sigmoid_saturation`` is the explorable,
``sigmoid_figure`` its static figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..layers.activations import sigmoid
from ..plot.style import FONT, plain_axes
from ._widgets import LINE, _explorable, _float

__all__ = ["sigmoid_saturation", "sigmoid_figure"]


def sigmoid_figure(z=0.0):
    """σ(z) and σ'(z) = σ(z)(1 − σ(z)) ≤ ¼, with the point z marked. Chapter 01."""
    grid = np.linspace(-8, 8, 400)
    s, sz = sigmoid(grid), float(sigmoid(z))
    d = sz * (1 - sz)
    fig, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
    ax.plot(grid, s, color=LINE, label="σ(z)")
    ax.plot(grid, s * (1 - s), color="#ff7f0e", label="σ'(z)")
    ax.axhline(0.25, color="gray", lw=0.8, ls="--")
    ax.text(-8, 0.27, "max σ' = ¼", fontsize=FONT, color="gray")
    ax.plot([z, z], [0, sz], color="gray", lw=0.8)
    ax.plot([z], [sz], "o", color=LINE)
    ax.plot([z], [d], "o", color="#ff7f0e")
    ax.set_xlabel("z", fontsize=FONT)
    ax.legend(fontsize=FONT, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    state = "saturated: almost no gradient" if d < 0.01 else ("the steepest point" if abs(z) < 0.5
                                                              else "")
    ax.set_title(f"z = {z:g}: σ = {sz:.3f}, σ' = {d:.4f}" + (f" ({state})" if state else ""),
                 fontsize=FONT + 1)
    plain_axes(ax)
    return fig


def sigmoid_saturation(z=0.0):
    """A point z on σ and σ': σ'(z) ≤ ¼, and tiny once ``|z|`` is large. Figure:
    ``sigmoid_figure``. Chapter 01."""
    import ipywidgets as w
    controls = {"z": _float(w, "z", z, -8.0, 8.0, 0.25)}

    def caption(z):
        s = float(sigmoid(z))
        return f"σ({z:g}) = {s:.4f}, σ'({z:g}) = {s * (1 - s):.4f} = {s * (1 - s) / 0.25:.1%} of the maximum ¼"
    return _explorable(controls, sigmoid_figure, caption)
