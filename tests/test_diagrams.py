"""The schematic diagrams (nnbook.diagrams, nnbook.diagrams_conv): their labels and
geometry (texts, patches, their positions) follow the numbers passed in. No pixels."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle, Rectangle  # noqa: E402

import nnbook as nb  # noqa: E402
from nnbook import diagrams, diagrams_conv  # noqa: E402
from nnbook.figures._draw import BACK  # noqa: E402
from nnbook.diagrams_conv import PAD, UNUSED  # noqa: E402
from figure_helpers import close_figures, min_fontsize, texts  # noqa: E402,F401  (the fixture applies here)


def circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


# --- one neuron --------------------------------------------------------------------------------
def test_neuron_writes_the_weights_inputs_and_computed_output():
    ax = diagrams.neuron([0.5, -1.2, 0.8], [1.0, 2.0, -0.5], b=0.1, activation="sigmoid")
    t = texts(ax)
    assert "w₂ = −1.2" in t and "x₃ = −0.5" in t and "Σ" in t and "σ" in t
    z = 0.5 * 1 - 1.2 * 2 + 0.8 * -0.5 + 0.1
    assert f"ŷ = σ(−2.2) = {1 / (1 + np.exp(-z)):+.3g}" in t
    assert len(circles(ax)) == 2                          # Σ and g
    assert min_fontsize(ax) >= 9


def test_neuron_symbolic_and_errors():
    ax = diagrams.neuron(n_inputs=4)
    assert {"x₁", "x₄", "w₄", "g", "ŷ = g(z)"} <= set(texts(ax))
    # the input labels run top to bottom in order
    ys = {t.get_text(): t.get_position()[1] for t in ax.texts}
    assert ys["x₁"] > ys["x₂"] > ys["x₄"]
    with pytest.raises(ValueError, match="neuron: x has 3 entries but the neuron has 2 inputs"):
        diagrams.neuron(w=[1, 2], x=[1, 2, 3])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        diagrams.neuron(activation="swish")


# --- a dense network ------------------------------------------------------------------------------
def test_network_61_parameters_from_sizes():
    ax = diagrams.network([5, 6, 3, 1])
    assert ax.get_title() == "5→6→3→1: 61 parameters"
    t = texts(ax)
    assert "5·6 + 6\n= 36" in t and "6·3 + 3\n= 21" in t and "3·1 + 1\n= 4" in t
    assert len(circles(ax)) == 5 + 6 + 3 + 1
    assert len(ax.lines) == 5 * 6 + 6 * 3 + 3 * 1          # every weight is an edge
    assert min_fontsize(ax) >= 9


def test_network_43_parameters_from_a_sequential():
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Dense(4, 5, rng=rng), nb.ReLU(), nb.Dense(5, 3, rng=rng), nb.Softmax()])
    ax = diagrams.network(model)
    assert ax.get_title() == f"4→5→3: {model.count_params()} parameters" == "4→5→3: 43 parameters"
    assert "4·5 + 5\n= 25\nReLU" in texts(ax) and "5·3 + 3\n= 18\nSoftmax" in texts(ax)


def test_network_elides_wide_layers():
    ax = diagrams.network([784, 32, 10], max_units=6)
    t = texts(ax)
    assert t.count("⋮") == 3 and "input\n784 units" in t
    assert len(circles(ax)) == 5 + 5 + 5                    # 6 slots, one of them "⋮"
    assert ax.get_title().endswith(f"{784 * 32 + 32 + 32 * 10 + 10} parameters")
    with pytest.raises(ValueError, match="network: expected at least two positive layer sizes"):
        diagrams.network([3])
    with pytest.raises(ValueError, match="network: expected a list of sizes or a Sequential"):
        diagrams.network(nb.Sequential([nb.Conv2D(1, 2, 3)]))


# --- computational graphs -------------------------------------------------------------------------
def _chain(w):
    layers = []
    for w_k in w:
        d = nb.Dense(1, 1)
        d.params["W"][...] = w_k
        layers += [d, nb.Sigmoid()]
    return nb.Sequential(layers)


def test_chain_graph_shows_the_hand_backprop_numbers():
    w, x, y = [0.7, -1.3, 1.1], 1.5, 0.9
    model = _chain(w)
    ax = diagrams.computational_graph(model, [x], [y])
    # by hand (chapter 02): q_k = σ(w_k q_{k−1}), e_3 = ŷ − y, δ_k = σ'(z_k) e_k, e_{k−1} = w_k δ_k
    q, z = [x], []
    for w_k in w:
        z.append(w_k * q[-1])
        q.append(1 / (1 + np.exp(-z[-1])))
    e, deltas, dw = q[-1] - y, [], []
    for k in reversed(range(3)):
        d = q[k + 1] * (1 - q[k + 1]) * e
        deltas.append(d)
        dw.append(d * q[k])
        e = w[k] * d
    t = texts(ax)
    fmt = nb.diagrams._fmt
    for k in range(3):
        assert f"×w{'₁₂₃'[k]}\n{fmt(w[k])}" in t
        assert f"∂J/∂w{'₁₂₃'[k]}\n{fmt(dw[2 - k])}" in t
        assert f"δ {fmt(deltas[2 - k])}" in t
    assert f"e {fmt(e)}" in t                                 # ∂J/∂x at the input
    assert f"y = {fmt(y)}\nJ = {0.5 * (q[-1] - y) ** 2:.4g}" in t
    red = [tt for tt in ax.texts if tt.get_color() == BACK]
    assert len(red) == 7 + 3                                   # a gradient at every node, ∂J/∂w per weight
    assert len(circles(ax)) == 7                               # q0, z1, q1, z2, q2, z3, q3
    xs = [c.center[0] for c in circles(ax)]
    assert xs == sorted(xs)                                    # left to right in forward order


def test_multi_neuron_graph_reads_nnbooks_backward():
    rng = np.random.default_rng(1)
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 2, rng=rng), nb.Tanh()])
    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0])
    ax = diagrams.computational_graph(model, x, y)
    assert len(circles(ax)) == 3 + 4 + 4 + 2 + 2
    out = model.forward(x[None])
    d2 = model.layers[3].backward(out - y)                    # δ⁽²⁾
    t = texts(ax)
    for v in d2[0]:
        assert f"δ {nb.diagrams._fmt(v)}" in t
    assert {"z⁽¹⁾", "q⁽¹⁾", "z⁽²⁾", "q⁽²⁾", "x = q⁽⁰⁾"} <= set(t)
    assert not any(s.startswith("×w") for s in t)             # wide nets: no per-weight labels
    with pytest.raises(ValueError, match="computational_graph: x has 2 entries"):
        diagrams.computational_graph(model, [1, 2], y)
    with pytest.raises(ValueError, match="more than max_units=3"):
        diagrams.computational_graph(model, x, y, max_units=3)


def _text_boxes(ax):
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text()], fig.bbox


@pytest.mark.parametrize("make", [
    lambda rng: nb.Sequential([layer for _ in range(3) for layer in (nb.Dense(1, 1, rng=rng), nb.Sigmoid())]),
    lambda rng: nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 2, rng=rng), nb.Tanh()]),
])
def test_graph_labels_do_not_collide_and_stay_in_the_figure(make):
    # y and J used to be written over the last column's e labels (chapters 02 and 03)
    model = make(np.random.default_rng(1))
    n_in, n_out = model.layers[0].n_in, model.layers[-2].n_out
    ax = diagrams.computational_graph(model, np.linspace(-1.0, 1.5, n_in), np.linspace(0.9, -0.3, n_out))
    boxes, page = _text_boxes(ax)
    clashes = [(a, b) for i, (a, p) in enumerate(boxes) for b, q in boxes[i + 1:] if p.overlaps(q)]
    assert clashes == []
    (label, box), = [(t, b) for t, b in boxes if t.startswith("y = ")]
    assert "J = " in label and page.x0 <= box.x0 and box.x1 <= page.x1


# --- softmax bars -----------------------------------------------------------------------------
def test_softmax_bars_heights_and_labels():
    z = [2.0, 1.0, 0.1]
    a, b = diagrams.softmax_bars(z, ["dog", "cat", "horse"], temperature=2.0)
    p = nb.softmax(np.array(z) / 2.0)
    assert np.allclose([r.get_height() for r in a.patches], z)
    assert np.allclose([r.get_height() for r in b.patches], p)
    assert [f"{v:.2f}" for v in p] == texts(b)
    assert [t.get_text() for t in b.get_xticklabels()] == ["dog", "cat", "horse"]
    assert "/ 2" in b.get_title()
    with pytest.raises(ValueError, match="softmax_bars: expected temperature > 0"):
        diagrams.softmax_bars(z, temperature=0)


# --- convolution window -------------------------------------------------------------------------
NOTES_POOL = [[8, 4, 2, 1], [9, 3, 2, 8], [1, 5, 7, 1], [2, 0, 3, 7]]


def _cells(ax, color):
    rgba = matplotlib.colors.to_rgba(color)
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_facecolor() == rgba]


def _outlines(ax):
    return [p for p in ax.patches if p.get_label() == "window"]


@pytest.mark.parametrize("draw", [
    lambda: diagrams_conv.conv_window(6, 3), lambda: diagrams_conv.conv_window(44, 3, s=4),
    lambda: diagrams_conv.pooling(NOTES_POOL), lambda: diagrams_conv.im2col(4, 2),
    lambda: diagrams.computational_graph(_chain([0.5, 1.0]), [1.0], [0.0]),
])
def test_text_is_at_least_9_pt_and_figures_fit_the_notebook(draw):
    ax = draw()
    assert min_fontsize(ax) >= 9
    assert ax.figure.get_figwidth() <= 9.6


@pytest.mark.parametrize("draw", [
    lambda: diagrams.neuron([0.3, -0.7, 1.1], [1.0, 0.5, -0.25], b=0.0, activation="identity"),
    lambda: diagrams.network([3, 4, 2]), lambda: diagrams.network([5, 6, 3, 1]),
    lambda: diagrams.computational_graph(_chain([0.5, 1.0, -0.8]), [1.5], [0.9]),
    lambda: diagrams_conv.conv_window(6, 3), lambda: diagrams_conv.pooling(NOTES_POOL),
])
def test_figure_text_in_a_notebook_is_whole_pixels(draw):
    # the text a notebook stores beside the image; tests/test_notebooks_meta.py accepts only whole pixels
    fig = draw().figure
    fig.set_dpi(100)
    assert re.fullmatch(r"<Figure size \d+x\d+ with \d+ Axes>", repr(fig)), repr(fig)


def test_lazy_submodules():
    assert nb.diagrams.network is diagrams.network
    assert nb.diagrams_conv.conv_window is diagrams_conv.conv_window
    assert {"diagrams", "diagrams_conv", "explore", "animation"} <= set(nb.__all__)


def test_conv_window_6x6_example():
    ax = diagrams_conv.conv_window(6, 3)
    assert ax.get_title().endswith("= ⌊(6 + 2·0 − 3)/1⌋ + 1 = ⌊3/1⌋ + 1 = 4")
    assert "output 4×4" in texts(ax) and "input 6×6" in texts(ax)
    wins = _outlines(ax)
    assert len(wins) == 3                                      # (0,0), (0,1), (3,3)
    assert all(abs(w.get_width() - (3 - 2 * 0.06 - 0.14 * k)) < 1e-9 for k, w in enumerate(wins))
    assert {"0,0", "0,1", "3,3"} <= set(texts(ax))
    assert not _cells(ax, PAD) and not _cells(ax, UNUSED)


def test_conv_window_padding_and_stride_leftovers():
    ax = diagrams_conv.conv_window(5, 3, p=1, s=2)           # 7×7 padded, 3×3 output
    assert len(_cells(ax, PAD)) == 7 * 7 - 5 * 5
    assert ax.get_title().endswith("= 3")
    ax = diagrams_conv.conv_window(7, 3, s=3)                 # windows reach 6 of 7 columns
    assert len(_cells(ax, UNUSED)) == 7 * 7 - 6 * 6
    # the last window's outline starts at (n_o − 1)·s
    last = _outlines(ax)[-1]
    assert last.get_x() == pytest.approx(3 + 0.06 + 0.07 * 2)


def test_conv_window_n44_counterexample_is_drawn_as_one_row():
    ax = diagrams_conv.conv_window(44, 3, s=4)
    assert ax.get_title().endswith("⌊41/4⌋ + 1 = 11")
    bars = [l for l in ax.lines if l.get_label() == "window"]
    assert len(bars) == 11
    assert [l.get_xdata()[0] for l in bars] == pytest.approx([4 * k + 0.1 for k in range(11)])
    assert len(_cells(ax, UNUSED)) == 1                        # cell 44 is in no window
    assert [str(k) for k in range(1, 12)] == [t for t in texts(ax) if t.isdigit()]
    with pytest.raises(ValueError, match="output_size: the window f=9 is larger"):
        diagrams_conv.conv_window(4, 9)


# --- pooling and im2col -------------------------------------------------------------------------

def test_pooling_notes_example():
    ax = diagrams_conv.pooling(NOTES_POOL)
    bold = [t.get_text() for t in ax.texts if t.get_fontweight() == "bold"]
    assert bold == ["9", "8", "5", "7"]                         # [[9, 8], [5, 7]] row by row
    boxes = _outlines(ax)
    where = [(b.get_x() - 0.08, 3 - (b.get_y() - 0.08)) for b in boxes]     # (column, row) of each max
    assert np.allclose(where, [(0, 1), (3, 1), (1, 2), (2, 2)])
    assert ax.get_title() == "max pooling, f = 2, s = 2: 4×4 → 2×2"
    ax = diagrams_conv.pooling(NOTES_POOL, mode="mean")
    assert [t.get_text() for t in ax.texts if t.get_fontweight() == "bold"] == ["6", "3.25", "2", "4.5"]
    with pytest.raises(ValueError, match="pooling: expected a 2-D array"):
        diagrams_conv.pooling(np.zeros((1, 4, 4, 1)))


def test_im2col_rows_are_the_windows():
    ax = diagrams_conv.im2col(4, 2)
    nums = [t.get_text() for t in ax.texts]
    first_row = nums[nums.index("0") + 1:nums.index("0") + 5]    # after the row label "0"
    assert first_row == ["1", "2", "5", "6"]
    assert "X_col: 9 rows × 4" in nums
    ax = diagrams_conv.im2col(3, 3, p=1)
    assert len([c for c in _cells(ax, PAD) if c.get_x() < 5]) == 5 * 5 - 9   # the image's border
    with pytest.raises(ValueError, match="im2col: highlight row 99"):
        diagrams_conv.im2col(3, 2, highlight=(99,))
