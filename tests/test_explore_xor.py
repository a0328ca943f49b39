"""nnbook/explore/xor.py: training on XOR is deterministic and solves it."""

import matplotlib

matplotlib.use("Agg")

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

def test_xor_figure_shows_a_solved_xor():
    fig = nb.explore.xor_figure(4, 1.0, 300)
    assert "accuracy 100%" in fig.axes[0].get_title()


def test_xor_training_is_deterministic():
    _, a = nb.explore.train_xor(3, 0.5, 40, seed=1)
    _, b = nb.explore.train_xor(3, 0.5, 40, seed=1)
    assert (a == b).all() and len(a) == 40
