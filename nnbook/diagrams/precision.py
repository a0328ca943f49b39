"""Diagrams of fewer bits and less memory (chapter 24), drawn from the cell's numbers;
reached as ``nb.diagrams.<name>``: one number's bits in float32, bfloat16 and float16 by
field (``bit_layouts``), and the tiles attention computes, and skips, in FlashAttention's
order (``attention_tiles``).
"""

from __future__ import annotations

import numpy as np

from ..plot.style import FONT
from ..precision.formats import FORMATS, bfloat16_bits
from ._draw import _box, _canvas

__all__ = ["bit_layouts", "attention_tiles"]

FIELDS = {"sign": "#f5b7b1", "exponent": "#aed6f1", "fraction": "#abebc6"}
COMPUTED, DIAGONAL, SKIPPED = "#1f77b4", "#85c1e9", "#f2f3f4"


def _patterns(value):
    """The bit strings of ``value`` in float32, bfloat16 and float16, and the values."""
    x = np.float32(value)
    f16 = np.float16(value)
    return {"float32": (f"{int(x.view(np.uint32)):032b}", float(x)),
            "bfloat16": (f"{int(bfloat16_bits(x)):016b}",
                         float(np.uint32(int(bfloat16_bits(x)) << 16).view(np.float32))),
            "float16": (f"{int(f16.view(np.uint16)):016b}", float(f16))}


def bit_layouts(value=0.1, *, ax=None):
    """``value`` stored in float32, bfloat16 and float16: one box per bit, coloured by
    field (sign, exponent, fraction), the value each pattern holds on the right.
    bfloat16's row is float32's upper half after rounding. Chapter 24."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"bit_layouts: expected a real number, got {value!r}.") from None
    if not np.isfinite(value):
        raise ValueError(f"bit_layouts: expected a finite number, got {value!r}.")
    rows = _patterns(value)
    ax = _canvas(ax, (-4.2, 44.5), (-3.4, 1.4), scale=0.2)
    for r, (name, (bits, held)) in enumerate(rows.items()):
        y = -r * 1.3
        n_exp = FORMATS[name]["exponent_bits"]
        for i, b in enumerate(bits):
            field = "sign" if i == 0 else "exponent" if i <= n_exp else "fraction"
            _box(ax, (i + 0.5, y), b, 0.9, 1.0, fc=FIELDS[field], fontsize=FONT - 1,
                 rounding=0.05, tag=field)
        ax.text(-0.3, y, name, ha="right", va="center", fontsize=FONT)
        ax.text(len(bits) + 0.4, y, f"= {held:.9g}", ha="left", va="center", fontsize=FONT)
    x = 0.0
    for field, colour in FIELDS.items():
        _box(ax, (x + 0.5, 1.05), "", 0.9, 0.6, fc=colour, rounding=0.05, tag="key")
        ax.text(x + 1.2, 1.05, field, ha="left", va="center", fontsize=FONT - 1)
        x += 8
    ax.set_title(f"{value:g} in three formats: sign, exponent, fraction", fontsize=FONT)
    return ax


def attention_tiles(T, tile, *, causal=True, ax=None):
    """The T × T scores of attention cut into tiles of ``tile`` queries × ``tile`` keys, in
    the order ``nb.precision.tiled_attention`` reads them: each row of tiles (a block of
    queries) reads the key tiles from left to right, keeping a running maximum and sum.
    With ``causal=True`` the tiles above the diagonal are skipped (light), those on it are
    partly masked (light blue). Each computed tile carries its place in that order.
    Chapter 24."""
    for name, v in (("T", T), ("tile", tile)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"attention_tiles: expected {name} to be an integer ≥ 1, "
                             f"got {v!r}.")
    n = -(-int(T) // int(tile))
    if n > 16:
        raise ValueError(f"attention_tiles: T={T} in tiles of {tile} makes {n} × {n} tiles, "
                         f"too many to draw; draw at most 16 per side (a larger tile).")
    ax = _canvas(ax, (-2.6, n + 0.4), (-n - 0.4, 0.9), scale=min(0.6, 7.0 / n))
    computed = 0
    for i in range(n):
        for j in range(n):
            kind = ("skipped" if causal and j > i else
                    "diagonal" if causal and j == i else "computed")
            computed += kind != "skipped"
            fc = {"skipped": SKIPPED, "diagonal": DIAGONAL, "computed": COMPUTED}[kind]
            _box(ax, (j + 0.5, -i - 0.5), "", 0.9, 0.9, fc=fc, rounding=0.04, tag=kind)
            if kind != "skipped":     # its place in the reading order
                ax.text(j + 0.5, -i - 0.5, str(computed), ha="center", va="center",
                        fontsize=FONT - 1 if computed > 99 else FONT, zorder=4,
                        color="white" if kind == "computed" else "black")
    ax.text(n / 2, 0.45, "keys →", ha="center", va="center", fontsize=FONT)
    ax.text(-0.3, -n / 2, "queries\n↓", ha="right", va="center", fontsize=FONT)
    ax.set_title(f"T = {T}, tiles of {tile}: {computed} of {n * n} tiles computed",
                 fontsize=FONT)
    return ax
