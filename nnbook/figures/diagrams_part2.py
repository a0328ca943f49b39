"""Schematic diagrams of Part II (chapters 11–13), drawn from the cell's own numbers:
momentum's and Nesterov's steps as vectors on the loss surface (11), a network with
the units one mini-batch's dropout masks switched off (12), and the values each mean
and variance of batch normalisation is taken over (13). Reached as ``nb.diagrams.<name>``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ._draw import BACK, EDGE, FONT, NODE, _arrow, _canvas, _sub, _unit

__all__ = ["momentum_vectors", "dropout_network", "batchnorm_statistics"]

CARRY = "#555555"             # the velocity carried over, μu
HEAVY = "#1f77b4"             # heavy ball (gradient at w)
AHEAD = "#d62728"             # Nesterov (gradient at the look-ahead point)
CHANNEL = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]   # feature / channel k


# --------------------------------------------------------------------------
# Momentum and Nesterov's look-ahead as vectors (chapter 11)

def momentum_vectors(A, w, u, lr, mu, *, axes=None):
    """One step of momentum (left) and of Nesterov (right) from the same weights w and
    velocity u, on the contours of E(w) = ½ wᵀAw, in nnbook's (Keras') form
    u ← μu − lr·g, w ← w + u.

    Both carry the velocity on, to the look-ahead point w + μu (gray arrow). The heavy
    ball then adds −lr·∇E(w), the gradient taken where it *was* (blue: drawn dashed at
    w, and moved to the look-ahead point); Nesterov adds −lr·∇E(w + μu), the gradient
    taken where the velocity is carrying it (red). The endpoints are the new weights of
    ``nb.SGD(lr, momentum=mu)`` and of Sutskever et al.'s Nesterov form; each Axes'
    ``step_end`` holds its endpoint (2,).

    Shapes:
        A: (2, 2) symmetric positive definite; w, u: (2,)
    Returns the two Axes. Chapter 11.
    """
    import matplotlib.pyplot as plt
    A, w, u = (np.asarray(v, dtype=np.float64) for v in (A, w, u))
    if A.shape != (2, 2) or w.shape != (2,) or u.shape != (2,):
        raise ValueError(f"momentum_vectors: expected A of shape (2, 2) and w, u of shape (2,), got "
                         f"{A.shape}, {w.shape}, {u.shape}. The picture is of a 2-D quadratic.")
    ahead = w + mu * u
    steps = {"heavy ball": (-lr * (A @ w), HEAVY, "−lr·∇E(w), the gradient at w"),
             "Nesterov": (-lr * (A @ ahead), AHEAD, "−lr·∇E(w + μu), at the look-ahead")}
    pts = np.array([w, ahead, w + steps["heavy ball"][0]] + [ahead + d for d, _, _ in steps.values()])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    size = max(hi - lo) + 1e-9
    mid = (lo + hi) / 2
    xlim = (mid[0] - 0.8 * size, mid[0] + 0.95 * size)
    ylim = (mid[1] - 0.95 * size, mid[1] + 0.75 * size)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9.0, 4.6))
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.92, wspace=0.06)
    gx, gy = np.meshgrid(np.linspace(*xlim, 160), np.linspace(*ylim, 160))
    E = 0.5 * (A[0, 0] * gx**2 + 2 * A[0, 1] * gx * gy + A[1, 1] * gy**2)
    levels = np.linspace(E.min(), E.max(), 14)[1:-1]
    pad = 0.1 * size
    for ax, (name, (d, color, what)) in zip(axes, steps.items()):
        _canvas(ax, xlim, ylim)
        ax.contour(gx, gy, E, levels=levels, colors="0.82", linewidths=0.8, zorder=0)
        _arrow(ax, w, ahead, color=CARRY, lw=2.0)
        if name == "heavy ball":
            _arrow(ax, w, w + d, color=HEAVY, lw=1.2)
            ax.texts[-1].arrow_patch.set_linestyle("--")
        _arrow(ax, ahead, ahead + d, color=color, lw=2.2)
        for xy, c in ((w, "black"), (ahead, CARRY), (ahead + d, color)):
            ax.plot(*xy, "o", ms=6, color=c, zorder=6)
        ax.text(*w, "w  ", ha="right", va="center", fontsize=FONT + 1)
        ax.text(*ahead, "  w + μu", ha="left", va="center", fontsize=FONT, color=CARRY)
        ax.text(*(ahead + d), "  new w", ha="left", va="center", fontsize=FONT, color=color)
        ax.text(xlim[0] + pad, ylim[0] + pad, f"gray: μu, the velocity carried on\n"
                f"{'blue' if color == HEAVY else 'red'}: {what}", ha="left", va="bottom", fontsize=FONT,
                bbox=dict(fc="white", ec="none", alpha=0.85))
        ax.set_title(f"{name}: lr = {lr:g}, μ = {mu:g}", fontsize=FONT + 1)
        ax.step_end = ahead + d
    return axes


# --------------------------------------------------------------------------
# A network with the units dropout switched off, one panel per sample (chapter 12)

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
                    _unit(ax, (x0 + k * dx, yj), 0.16, fc="#fdebd0" if k == 0 else NODE)
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


# --------------------------------------------------------------------------
# What batch normalisation averages over (chapter 13)

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
