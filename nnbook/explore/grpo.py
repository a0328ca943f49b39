"""The expected GRPO update against the group size G and the success rate p (chapter 29):
each advantage's weight per prompt against REINFORCE, and the distribution of the number of
successes in a group with its zero-variance ends. ``group_update`` is the explorable (move G
and p), ``group_update_figure`` its static figure.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT
from ..evaluation.grpo import expected_weight, zero_variance_share
from ._widgets import PATH, _explorable, _float, _int

__all__ = ["group_update", "group_update_figure"]

SHOWN = ("group mean", "std population", "std Bessel", "RLOO")
COLOURS = ("#1f77b4", "#ff7f0e", "#9467bd", "#2ca02c")


def _checked(owner, G, p):
    if isinstance(G, bool) or not isinstance(G, (int, np.integer)) or not 2 <= G <= 16:
        raise ValueError(f"{owner}: expected G an integer from 2 to 16, got {G!r}.")
    if not (np.isscalar(p) and 0 < p < 1):
        raise ValueError(f"{owner}: expected p strictly inside (0, 1), got {p!r}.")
    return int(G), float(p)


def _caption(G, p):
    w = {kind: expected_weight(p, G, kind) for kind in SHOWN}
    return (f"G = {G}, p = {p:.2f}: {zero_variance_share(p, G):.1%} of groups teach nothing; "
            f"weight against REINFORCE: group mean {w['group mean']:.3f}, RLOO "
            f"{w['RLOO']:.3f}, std {w['std population']:.3f}, Bessel {w['std Bessel']:.3f}")


def group_update_figure(G: int = 8, p: float = 0.3):
    """Left: the weight w(p) of the expected update per prompt against REINFORCE's gradient
    for each advantage at this G, p marked. Right: P(k successes of G), the two ends (all
    0, all 1: no update) in red. Chapter 29."""
    G, p = _checked("group_update_figure", G, p)
    grid = np.linspace(0.01, 0.99, 99)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.2), layout="constrained")
    for kind, colour in zip(SHOWN, COLOURS):
        left.plot(grid, expected_weight(grid, G, kind), color=colour, lw=1.6, label=kind)
        left.plot([p], [expected_weight(p, G, kind)], "o", color=colour, ms=5)
    left.axvline(p, color="gray", lw=0.8, ls=":")
    left.set_xlabel("success probability p of the prompt", fontsize=FONT)
    left.set_ylabel("weight against REINFORCE", fontsize=FONT)
    left.set_title(f"expected update per prompt, G = {G}", fontsize=FONT)
    left.legend(fontsize=FONT - 1, loc="upper center", ncols=2, frameon=False)
    left.set_ylim(0, max(3.0, math.sqrt(G - 1) + 0.8))
    k = np.arange(G + 1)
    prob = np.array([math.comb(G, i) * p ** i * (1 - p) ** (G - i) for i in k])
    colours = [PATH if i in (0, G) else "#7f7f7f" for i in k]
    right.bar(k, prob, color=colours)
    right.set_xlabel("successes k in the group", fontsize=FONT)
    right.set_ylabel("probability", fontsize=FONT)
    right.set_title(f"P(k), p = {p:.2f}: red groups teach nothing", fontsize=FONT)
    fig.suptitle(_caption(G, p), fontsize=FONT)
    return fig


def group_update(G: int = 8, p: float = 0.3):
    """Move the group size and the success rate: the caption reads the share of groups that
    teach nothing and each advantage's weight. Figure: ``group_update_figure``. Chapter 29."""
    import ipywidgets as w
    G, p = _checked("group_update", G, p)
    controls = {"G": _int(w, "G", G, 2, 16), "p": _float(w, "p", p, 0.01, 0.99, 0.01)}
    return _explorable(controls, group_update_figure, _caption)

