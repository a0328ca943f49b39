"""Momentum and Nesterov's look-ahead as vectors on the loss surface (chapter 11),
drawn from the cell's own numbers: one step of each from the same weights and
velocity. Reached as ``nb.diagrams.momentum_vectors``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT
from ._draw import _arrow, _canvas

__all__ = ["momentum_vectors"]

CARRY = "#555555"             # the velocity carried over, μu
HEAVY = "#1f77b4"             # heavy ball (gradient at w)
AHEAD = "#d62728"             # Nesterov (gradient at the look-ahead point)


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
