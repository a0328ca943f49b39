"""nnbook/explore/grpo.py: the expected GRPO update's weight per prompt against p for each
advantage, P(k successes) with its zero-variance ends, and the widget's caption."""

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


def test_figure_draws_the_weights_and_the_binomial():
    fig = nb.explore.group_update_figure(8, 0.3)
    left, right = fig.axes
    mean_line = left.lines[0]
    assert np.allclose(mean_line.get_ydata(), 7 / 8)
    rloo = left.lines[6]                                  # curve, marker per kind: RLOO third
    assert np.allclose(rloo.get_ydata(), 1.0)
    heights = [b.get_height() for b in right.patches]
    assert len(heights) == 9 and sum(heights) == pytest.approx(1.0)
    assert heights[0] == pytest.approx(0.7 ** 8)
    assert fig._suptitle.get_text().startswith(
        f"G = 8, p = 0.30: {0.7 ** 8 + 0.3 ** 8:.1%} of groups teach nothing")


def test_caption_and_widget():
    pytest.importorskip("ipywidgets")
    box = nb.explore.group_update(4, 0.5)
    caption = box.children[1]
    g_slider, p_slider = box.children[0].children
    assert "G = 4, p = 0.50: 12.5% of groups teach nothing" in caption.value
    assert "group mean 0.750, RLOO 1.000" in caption.value
    g_slider.value = 2
    assert "G = 2, p = 0.50: 50.0% of groups" in caption.value and box.redraws == 2
    # at G = 2 the population std of one success and one failure is 1/2: weight 2·(1/2)/1
    assert f"std {0.5 * 2 * 0.5 / 0.25 / 2:.3f}" in caption.value
    assert math.isclose(nb.evaluation.expected_weight(0.5, 2, "std population"), 1.0)


@pytest.mark.parametrize("args, match", [((1, 0.3), "from 2 to 16"), ((4, 0.0),
                                                                       r"inside \(0, 1\)")])
def test_errors(args, match):
    with pytest.raises(ValueError, match=match):
        nb.explore.group_update_figure(*args)
