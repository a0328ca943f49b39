"""nnbook/explore/sigmoid.py: the figure says when σ is saturated."""

import matplotlib

matplotlib.use("Agg")

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

def test_sigmoid_figure_marks_saturation():
    assert "saturated" in nb.explore.sigmoid_figure(6.0).axes[0].get_title()
    assert "the steepest point" in nb.explore.sigmoid_figure(0.0).axes[0].get_title()
