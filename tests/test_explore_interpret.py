"""nnbook/explore/interpret.py: the bars are the chosen feature's codes, the shading the
variable's ones, the caption its activity and AUC; the slider redraws; and its errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

TEXT = "the cat runs. do dogs sing?"
_rng = np.random.default_rng(3600)
CODES = np.maximum(_rng.standard_normal((len(TEXT), 5)), 0)
VARIABLE = np.array([1 if c in "do dogs sing?" and t >= 14 else 0 for t, c in enumerate(TEXT)])


@pytest.mark.parametrize("feature", [0, 3])
def test_the_bars_and_the_shading_are_the_codes_and_the_variable(feature):
    """Catches another feature's bars, or shading off by a position."""
    ax = nb.explore.sae_feature_figure(CODES, TEXT, feature, VARIABLE).axes[0]
    bars = next(c for c in ax.containers if c.get_label() == "activation")
    heights = [p.get_height() for p in bars]
    np.testing.assert_array_equal(heights, CODES[:, feature])
    shaded = [p for p in ax.patches if p.get_label() == "variable = 1"]
    assert len(shaded) == VARIABLE.sum()
    auc = nb.interpret.feature_auc(CODES[:, [feature]], VARIABLE)[0]
    assert f"AUC on them for the shaded variable {auc:.2f}" in ax.get_title()
    rate = (CODES[:, feature] > 0).mean()
    assert f"active on {rate:.0%}" in ax.get_title()


def test_the_slider_redraws():
    pytest.importorskip("ipywidgets")
    box = nb.explore.sae_feature(CODES, TEXT, VARIABLE)
    slider = box.children[0].children[0]
    slider.value = 4
    assert box.redraws == 2 and "feature 4" in box.children[1].value


def test_misuse_is_named():
    with pytest.raises(ValueError, match="one row per character"):
        nb.explore.sae_feature_figure(CODES, TEXT[:-1])
    with pytest.raises(ValueError, match="feature an integer from 0 to 4"):
        nb.explore.sae_feature_figure(CODES, TEXT, 5)
