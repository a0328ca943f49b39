"""Initialisation scale × depth (chapter 06): in a deep tanh network the initial
weight scale decides whether activations and gradients survive the layers.
``init_depth`` is the explorable, ``init_depth_figure`` its static figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import diagnostics, init
from ..layers.activations import Tanh
from ..layers.dense import Dense
from ..plot.style import FONT, plain_axes
from ..training.model import Sequential
from ._widgets import LINE, PATH, _explorable, _float, _int

__all__ = ["init_depth", "init_depth_figure"]


def init_depth_figure(scale=1.0, depth=10, *, width=64, seed=0):
    """A deep tanh net with W ~ N(0, (scale/√width)²): the spread of each layer's output
    (left) and the gradient norm reaching each Dense layer (right). Chapter 06."""
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(depth):
        layers += [Dense(width, width, init=init.normal(scale / np.sqrt(width)), rng=rng), Tanh()]
    model = Sequential(layers)
    x = rng.normal(size=(128, width))
    y = rng.normal(size=(128, width))
    with np.errstate(all="ignore"):
        std = diagnostics.activation_stats(model, x)["std"][1::2]
        norms = diagnostics.gradient_norms(model, x, y, loss="mse")
    k = np.arange(1, depth + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.2), layout="constrained")
    a.plot(k, std, "o-", color=LINE, ms=4)
    a.set_ylim(0, 1.05)
    a.set_xlabel("layer", fontsize=FONT)
    a.set_ylabel("std of tanh output", fontsize=FONT)
    a.set_title(f"scale {scale:g}, depth {depth}: activations", fontsize=FONT + 1)
    shown = np.maximum(norms, 1e-30)
    b.semilogy(k, shown, "o-", color=PATH, ms=4)
    middle = np.sqrt(shown.min() * shown.max())        # at least 4 decades: a flat profile looks flat
    b.set_ylim(min(shown.min() / 2, middle / 100), max(shown.max() * 2, middle * 100))
    b.set_xlabel("layer", fontsize=FONT)
    b.set_ylabel("‖∂E/∂W‖", fontsize=FONT)
    b.set_title(f"gradients: first/last = {norms[0] / norms[-1]:.2g}", fontsize=FONT + 1)
    for ax in (a, b):
        plain_axes(ax)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    return fig


def init_depth(scale=1.0, depth=10):
    """A deep tanh net: the initial weight scale × depth decide whether activations and
    gradients survive. Figure: ``init_depth_figure``. Chapter 06."""
    import ipywidgets as w
    controls = {"scale": _float(w, "scale", scale, 0.25, 3.0, 0.25), "depth": _int(w, "depth", depth, 2, 30)}
    return _explorable(controls, init_depth_figure,
                       lambda scale, depth: f"W ~ N(0, ({scale:g}/√64)²) in each of {depth} layers")
