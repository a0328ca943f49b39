"""nnbook/plot/ as a package (``nb.plot``): ``import nnbook`` does not load matplotlib,
every function draws on a given axis and returns it, and legends sit off the data
(style.py's ``legend``)."""

import sys

import matplotlib

matplotlib.use("Agg")   # also set in conftest.py; repeated so this file runs on its own

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)
from nnbook import plot  # noqa: E402


def test_import_nnbook_does_not_import_matplotlib():
    import subprocess

    code = "import sys, nnbook; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert nb.plot is plot


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


def test_every_function_draws_on_a_given_axis():
    fig, axes = plt.subplots(2, 3)
    X, y = nb.data.xor()
    calls = [
        lambda ax: plot.loss_curve([1.0, 0.5], ax),
        lambda ax: plot.decision_boundary(lambda P: P[:, :1], X, y, ax, resolution=5),
        lambda ax: plot.image_grid(np.zeros((2, 3, 3)), ax=ax),
        lambda ax: plot.confusion_matrix(np.eye(2), ax),
        lambda ax: plot.filters(np.ones((3, 3, 1, 2)), ax),
        lambda ax: plot.feature_maps(np.ones((3, 3, 2)), ax),
    ]
    for call, ax in zip(calls, axes.flat):
        assert call(ax) is ax
    assert len(plt.get_fignums()) == 1
