"""How many tokens a capacity factor drops when routing is balanced on average (chapter 33):
with E experts, k a token and N tokens each choosing k different experts uniformly at
random, each expert's load is exactly Binomial(N, k/E), so the expected share of the k·N
choices past a capacity C = ceil(c·k·N/E) is E · Σ_n max(0, n − C) · P(load = n) / (k·N);
the load's max/mean is measured on fixed draws. ``moe_capacity`` is the explorable,
``moe_capacity_figure`` its static figure and ``moe_capacity_numbers`` the numbers.
"""

from __future__ import annotations

import functools
import math

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT, plain_axes
from ._widgets import LINE, _explorable, _int

__all__ = ["moe_capacity", "moe_capacity_figure", "moe_capacity_numbers"]

DRAWS = 500                       # the load max/mean's random routings
FACTORS = np.round(np.arange(0.5, 2.001, 0.05), 2)


def _checked(owner, E, k, N):
    for name, v, low, high in (("E", E, 1, 64), ("k", k, 1, 64), ("N", N, 1, 4096)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not low <= v <= high:
            raise ValueError(f"{owner}: expected {name} an integer from {low} to {high}, "
                             f"got {v!r}.")
    if k > E:
        raise ValueError(f"{owner}: expected k ≤ E (each token picks k different experts), "
                         f"got k={k} with E={E}.")
    return int(E), int(k), int(N)


def expected_dropped_share(E, k, N, c):
    """The expected share of the k·N choices dropped at capacity factor c under uniform
    routing: E · E[max(0, L − C)] / (k·N), L ~ Binomial(N, k/E), C = ceil(c·k·N/E)."""
    C = math.ceil(c * k * N / E)
    p = k / E
    n = np.arange(N + 1)
    log_pmf = (np.array([math.lgamma(N + 1) - math.lgamma(i + 1) - math.lgamma(N - i + 1)
                         for i in n]) + n * math.log(p)
               + (N - n) * (math.log1p(-p) if p < 1 else 0.0))
    pmf = np.exp(log_pmf) if p < 1 else (n == N).astype(float)
    return float(E * np.sum(np.maximum(0, n - C) * pmf) / (k * N)), C


@functools.lru_cache(maxsize=64)
def _max_over_mean(E, k, N, seed=0):
    """The mean over ``DRAWS`` uniform routings (``default_rng(seed)``) of the load's
    max/mean."""
    rng = np.random.default_rng(seed)
    keys = rng.random((DRAWS, N, E))
    chosen = np.argsort(keys, axis=2)[:, :, :k]                 # k different experts each
    loads = np.stack([np.bincount(c.ravel(), minlength=E) for c in chosen])
    return float(np.mean(loads.max(axis=1) / (k * N / E)))


def moe_capacity_numbers(E=8, k=2, N=64, c=1.25):
    """``{"capacity", "dropped share", "load max/mean"}`` for uniform routing of N tokens
    to k of E experts at capacity factor c: C, the exact expected share of the choices
    dropped, and the mean load max/mean over 500 fixed random routings."""
    E, k, N = _checked("moe_capacity_numbers", E, k, N)
    share, C = expected_dropped_share(E, k, N, c)
    return {"capacity": C, "dropped share": share, "load max/mean": _max_over_mean(E, k, N)}


def _caption(E, k, N):
    k = min(k, E)
    s = moe_capacity_numbers(E, k, N)
    return (f"E = {E} experts, k = {k}, N = {N} tokens, routing uniform at random: at "
            f"capacity factor 1.25 (C = {s['capacity']}) {100 * s['dropped share']:.1f} % of "
            f"the choices are dropped; the load's max/mean is {s['load max/mean']:.2f}")


def moe_capacity_figure(E=8, k=2, N=64):
    """The expected share of the choices dropped against the capacity factor c (0.5 to 2),
    for uniform routing of N tokens to k of E experts, with every other k ≤ min(E, 4) in
    grey; c = 1 and Switch's 1.25 marked. Chapter 33."""
    E, k, N = _checked("moe_capacity_figure", E, min(k, E), N)
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    for kk in sorted({*range(1, min(E, 4) + 1), k}):
        y = [expected_dropped_share(E, kk, N, c)[0] for c in FACTORS]
        chosen = kk == k
        ax.plot(FACTORS, y, color=LINE if chosen else "0.7", lw=2.0 if chosen else 1.0,
                label=f"k = {kk}" + (" (chosen)" if chosen else ""))
    share = expected_dropped_share(E, k, N, 1.25)[0]
    ax.plot([1.25], [share], "o", color=LINE, ms=5)
    ax.axvline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_xlim(0.5, 2.0)
    ax.set_ylim(0, 0.55)
    ax.set_xlabel("capacity factor c (C = ceil(c·k·N/E) slots per expert)", fontsize=FONT)
    ax.set_ylabel("expected share dropped", fontsize=FONT)
    ax.set_title(f"Uniform routing of {N} tokens to {E} experts", fontsize=FONT + 1)
    ax.legend(fontsize=FONT - 1, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    plain_axes(ax)
    return fig


def moe_capacity(E=8, k=2, N=64):
    """Move the experts E, the choices per token k (at most E) and the tokens N: the caption
    gives the share a capacity factor of 1.25 drops. Figure: ``moe_capacity_figure``.
    Chapter 33."""
    import ipywidgets as w
    E, k, N = _checked("moe_capacity", E, k, N)
    controls = {"E": _int(w, "E", E, 1, 32), "k": _int(w, "k", k, 1, 8),
                "N": _int(w, "N", N, 16, 512, step=16)}
    return _explorable(controls, moe_capacity_figure, _caption)
