"""nnbook/plot/style.py, the rules every figure follows: legends sit off the data (the
plots' own and ``nb.plot.legend``), and ``plain_axes`` gives the diagrams' and
explorables' axes their ticks at ``FONT`` without a top or right spine."""

import matplotlib

matplotlib.use("Agg")   # also set in conftest.py; repeated so this file runs on its own

import matplotlib.pyplot as plt  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)
from nnbook import plot  # noqa: E402
from nnbook.plot.style import FONT, plain_axes  # noqa: E402


def legend_outside(ax):
    """True when the legend's box lies right of the axes (it covers no data)."""
    fig = ax.figure
    fig.canvas.draw()
    box, frame = ax.get_legend().get_window_extent(), ax.get_window_extent()
    return box.x0 >= frame.x1


def test_legends_sit_off_the_data():
    h = nb.History()
    h.history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}
    assert legend_outside(plot.loss_curve(h))
    assert legend_outside(plot.gradient_norms({"a": [1.0, 2.0], "b": [2.0, 3.0]}))
    X, y = nb.data.xor()
    assert legend_outside(plot.decision_boundary(lambda P: P[:, :1], X, y, resolution=5))
    _, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="a line")
    assert plot.legend(ax) is ax.get_legend() and legend_outside(ax)
    assert ax.get_legend().get_texts()[0].get_fontsize() >= 9


def test_plain_axes():
    _, ax = plt.subplots()
    plain_axes(ax)
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    assert ax.spines["left"].get_visible() and ax.spines["bottom"].get_visible()
    assert ax.xaxis.get_ticklabels()[0].get_fontsize() == FONT >= 9
