"""The diagram of a group's reward patterns (chapter 29), drawn from the cell's numbers:
every pattern of G rewards, its probability at success rate p, each answer's advantage and
what the pattern adds to the expected update's weight on the successes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..plot.style import FONT
from ..evaluation.grpo import grpo_advantages, reward_patterns
from ._draw import BACK, SERIES, _box, _canvas

__all__ = ["group_patterns"]

SUCCESS, FAILURE = "#d5f5e3", "#f2f3f4"        # a reward of 1, a reward of 0
BAR = 3.0                                        # the length of the largest bar, in units


def group_patterns(G: int, p: float, kind: str = "std population", *, ax=None):
    """One row per reward pattern of a group of ``G`` answers (G ≤ 5), sorted by the number
    of successes k: a box per answer (green: reward 1) holding its advantage under
    ``kind``, then the pattern's probability p^k (1 − p)^(G−k) as a bar, and its term
    P(r) · (1/G) Σ_{r_i = 1} A_i of the expected weight on the successes (red where the
    group teaches nothing: all rewards equal). Chapter 29."""
    owner = "group_patterns"
    if isinstance(G, bool) or not isinstance(G, (int, np.integer)) or not 2 <= G <= 5:
        raise ValueError(f"{owner}: expected G an integer from 2 to 5 (2^G rows), got {G!r}.")
    if not (np.isscalar(p) and 0 <= p <= 1):
        raise ValueError(f"{owner}: expected p in [0, 1] (the success rate), got {p!r}.")
    R = reward_patterns(G)
    k = R.sum(axis=1)
    R = R[np.argsort(k, kind="stable")]
    k = R.sum(axis=1)
    prob = p ** k * (1 - p) ** (G - k)
    A = grpo_advantages(R.astype(float), kind)
    term = prob * (A * R).sum(axis=1) / G
    rows = len(R)
    x_bar, x_term = G * 1.1 + 0.6, G * 1.1 + 1.4 + BAR
    ax = _canvas(ax, (-0.8, x_term + BAR + 3.2), (-rows * 0.8 - 0.3, 1.4), scale=0.42)
    ax.text(-0.6, 0.9, f"advantages ({kind})", ha="left", fontsize=FONT)
    ax.text(x_bar, 0.9, "P(pattern)", ha="left", fontsize=FONT)
    ax.text(x_term, 0.9, "P · (1/G) Σ₊ A", ha="left", fontsize=FONT)
    top_p, top_t = max(prob.max(), 1e-300), max(np.abs(term).max(), 1e-300)
    for j in range(rows):
        y = -j * 0.8
        for i in range(G):
            _box(ax, (i * 1.1, y), f"{A[j, i]:+.2f}", 1.0, 0.66,
                 fc=SUCCESS if R[j, i] else FAILURE, fontsize=FONT - 1,
                 tag="success" if R[j, i] else "failure", rounding=0.05)
        ax.add_patch(Rectangle((x_bar, y - 0.22), BAR * prob[j] / top_p, 0.44, fc=SERIES[0],
                               lw=0, label="probability"))
        ax.text(x_bar + BAR + 0.1, y, f"{prob[j]:.3f}", va="center", fontsize=FONT - 1)
        flat = k[j] in (0, G)
        ax.add_patch(Rectangle((x_term, y - 0.22), BAR * term[j] / top_t, 0.44,
                               fc=BACK if flat else SERIES[2], lw=0, label="term"))
        ax.text(x_term + BAR + 0.1, y, "0 (all equal)" if flat else f"{term[j]:.3f}",
                va="center", fontsize=FONT - 1)
    ax.set_title(f"G = {G}, p = {p:.2f}: the weight on the successes is "
                 f"{term.sum():.3f} = w · p(1 − p)", fontsize=FONT)
    return ax
