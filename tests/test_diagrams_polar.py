"""nnbook/diagrams/polar.py: the dots are the singular values of G/‖G‖_F (above) and of
Newton–Schulz's result (below), each joined to the value its own singular vectors get, and
the shaded band is newton_schulz_band's for the smallest; and its errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)
from nnbook.diagrams.polar import BOTTOM, TOP, X  # noqa: E402

CUBIC = (1.5, -0.5, 0.0)
_rng = np.random.default_rng(3400)
_Q1 = np.linalg.qr(_rng.normal(size=(12, 8)))[0]
_Q2 = np.linalg.qr(_rng.normal(size=(8, 8)))[0]
S = np.geomspace(1, 0.05, 8)
G = 30 * (_Q1 * S) @ _Q2.T


def dots(ax, label):
    line = next(l for l in ax.lines if l.get_label() == label)
    return np.asarray(line.get_xdata()) / X, np.asarray(line.get_ydata())


@pytest.mark.parametrize("coefficients", [(3.4445, -4.775, 2.0315), CUBIC])
def test_the_dots_are_the_singular_values_before_and_after(coefficients):
    """Catches dots from G unnormalised, from the wrong result (another step count or the
    cubic for the quintic), or joined to another singular value than their own."""
    ax = nb.diagrams.newton_schulz_spectrum(G, 5, coefficients)
    before, y_before = dots(ax, "σ before")
    after, y_after = dots(ax, "σ after")
    np.testing.assert_allclose(before, S / np.linalg.norm(S), rtol=1e-12)
    out = np.linalg.svd(nb.newton_schulz(G, 5, coefficients), compute_uv=False)
    np.testing.assert_allclose(np.sort(after), np.sort(out), atol=1e-12)
    a, b, c = coefficients
    x = S / np.linalg.norm(S)
    for _ in range(5):
        x = a * x + b * x**3 + c * x**5
    np.testing.assert_allclose(after, x, atol=1e-10)           # each σ_i's own image
    assert np.all(y_before == TOP) and np.all(y_after == BOTTOM)
    joins = [l for l in ax.lines if l.get_label() == "carried"]
    assert len(joins) == 8
    for line, b0, a0 in zip(joins, before, after):
        np.testing.assert_allclose(line.get_xdata(), [X * b0, X * a0])


def test_the_band_is_newton_schulz_bands():
    ax = nb.diagrams.newton_schulz_spectrum(G)
    low, high = nb.newton_schulz_band(5, smallest=S[-1] / np.linalg.norm(S))
    band = [p for p in ax.patches if p.get_label() == "band"]
    assert len(band) == 1
    assert band[0].get_x() == pytest.approx(X * low)
    assert band[0].get_width() == pytest.approx(X * (high - low))
    assert f"band [{low:.3f}, {high:.3f}]" in texts(ax)
    assert "before" in texts(ax) and "after 5\nsteps" in texts(ax)


@pytest.mark.parametrize("G, match", [
    (np.ones(4), "2-D array"),
    (np.zeros((3, 4)), "non-zero matrix"),
    (np.ones((3, 4)), "full rank"),
    (np.ones((70, 70)) + np.eye(70), "at most 64"),
])
def test_errors(G, match):
    with pytest.raises(ValueError, match=match):
        nb.diagrams.newton_schulz_spectrum(G)


# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "newton_schulz_spectrum": [
        lambda: nb.diagrams.newton_schulz_spectrum(G),
        lambda: nb.diagrams.newton_schulz_spectrum(G, 5, CUBIC)],
}
