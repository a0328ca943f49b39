"""Tests for nnbook.plot: each function draws on the Agg backend (set in
conftest.py) and returns its axis; we inspect titles, labels, lines, the
mosaic's shape and the text written on it."""

import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")   # also set in conftest.py; repeated so this file runs on its own

import matplotlib.pyplot as plt  # noqa: E402

import nnbook as nb  # noqa: E402
from nnbook import plot  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_import_nnbook_does_not_import_matplotlib():
    import subprocess

    code = "import sys, nnbook; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert nb.plot is plot


# --------------------------------------------------------------------------
# loss_curve


def test_loss_curve_from_history():
    h = nb.History()
    h.history = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.6, 0.4], "lr": [0.1, 0.1, 0.1]}
    ax = plot.loss_curve(h)
    assert ax.get_title() == "Training loss"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    lines = ax.get_lines()
    assert [l.get_label() for l in lines] == ["training", "validation"]   # not the raw keys
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


# --------------------------------------------------------------------------
# decision_boundary


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


# --------------------------------------------------------------------------
# image_grid


def test_image_grid_one_mosaic_with_gaps():
    images = np.random.default_rng(0).random((7, 5, 4, 1))
    ax = plot.image_grid(images, ncols=3, title="seven")
    assert len(ax.images) == 1
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (3 * 6 - 1, 3 * 5 - 1)       # 3 rows, 3 columns, 1-pixel gaps
    np.testing.assert_array_equal(mosaic[6:11, 5:9], images[4, :, :, 0])   # row 1, column 1
    assert np.ma.is_masked(mosaic[5, 0])                 # a gap
    assert ax.get_title() == "seven" and len(ax.get_xticks()) == 0 and len(ax.get_yticks()) == 0


def test_image_grid_default_columns_and_rgb():
    ax = plot.image_grid(np.random.default_rng(0).random((5, 2, 3, 3)) * 4 - 2)
    mosaic = np.asarray(ax.images[0].get_array())
    assert mosaic.shape == (2 * 3 - 1, 3 * 4 - 1, 3)    # ceil(sqrt(5)) = 3 columns
    assert mosaic.min() >= 0 and mosaic.max() <= 1


def test_image_grid_labels_and_predictions():
    images = np.zeros((3, 4, 4))
    ax = plot.image_grid(images, labels=[1, 2, 3])
    assert texts(ax) == ["1", "2", "3"]
    ax = plot.image_grid(images, labels=[1, 2, 3], predicted=np.eye(4)[[1, 0, 3]])
    assert texts(ax) == ["pred 1\ntrue 1", "pred 0\ntrue 2", "pred 3\ntrue 3"]
    colors = [matplotlib.colors.to_hex(t.get_color()) for t in ax.texts]
    assert colors == ["#000000", "#ff0000", "#000000"]


def legend_outside(ax):
    """True when the legend's box lies right of the axes (it covers no data)."""
    fig = ax.figure
    fig.canvas.draw()
    box, frame = ax.get_legend().get_window_extent(), ax.get_window_extent()
    return box.x0 >= frame.x1


def test_legends_sit_off_the_data():
    h = nb.History()
    h.history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}
    assert legend_outside(plot.loss_curve(h))
    assert legend_outside(plot.gradient_norms({"a": [1.0, 2.0], "b": [2.0, 3.0]}))
    X, y = nb.data.xor()
    assert legend_outside(plot.decision_boundary(lambda P: P[:, :1], X, y, resolution=5))
    _, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="a line")
    assert plot.legend(ax) is ax.get_legend() and legend_outside(ax)
    assert ax.get_legend().get_texts()[0].get_fontsize() >= 9


def test_image_grid_digits_are_ink_on_paper_with_index():
    images = np.zeros((3, 4, 4))
    ax = plot.image_grid(images, index=True)
    assert plot.IMAGE_CMAP == "gray_r" and ax.images[0].get_cmap().name.startswith("gray_r")
    assert texts(ax) == ["0", "1", "2"]
    assert min(t.get_fontsize() for t in ax.texts) >= 9


def test_image_grid_shared_scale_and_colorbar():
    images = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 3.0)])
    ax = plot.image_grid(images, ncols=2, vmin=0, vmax=4, colorbar=True)
    assert ax.images[0].get_clim() == (0, 4)
    np.testing.assert_allclose(ax.images[0].get_array()[:, 3:], 3.0)   # values kept, not rescaled
    assert len(ax.figure.axes) == 2                                    # the colorbar's axis


def test_image_grid_normalize_tile():
    images = np.stack([np.full((2, 2), 5.0), np.array([[0.0, 10.0], [20.0, 40.0]])])
    ax = plot.image_grid(images, ncols=2, normalize="tile")
    mosaic = ax.images[0].get_array()
    np.testing.assert_allclose(mosaic[:, :2], 0.5)      # a constant tile is mid-gray
    np.testing.assert_allclose(mosaic[:, 3:], [[0, 0.25], [0.5, 1]])


