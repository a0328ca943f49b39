"""Dropout as a picture (chapter 12): a network with the units one mini-batch's
dropout masks switched off, one panel per sample, drawn from the masks themselves.
Reached as ``nb.diagrams.dropout_network``.
"""

from __future__ import annotations

import numpy as np

from ..plot.style import FONT
from ._draw import BACK, EDGE, INPUT, NODE, _canvas, _unit

__all__ = ["dropout_network"]


def dropout_network(sizes, masks, *, ax=None):
    """A dense network once per sample of a mini-batch, with the hidden units its dropout
    masks switched off drawn hollow and crossed, their connections gone.

    ``sizes`` are the layer sizes [n_0, n_1, …, n_L]; ``masks`` one array per hidden
    layer, (m, n_k), as ``nb.Dropout.mask`` holds it after a training forward (0 where
    dropped, 1/(1 − p) where kept) or Booleans (True where kept). Kept units are
    written with their factor. Returns the Axes; ``ax.dropped`` lists, per sample, the
    dropped (layer, unit) pairs.

    Shapes:
        masks[k]: (m, sizes[k + 1]) for k = 0 … L − 2
    Chapter 12.
    """
    sizes = [int(n) for n in sizes]
    masks = [np.asarray(mk) for mk in masks]
    if len(masks) != len(sizes) - 2:
        raise ValueError(f"dropout_network: {len(sizes) - 2} hidden layers in sizes {sizes} but "
                         f"{len(masks)} masks; pass one mask per hidden layer.")
    m = masks[0].shape[0] if masks else 1
    for k, mk in enumerate(masks):
        if mk.shape != (m, sizes[k + 1]):
            raise ValueError(f"dropout_network: mask {k} has shape {mk.shape}, expected "
                             f"({m}, {sizes[k + 1]}) (samples, units of hidden layer {k + 1}).")
    if max(sizes) > 10 or m > 4:
        raise ValueError(f"dropout_network: the picture is readable up to 10 units a layer and 4 "
                         f"samples, got sizes {sizes} and {m} samples. Draw a smaller network.")
    keep = [mk != 0 for mk in masks]
    factors = {float(v) for mk in masks for v in np.unique(mk) if v not in (0, True)}
    L, dx, dy = len(sizes), 1.5, 0.55
    width = (L - 1) * dx
    gap = 1.1
    top = (max(sizes) - 1) * dy / 2
    ax = _canvas(ax, (-0.5, m * (width + gap) - gap + 0.5), (-top - 0.9, top + 0.9),
                 scale=0.8, max_width=11.0)
    ax.dropped = []
    for i in range(m):
        x0 = i * (width + gap)
        alive = [np.ones(sizes[0], bool)] + [kp[i] for kp in keep] + [np.ones(sizes[-1], bool)]
        ys = [(np.arange(n)[::-1] - (n - 1) / 2) * dy for n in sizes]
        for k in range(L - 1):
            for a in np.flatnonzero(alive[k]):
                for b in np.flatnonzero(alive[k + 1]):
                    ax.plot([x0 + k * dx, x0 + (k + 1) * dx], [ys[k][a], ys[k + 1][b]], color=EDGE,
                            lw=0.5, alpha=0.6, zorder=1)
        gone = []
        for k in range(L):
            for j, yj in enumerate(ys[k]):
                if alive[k][j]:
                    _unit(ax, (x0 + k * dx, yj), 0.16, fc=INPUT if k == 0 else NODE)
                else:
                    _unit(ax, (x0 + k * dx, yj), 0.16, fc="white")
                    ax.plot(x0 + k * dx, yj, "x", color=BACK, ms=8, mew=1.6, zorder=5)
                    gone.append((k, j))
        ax.dropped.append(gone)
        kept = sum(int(a.sum()) for a in alive[1:-1])
        total = sum(sizes[1:-1])
        ax.text(x0 + width / 2, -top - 0.35, f"sample {i + 1}: {kept} of {total} hidden kept",
                ha="center", va="top", fontsize=FONT)
    scale = ", kept units ×" + "/".join(f"{f:g}" for f in sorted(factors)) if factors else ""
    ax.set_title(f"{'→'.join(map(str, sizes))}, one mini-batch: a fresh mask per sample "
                 f"(✕ dropped{scale})", fontsize=FONT + 1)
    return ax
