"""Test-time compute (chapter 30): n answers against best-of-n with a verifier and majority
vote, both exact, for a prompt whose answer probabilities are given. ``test_time_compute`` is
the explorable, ``test_time_figure`` its static figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT, plain_axes
from ..evaluation.best_of_n import best_of_n_success, majority_vote_success
from ._widgets import LINE, _explorable, _int

__all__ = ["test_time_compute", "test_time_figure"]

HARD = (0.3, 0.4, 0.2, 0.1)        # answer 0 correct, a wrong answer the mode
VOTE = "#ff7f0e"


def test_time_figure(n=15, q=HARD):
    """P(success) against n for best-of-n with an exact verifier, 1 − (1 − q₀)^n, and for
    majority vote (ties lose), exact, answer 0 the correct one; the point n marked. Chapter 30."""
    q = np.asarray(q, dtype=float)
    grid = list(range(1, 62, 4))
    best = [best_of_n_success(q[0], m) for m in grid]
    vote = [majority_vote_success(q, 0, m) for m in grid]
    b, v = best_of_n_success(q[0], n), majority_vote_success(q, 0, n)
    fig, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
    ax.plot(grid, best, color=LINE, label="best-of-n, exact verifier")
    ax.plot(grid, vote, color=VOTE, label="majority vote (ties lose)")
    ax.plot([n], [b], "o", color=LINE)
    ax.plot([n], [v], "o", color=VOTE)
    ax.set_xlabel("n answers drawn", fontsize=FONT)
    ax.set_ylabel("P(success)", fontsize=FONT)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=FONT, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.set_title(f"q = {q.round(2).tolist()}, n = {n}: best-of-n {b:.3f}, vote {v:.3f}",
                 fontsize=FONT + 1)
    plain_axes(ax)
    return fig


def test_time_compute(n=15, q=HARD):
    """n answers against best-of-n and the vote on a prompt with answer probabilities q
    (answer 0 correct). Figure: ``test_time_figure``. Chapter 30."""
    import ipywidgets as w
    q = tuple(float(x) for x in q)
    controls = {"n": _int(w, "n", n, 1, 61)}

    def caption(n):
        b, v = best_of_n_success(q[0], n), majority_vote_success(q, 0, n)
        return (f"n = {n}: best-of-n with a verifier succeeds with {b:.3f}, majority vote "
                f"with {v:.3f}" + (" (the mode is a wrong answer)" if np.argmax(q) else ""))

    return _explorable(controls, lambda n: test_time_figure(n, q), caption)
