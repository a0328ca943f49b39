"""Pictures of arrays (chapters 07, 08 and 10): image grids, a conv layer's
filters, one sample's feature maps, and confusion matrices, each on one colour
scale. Reached as ``nb.plot.image_grid``, ``nb.plot.filters``,
``nb.plot.feature_maps`` and ``nb.plot.confusion_matrix``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patheffects import withStroke

from ..data.labels import class_labels as _labels
from .style import _TEXT, IMAGE_CMAP, _axis

__all__ = ["image_grid", "filters", "feature_maps", "confusion_matrix"]

_GAP = "#8fb3d9"                          # the 1-pixel lines between tiles: neither black nor white


def _tiles(images) -> np.ndarray:
    """Images as (n, h, w) or (n, h, w, 3) float64."""
    a = np.asarray(images, dtype=np.float64)
    if a.ndim == 4 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim not in (3, 4) or (a.ndim == 4 and a.shape[-1] != 3) or len(a) == 0:
        raise ValueError(
            f"image_grid: expected images of shape (n, h, w), (n, h, w, 1) or (n, h, w, 3), "
            f"got {a.shape}. For flat images, reshape first, e.g. images.reshape(-1, 8, 8)."
        )
    return a


def _scale(a: np.ndarray) -> np.ndarray:
    lo, hi = np.nanmin(a), np.nanmax(a)
    return np.full_like(a, 0.5) if hi <= lo else (a - lo) / (hi - lo)


def _text_labels(owner, values, n):
    if values is None:
        return None
    a = np.asarray(values)
    if a.dtype.kind in "iubf":
        a, _ = _labels(owner, "labels", a)
    if len(a) != n:
        raise ValueError(f"{owner}: got {n} images but {len(a)} labels; expected one per image.")
    return [str(v) for v in a]


def image_grid(images, labels=None, ax=None, *, ncols=None, title=None, cmap=IMAGE_CMAP,
               predicted=None, normalize="global", index=False, vmin=None, vmax=None,
               colorbar=False):
    """Many images as one mosaic (a single ``imshow``), tiles 1 pixel apart.

    Args:
        labels: one per image (numbers, one-hot rows or strings), written on
            each tile; with ``predicted``, a tile says "pred p" over "true t", in red
            when they differ.
        ncols: tiles per row (default: about a square).
        cmap: ``IMAGE_CMAP`` (gray_r, ink on paper) for images.
        normalize: ``"global"``: one colour scale for all tiles, from the
            smallest value to the largest (or ``vmin``/``vmax``, to share the
            scale with another grid); ``"tile"`` rescales each tile on its own.
        index: write each tile's index (0, 1, …) in its corner.
        colorbar: draw the shared scale beside the grid.
    Shapes:
        images: (n, h, w), (n, h, w, 1) or (n, h, w, 3)
        the mosaic: (rows·(h+1) − 1, ncols·(w+1) − 1[, 3])
    """
    a = _tiles(images)
    if normalize not in ("global", "tile"):
        raise ValueError(f"image_grid: expected normalize 'global' or 'tile', got {normalize!r}.")
    n, h, w = a.shape[:3]
    if ncols is not None and (isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer))
                              or ncols < 1):
        raise ValueError(f"image_grid: expected ncols to be an integer ≥ 1 or None, got {ncols!r}.")
    ncols = min(n, ncols or math.ceil(math.sqrt(n)))
    nrows = math.ceil(n / ncols)
    true = _text_labels("image_grid", labels, n)
    pred = _text_labels("image_grid", predicted, n)
    rgb = a.ndim == 4
    if normalize == "tile":
        a = np.stack([_scale(t) for t in a])
    elif rgb and (a.min() < 0 or a.max() > 1):
        a = _scale(a)
    mosaic = np.full((nrows * (h + 1) - 1, ncols * (w + 1) - 1) + a.shape[3:], np.nan)
    for i, tile in enumerate(a):
        r, c = divmod(i, ncols)
        mosaic[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = tile
    ax = _axis(ax, (min(1.1 * ncols, 9), min(1.1 * nrows, 9) + (0.4 if title else 0)))
    if rgb:
        ax.imshow(np.nan_to_num(mosaic, nan=1.0), interpolation="nearest")
    else:
        cm = plt.get_cmap(cmap)
        cm = cm.with_extremes(bad=_GAP if cm.name.startswith("gray") else "#8c8c8c")   # gaps stand out
        if normalize == "tile":
            vmin, vmax = 0, 1
        vmin = np.nanmin(a) if vmin is None else vmin
        vmax = np.nanmax(a) if vmax is None else vmax
        shown = ax.imshow(mosaic, cmap=cm, vmin=vmin, vmax=vmax, interpolation="nearest")
        if colorbar:
            ax.figure.colorbar(shown, ax=ax, fraction=0.04, pad=0.02)
    box = dict(facecolor="white", alpha=0.8, pad=1, lw=0)
    for i in range(n):
        r, c = divmod(i, ncols)
        x0, y0 = c * (w + 1) - 0.5, r * (h + 1) - 0.5
        if index:
            ax.text(x0 + w - 0.1, y0 + h - 0.1, str(i), color="black", fontsize=_TEXT, ha="right",
                    va="bottom", path_effects=[withStroke(linewidth=2.5, foreground="white")])
        if true is None and pred is None:
            continue
        if pred is None:
            text, color = true[i], "black"
        elif true is None:
            text, color = f"pred {pred[i]}", "black"
        else:
            text = f"pred {pred[i]}\ntrue {true[i]}"                      # two short lines
            color = "black" if pred[i] == true[i] else "red"
        ax.text(x0, y0, text, color=color, fontsize=_TEXT, ha="left", va="top", bbox=box)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    return ax


def confusion_matrix(cm, ax=None, *, class_names=None, title="Confusion matrix"):
    """A heat map of a confusion matrix with the count written in every cell.

    Shapes:
        cm: (k, k), rows = true class, columns = predicted class
            (``nnbook.metrics.confusion_matrix``)
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot.confusion_matrix: expected a square (k, k) matrix, got {cm.shape}. "
                         f"Compute it with nb.metrics.confusion_matrix(y_true, y_pred).")
    k = cm.shape[0]
    names = [str(c) for c in (range(k) if class_names is None else class_names)]
    if len(names) != k:
        raise ValueError(f"plot.confusion_matrix: {k} classes but {len(names)} class_names.")
    ax = _axis(ax, (max(4, 0.45 * k + 2), max(3.5, 0.45 * k + 1.5)))
    ax.imshow(cm, cmap="Blues", vmin=0)
    top = cm.max() if cm.size else 0
    for i in range(k):
        for j in range(k):
            v = cm[i, j]
            text = f"{v:g}" if np.issubdtype(cm.dtype, np.floating) else str(v)
            ax.text(j, i, text, ha="center", va="center", fontsize=_TEXT,
                    color="white" if v > top / 2 else "black")
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    return ax


