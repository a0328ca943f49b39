"""nnbook/explore/experts.py: the exact expected share a capacity factor drops under
uniform routing (against a simulation and small cases by hand), its figure and the
widget's caption."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)
from nnbook.explore.experts import expected_dropped_share  # noqa: E402


def test_small_cases_by_hand():
    # E = 2, k = 1, N = 2, c = 1: C = 1; both tokens on one expert (probability 1/2)
    # drops 1 of 2 choices, so the expected share is 1/4 (a pmf over k·N, or C rounded
    # down, fails)
    assert expected_dropped_share(2, 1, 2, 1.0) == (pytest.approx(0.25), 1)
    # k = E: every token goes to every expert, load N = C at c = 1: nothing dropped
    assert expected_dropped_share(4, 4, 10, 1.0)[0] == 0.0
    assert expected_dropped_share(4, 4, 10, 0.5)[0] == pytest.approx(0.5)


def test_the_exact_share_against_uniform_routings():
    """2,000 routings of 64 tokens to 2 of 8 experts: the mean share dropped lies within 4
    standard errors of the formula (a false alarm about 1 in 16,000)."""
    rng = np.random.default_rng(1)
    s = nb.explore.moe_capacity_numbers(8, 2, 64, 1.25)
    drops = []
    for _ in range(2000):
        chosen = np.argsort(rng.random((64, 8)), axis=1)[:, :2]
        load = np.bincount(chosen.ravel(), minlength=8)
        drops.append(np.maximum(0, load - s["capacity"]).sum() / 128)
    assert abs(np.mean(drops) - s["dropped share"]) < 4 * np.std(drops) / np.sqrt(2000)
    assert 1.0 < s["load max/mean"] < 2.0


def test_figure_and_caption():
    fig = nb.explore.moe_capacity_figure(8, 2, 64)
    (ax,) = fig.axes
    thick = [ln for ln in ax.lines if ln.get_linewidth() == 2.0]
    assert len(thick) == 1 and thick[0].get_label() == "k = 2 (chosen)"
    x, y = thick[0].get_xdata(), thick[0].get_ydata()
    assert y[np.argmin(abs(x - 1.25))] == pytest.approx(
        nb.explore.moe_capacity_numbers(8, 2, 64)["dropped share"])
    assert "C = 20" in nb.explore.experts._caption(8, 2, 64)


def test_errors_and_widget():
    with pytest.raises(ValueError, match=r"expected k ≤ E .*got k=3 with E=2"):
        nb.explore.moe_capacity_numbers(2, 3, 8)
    with pytest.raises(ValueError, match=r"expected N an integer from 1 to 4096"):
        nb.explore.moe_capacity_figure(4, 1, 0)
    pytest.importorskip("ipywidgets")
    box = nb.explore.moe_capacity(8, 2, 64)
    assert box.redraws == 1
