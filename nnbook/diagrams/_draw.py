"""Drawing helpers shared by the diagram modules (nnbook/diagrams/): the colours of
the course's schematic pictures, the canvas, units, boxes, arrows and number
formatting. The font size is the course's ``FONT`` (plot/style.py)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyBboxPatch

from ..plot.style import FONT

NODE = "#dbe9f6"              # unit fill
INPUT = "#fdebd0"             # input units and inputs x_t
EDGE = "#6b7b8c"              # connection colour
BACK = "#c0392b"              # backward quantities (e, δ, ∂J/∂w) are always this red
# one colour per window, channel or head (matplotlib's tab10 without its red and gray)
SERIES = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]


def _canvas(ax, xlim, ylim, scale=0.45, max_width=9.6):
    """An Axes in data units with equal aspect; a new figure is sized to the data
    (``scale`` inches per unit, at most ``max_width`` inches wide)."""
    w, h = xlim[1] - xlim[0], ylim[1] - ylim[0]
    if ax is None:
        scale = min(scale, max_width / w)
        # whole hundredths of an inch: a notebook stores "<Figure size 480x372 …>", not "…x372.5"
        fw, fh = round(w * scale, 2), round(h * scale + 0.35, 2)
        _, ax = plt.subplots(figsize=(fw, fh))
        ax.set_position([0, 0, 1, (fh - 0.35) / fh])
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _unit(ax, xy, r, label="", fc=NODE, fontsize=FONT):
    ax.add_patch(Circle(xy, r, fc=fc, ec="#2c3e50", lw=1.2, zorder=3))
    if label:
        ax.text(*xy, label, ha="center", va="center", fontsize=fontsize, zorder=4)


def _box(ax, xy, label, w, h, *, fc=NODE, fontsize=FONT, lw=1.2, ec="#2c3e50", rounding=0.12,
         tag="box"):
    """A rounded box of w × h centred at xy with its label; the patch's label is ``tag``
    (tests find boxes by it). Returns (x, y, w, h)."""
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                boxstyle=f"round,pad=0.02,rounding_size={rounding}",
                                fc=fc, ec=ec, lw=lw, zorder=3, label=tag))
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=4)
    return x, y, w, h


def _arrow(ax, a, b, color=EDGE, lw=1.0, shrink=0.0):
    (x0, y0), (x1, y1) = a, b
    d = np.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    ax.annotate("", xy=(x1 - ux * shrink, y1 - uy * shrink), xytext=(x0 + ux * shrink, y0 + uy * shrink),
                arrowprops=dict(arrowstyle="-|>", color=color, lw=lw, shrinkA=0, shrinkB=0), zorder=2)


def _fmt(v):
    v = float(v)
    text = f"{v:+.2e}" if v != 0 and abs(v) < 1e-3 else f"{v:+.3g}"
    return text.replace("e-0", "e−").replace("e+0", "e").replace("-", "−")


def _sub(k):
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _sup(k):
    return str(k).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
