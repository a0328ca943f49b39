"""nnbook/plot/fields.py: a density's contours with its samples, a vector field's arrows and
snapshots of samples draw what they are given (titles, limits, one panel per frame, arrow
count) and refuse what they cannot draw."""

import matplotlib

matplotlib.use("Agg")   # also set in conftest.py; repeated so this file runs on its own

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)
from nnbook import plot  # noqa: E402


def mixture():
    return nb.data.GaussianMixture([[-1.0, 0.0], [1.0, 0.5]], [0.2 * np.eye(2)] * 2, [0.5, 0.5])


def test_density_with_samples():
    m = mixture()
    x = m.sample(30, rng=np.random.default_rng(0))
    ax = plot.density(m, samples=x, lim=3.0, title="p")
    assert ax.get_title() == "p" and ax.get_xlim() == (-3.0, 3.0)
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    assert len(ax.collections[-1].get_offsets()) == 30
    assert plot.density(m.log_prob).get_title() == "Density"


def test_vector_field_draws_one_arrow_per_grid_point():
    m = mixture()
    ax = plot.vector_field(m.score, n=9, log_prob=m, title="score")
    quiver = [c for c in ax.collections if type(c).__name__ == "Quiver"]
    assert len(quiver) == 1 and quiver[0].N == 81 and ax.get_title() == "score"


def test_snapshots_one_panel_per_frame():
    frames = np.random.default_rng(1).standard_normal((3, 20, 2))
    axes = plot.snapshots(frames, ["a", "b", "c"], log_prob=mixture(), title="path")
    assert [ax.get_title() for ax in axes] == ["a", "b", "c"]
    assert axes[0].figure.get_suptitle() == "path"


def test_errors():
    with pytest.raises(ValueError, match="plot.density: expected a GaussianMixture or a function"):
        plot.density(3)
    with pytest.raises(ValueError, match=r"plot.density: expected samples of shape \(n, 2\)"):
        plot.density(mixture(), samples=np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"vector_field: fn\(points\) returned shape"):
        plot.vector_field(lambda x: x[:, :1])
    with pytest.raises(ValueError, match="plot.snapshots: 1 labels for 2 frames"):
        plot.snapshots([np.zeros((3, 2))] * 2, ["a"])
