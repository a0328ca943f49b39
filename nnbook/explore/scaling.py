"""A fitted scaling law against the token budget and the model size (chapter 32): the law
L(N, D) = E + A/N^α + B/D^β at one size as the budget grows, with its fitted floor E and the
exact floor, and the same compute C = 6·N·D split between N and D, the fit's optimum marked.
``scaling_budget`` is the explorable (move log₁₀ N and log₁₀ D), ``scaling_budget_figure``
its static figure; both draw from a fit's numbers alone, so they are instant.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT, plain_axes
from ._widgets import LINE, PATH, _explorable, _float

__all__ = ["scaling_budget", "scaling_budget_figure"]

FITTED = "#c0392b"           # the fitted E and its band
SIZE = "#7f7f7f"             # E + A/N^α: the best this size can reach


def _checked(owner, fit, floor, log10_N, log10_D):
    if not all(np.isfinite(getattr(fit, k, np.nan)) for k in ("E", "A", "alpha", "B", "beta")):
        raise ValueError(f"{owner}: expected a ScalingFit (nb.fit_scaling_law's result), "
                         f"got {type(fit).__name__}.")
    if min(fit.A, fit.B, fit.alpha, fit.beta) <= 0:
        raise ValueError(f"{owner}: the fit has A={fit.A:.3g}, alpha={fit.alpha:.3g}, "
                         f"B={fit.B:.3g}, beta={fit.beta:.3g}; the law falls with N and D "
                         f"only when all four are positive.")
    if not (np.isscalar(floor) and np.isfinite(floor)):
        raise ValueError(f"{owner}: expected the exact floor as a number (nats), got "
                         f"{floor!r}.")
    for name, v, low, high in (("log10_N", log10_N, 1.0, 9.0), ("log10_D", log10_D, 2.0, 12.0)):
        if not (np.isscalar(v) and low <= v <= high):
            raise ValueError(f"{owner}: expected {name} from {low:g} to {high:g}, got {v!r}.")
    return float(log10_N), float(log10_D)


def _numbers(fit, floor, log10_N, log10_D):
    """The size N, budget D, compute C, the law's three parts there and its optimum at C."""
    N, D = 10.0 ** log10_N, 10.0 ** log10_D
    size, data = fit.A * N ** -fit.alpha, fit.B * D ** -fit.beta
    C = 6 * N * D
    n_opt, d_opt = fit.compute_optimal(C)
    return N, D, C, size, data, float(n_opt), float(d_opt)


def _caption(fit, floor, log10_N, log10_D):
    N, D, C, size, data, n_opt, d_opt = _numbers(fit, floor, log10_N, log10_D)
    L = fit.E + size + data
    where = (f"{L - floor:.3f} above the exact floor {floor:.3f}" if L >= floor else
             f"{floor - L:.3f} below the exact floor {floor:.3f}, which no such model "
             f"reaches: here the law extrapolates past the truth")
    return (f"N = {N:,.0f}, D = {D:,.0f}: the fit predicts {L:.3f} = E {fit.E:.3f} + size "
            f"{size:.3f} + data {data:.3f}, {where}. At this compute C = {C:.2g} the fit's best split is N* = "
            f"{n_opt:,.0f}, D* = {d_opt:,.0f} ({d_opt / n_opt:.1f} tokens per parameter; "
            f"here {D / N:.1f}), loss {fit.predict(n_opt, d_opt):.3f}")


