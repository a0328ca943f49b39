"""nnbook/diagrams/gated.py: the LSTM and GRU cells show their gates, the sizes passed
in and the path the gradient travels along. No pixels."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)


def test_lstm_cell_gates_sizes_and_the_cell_path():
    ax = nb.diagrams.lstm_cell(8, 16)
    t = texts(ax)
    assert {"σ\ni", "σ\nf", "tanh\ng", "σ\no"} <= set(t)
    assert any("W_x (8×64), W_h (16×64), b (64)" in s for s in t)
    assert any("= 1600 parameters" in s for s in t)
    assert [line.get_label() for line in ax.lines].count("cell path") == 1
    assert "cₜ = f ⊙ cₜ₋₁ + i ⊙ g" in ax.get_title()
    assert any("∂cₜ/∂cₜ₋₁ = fₜ" in s for s in t)


def test_gru_cell_gates_sizes_and_the_reset_after_the_product():
    ax = nb.diagrams.gru_cell(8, 16)
    t = texts(ax)
    assert {"σ\nr", "σ\nz", "tanh\nn", "1 − z"} <= set(t)
    assert any("W_x (8×48), W_h (16×48), b_x (48), b_h (48)" in s for s in t)
    assert any("= 1248 parameters" in s for s in t)
    assert any("r ⊙ (hₜ₋₁ W_hn + b_hn)" in s for s in t)
    with pytest.raises(ValueError, match="gru_cell: expected n_hidden to be an integer ≥ 1, got 0"):
        nb.diagrams.gru_cell(8, 0)


# --- the gallery: each diagram of nnbook/diagrams/gated.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "lstm_cell": [lambda: nb.diagrams.lstm_cell(8, 16)],
    "gru_cell": [lambda: nb.diagrams.gru_cell(3, 5)],
}
