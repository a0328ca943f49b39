"""The explorables (nnbook.explore): each builds, a programmatic change of a control
redraws its figure and caption, its repr is deterministic at the defaults, and the
static figure of the same parameters exists (for the notebook and nbval)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("ipywidgets")

from nnbook import explore, explore_figures  # noqa: E402

# (factory, control description to move, its new value, text the caption then holds)
CASES = [
    (explore.learning_rate, "α", 0.8, "so it is oscillating"),
    (explore.sigmoid_saturation, "z", 6.0, "σ(6) = 0.9975"),
    (explore.xor_training, "hidden", 2, "2 hidden units"),
    (explore.init_depth, "depth", 4, "each of 4 layers"),
    (explore.conv_window, "s", 2, "the output is 2×2"),
    (explore.softmax_temperature, "T", 0.1, "T = 0.1"),
]


def controls(box):
    return {c.description: c for c in box.children[0].children}


@pytest.mark.parametrize("factory, name, value, expected", CASES, ids=[c[0].__name__ for c in CASES])
def test_moving_a_control_redraws(factory, name, value, expected):
    box = factory()
    caption, image = box.children[1], box.children[2]
    before_png, before_text = bytes(image.value), caption.value
    assert before_png.startswith(b"\x89PNG") and box.redraws == 1
    controls(box)[name].value = value
    assert box.redraws == 2
    assert bytes(image.value) != before_png and bytes(image.value).startswith(b"\x89PNG")
    assert caption.value != before_text and expected in caption.value
    assert not plt.get_fignums(), "every figure is closed after it is turned into a PNG"


@pytest.mark.parametrize("factory", [c[0] for c in CASES], ids=[c[0].__name__ for c in CASES])
def test_repr_is_deterministic_at_the_defaults(factory):
    # nbval compares the widget's text/plain: repr(...) cut at 110 characters
    a, b = factory()._repr_mimebundle_(), factory()._repr_mimebundle_()
    assert a["text/plain"] == b["text/plain"]
    assert a["text/plain"].startswith("VBox(children=(HBox(children=(")


def test_learning_rate_regimes():
    assert [explore_figures.lr_regime(lr) for lr in (0.05, 0.3, 0.8, 1.05)] == \
        ["slow", "good", "oscillating", "diverging"]
    fig = explore.learning_rate_figure(1.05, steps=10)
    assert fig.axes[0].get_title() == "α = 1.05: diverging"
    plt.close(fig)


def test_invalid_conv_settings_show_the_error_not_a_crash():
    box = explore.conv_window(n=4, f=3)
    png = bytes(box.children[2].value)
    controls(box)["f"].value = 7                              # 7 > 4 + 2·0
    assert "output_size: the window f=7 is larger" in box.children[1].value
    assert bytes(box.children[2].value) == png                       # the last good figure stays


def test_static_figures_match_their_explorables():
    fig = explore.conv_window_figure(44, 3, 0, 4)
    assert fig.axes[0].get_title().endswith("= 11")
    fig = explore.sigmoid_figure(6.0)
    assert "saturated" in fig.axes[0].get_title()
    fig = explore.xor_figure(4, 1.0, 300)
    assert "accuracy 100%" in fig.axes[0].get_title()
    fig = explore.init_depth_figure(0.5, 20)
    assert fig.axes[1].get_title().startswith("gradients: first/last")
    low, high = fig.axes[1].get_ylim()             # nearly equal norms are not stretched over the axis
    assert high / low >= 1e4
    fig = explore.init_depth_figure(3.0, 30)       # exploding: all of the range is shown
    norms_axis = fig.axes[1]
    low, high = norms_axis.get_ylim()
    data = norms_axis.get_lines()[0].get_ydata()
    assert low <= data.min() and data.max() <= high and data.max() / data.min() > 100
    plt.close("all")


def test_xor_training_is_deterministic():
    _, a = explore_figures.train_xor(3, 0.5, 40, seed=1)
    _, b = explore_figures.train_xor(3, 0.5, 40, seed=1)
    assert (a == b).all() and len(a) == 40
