"""nnbook/explore/test_time.py: the figure's curves are the exact formulas, and its title
gives both at the chosen n."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)
from nnbook.evaluation import best_of_n_success, majority_vote_success  # noqa: E402


def test_test_time_figure_draws_the_exact_curves():
    ax = nb.explore.test_time_figure(41).axes[0]
    best, vote = ax.lines[0], ax.lines[1]
    assert np.allclose(best.get_ydata(), [best_of_n_success(0.3, n) for n in best.get_xdata()])
    q = (0.3, 0.4, 0.2, 0.1)
    assert np.allclose(vote.get_ydata(), [majority_vote_success(q, 0, n) for n in vote.get_xdata()])
    assert "n = 41: best-of-n 1.000, vote 0.186" in ax.get_title()
