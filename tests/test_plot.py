"""nnbook/plot/ as a package (``nb.plot``): ``import nnbook`` does not load matplotlib,
and every function draws on a given axis and returns it."""

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
