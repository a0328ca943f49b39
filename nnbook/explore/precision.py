"""Attention's memory in tiles (chapter 24): the numbers plain attention holds (its T × T
weights) against those the tiled version holds (the output, one log-sum-exp per row and a
tile's work arrays), as T and the tile size change (``tile_memory_numbers``,
``tile_memory_figure``), and the explorable ``tile_memory``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT, plain_axes
from ._widgets import LINE, PATH, _explorable, _int

__all__ = ["tile_memory", "tile_memory_figure", "tile_memory_numbers"]


def _count(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"tile_memory: expected {name} to be an integer ≥ 1, got {v!r}.")
    return int(v)


def tile_memory_numbers(T, tile, d=32):
    """The numbers each version holds for one head of ``T`` positions and ``d`` features
    (inputs aside): plain, the T × T weights and the T × d output; tiled, the output, the
    T log-sum-exps and, for one tile, its scores and weights (2·tile²), its output block
    (tile·d) and its running max and sum (2·tile). Also the causal tiles computed and all
    tiles. Returns a dict of ints."""
    T, tile, d = _count("T", T), _count("tile", tile), _count("d", d)
    tile = min(tile, T)
    n = -(-T // tile)
    return {"plain": T * T + T * d, "tiled": T * d + T + 2 * tile * tile + tile * d + 2 * tile,
            "computed": n * (n + 1) // 2, "tiles": n * n}


def tile_memory_figure(T=1024, tile=64, d=32):
    """The numbers held (log scale, in MiB of float64) against T from 64 to 8192, plain
    attention against tiles of ``tile``, the chosen T marked. Chapter 24."""
    now = tile_memory_numbers(T, tile, d)
    Ts = 2 ** np.arange(6, 14)
    mib = 8 / 2**20
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    ax.loglog(Ts, [tile_memory_numbers(int(t), tile, d)["plain"] * mib for t in Ts], "-",
              color=PATH, label="plain: T × T weights", base=2)
    ax.loglog(Ts, [tile_memory_numbers(int(t), tile, d)["tiled"] * mib for t in Ts], "-",
              color=LINE, label=f"tiles of {tile}", base=2)
    ax.plot([T, T], [now["tiled"] * mib, now["plain"] * mib], "o", color="0.2")
    ax.set_xlabel("positions T", fontsize=FONT)
    ax.set_ylabel("held in float64 (MiB)", fontsize=FONT)
    ax.set_title(f"One head, d = {d}: at T = {T} the tiles hold "
                 f"{now['plain'] / now['tiled']:.0f}× less", fontsize=FONT)
    ax.legend(loc="upper left", fontsize=FONT - 1)
    plain_axes(ax)
    return fig


def tile_memory(log2_T=10, log2_tile=6, d=32):
    """Sliders for log₂ T and log₂ of the tile size; the caption gives the numbers each
    version holds and the causal tiles computed. Figure: ``tile_memory_figure``.
    Chapter 24."""
    import ipywidgets as w
    controls = {"log2_T": _int(w, "log₂ T", log2_T, 6, 13),
                "log2_tile": _int(w, "log₂ tile", log2_tile, 3, 9)}

    def figure(log2_T, log2_tile):
        return tile_memory_figure(2**log2_T, 2**log2_tile, d)

    def caption(log2_T, log2_tile):
        T, tile = 2**log2_T, 2**log2_tile
        n = tile_memory_numbers(T, tile, d)
        return (f"T = {T}, tiles of {min(tile, T)}: plain attention holds {n['plain']:,} "
                f"numbers, the tiles {n['tiled']:,}; causal: {n['computed']:,} of "
                f"{n['tiles']:,} tiles computed")

    return _explorable(controls, figure, caption)