def scaling_budget_figure(fit, floor, log10_N: float = 3.5, log10_D: float = 4.5):
    """Left: the fitted loss against the budget D at this size N (log axis), E + A/N^α (the
    best this size reaches) dotted, the fitted E with its ±2 SE band, the exact floor dashed,
    the point D marked. Right: the fitted loss along the same compute C = 6·N·D against N,
    this N and the fit's optimum N* marked. ``fit`` a ``ScalingFit``, ``floor`` in nats.
    Chapter 32."""
    log10_N, log10_D = _checked("scaling_budget_figure", fit, floor, log10_N, log10_D)
    N, D, C, size, data, n_opt, d_opt = _numbers(fit, floor, log10_N, log10_D)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.4), layout="constrained")
    d = np.geomspace(10 ** (log10_D - 2), 10 ** (log10_D + 2), 200)
    left.plot(d, fit.predict(N, d), color=LINE, lw=1.8, label="fitted L(N, D)")
    # drawn above the floor (zorder) and with both values in the legend: the two can lie
    # within a hundredth of a nat of each other
    left.axhline(fit.E + size, color=SIZE, ls=":", lw=2.0, zorder=3,
                 label=rf"E + $A/N^{{\alpha}}$ = {fit.E + size:.3f}")
    se = fit.stderr.get("E", 0.0) if isinstance(fit.stderr, dict) else 0.0
    left.axhspan(fit.E - 2 * se, fit.E + 2 * se, color=FITTED, alpha=0.12, lw=0)
    left.axhline(fit.E, color=FITTED, lw=1.0, label="fitted E ± 2 SE")
    left.axhline(floor, color="k", ls="--", lw=1.2, zorder=2, label=f"exact floor {floor:.3f}")
    left.plot([D], [fit.E + size + data], "o", color=PATH, ms=6)
    left.set_xscale("log")
    left.set_ylim(min(fit.E - 2 * se, floor) - 0.05, max(fit.E + size + data, floor) + 0.35)
    left.set_xlabel("tokens read D", fontsize=FONT)
    left.set_ylabel("loss (nats per character)", fontsize=FONT)
    left.set_title(f"N = {N:,.0f}: the law as the budget grows", fontsize=FONT)
    left.legend(fontsize=FONT - 1, loc="upper right", frameon=False)
    n = np.geomspace(min(N, n_opt) / 30, max(N, n_opt) * 30, 200)
    curve = fit.predict(n, C / (6 * n))
    right.plot(n, curve, color=LINE, lw=1.8)
    right.axhline(floor, color="k", ls="--", lw=1.2)
    right.plot([N], [fit.predict(N, D)], "o", color=PATH, ms=6, label="this split")
    right.plot([n_opt], [fit.predict(n_opt, d_opt)], "*", color="k", ms=10,
               label=f"N* = {n_opt:,.0f}")
    right.set_xscale("log")
    # the curve, both points and the floor inside the frame, with room above for the
    # legend: far past the grid the curve is nearly flat and the floor lies above it
    low = min(curve.min(), floor) - 0.05
    high = max(min(curve.max(), max(fit.predict(N, D), floor) + 1.0), floor, fit.predict(N, D))
    right.set_ylim(low, high + max(0.3 * (high - low), 0.1))
    right.set_xlabel("parameters N (D = C / 6N)", fontsize=FONT)
    right.set_title(f"the same compute C = {C:.2g}, split between N and D", fontsize=FONT)
    right.legend(fontsize=FONT - 1, loc="upper center", frameon=False)
    for ax in (left, right):
        plain_axes(ax)
    return fig


def scaling_budget(fit, floor, log10_N: float = 3.5, log10_D: float = 4.5):
    """Move the model size and the token budget: the caption reads the fitted loss in its
    three parts, its distance to the exact floor, and the fit's best split of the same
    compute. Figure: ``scaling_budget_figure``. Chapter 32."""
    import ipywidgets as w
    log10_N, log10_D = _checked("scaling_budget", fit, floor, log10_N, log10_D)
    controls = {"log10_N": _float(w, "log₁₀ N", log10_N, 2.0, 7.0, 0.05),
                "log10_D": _float(w, "log₁₀ D", log10_D, 3.0, 9.0, 0.05)}
    return _explorable(controls, lambda log10_N, log10_D: scaling_budget_figure(
        fit, floor, log10_N, log10_D), lambda log10_N, log10_D: _caption(
        fit, floor, log10_N, log10_D))
