"""The computational graph of a small network, drawn from one real forward and
backward pass of its nnbook layers: forward values in black, the backward
e = ∂J/∂q and δ = ∂J/∂z in red (chapters 02 and 03).
"""

from __future__ import annotations

import numpy as np

from ..layers.activations import Activation
from ..layers.dense import Dense
from ..plot.style import FONT
from ._draw import BACK, EDGE, _arrow, _canvas, _fmt, _sub, _sup, _unit

__all__ = ["computational_graph", "forward_backward"]

_CLEAR = dict(boxstyle="square,pad=0.05", fc="white", ec="none", alpha=0.9)   # edges pass behind labels


def forward_backward(model, x, y):
    """One forward and one backward pass of J = ½‖ŷ − y‖², layer by layer.

    Returns ``(values, grads)``: ``values[0]`` is x and ``values[i + 1]`` the output of
    layer i; ``grads[i]`` is ∂J/∂values[i] (so e for activation outputs and the input,
    δ for Dense outputs). Each layer's own ``backward`` computes them, so the
    picture shows what nnbook computes. ∂J/∂W is left in each Dense layer's ``grads``.

    Shapes:
        x: (n_in,) or (1, n_in);  y: (n_out,) or (1, n_out)
        values[i], grads[i]: (units of column i,)
    """
    layers = getattr(model, "layers", None)
    if not layers or not all(isinstance(l, (Dense, Activation)) for l in layers) \
            or not isinstance(layers[0], Dense):
        raise ValueError(f"computational_graph: expected a Sequential of Dense and activation layers "
                         f"starting with Dense, got {model!r}.")
    x = np.asarray(x, dtype=np.float64).reshape(1, -1)
    y = np.asarray(y, dtype=np.float64).reshape(1, -1)
    if x.shape[1] != layers[0].n_in:
        raise ValueError(f"computational_graph: x has {x.shape[1]} entries, the first layer expects "
                         f"{layers[0].n_in}. Pass one sample.")
    values = [x]
    for layer in layers:
        values.append(layer.forward(values[-1]))
    if y.shape != values[-1].shape:
        raise ValueError(f"computational_graph: y has {y.shape[1]} entries, the model outputs "
                         f"{values[-1].shape[1]}. Pass one target per output.")
    grads = [values[-1] - y]                          # e_L = ∂J/∂ŷ = ŷ − y  (J = ½‖ŷ − y‖²)
    for layer in reversed(layers):
        grads.append(layer.backward(grads[-1]))
    return [v[0] for v in values], [g[0] for g in reversed(grads)]


def computational_graph(model, x, y, *, ax=None, max_units=5):
    """The graph of ``model`` on one sample (x, y), with J = ½‖ŷ − y‖².

    Columns of nodes: the input q⁽⁰⁾ = x, then z⁽ᵏ⁾ after each Dense layer and
    q⁽ᵏ⁾ after each activation. Above each node its forward value, below it
    (red) the gradient of J with respect to it: δ for a z, e for a q. For a
    chain of single neurons (every Dense layer 1→1, chapter 02) the weight
    edges carry w_k and ∂J/∂w_k = δ_k q_{k−1}; for wider nets (chapter 03) the
    Dense edges are drawn without labels. Columns wider than ``max_units`` are
    refused (the picture would not be readable).

    Shapes:
        x: (n_in,);  y: (n_out,)
    Chapters 02 and 03.
    """
    values, grads = forward_backward(model, x, y)
    layers = model.layers
    if max(len(v) for v in values) > max_units:
        raise ValueError(f"computational_graph: a layer has {max(len(v) for v in values)} units, more "
                         f"than max_units={max_units}. Draw a smaller net or raise max_units.")
    chain = all(l.n_in == 1 and l.n_out == 1 for l in layers if isinstance(l, Dense))
    k, names = 0, ["q"]
    for layer in layers:
        if isinstance(layer, Dense):
            k += 1
            names.append("z")
        else:
            names.append("q")
    dx, dy = (3.3, 1.5) if chain else (2.2, 1.45)
    ncol = len(values)
    top = (max(len(v) for v in values) - 1) / 2 * dy
    ax = _canvas(ax, (-1.3, (ncol - 1) * dx + 3.4),
                 (-top - (2.1 if chain else 0.9), top + (1.0 if chain else 1.3)), scale=0.5)
    pos = []
    for c, v in enumerate(values):
        ys = -(np.arange(len(v)) - (len(v) - 1) / 2) * dy
        pos.append([(c * dx, yy) for yy in ys])
    layer_no = np.cumsum([0] + [isinstance(l, Dense) for l in layers])
    r = 0.3
    for c in range(1, ncol):
        layer = layers[c - 1]
        if isinstance(layer, Dense):
            for i, a in enumerate(pos[c - 1]):
                for j, b in enumerate(pos[c]):
                    _arrow(ax, a, b, shrink=r)
            if chain:
                w, gw = layer.params["W"][0, 0], layer.grads["W"][0, 0]
                kk = _sub(layer_no[c])
                mx = (c - 0.5) * dx
                ax.text(mx, 0.1, f"×w{kk}\n{_fmt(w)}", ha="center", va="bottom", fontsize=FONT,
                        color="#1f4e79")
                ax.text(mx, -0.8, f"∂J/∂w{kk}\n{_fmt(gw)}", ha="center", va="top", fontsize=FONT,
                        color=BACK)
        else:
            g = type(layer).__name__
            for a, b in zip(pos[c - 1], pos[c]):
                _arrow(ax, a, b, shrink=r)
                ax.text((a[0] + b[0]) / 2, a[1] + 0.06, g, ha="center", va="bottom", fontsize=FONT - 1,
                        color=EDGE)
    for c, v in enumerate(values):
        kk = layer_no[c]
        for i, ((px, py), val) in enumerate(zip(pos[c], v)):
            name = f"{names[c]}{_sub(kk)}" if chain else f"{names[c]}{_sub(i + 1)}"
            _unit(ax, (px, py), r, name)
            ax.text(px, py + r + 0.05, _fmt(val), ha="center", va="bottom", fontsize=FONT, bbox=_CLEAR)
            sym = "δ" if names[c] == "z" else "e"
            ax.text(px, py - r - 0.05, f"{sym} {_fmt(grads[c][i])}", ha="center", va="top",
                    fontsize=FONT, color=BACK, bbox=_CLEAR)
        if not chain:
            head = "x = q⁽⁰⁾" if c == 0 else f"{names[c]}⁽{_sup(kk)}⁾"
            ax.text(c * dx, max(p[1] for p in pos[c]) + r + 0.45, head, ha="center", va="bottom",
                    fontsize=FONT + 1)
    yv = np.asarray(y, dtype=np.float64).ravel()
    J = 0.5 * float(np.sum((values[-1] - yv) ** 2))
    end = ((ncol - 1) * dx, 0.0)
    # y and J go right of the last column's labels (measured, since their width depends on the numbers)
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    last = [t for t in ax.texts if abs(t.get_position()[0] - end[0]) < 1e-9]
    right = max(ax.transData.inverted().transform((t.get_window_extent(renderer).x1, 0))[0] for t in last)
    ax.text(max(end[0] + r, right) + 0.25, 0, f"y = {', '.join(_fmt(t) for t in yv)}\nJ = {J:.4g}",
            ha="left", va="center", fontsize=FONT)
    ax.set_title("forward values (black) and backward e = ∂J/∂q, δ = ∂J/∂z (red)", fontsize=FONT + 1)
    return ax
