"""What batch normalisation averages over (chapter 13): each mean and variance drawn
beside the values it is taken over, the columns of a dense batch or one channel of
every image of a conv batch. Reached as ``nb.diagrams.batchnorm_statistics``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..plot.style import FONT
from ._draw import SERIES, _canvas, _sub

__all__ = ["batchnorm_statistics"]

CHANNEL = SERIES[:6]          # feature / channel k


def batchnorm_statistics(X, *, ax=None):
    """The values each mean and variance of BN is computed from, and the numbers.

    For a dense batch X (m, n) every column is a feature: the grid shows the values,
    column j in feature j's colour, with μ_j and σ_j² (biased) under it. For images
    X (m, h, w, c) every channel is a feature: one h×w tile per sample and channel, a
    row per channel in its colour, and μ_k, σ_k² over all m·h·w of its values at the
    row's end, each tile shaded by its values on its channel's own scale. ``ax.stats``
    holds (mean, variance), each (n,) or (c,).

    Chapter 13.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 2:
        return _bn_dense(X, ax)
    if X.ndim == 4:
        return _bn_conv(X, ax)
    raise ValueError(f"batchnorm_statistics: expected a dense batch (m, n) or images (m, h, w, c), "
                     f"got shape {X.shape}.")


def _num(v):
    return f"{v:.2f}".replace("-", "−")


def _bn_dense(X, ax):
    m, n = X.shape
    if m > 12 or n > 6:
        raise ValueError(f"batchnorm_statistics: the grid is readable up to 12 × 6, got {X.shape}; "
                         "pass a slice such as X[:8, :4].")
    mu, var = X.mean(axis=0), X.var(axis=0)
    cw, ch = 1.6, 0.55
    ax = _canvas(ax, (-1.4, n * cw + 0.2), (-1.0, m * ch + 0.6), scale=0.75)
    for j in range(n):
        color = CHANNEL[j % len(CHANNEL)]
        for i in range(m):
            ax.add_patch(Rectangle((j * cw, (m - 1 - i) * ch), cw, ch, fc=color, alpha=0.18,
                                   ec="#555555", lw=0.6))
            ax.text(j * cw + cw / 2, (m - 0.5 - i) * ch, _num(X[i, j]), ha="center", va="center",
                    fontsize=FONT - 1)
        ax.add_patch(Rectangle((j * cw, 0), cw, m * ch, fill=False, ec=color, lw=2.2, zorder=4))
        ax.text(j * cw + cw / 2, m * ch + 0.15, f"feature {j}", ha="center", va="bottom", fontsize=FONT,
                color=color)
        ax.text(j * cw + cw / 2, -0.15, f"μ{_sub(j)} = {_num(mu[j])}\nσ{_sub(j)}² = {_num(var[j])}",
                ha="center", va="top", fontsize=FONT, color=color)
    for i in range(m):
        ax.text(-0.15, (m - 0.5 - i) * ch, f"sample {i}", ha="right", va="center", fontsize=FONT - 1)
    ax.set_title(f"X ({m}, {n}): one mean and variance per feature,\nover the {m} samples of its column",
                 fontsize=FONT + 1)
    ax.stats = (mu, var)
    return ax


def _bn_conv(X, ax):
    m, h, w, c = X.shape
    if m > 6 or c > 6:
        raise ValueError(f"batchnorm_statistics: the picture is readable up to 6 images and 6 "
                         f"channels, got {X.shape}; pass a slice such as X[:4].")
    mu, var = X.mean(axis=(0, 1, 2)), X.var(axis=(0, 1, 2))
    t = 1.0 / max(h, w)                               # one tile is 1 × 1 in data units
    gap = 0.35
    ax = _canvas(ax, (-1.3, m * (1 + gap) + 1.6), (-0.5, c * (1 + gap) - gap + 0.2), scale=1.0)
    for k in range(c):
        lo, hi = X[..., k].min(), X[..., k].max()
        color = CHANNEL[k % len(CHANNEL)]
        y0 = (c - 1 - k) * (1 + gap)
        for i in range(m):
            x0 = i * (1 + gap)
            for r in range(h):
                for q in range(w):
                    shade = 0.1 + 0.6 * (X[i, r, q, k] - lo) / (hi - lo + 1e-12)
                    ax.add_patch(Rectangle((x0 + q * t, y0 + 1 - (r + 1) * t), t, t, fc=color,
                                           alpha=shade, ec="white", lw=0.3))
            ax.add_patch(Rectangle((x0, y0), w * t, h * t, fill=False, ec=color, lw=1.8, zorder=4))
        ax.text(-0.15, y0 + 0.5, f"channel {k}", ha="right", va="center", fontsize=FONT, color=color)
        ax.text(m * (1 + gap) - gap + 0.2, y0 + 0.5,
                f"μ{_sub(k)} = {_num(mu[k])}\nσ{_sub(k)}² = {_num(var[k])}", ha="left", va="center",
                fontsize=FONT, color=color)
    for i in range(m):
        ax.text(i * (1 + gap) + 0.5, -0.1, f"image {i}", ha="center", va="top", fontsize=FONT - 1)
    ax.set_title(f"X ({m}, {h}, {w}, {c}): one mean and variance per channel, over its "
                 f"m·h·w = {m * h * w} values (a row)", fontsize=FONT + 1)
    ax.stats = (mu, var)
    return ax
