"""The explorable of chapters 15–16 (nnbook/explore/recurrent.py): the Jacobian
norms it measures against the formula (RNN) and finite differences (LSTM, GRU), its
static figure, and the widget (a control redraws it; a deterministic repr)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


def test_rnn_input_gradient_norms_follow_the_jacobian_formula():
    rng = np.random.default_rng(0)
    layer = nb.RNN(3, 4, return_sequences=True, rng=rng)
    x = rng.normal(size=(5, 3))
    H = layer.forward(x[None])[0]                                   # (T, h)
    W_x, W_h = layer.params["W_x"], layer.params["W_h"]
    expected, J = [], np.eye(4)                                     # J = ∂h_T/∂h_t
    for t in range(4, -1, -1):
        expected.append(np.linalg.norm(J @ ((1 - H[t] ** 2)[:, None] * W_x.T), 2))   # ∂h_T/∂x_t
        J = J @ ((1 - H[t] ** 2)[:, None] * W_h.T)
    got = nb.explore.input_gradient_norms(layer, x)
    np.testing.assert_allclose(got, expected[::-1], rtol=1e-12)
    assert layer.return_sequences is True                           # left as it was


@pytest.mark.parametrize("cls", [nb.LSTM, nb.GRU], ids=lambda c: c.__name__)
def test_gated_input_gradient_norms_match_finite_differences(cls):
    rng = np.random.default_rng(1)
    layer = cls(2, 3, rng=rng)
    x = rng.normal(size=(2, 4, 2))                                  # a batch of two sequences
    got = nb.explore.input_gradient_norms(layer, x)
    assert got.shape == (2, 4)
    for i in range(2):
        for t in range(4):
            J = np.zeros((3, 2))
            for k in range(2):
                e = np.zeros_like(x[i:i + 1])
                e[0, t, k] = 1e-6
                J[:, k] = (layer.forward(x[i:i + 1] + e)[0] - layer.forward(x[i:i + 1] - e)[0]) / 2e-6
            assert abs(got[i, t] - np.linalg.norm(J, 2)) < 1e-7 * max(1.0, got[i, t])


def test_input_gradient_norms_names_a_wrong_shape():
    with pytest.raises(ValueError, match=r"input_gradient_norms: expected one sequence \(T, n_in\) or a batch"):
        nb.explore.input_gradient_norms(nb.RNN(2, 3), np.zeros(5))


def test_the_figure_draws_the_bound_and_the_rnn_beside_another_cell():
    fig = nb.explore.gradient_through_time_figure(radius=0.8, T=20, cell="LSTM", input_scale=1e-6)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["RNN (for comparison)", "LSTM", "0.8^(T−t): the RNN's bound on ‖∂h_T/∂h_t‖"]
    rnn, _, bound = ax.lines
    np.testing.assert_allclose(bound.get_ydata(), 0.8 ** bound.get_xdata())
    # tiny inputs: the RNN works in tanh's linear part and decays like 0.8^(T−t) (times W_x's effect)
    assert rnn.get_ydata()[-1] == pytest.approx(1.0)                 # T − t = 0: the last step itself
    assert 0.3 * 0.8 ** 19 < rnn.get_ydata()[0] < 3 * 0.8 ** 19
    assert "LSTM(4 → 16)" in ax.get_title()
    with pytest.raises(ValueError, match="unknown cell 'CNN'"):
        nb.explore.gradient_through_time_figure(cell="CNN")


def points_under_the_legend(ax):
    """How many of the axes' plotted points (those inside the axes) the legend's box covers."""
    ax.figure.canvas.draw()
    legend, = [ax.get_legend()] if ax.get_legend() else ax.figure.legends

    def inside(xy, box):
        return (xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1)

    xy = np.concatenate([line.get_transform().transform(line.get_xydata()) for line in ax.lines])
    return int((inside(xy, legend.get_window_extent()) & inside(xy, ax.get_window_extent())).sum())


@pytest.mark.parametrize("radius, T, cell, scale", [(0.5, 100, "RNN", 2.0), (1.0, 50, "RNN", 1.0),
                                                    (1.1, 100, "LSTM", 2.0), (1.5, 50, "RNN", 1.0)])
def test_the_legend_covers_no_curve(radius, T, cell, scale):
    """CONTRIBUTING's rule, "legends never cover data", across the sliders (a legend in the
    lower left sat on the curves at radius 1.5, and at 0.5 or 1.1 with large inputs)."""
    fig = nb.explore.gradient_through_time_figure(radius=radius, T=T, cell=cell, input_scale=scale)
    assert points_under_the_legend(fig.axes[0]) == 0


def test_the_explorable_redraws_and_has_a_deterministic_repr():
    pytest.importorskip("ipywidgets")
    box = nb.explore.gradient_through_time(T=20)
    controls = {c.description: c for c in box.children[0].children}
    assert set(controls) == {"radius", "T", "cell", "inputs"}
    before = bytes(box.children[2].value)
    controls["cell"].value = "GRU"
    assert box.redraws == 2 and bytes(box.children[2].value) != before
    assert "GRU with W_h = 1 × orthogonal" in box.children[1].value
    assert not plt.get_fignums()
    a = nb.explore.gradient_through_time()._repr_mimebundle_()["text/plain"]
    b = nb.explore.gradient_through_time()._repr_mimebundle_()["text/plain"]
    assert a == b and a.startswith("VBox(children=(HBox(children=(")
