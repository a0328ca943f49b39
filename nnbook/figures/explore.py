"""Explorables for JupyterLab (ipywidgets): move a control, the figure and a one-line
caption follow. Each function returns the widget; its figure is the matching
function of ``nnbook.explore_figures`` (re-exported here), which a notebook shows
statically beside it for readers without a kernel.

The figure is a PNG in an ``ipywidgets.Image`` (no output messages while a cell
runs), and the widget's text/plain repr depends only on the controls' values, so a
stored notebook is deterministic under nbval at the defaults.
"""

from __future__ import annotations

from ..conv_impl import output_size
from ._widgets import _explorable, _float, _int
from .explore_figures import (conv_window_figure, init_depth_figure, learning_rate_figure, lr_regime,
                              sigmoid_figure, softmax_figure, xor_figure)

__all__ = ["learning_rate", "sigmoid_saturation", "xor_training", "init_depth", "conv_window",
           "softmax_temperature", "learning_rate_figure", "sigmoid_figure", "xor_figure",
           "init_depth_figure", "conv_window_figure", "softmax_figure"]


def learning_rate(lr=0.1, steps=15):
    """Gradient descent on L(w) = (w − 2)² with a learning-rate slider: slow (α small),
    good, oscillating (α > 0.5), diverging (α > 1). Figure: ``learning_rate_figure``.
    Chapter 00."""
    import ipywidgets as w
    controls = {"lr": _float(w, "α", lr, 0.02, 1.1, 0.02), "steps": _int(w, "steps", steps, 1, 40)}
    return _explorable(controls, learning_rate_figure,
                       lambda lr, steps: f"α = {lr:g}: each step multiplies w − w* by 1 − 2α = "
                                         f"{1 - 2 * lr:+.2f}, so it is {lr_regime(lr)}.")


def sigmoid_saturation(z=0.0):
    """A point z on σ and σ': σ'(z) ≤ ¼, and tiny once |z| is large. Figure:
    ``sigmoid_figure``. Chapter 01."""
    import ipywidgets as w
    controls = {"z": _float(w, "z", z, -8.0, 8.0, 0.25)}

    def caption(z):
        from ..layers.activations import sigmoid
        s = float(sigmoid(z))
        return f"σ({z:g}) = {s:.4f}, σ'({z:g}) = {s * (1 - s):.4f} = {s * (1 - s) / 0.25:.1%} of the maximum ¼"
    return _explorable(controls, sigmoid_figure, caption)


def xor_training(hidden=4, lr=1.0, epochs=300, seed=0):
    """Train a 2 → hidden → 1 net on XOR (fixed seed) and show the boundary; sliders for the
    hidden size, the learning rate and the epochs. Figure: ``xor_figure``. Chapter 05."""
    import ipywidgets as w
    controls = {"hidden": _int(w, "hidden", hidden, 1, 8), "lr": _float(w, "α", lr, 0.1, 3.0, 0.1),
                "epochs": _int(w, "epochs", epochs, 20, 1000, 20)}
    return _explorable(controls, lambda **k: xor_figure(**k, seed=seed),
                       lambda hidden, lr, epochs: f"{hidden} hidden unit{'s' * (hidden > 1)}, α = {lr:g}, "
                                                  f"{epochs} epochs, seed {seed}")


def init_depth(scale=1.0, depth=10):
    """A deep tanh net: the initial weight scale × depth decide whether activations and
    gradients survive. Figure: ``init_depth_figure``. Chapter 06."""
    import ipywidgets as w
    controls = {"scale": _float(w, "scale", scale, 0.25, 3.0, 0.25), "depth": _int(w, "depth", depth, 2, 30)}
    return _explorable(controls, init_depth_figure,
                       lambda scale, depth: f"W ~ N(0, ({scale:g}/√64)²) in each of {depth} layers")


def conv_window(n=6, f=3, p=0, s=1):
    """The convolution window with sliders n, f, p, s; the figure's title is the
    output-size formula with the numbers, the caption the output size. Figure:
    ``conv_window_figure``. Chapter 07."""
    import ipywidgets as w
    controls = {"n": _int(w, "n", n, 2, 48), "f": _int(w, "f", f, 1, 7), "p": _int(w, "p", p, 0, 3),
                "s": _int(w, "s", s, 1, 5)}

    def caption(n, f, p, s):                        # the formula is the figure's title
        n_o = output_size(n, f, p, s)
        return f"the output is {n_o}×{n_o}: {n_o * n_o} positions of the {f}×{f} window"
    return _explorable(controls, conv_window_figure, caption)


def softmax_temperature(logits=(2.0, 1.0, 0.1), temperature=1.0):
    """Three logits and a temperature T; the bars show softmax(z / T): small T → one-hot,
    large T → uniform. Figure: ``softmax_figure``. Chapter 09."""
    import ipywidgets as w
    if len(logits) != 3:
        raise ValueError(f"softmax_temperature: expected 3 logits, got {len(logits)}; pass e.g. (2.0, 1.0, 0.1).")
    controls = {f"z{i}": _float(w, f"z{i}", float(v), -5.0, 5.0, 0.1) for i, v in enumerate(logits)}
    controls["T"] = _float(w, "T", temperature, 0.1, 5.0, 0.1)

    def figure(z0, z1, z2, T):
        return softmax_figure((z0, z1, z2), T)

    def caption(z0, z1, z2, T):
        import numpy as np
        p = np.exp((np.array([z0, z1, z2]) - max(z0, z1, z2)) / T)
        p /= p.sum()
        return f"T = {T:g}: probabilities " + ", ".join(f"{v:.3f}" for v in p)
    return _explorable(controls, figure, caption)


# Part II's and Part III's explorables live beside this file, and are reached here as
# nb.explore.<name> like the others.
from .explore_part2 import *  # noqa: E402,F401,F403  (chapters 11–13)
from .explore_sequences import *  # noqa: E402,F401,F403  (chapters 15–16)
from .explore_attention import *  # noqa: E402,F401,F403  (chapters 17–18)
from . import explore_attention as _ea, explore_part2 as _e2, explore_sequences as _es  # noqa: E402

__all__ += _e2.__all__ + _es.__all__ + _ea.__all__
