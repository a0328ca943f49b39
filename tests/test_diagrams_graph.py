"""nnbook/diagrams/graph.py: the computational graph shows the numbers of nnbook's own
forward and backward pass, and its labels neither collide nor leave the figure."""


import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import circles, close_figures, texts  # noqa: E402,F401  (the fixture applies here)
from nnbook.diagrams._draw import BACK, _fmt  # noqa: E402



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
    ax = nb.diagrams.computational_graph(model, [x], [y])
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
    fmt = _fmt
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
    ax = nb.diagrams.computational_graph(model, x, y)
    assert len(circles(ax)) == 3 + 4 + 4 + 2 + 2
    out = model.forward(x[None])
    d2 = model.layers[3].backward(out - y)                    # δ⁽²⁾
    t = texts(ax)
    for v in d2[0]:
        assert f"δ {_fmt(v)}" in t
    assert {"z⁽¹⁾", "q⁽¹⁾", "z⁽²⁾", "q⁽²⁾", "x = q⁽⁰⁾"} <= set(t)
    assert not any(s.startswith("×w") for s in t)             # wide nets: no per-weight labels
    with pytest.raises(ValueError, match="computational_graph: x has 2 entries"):
        nb.diagrams.computational_graph(model, [1, 2], y)
    with pytest.raises(ValueError, match="more than max_units=3"):
        nb.diagrams.computational_graph(model, x, y, max_units=3)


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
    ax = nb.diagrams.computational_graph(model, np.linspace(-1.0, 1.5, n_in), np.linspace(0.9, -0.3, n_out))
    boxes, page = _text_boxes(ax)
    clashes = [(a, b) for i, (a, p) in enumerate(boxes) for b, q in boxes[i + 1:] if p.overlaps(q)]
    assert clashes == []
    (label, box), = [(t, b) for t, b in boxes if t.startswith("y = ")]
    assert "J = " in label and page.x0 <= box.x0 and box.x1 <= page.x1


# --- the gallery: each diagram of nnbook/diagrams/graph.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
def _dense_net():
    rng = np.random.default_rng(1)
    return nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 2, rng=rng), nb.Tanh()])


GALLERY = {
    "computational_graph": [lambda: nb.diagrams.computational_graph(_chain([0.5, 1.0, -0.8]), [1.5], [0.9]),
                            lambda: nb.diagrams.computational_graph(_dense_net(), [0.5, -1.0, 2.0],
                                                                    [1.0, 0.0])],
}
