"""nnbook/plot/curves.py: loss curves, gradient norms per layer and decision boundaries
draw what they are given (lines, labels, the classes' regions) and refuse what they
cannot draw."""

import matplotlib

matplotlib.use("Agg")   # also set in conftest.py; repeated so this file runs on its own

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)
from nnbook import plot  # noqa: E402


def test_loss_curve_from_history():
    h = nb.History()
    h.history = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.6, 0.4], "lr": [0.1, 0.1, 0.1]}
    ax = plot.loss_curve(h)
    assert ax.get_title() == "Training loss"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    lines = ax.get_lines()
    # not the raw keys; the word of Part III's text (held-out), and Part II's (validation)
    assert [l.get_label() for l in lines] == ["training", "held-out (validation)"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [1.1, 0.6, 0.4])
    assert ax.get_legend() is not None


def test_loss_curve_from_fit():
    X, y = nb.data.xor()
    model = nb.Sequential([nb.Dense(2, 3, rng=np.random.default_rng(0)), nb.Sigmoid(),
                           nb.Dense(3, 1, rng=np.random.default_rng(1)), nb.Sigmoid()])
    model.compile("sgd", "mse")
    history = model.fit(X, y, epochs=4, verbose=0, rng=np.random.default_rng(0))
    line, = plot.loss_curve(history).get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])


def test_loss_curve_list_single_line_no_legend():
    ax = plot.loss_curve([3.0, 2.0], title="MSE", logy=True)
    assert len(ax.get_lines()) == 1 and ax.get_legend() is None
    assert ax.get_title() == "MSE" and ax.get_yscale() == "log"


def test_loss_curve_runs_share_an_axis():
    fig, ax = plt.subplots()
    out = plot.loss_curve([3.0, 2.0], ax, label="lr=0.1")
    assert out is ax
    plot.loss_curve({"loss": [4.0, 1.0]}, ax, label="lr=1")
    assert [l.get_label() for l in ax.get_lines()] == ["lr=0.1", "lr=1 training"]
    assert ax.get_legend() is not None


def test_loss_curve_rejects_empty():
    with pytest.raises(ValueError, match=r"non-empty 1-D sequence of losses for 'training'"):
        plot.loss_curve([])


def test_decision_boundary_with_callable_sigmoid_output():
    X, y = nb.data.xor()
    ax = plot.decision_boundary(lambda P: (P[:, :1] > 0.5).astype(float), X, y, resolution=20)
    assert ax.get_xlabel() == "x₁" and ax.get_ylabel() == "x₂"
    assert ax.get_title() == "Decision boundary"
    assert len(ax.collections) >= 3                      # filled contour + one scatter per class
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["class 0", "class 1"]
    assert ax.get_xlim() == pytest.approx((-0.25, 1.25))


def test_decision_boundary_with_model_and_one_hot():
    X, labels = nb.data.spirals(10, 3, rng=np.random.default_rng(0))
    model = nb.Sequential([nb.Dense(2, 3, rng=np.random.default_rng(0)), nb.Softmax()])
    ax = plot.decision_boundary(model, X, nb.data.one_hot(labels), resolution=15, title="spirals")
    assert ax.get_title() == "spirals"
    assert len(ax.get_legend().get_texts()) == 3


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((4, 3)), np.zeros(4, int), r"X of shape \(m, 2\).*got \(4, 3\)"),
    (np.zeros((4, 2)), np.zeros(3, int), r"X has 4 points but y has 3"),
])
def test_decision_boundary_errors(X, y, match):
    with pytest.raises(ValueError, match=match):
        plot.decision_boundary(lambda P: P, X, y)


def test_decision_boundary_bad_model_output():
    X, y = nb.data.xor()
    with pytest.raises(ValueError, match=r"expected scores of shape \(100, k\)"):
        plot.decision_boundary(lambda P: P[:5], X, y, resolution=10)


def test_gradient_norms_one_line_per_setting():
    norms = {"sigmoid": [1e-8, 1e-4, 1e-1], "relu": [0.5, 1.0, 2.0]}
    ax = plot.gradient_norms(norms)
    assert ax.get_title() == "Gradient norm per layer"
    assert ax.get_xlabel() == "layer (1 = next to the input)"
    assert ax.get_ylabel() == "‖∂E/∂W‖"
    assert ax.get_yscale() == "log"
    lines = ax.get_lines()
    assert [l.get_label() for l in lines] == ["sigmoid", "relu"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [0.5, 1.0, 2.0])
    assert ax.get_legend() is not None


def test_gradient_norms_linear_axis_title_and_given_axis():
    _, ax = plt.subplots()
    out = plot.gradient_norms({"net": np.array([1.0, 2.0])}, ax, title="ReLU", logy=False)
    assert out is ax and ax.get_title() == "ReLU" and ax.get_yscale() == "linear"
    assert len(plt.get_fignums()) == 1


def test_gradient_norms_from_diagnostics():
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 1, rng=rng)])
    norms = nb.diagnostics.gradient_norms(model, rng.standard_normal((5, 3)),
                                          rng.standard_normal((5, 1)), loss="mse")
    ax = plot.gradient_norms({"tanh": norms})
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), norms)


def test_gradient_norms_errors():
    with pytest.raises(ValueError, match=r"non-empty dict \{label: norms per layer\}, got list"):
        plot.gradient_norms([1.0, 2.0])
    with pytest.raises(ValueError, match=r"non-empty dict"):
        plot.gradient_norms({})
    with pytest.raises(ValueError, match=r"1-D array of norms for 'bad', got shape \(2, 2\)"):
        plot.gradient_norms({"bad": np.ones((2, 2))})
    with pytest.raises(ValueError, match=r"got shape \(0,\)"):
        plot.gradient_norms({"empty": []})
