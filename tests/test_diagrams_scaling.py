"""nnbook/diagrams/scaling.py: each column is the fitted law taken apart at one run (E, the
size term, the data term, stacked in that order and summing to the fit's prediction), the
exact floor is drawn where it is, the measured ticks where the losses are; and its errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)
from nnbook.diagrams.scaling import Y  # noqa: E402

FIT = nb.ScalingFit(E=0.5, A=6.0, alpha=0.45, B=25.0, beta=0.35,
                    stderr={"E": 0.02, "A": 1.0, "alpha": 0.1, "B": 2.0, "beta": 0.05},
                    converged=True, rss=0.01, n=25)
N, D = np.array([500.0, 8000.0, 8000.0]), np.array([4000.0, 4000.0, 64000.0])


def parts(ax, name):
    return [p for p in ax.patches if p.get_label() == name]


def test_columns_stack_the_three_terms_of_the_fit():
    """Catches a stack in another order, a term drawn with the other variable (A/D^α), or
    heights that are not the fit's: each column's top is fit.predict(N, D)."""
    ax = nb.diagrams.scaling_terms(FIT, 0.45, N, D)
    E, size, data = (parts(ax, name) for name in
                     ("E (fitted floor)", r"$A/N^{\alpha}$ (size)", r"$B/D^{\beta}$ (data)"))
    assert len(E) == len(size) == len(data) == 3
    np.testing.assert_allclose([p.get_height() for p in E], Y * 0.5)
    np.testing.assert_allclose([p.get_height() for p in size], Y * 6.0 * N ** -0.45)
    np.testing.assert_allclose([p.get_height() for p in data], Y * 25.0 * D ** -0.35)
    for e, s, d in zip(E, size, data):              # each part starts where the last ends
        assert s.get_y() == pytest.approx(e.get_y() + e.get_height())
        assert d.get_y() == pytest.approx(s.get_y() + s.get_height())
    tops = [d.get_y() + d.get_height() for d in data]
    np.testing.assert_allclose(tops, Y * FIT.predict(N, D))
    shown = texts(ax)
    assert f"{FIT.predict(500.0, 4000.0):.3f}" in shown and "N=8,000\nD=64k" in shown


def test_the_floor_and_the_measured_losses_are_where_they_are():
    ax = nb.diagrams.scaling_terms(FIT, 0.45, N, D, measured=[1.3, 0.9, 0.7])
    floor = [l for l in ax.lines if l.get_label() == "exact floor"]
    assert len(floor) == 1 and np.allclose(floor[0].get_ydata(), Y * 0.45)
    ticks = [l.get_ydata()[0] for l in ax.lines if l.get_label() == "measured"]
    np.testing.assert_allclose(ticks, Y * np.array([1.3, 0.9, 0.7]))
    assert "0.450" in texts(ax) and "E = 0.500 ± 0.020" in ax.get_title()


@pytest.mark.parametrize("kwargs, match", [
    (dict(N=N, D=D[:2]), "one length from 1 to 8"),
    (dict(N=-N, D=D), "positive model sizes"),
    (dict(N=N, D=D, floor=np.nan), "floor as a positive number"),
    (dict(N=N, D=D, measured=[1.0]), r"measured of shape \(3,\)"),
])
def test_errors(kwargs, match):
    kwargs = {"floor": 0.45, **kwargs}
    with pytest.raises(ValueError, match=match):
        nb.diagrams.scaling_terms(FIT, **kwargs)


def test_a_negative_term_is_refused():
    with pytest.raises(ValueError, match="negative part"):
        nb.diagrams.scaling_terms(FIT._replace(A=-1.0), 0.45, N, D)


# --- the gallery: each diagram of nnbook/diagrams/scaling.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "scaling_terms": [
        lambda: nb.diagrams.scaling_terms(FIT, 0.45, N, D, measured=[1.3, 0.9, 0.7]),
        lambda: nb.diagrams.scaling_terms(FIT, 0.6, np.geomspace(500, 64000, 8),
                                          np.geomspace(4000, 512000, 8))],
}