@pytest.mark.parametrize("images, kwargs, match", [
    (np.zeros((4, 64)), {}, r"got \(4, 64\).*reshape\(-1, 8, 8\)"),
    (np.zeros((4, 8, 8, 2)), {}, r"\(n, h, w, 3\), got \(4, 8, 8, 2\)"),
    (np.zeros((4, 8, 8)), {"labels": [1, 2]}, r"got 4 images but 2 labels"),
    (np.zeros((4, 8, 8)), {"normalize": "row"}, r"normalize 'global' or 'tile', got 'row'"),
    (np.zeros((4, 8, 8)), {"ncols": 0}, r"ncols to be an integer ≥ 1 or None, got 0"),
])
def test_image_grid_errors(images, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot.image_grid(images, **kwargs)


# --------------------------------------------------------------------------
# confusion_matrix, filters, feature_maps


def test_confusion_matrix_plot():
    cm = np.array([[5, 1], [0, 7]])
    ax = plot.confusion_matrix(cm, class_names=["cat", "dog"])
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    assert ax.get_title() == "Confusion matrix"
    assert texts(ax) == ["5", "1", "0", "7"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog"]
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)


def test_confusion_matrix_plot_errors():
    with pytest.raises(ValueError, match=r"square \(k, k\) matrix, got \(2, 3\)"):
        plot.confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"2 classes but 3 class_names"):
        plot.confusion_matrix(np.zeros((2, 2)), class_names="abc")


def test_filters_grid():
    W = np.random.default_rng(0).standard_normal((3, 3, 2, 6))
    ax = plot.filters(W)
    assert ax.get_title() == "Learned filters"
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (2 * 4 - 1, 3 * 4 - 1)       # 6 tiles: 2 rows of 3
    np.testing.assert_allclose(mosaic[:3, :3], W[:, :, 0, 0])          # one shared scale
    top = np.abs(W[:, :, 0, :]).max()
    assert ax.images[0].get_clim() == (-top, top)                       # centred on 0
    assert ax.images[0].get_cmap().name.startswith("RdBu_r")
    assert texts(ax) == [str(i) for i in range(6)]                      # every tile indexed
    mean = plot.filters(W, channel="mean").images[0].get_array()
    assert mean.shape == mosaic.shape


def test_filters_errors():
    with pytest.raises(ValueError, match=r"\(f, f, c_in, c_out\), got \(3, 3\)"):
        plot.filters(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"index in \[0, 2\), got 2"):
        plot.filters(np.zeros((3, 3, 2, 4)), channel=2)


def test_feature_maps_grid():
    maps = np.random.default_rng(0).random((6, 5, 4))
    ax = plot.feature_maps(maps[None])                   # a batch of one is fine
    assert ax.get_title() == "Feature maps"
    assert ax.images[0].get_array().shape == (2 * 7 - 1, 2 * 6 - 1)
    assert ax.images[0].get_clim() == (0, maps.max())                   # non-negative: 0 … max
    assert plot.feature_maps(maps, vmax=5.0).images[0].get_clim() == (0, 5.0)   # shared with another grid
    assert plot.feature_maps(maps - 0.5).images[0].get_cmap().name.startswith("RdBu_r")
    with pytest.raises(ValueError, match=r"pass one sample: maps\[i\]"):
        plot.feature_maps(np.zeros((2, 6, 5, 4)))


def test_filters_and_feature_maps_ncols():
    W = np.random.default_rng(0).standard_normal((3, 3, 1, 32))
    assert plot.filters(W, ncols=8).images[0].get_array().shape == (4 * 4 - 1, 8 * 4 - 1)  # 4 rows of 8
    maps = np.random.default_rng(1).random((4, 4, 32))
    assert plot.feature_maps(maps, ncols=8).images[0].get_array().shape == (4 * 5 - 1, 8 * 5 - 1)
    with pytest.raises(ValueError, match=r"ncols to be an integer ≥ 1"):
        plot.filters(W, ncols=0)


def test_every_function_draws_on_a_given_axis():
    fig, axes = plt.subplots(2, 3)
    X, y = nb.data.xor()
    calls = [
        lambda ax: plot.loss_curve([1.0, 0.5], ax),
        lambda ax: plot.decision_boundary(lambda P: P[:, :1], X, y, ax, resolution=5),
        lambda ax: plot.image_grid(np.zeros((2, 3, 3)), ax=ax),
        lambda ax: plot.confusion_matrix(np.eye(2), ax),
        lambda ax: plot.filters(np.ones((3, 3, 1, 2)), ax),
        lambda ax: plot.feature_maps(np.ones((3, 3, 2)), ax),
    ]
    for call, ax in zip(calls, axes.flat):
        assert call(ax) is ax
    assert len(plt.get_fignums()) == 1


# --------------------------------------------------------------------------
# gradient_norms (chapter 06)


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
