"""Activation patching on the residual stream (chapter 36): window i's run as a grid of its
residual layers by positions, the one cell written from window j's run, and the cells and
outputs the patch can change, which causal attention confines to the later layers at the
patched position and after it.
"""

from __future__ import annotations

from matplotlib.patches import Rectangle

from ..plot.style import FONT
from ._draw import SERIES, _arrow, _canvas

__all__ = ["activation_patch"]

CELL = 1.0                               # a cell's side, drawing units
GAP = 2.2                                # between window j's column and window i's grid
COLOURS = {"copied": SERIES[1], "changed": "#f5cba7", "unchanged": "#ecf0f1",
           "source": SERIES[1], "output changed": "#f5cba7", "output unchanged": "#ecf0f1"}


def _int_in(owner, name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{owner}: expected {name} an integer from {low} to {high}, got "
                         f"{value!r}.")
    return value


def changed_cells(n_layers, T, layer, position):
    """The cells (l, t) of the residual stream that a patch of layer ``layer`` at
    ``position`` can change: the patched cell, and in every later layer the positions from
    ``position`` on (attention is causal; a layer acts on a position from the ones up to
    it). The outputs change at the positions of the last layer's changed cells."""
    cells = {(layer, position)}
    for l in range(layer + 1, n_layers):
        cells |= {(l, t) for t in range(position, T)}
    return cells


def activation_patch(n_layers=3, T=8, layer=1, position=5, *, ax=None):
    """Window i's residual stream as a grid (rows: layers 0 … n_layers − 1, the embedding
    at the bottom; columns: positions 0 … T − 1) with the outputs above; the cell (layer,
    position) ``"copied"`` from window j's run (its column drawn on the left, the source
    cell marked) and every cell and output the patch can change shaded ``"changed"``
    (``changed_cells``), the rest ``"unchanged"``: everything left of the position, and
    below the layer, is the unpatched run's, bit for bit. Returns the Axes. Chapter 36."""
    owner = "activation_patch"
    n_layers = _int_in(owner, "n_layers", n_layers, 1, 8)
    T = _int_in(owner, "T", T, 2, 16)
    layer = _int_in(owner, "layer", layer, 0, n_layers - 1)
    position = _int_in(owner, "position", position, 0, T - 1)
    left = GAP + CELL
    ax = _canvas(ax, (-1.6, left + T * CELL + 0.4), (-1.5, (n_layers + 1) * CELL + 1.3),
                 scale=0.55)
    changed = changed_cells(n_layers, T, layer, position)
    top = {t for (l, t) in changed if l == n_layers - 1}
    for t in range(T):
        for l in range(n_layers + 1):                 # row n_layers: the outputs
            if l == n_layers:
                kind = "output changed" if t in top else "output unchanged"
            else:
                kind = ("copied" if (l, t) == (layer, position) else
                        "changed" if (l, t) in changed else "unchanged")
            ax.add_patch(Rectangle((left + t * CELL, l * CELL), CELL * 0.9, CELL * 0.9,
                                   fc=COLOURS[kind], ec="#7f8c8d", lw=0.6, label=kind))
        ax.text(left + (t + 0.45) * CELL, -0.25, str(t), ha="center", va="top",
                fontsize=FONT - 1)
    for l in range(n_layers):
        kind = "source" if l == layer else "unchanged"
        ax.add_patch(Rectangle((0, l * CELL), CELL * 0.9, CELL * 0.9, fc=COLOURS[kind],
                               ec="#7f8c8d", lw=0.6, label=f"window j {kind}"))
        name = "embedding" if l == 0 else f"block {l}"
        ax.text(-0.2, (l + 0.45) * CELL, name, ha="right", va="center", fontsize=FONT - 1)
    ax.text(-0.2, (n_layers + 0.45) * CELL, "outputs", ha="right", va="center",
            fontsize=FONT - 1)
    ax.text(0.45 * CELL, -0.25, f"{position}", ha="center", va="top", fontsize=FONT - 1)
    ax.text(0.45 * CELL, -0.75, "window j", ha="center", va="top", fontsize=FONT - 1)
    ax.text(left + T * CELL / 2, (n_layers + 1) * CELL + 0.1, "window i, patched",
            ha="center", va="bottom", fontsize=FONT - 1)
    _arrow(ax, (0.95 * CELL, (layer + 0.45) * CELL),
           (left + position * CELL - 0.05, (layer + 0.45) * CELL))
    ax.set_title(f"patching layer {layer} at position {position}: "
                 f"{len(changed) - 1} later cells and {len(top)} outputs can change",
                 fontsize=FONT)
    return ax
