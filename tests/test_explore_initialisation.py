"""nnbook/explore/initialisation.py: the gradient-norm axis neither stretches a flat
profile nor cuts an exploding one."""

import matplotlib

matplotlib.use("Agg")

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

def test_init_depth_figure_axes():
    fig = nb.explore.init_depth_figure(0.5, 20)
    assert fig.axes[1].get_title().startswith("gradients: first/last")
    low, high = fig.axes[1].get_ylim()             # nearly equal norms are not stretched over the axis
    assert high / low >= 1e4
    fig = nb.explore.init_depth_figure(3.0, 30)    # exploding: all of the range is shown
    norms_axis = fig.axes[1]
    low, high = norms_axis.get_ylim()
    data = norms_axis.get_lines()[0].get_ydata()
    assert low <= data.min() and data.max() <= high and data.max() / data.min() > 100
