"""nnbook/explore/state.py: the share of the values a d × d state loses against the pairs
written (best state, Hebbian sum and its best rescaling in closed form, the delta rule
measured), its figure and the widget's caption."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)
from nnbook.experiments import state_memory  # noqa: E402


def test_closed_forms_by_hand():
    s = nb.explore.recall_capacity_numbers(12, 8)
    assert s["best state"] == pytest.approx(1 / 3)
    assert s["Hebbian"] == pytest.approx(11 / 8)
    assert s["Hebbian, rescaled"] == pytest.approx(11 / 19)
    small = nb.explore.recall_capacity_numbers(4, 8)
    assert small["best state"] == 0.0                       # N ≤ d: the best state is exact
    one = nb.explore.recall_capacity_numbers(1, 8)           # one unit key, β = 1: exact
    assert one["delta rule"] < 1e-20 and one["Hebbian"] == 0.0


def test_the_rescaling_is_the_best_scale_of_the_hebbian_sum():
    """(N − 1)/(N + d − 1) is min over c of (c − 1)² + c²(N − 1)/d, the expected loss of
    c times the Hebbian read (each of the N − 1 other pairs adds crosstalk of mean square
    1/d); a scan over c finds the same minimum."""
    N, d = 12, 8
    c = np.linspace(0, 1.5, 15001)
    assert np.min((c - 1) ** 2 + c ** 2 * (N - 1) / d) == pytest.approx(
        nb.explore.recall_capacity_numbers(N, d)["Hebbian, rescaled"], abs=1e-7)


@pytest.mark.parametrize("N, d", [(3, 4), (12, 8)])
def test_the_delta_rule_is_state_memorys_write_on_the_same_draws(N, d):
    rng = np.random.default_rng(0)                            # the module's 200 draws
    keys = rng.normal(size=(200, 32, d))
    keys /= np.linalg.norm(keys, axis=-1, keepdims=True)
    values = rng.normal(size=(200, 32, d))
    shares = []
    for k, v in zip(keys[:, :N], values[:, :N]):
        S = state_memory.write_all(k.T, v.T, "delta")
        shares.append(np.sum((S @ k.T - v.T) ** 2) / np.sum(v ** 2))
    assert nb.explore.recall_capacity_numbers(N, d)["delta rule"] == pytest.approx(
        np.mean(shares), rel=1e-10)


def test_figure_draws_each_curve_and_marks_n():
    fig = nb.explore.recall_capacity_figure(12, 8)
    (ax,) = fig.axes
    curves = [line for line in ax.lines if len(line.get_xdata()) == 32]
    assert len(curves) == 4
    assert np.allclose(curves[0].get_ydata(), np.maximum(0, 1 - 8 / np.arange(1, 33)))
    marks = [line for line in ax.lines if len(line.get_xdata()) == 1]
    assert [m.get_xdata()[0] for m in marks] == [12] * 4
    assert ax.get_title() == "Recall from a state of 8 × 8 numbers"


def test_caption_and_widget():
    pytest.importorskip("ipywidgets")
    box = nb.explore.recall_capacity(12, 8)
    caption = box.children[1]
    n_slider, d_slider = box.children[0].children
    assert "N = 12 pairs, state 8 × 8, share of the values lost: best state 0.333" in (
        caption.value)
    n_slider.value = 16
    assert "N = 16 pairs, state 8 × 8, share of the values lost: best state 0.500" in (
        caption.value) and box.redraws == 2
    d_slider.value = 16
    assert "best state 0.000" in caption.value and "Hebbian 0.938" in caption.value


@pytest.mark.parametrize("args, match", [((0, 8), "N an integer from 1 to 32"),
                                         ((4, 1), "d an integer from 2 to 16"),
                                         ((4.0, 8), "got 4.0")])
def test_errors(args, match):
    with pytest.raises(ValueError, match=match):
        nb.explore.recall_capacity_figure(*args)
