"""The scaling fit against the floor (chapter 32), drawn from the cell's numbers: the fitted
law L(N, D) = E + A/N^α + B/D^β taken apart at a few runs, one column each, its three parts
stacked above zero, with the exact floor across them and each run's measured loss beside.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..plot.style import FONT
from ._draw import SERIES, _canvas

__all__ = ["scaling_terms"]

FLOOR_PART = "#d5d8dc"                 # E: the part no size and no budget removes
PARTS = (("E (fitted floor)", FLOOR_PART), (r"$A/N^{\alpha}$ (size)", SERIES[0]),
         (r"$B/D^{\beta}$ (data)", SERIES[1]))
Y = 2.5                                # drawing units per nat
STEP, WIDTH = 2.0, 1.3                 # columns' spacing and width


def _count(x):
    return f"{x / 1000:.0f}k" if x >= 10_000 else f"{x:,.0f}"


def scaling_terms(fit, floor, N, D, *, measured=None, ax=None):
    """One column per run (N[i] parameters, D[i] tokens): the fitted loss as its three parts
    stacked, E at the bottom (grey), the size term A/N^α (blue) and the data term B/D^β
    (orange) above it, each part's value written inside when there is room and the total on
    top; the exact ``floor`` as a dashed line across; ``measured`` losses as black ticks.

    Shapes: N, D and measured: (n,) with 1 ≤ n ≤ 8; ``fit`` a ``ScalingFit``
    (``nb.fit_scaling_law``); ``floor`` a number (nats). Returns the Axes. Chapter 32.
    """
    N, D = (np.asarray(a, dtype=np.float64).ravel() for a in (N, D))
    if N.shape != D.shape or not 1 <= N.size <= 8:
        raise ValueError(f"scaling_terms: expected N and D of one length from 1 to 8 (a "
                         f"column per run), got {N.size} and {D.size}.")
    if np.any(~np.isfinite(N)) or np.any(N <= 0) or np.any(~np.isfinite(D)) or np.any(D <= 0):
        raise ValueError("scaling_terms: expected positive model sizes N and budgets D.")
    if not (np.isscalar(floor) and np.isfinite(floor) and floor > 0):
        raise ValueError(f"scaling_terms: expected the floor as a positive number of nats, "
                         f"got {floor!r}.")
    if measured is not None:
        measured = np.asarray(measured, dtype=np.float64).ravel()
        if measured.shape != N.shape:
            raise ValueError(f"scaling_terms: expected measured of shape {N.shape} (a loss "
                             f"per run), got {measured.shape}.")
    parts = np.stack([np.full(N.size, fit.E), fit.A * N ** -fit.alpha,
                      fit.B * D ** -fit.beta], axis=1)                      # (n, 3)
    if np.any(parts < 0):
        raise ValueError(f"scaling_terms: the fit has a negative part (E={fit.E:.3g}, "
                         f"A={fit.A:.3g}, B={fit.B:.3g}); a stack needs all three ≥ 0.")
    total = parts.sum(axis=1)
    top = max(total.max(), floor, 0.0 if measured is None else measured.max())
    right = N.size * STEP + 4.6                                       # the key on the right
    ax = _canvas(ax, (-1.7, right), (-1.35, Y * top + 1.0), scale=0.45)
    for i in range(N.size):
        x, bottom = i * STEP, 0.0
        for (name, colour), h in zip(PARTS, parts[i]):
            ax.add_patch(Rectangle((x, Y * bottom), WIDTH, Y * h, fc=colour, ec="white",
                                   lw=1.0, label=name))
            if Y * h >= 0.38:
                ax.text(x + WIDTH / 2, Y * (bottom + h / 2), f"{h:.3f}", ha="center",
                        va="center", fontsize=FONT - 1)
            bottom += h
        above = total[i] if measured is None else max(total[i], measured[i])
        ax.text(x + WIDTH / 2, Y * above + 0.12, f"{total[i]:.3f}", ha="center",
                va="bottom", fontsize=FONT - 1)
        if measured is not None:
            ax.plot([x - 0.15, x + WIDTH + 0.15], [Y * measured[i]] * 2, color="k", lw=2.2,
                    label="measured")
        ax.text(x + WIDTH / 2, -0.15, f"N={_count(N[i])}\nD={_count(D[i])}", ha="center",
                va="top", fontsize=FONT - 1)
    end = N.size * STEP - (STEP - WIDTH) + 0.2
    ax.plot([-0.3, end], [Y * floor] * 2, color="k", ls="--", lw=1.2, label="exact floor")
    ax.text(-0.4, Y * floor, f"{floor:.3f}", ha="right", va="center", fontsize=FONT - 1)
    keys = [(name, colour) for name, colour in PARTS] + [("exact floor", None)]
    keys += [] if measured is None else [("measured", "k")]
    x0 = N.size * STEP + 0.1
    for j, (name, colour) in enumerate(keys):
        y = Y * top - 0.55 * j
        if name == "exact floor":
            ax.plot([x0, x0 + 0.5], [y, y], color="k", ls="--", lw=1.2)
        elif name == "measured":
            ax.plot([x0, x0 + 0.5], [y, y], color="k", lw=2.2)
        else:
            ax.add_patch(Rectangle((x0, y - 0.17), 0.5, 0.34, fc=colour, lw=0))
        ax.text(x0 + 0.65, y, name, va="center", fontsize=FONT - 1)
    ax.set_title(r"$L = E + A/N^{\alpha} + B/D^{\beta}$" f" at each run: E = {fit.E:.3f} ± "
                 f"{fit.stderr['E']:.3f}, exact floor {floor:.3f}", fontsize=FONT)
    return ax
