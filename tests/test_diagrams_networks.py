"""nnbook/diagrams/networks.py: one neuron and a dense network, their labels,
units and edges drawn from the numbers passed in. No pixels."""


import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import circles, close_figures, min_fontsize, texts  # noqa: E402,F401  (the fixture applies here)



# --- one neuron --------------------------------------------------------------------------------
def test_neuron_writes_the_weights_inputs_and_computed_output():
    ax = nb.diagrams.neuron([0.5, -1.2, 0.8], [1.0, 2.0, -0.5], b=0.1, activation="sigmoid")
    t = texts(ax)
    assert "w₂ = −1.2" in t and "x₃ = −0.5" in t and "Σ" in t and "σ" in t
    z = 0.5 * 1 - 1.2 * 2 + 0.8 * -0.5 + 0.1
    assert f"ŷ = σ(−2.2) = {1 / (1 + np.exp(-z)):+.3g}" in t
    assert len(circles(ax)) == 2                          # Σ and g
    assert min_fontsize(ax) >= 9


def test_neuron_symbolic_and_errors():
    ax = nb.diagrams.neuron(n_inputs=4)
    assert {"x₁", "x₄", "w₄", "g", "ŷ = g(z)"} <= set(texts(ax))
    # the input labels run top to bottom in order
    ys = {t.get_text(): t.get_position()[1] for t in ax.texts}
    assert ys["x₁"] > ys["x₂"] > ys["x₄"]
    with pytest.raises(ValueError, match="neuron: x has 3 entries but the neuron has 2 inputs"):
        nb.diagrams.neuron(w=[1, 2], x=[1, 2, 3])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nb.diagrams.neuron(activation="swish")


# --- a dense network ------------------------------------------------------------------------------
def test_network_61_parameters_from_sizes():
    ax = nb.diagrams.network([5, 6, 3, 1])
    assert ax.get_title() == "5→6→3→1: 61 parameters"
    t = texts(ax)
    assert "5·6 + 6\n= 36" in t and "6·3 + 3\n= 21" in t and "3·1 + 1\n= 4" in t
    assert len(circles(ax)) == 5 + 6 + 3 + 1
    assert len(ax.lines) == 5 * 6 + 6 * 3 + 3 * 1          # every weight is an edge
    assert min_fontsize(ax) >= 9


def test_network_43_parameters_from_a_sequential():
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Dense(4, 5, rng=rng), nb.ReLU(), nb.Dense(5, 3, rng=rng), nb.Softmax()])
    ax = nb.diagrams.network(model)
    assert ax.get_title() == f"4→5→3: {model.count_params()} parameters" == "4→5→3: 43 parameters"
    assert "4·5 + 5\n= 25\nReLU" in texts(ax) and "5·3 + 3\n= 18\nSoftmax" in texts(ax)


def test_network_elides_wide_layers():
    ax = nb.diagrams.network([784, 32, 10], max_units=6)
    t = texts(ax)
    assert t.count("⋮") == 3 and "input\n784 units" in t
    assert len(circles(ax)) == 5 + 5 + 5                    # 6 slots, one of them "⋮"
    assert ax.get_title().endswith(f"{784 * 32 + 32 + 32 * 10 + 10} parameters")
    with pytest.raises(ValueError, match="network: expected at least two positive layer sizes"):
        nb.diagrams.network([3])
    with pytest.raises(ValueError, match="network: expected a list of sizes or a Sequential"):
        nb.diagrams.network(nb.Sequential([nb.Conv2D(1, 2, 3)]))


# --- the gallery: each diagram of nnbook/diagrams/networks.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "neuron": [lambda: nb.diagrams.neuron([0.3, -0.7, 1.1], [1.0, 0.5, -0.25], b=0.0,
                                          activation="identity"),
               lambda: nb.diagrams.neuron(n_inputs=4)],
    "network": [lambda: nb.diagrams.network([3, 4, 2]), lambda: nb.diagrams.network([5, 6, 3, 1]),
                lambda: nb.diagrams.network([784, 32, 10], max_units=6)],
}
