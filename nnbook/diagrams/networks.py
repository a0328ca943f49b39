"""Neurons and dense networks, drawn from the numbers of a cell: one neuron
(chapters 00–01) and a dense network with its parameter counts (chapters 00 and 09).
Each function returns the matplotlib Axes it drew on.
"""

from __future__ import annotations

import numpy as np

from ..layers.activations import Activation
from ..layers.dense import Dense
from ..plot.style import FONT
from ._draw import EDGE, INPUT, NODE, _arrow, _canvas, _fmt, _sub, _unit

__all__ = ["neuron", "network"]

_G = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
      "relu": lambda z: np.maximum(z, 0), "identity": lambda z: z}


# --------------------------------------------------------------------------
# One neuron (chapters 00–01)

def neuron(w=None, x=None, b=None, *, n_inputs=None, activation=None, ax=None):
    """One neuron: inputs x_j, weights w_j on the edges, z = Σ w_j x_j + b, output g(z).

    Args:
        w: the weights (numbers written on the edges) or ``None`` for symbols w₁ … wₙ.
        x: the inputs (numbers) or ``None`` for symbols; with ``w`` given too, the
            neuron's z and output are computed and written on the picture.
        b: the bias (a number) or ``None`` (symbol b).
        n_inputs: how many inputs when ``w`` and ``x`` are both ``None`` (default 3).
        activation: ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"identity"`` or ``None`` (g).
    Shapes:
        w, x: (n_inputs,)
    Chapters 00 and 01.
    """
    n = len(w) if w is not None else len(x) if x is not None else (n_inputs or 3)
    for name, v in (("w", w), ("x", x)):
        if v is not None and len(v) != n:
            raise ValueError(f"neuron: {name} has {len(v)} entries but the neuron has {n} inputs. "
                             "Pass w and x of the same length.")
    if activation is not None and activation not in _G:
        raise ValueError(f"neuron: unknown activation {activation!r}; expected one of "
                         f"{sorted(_G)} or None (the symbol g).")
    ys = (np.arange(n)[::-1] - (n - 1) / 2) * 1.1
    sx, gx, ox = 4.2, 5.7, 7.0
    ax = _canvas(ax, (-1.6, 10.8), (ys.min() - 0.8, ys.max() + 0.5), scale=0.62)
    for j, yj in enumerate(ys):
        xl = f"x{_sub(j + 1)}" if x is None else f"x{_sub(j + 1)} = {_fmt(x[j])}"
        ax.text(0.9, yj, xl, ha="right", va="center", fontsize=FONT)
        _arrow(ax, (1.0, yj), (sx, 0), shrink=0.32)
        wl = f"w{_sub(j + 1)}" if w is None else f"w{_sub(j + 1)} = {_fmt(w[j])}"
        t = 0.3
        ax.text(1.0 + t * (sx - 1.0), yj * (1 - t) + 0.08, wl, ha="center", va="bottom",
                fontsize=FONT, color="#1f4e79", rotation=np.degrees(np.arctan2(-yj, sx - 1.0)),
                rotation_mode="anchor")
    _unit(ax, (sx, 0), 0.32, "Σ", fontsize=14)
    ax.text(sx, -0.45, "+ b" if b is None else f"+ b ({_fmt(b)})", ha="center", va="top", fontsize=FONT)
    gname = "g" if activation is None else {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU",
                                             "identity": "id"}[activation]
    _arrow(ax, (sx, 0), (gx, 0), shrink=0.32)
    ax.text((sx + gx) / 2, 0.08, "z", ha="center", va="bottom", fontsize=FONT)
    _unit(ax, (gx, 0), 0.32, gname, fontsize=FONT if len(gname) > 1 else 13)
    _arrow(ax, (gx + 0.32, 0), (ox, 0))
    out = "ŷ = g(z)"
    if w is not None and x is not None:
        z = float(np.dot(w, x) + (0.0 if b is None else b))
        if activation is not None:
            out = f"ŷ = {gname}({_fmt(z)}) = {_fmt(_G[activation](z))}"
        else:
            out = f"z = {_fmt(z)}, ŷ = g(z)"
    ax.text(ox + 0.1, 0, out, ha="left", va="center", fontsize=FONT)
    return ax


