"""nnbook/explore/gradient_descent.py: the regimes of the learning rate on a parabola."""

import matplotlib

matplotlib.use("Agg")

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

def test_learning_rate_regimes():
    assert [nb.explore.lr_regime(lr) for lr in (0.05, 0.3, 0.8, 1.05)] == \
        ["slow", "good", "oscillating", "diverging"]
    fig = nb.explore.learning_rate_figure(1.05, steps=10)
    assert fig.axes[0].get_title() == "α = 1.05: diverging"
