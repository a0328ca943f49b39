"""Tokens routed to experts (chapter 33): each token joined to the k experts its router
chose, the line's width its renormalised weight, a choice past an expert's capacity dashed
(dropped), and each expert's load against its capacity.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT

__all__ = ["moe_routing"]


def moe_routing(chosen, weights, n_experts, *, kept=None, capacity=None, labels=None,
                ax=None):
    """Tokens on the left, one a row, experts on the right; a line from token t to each
    expert it chose, as wide as its weight; a dropped choice (``kept`` False) dashed and
    grey. Each expert is labelled with its load (the choices it received, dropped ones
    included) and, when given, its capacity.

    Shapes:
        chosen: (N, k) expert ids;  weights: (N, k);  kept: (N, k) bool or None (all kept)
    Args:
        n_experts: E, the experts drawn (ids 0 … E − 1).
        capacity: C, written beside each expert's load (None: no limit).
        labels: N strings for the tokens (None: "token 0", "token 1", …).
    Returns the Axes. Chapter 33.
    """
    chosen = np.asarray(chosen)
    weights = np.asarray(weights, dtype=np.float64)
    if chosen.ndim != 2 or weights.shape != chosen.shape:
        raise ValueError(f"moe_routing: expected chosen and weights of one shape (N, k), got "
                         f"{chosen.shape} and {weights.shape}.")
    if chosen.size and (chosen.min() < 0 or chosen.max() >= n_experts):
        raise ValueError(f"moe_routing: expected expert ids in 0 … {n_experts - 1}, got "
                         f"{chosen.min()} to {chosen.max()}.")
    kept = np.ones(chosen.shape, dtype=bool) if kept is None else np.asarray(kept, dtype=bool)
    N = len(chosen)
    labels = [f"token {t}" for t in range(N)] if labels is None else list(labels)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.45 * max(N, n_experts) + 1), layout="constrained")
    y_tok = np.linspace(1, 0, N) if N > 1 else np.array([0.5])
    y_exp = np.linspace(0.9, 0.1, n_experts) if n_experts > 1 else np.array([0.5])
    for t, j in np.ndindex(chosen.shape):
        e = chosen[t, j]
        style = dict(color="C0", lw=0.5 + 4 * weights[t, j]) if kept[t, j] else \
            dict(color="0.6", lw=1.0, ls="--")
        ax.plot([0, 1], [y_tok[t], y_exp[e]], **style)
    load = np.bincount(chosen.ravel(), minlength=n_experts)
    for t, y in enumerate(y_tok):
        ax.text(-0.03, y, labels[t], ha="right", va="center", fontsize=FONT)
    for e, y in enumerate(y_exp):
        cap = f" / C = {capacity}" if capacity is not None else ""
        ax.text(1.03, y, f"expert {e}: load {load[e]}{cap}", ha="left", va="center",
                fontsize=FONT, bbox=dict(boxstyle="round", fc="0.95", ec="0.5"))
    dropped = int((~kept).sum())
    ax.set_title(f"{N} tokens, k = {chosen.shape[1]}: width = weight"
                 + (f", dashed = dropped ({dropped})" if dropped else ""), fontsize=FONT + 1)
    ax.set_xlim(-0.35, 1.55)
    ax.set_ylim(-0.08, 1.08)
    ax.axis("off")
    return ax
