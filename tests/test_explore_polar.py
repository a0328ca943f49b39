"""nnbook/explore/polar.py: the figure's curves are the scalar polynomials iterated, its band
is newton_schulz_band's, the caption reads both bands; and its errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)
from nnbook.explore.polar import _caption  # noqa: E402

QUINTIC, CUBIC = (3.4445, -4.775, 2.0315), (1.5, -0.5, 0.0)


def iterate(x, coefficients, steps):
    a, b, c = coefficients
    for _ in range(steps):
        x = a * x + b * x**3 + c * x**5
    return x


@pytest.mark.parametrize("steps, smallest", [(5, 0.01), (2, 0.3), (8, 1e-4)])
def test_the_curves_and_the_band_are_the_maps(steps, smallest):
    """Catches curves of another step count or polynomial, or a band from another σ_min."""
    ax = nb.explore.newton_schulz_steps_figure(steps, smallest).axes[0]
    quintic, cubic = (next(l for l in ax.lines if l.get_label().startswith(name))
                      for name in ("quintic", "cubic"))
    x = np.asarray(quintic.get_xdata())
    np.testing.assert_allclose(quintic.get_ydata(), iterate(x, QUINTIC, steps), atol=1e-12)
    np.testing.assert_allclose(cubic.get_ydata(), iterate(x, CUBIC, steps), atol=1e-12)
    low, high = nb.newton_schulz_band(steps, smallest=smallest)
    band = next(p for p in ax.patches if p.get_label().startswith("band"))
    # axhspan draws a Polygon before matplotlib 3.9 and a Rectangle since: read its corners
    corners = band.get_patch_transform().transform(band.get_path().vertices)
    assert corners[:, 1].min() == pytest.approx(low)
    assert corners[:, 1].max() == pytest.approx(high)
    inside = iterate(np.geomspace(smallest, 1, 2001), QUINTIC, steps)
    assert low - 1e-12 <= inside.min() and inside.max() <= high + 1e-12


def test_the_caption_reads_both_bands():
    text = _caption(5, 0.01)
    low, high = nb.newton_schulz_band(5, smallest=0.01)
    c_low, c_high = nb.newton_schulz_band(5, CUBIC, smallest=0.01)
    assert f"[{low:.3f}, {high:.3f}]" in text and f"[{c_low:.3f}, {c_high:.3f}]" in text


@pytest.mark.parametrize("steps, smallest, match", [
    (0, 0.01, "steps an integer"), (True, 0.01, "steps an integer"),
    (5, 0.0, "smallest"), (5, 2.0, "smallest")])
def test_errors(steps, smallest, match):
    with pytest.raises(ValueError, match=match):
        nb.explore.newton_schulz_steps_figure(steps, smallest)
