"""nnbook/explore/softmax.py: the figure's bars are softmax(z / T)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

def test_softmax_figure_bars_are_the_probabilities():
    fig = nb.explore.softmax_figure((2.0, 1.0, 0.1), 0.5)
    heights = [bar.get_height() for bar in fig.axes[1].patches]
    assert np.allclose(heights, nb.softmax(np.array([2.0, 1.0, 0.1]) / 0.5))
