"""The scaling-law plot of chapter 32: ``scaling_fit`` draws a grid's losses against the
tokens read, one colour per model size, the fitted law's curves, the exact floor and the
fitted E with its uncertainty band."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .style import legend

__all__ = ["scaling_fit"]


def scaling_fit(N, D, losses, fit, floor, *, spread=None, entropy=None, labels=None, ax=None):
    """Losses of a grid of sizes × budgets against D (log axis), the fit's curve per size,
    the floor as a dashed line, and the band fit.E ± 2 SE.

    Shapes: N (n_sizes,), D (n_budgets,), losses and spread (n_sizes, n_budgets);
    ``fit`` a ``ScalingFit``; ``floor`` (and ``entropy``, drawn dotted if given) numbers.
    Returns the axis."""
    N, D = np.asarray(N, float), np.asarray(D, float)
    losses = np.asarray(losses, float)
    if losses.shape != (len(N), len(D)):
        raise ValueError(f"scaling_fit: expected losses of shape (len(N), len(D)) = "
                         f"{(len(N), len(D))}, one row per size, got {losses.shape}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2))
    labels = labels or [f"N={int(n):,}" for n in N]
    d_fine = np.geomspace(D[0] / 1.5, D[-1] * 4, 100)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(N)))
    for i, c in enumerate(colors):
        yerr = None if spread is None else np.asarray(spread, float)[i]
        ax.errorbar(D, losses[i], yerr=yerr, fmt="o", color=c, ms=4, label=labels[i])
        ax.plot(d_fine, fit.predict(N[i], d_fine), color=c, lw=1)
    ax.axhline(floor, color="k", ls="--", lw=1, label="exact floor")
    if entropy is not None:
        ax.axhline(entropy, color="gray", ls=":", lw=1, label="entropy per character")
    se = fit.stderr["E"]
    ax.axhspan(fit.E - 2 * se, fit.E + 2 * se, color="C3", alpha=0.15,
               label="fitted E ± 2 SE")
    ax.set_xscale("log")
    ax.set_xlabel("tokens read D")
    ax.set_ylabel("held-out loss (nats/char)")
    ax.set_title("The scaling law's fit against the known floor")
    legend(ax)
    return ax