def filters(W, ax=None, *, title="Learned filters", channel=0, ncols=None, colorbar=True):
    """A conv kernel's filters as an indexed grid on one colour scale (RdBu_r, centred on 0).

    Args:
        W: the kernel, or a layer holding it in ``params["W"]`` (``Conv2D``).
        channel: which input channel to show (an index), or ``"mean"`` for the
            mean over input channels.
        ncols: tiles per row (default: about a square), as in ``image_grid``.
    Shapes:
        W: (f, f, c_in, c_out)  →  c_out tiles of f × f
    """
    if isinstance(getattr(W, "params", None), Mapping) and "W" in W.params:
        W = W.params["W"]                                               # a Conv2D layer
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 4:
        raise ValueError(f"filters: expected a kernel of shape (f, f, c_in, c_out), got {W.shape}. "
                         f"Pass conv.params['W'].")
    if channel == "mean":
        tiles = W.mean(axis=2)                                          # (f, f, c_out)
    elif isinstance(channel, (int, np.integer)) and 0 <= channel < W.shape[2]:
        tiles = W[:, :, channel, :]
    else:
        raise ValueError(f"filters: expected channel 'mean' or an index in [0, {W.shape[2]}), "
                         f"got {channel!r}.")
    top = float(np.abs(tiles).max()) or 1.0                             # symmetric: white = 0
    return image_grid(np.moveaxis(tiles, -1, 0), ax=ax, title=title, ncols=ncols, cmap="RdBu_r",
                      vmin=-top, vmax=top, index=True, colorbar=colorbar)


def feature_maps(maps, ax=None, *, title="Feature maps", ncols=None, vmax=None, colorbar=True):
    """One sample's feature maps as an indexed grid, one tile per channel, on one colour scale.

    Non-negative maps (after ReLU or pooling) run from 0 to ``vmax`` in viridis
    (pass the same ``vmax`` to compare two grids); signed maps use RdBu_r centred on 0.

    Args:
        ncols: tiles per row (default: about a square), as in ``image_grid``.
    Shapes:
        maps: (h, w, c) (or (1, h, w, c))  →  c tiles of h × w
    """
    a = np.asarray(maps, dtype=np.float64)
    if a.ndim == 4 and len(a) == 1:
        a = a[0]
    if a.ndim != 3:
        raise ValueError(f"feature_maps: expected one sample's maps (h, w, c), got {a.shape}. "
                         f"For a batch, pass one sample: maps[i].")
    if a.min() >= 0:
        top = (float(a.max()) or 1.0) if vmax is None else vmax
        cmap, lo = "viridis", 0.0
    else:
        top = float(np.abs(a).max()) if vmax is None else vmax
        cmap, lo = "RdBu_r", -top
    return image_grid(np.moveaxis(a, -1, 0), ax=ax, title=title, ncols=ncols, cmap=cmap,
                      vmin=lo, vmax=top, index=True, colorbar=colorbar)
