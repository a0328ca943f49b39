"""nnbook/explore/scaling.py: the figure's curves are the fitted law (against D at one size,
and along one compute against N, its minimum the fit's compute-optimal N*), the floors are
where they are, and the widget's caption reads the law's three parts and the split."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

FIT = nb.ScalingFit(E=0.5, A=6.0, alpha=0.45, B=25.0, beta=0.35,
                    stderr={"E": 0.02, "A": 1.0, "alpha": 0.1, "B": 2.0, "beta": 0.05},
                    converged=True, rss=0.01, n=25)
FLOOR = 0.55


def test_the_curves_are_the_fitted_law():
    """Catches a curve drawn at another N, a compute line that is not N·D = C/6, or an
    optimum that is not the least loss along it."""
    fig = nb.explore.scaling_budget_figure(FIT, FLOOR, 3.0, 5.0)
    left, right = fig.axes
    law = left.lines[0]
    np.testing.assert_allclose(law.get_ydata(), FIT.predict(1e3, law.get_xdata()))
    assert np.allclose(left.lines[1].get_ydata(), 0.5 + 6.0 * 1e3 ** -0.45)    # E + A/N^α
    assert np.allclose(left.lines[2].get_ydata(), 0.5)                         # fitted E
    assert np.allclose(left.lines[3].get_ydata(), FLOOR)                       # exact floor
    C = 6 * 1e3 * 1e5
    line = right.lines[0]
    n = line.get_xdata()
    np.testing.assert_allclose(line.get_ydata(), FIT.predict(n, C / (6 * n)))
    star = right.lines[-1]
    n_opt = star.get_xdata()[0]
    assert n_opt == pytest.approx(FIT.compute_optimal(C)[0])
    assert star.get_ydata()[0] <= line.get_ydata().min() + 1e-12          # the least loss
    assert "C = 6e+08" in right.get_title() and "N = 1,000" in left.get_title()


def test_caption_and_widget():
    pytest.importorskip("ipywidgets")
    box = nb.explore.scaling_budget(FIT, FLOOR, 3.0, 4.0)
    caption = box.children[1]
    n_slider, d_slider = box.children[0].children
    size, data = 6.0 * 1e3 ** -0.45, 25.0 * 1e4 ** -0.35
    L = 0.5 + size + data
    assert (f"N = 1,000, D = 10,000: the fit predicts {L:.3f} = E 0.500 + size {size:.3f} "
            f"+ data {data:.3f}, {L - FLOOR:.3f} above the exact floor 0.550") in caption.value
    d_slider.value = 9.0
    assert box.redraws == 2 and "D = 1,000,000,000" in caption.value
    n_slider.value = 7.0                     # far past the grid: the law dips below the floor
    L = 0.5 + 6.0 * 1e7 ** -0.45 + 25.0 * 1e9 ** -0.35
    assert L < FLOOR and f"{FLOOR - L:.3f} below the exact floor 0.550" in caption.value
    n_opt, d_opt = FIT.compute_optimal(6 * 1e7 * 1e9)
    assert f"N* = {n_opt:,.0f}, D* = {d_opt:,.0f}" in caption.value


@pytest.mark.parametrize("args, match", [
    ((FIT._replace(A=-1.0), FLOOR), "all four are positive"),
    ((FIT, np.nan), "exact floor as a number"),
    ((FIT, FLOOR, 0.5), "log10_N from 1 to 9"),
    ((FIT, FLOOR, 3.0, 20.0), "log10_D from 2 to 12"),
    (("not a fit", FLOOR), "expected a ScalingFit"),
])
def test_errors(args, match):
    with pytest.raises(ValueError, match=match):
        nb.explore.scaling_budget_figure(*args)