# --------------------------------------------------------------------------
# A dense network with its parameter counts (chapters 00 and 09)

def _dense_sizes(model):
    if isinstance(model, (list, tuple)) and all(isinstance(k, (int, np.integer)) for k in model):
        sizes = [int(k) for k in model]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"network: expected at least two positive layer sizes, got {sizes}. "
                             "Pass e.g. [5, 6, 3, 1].")
        return sizes, [""] * (len(sizes) - 1)
    layers = getattr(model, "layers", None)
    if not layers or not all(isinstance(l, (Dense, Activation)) for l in layers) \
            or not isinstance(layers[0], Dense):
        raise ValueError(f"network: expected a list of sizes or a Sequential of Dense and activation "
                         f"layers starting with Dense, got {model!r}.")
    sizes, acts = [layers[0].n_in], []
    for l in layers:
        if isinstance(l, Dense):
            sizes.append(l.n_out)
            acts.append("")
        else:
            acts[-1] = type(l).__name__
    return sizes, acts


def network(model, *, max_units=8, ax=None, title=None):
    """A dense network as columns of units, with each layer's count W + b and the total.

    ``model`` is a list of sizes ``[n_0, n_1, …]`` or a ``Sequential`` of ``Dense``
    and activation layers. Layer k has n_{k−1}·n_k weights and n_k biases; a column
    with more than ``max_units`` units shows the first and last few and "⋮".
    Chapters 00 (5→6→3→1: 61 parameters) and 09 (4→5→3: 43).
    """
    sizes, acts = _dense_sizes(model)
    counts = [a * b + b for a, b in zip(sizes[:-1], sizes[1:])]
    shown = [min(n, max_units) for n in sizes]
    L, dx = len(sizes), 2.2
    half = 0.3 * (max(shown) + (max(sizes) > max_units) - 1)
    ax = _canvas(ax, (-1.0, (L - 1) * dx + 1.0), (-half - 1.5, half + 1.2), scale=0.75)
    cols = []
    for k, (n, m) in enumerate(zip(sizes, shown)):
        if n > max_units:
            idx = list(range(m // 2)) + [None] + list(range(n - (m - 1 - m // 2), n))
        else:
            idx = list(range(n))
        ys = -(np.arange(len(idx)) - (len(idx) - 1) / 2) * 0.6
        cols.append([(k * dx, y, i) for y, i in zip(ys, idx)])
    for k in range(L - 1):
        for xa, ya, ia in cols[k]:
            for xb, yb, ib in cols[k + 1]:
                if ia is not None and ib is not None:
                    ax.plot([xa, xb], [ya, yb], color=EDGE, lw=0.6, alpha=0.7, zorder=1)
    for k, col in enumerate(cols):
        for x, y, i in col:
            if i is None:
                ax.text(x, y, "⋮", ha="center", va="center", fontsize=14)
            else:
                _unit(ax, (x, y), 0.19, fc=INPUT if k == 0 else NODE)
        top = max(y for _, y, _ in col)
        name = "input" if k == 0 else ("output" if k == L - 1 else f"hidden {k}")
        ax.text(k * dx, top + 0.45, f"{name}\n{sizes[k]} unit{'s' if sizes[k] > 1 else ''}", ha="center", va="bottom", fontsize=FONT)
    low = min(y for col in cols for _, y, _ in col)
    for k, c in enumerate(counts):
        act = f"\n{acts[k]}" if acts[k] else ""
        ax.text((k + 0.5) * dx, low - 0.45, f"{sizes[k]}·{sizes[k + 1]} + {sizes[k + 1]}\n= {c}{act}",
                ha="center", va="top", fontsize=FONT, color="#1f4e79")
    ax.set_title(title or f"{'→'.join(map(str, sizes))}: {sum(counts)} parameters", fontsize=FONT + 1)
    return ax
