"""The diagrams of chapters 15–16 (nnbook/figures/diagrams_sequences.py and
diagrams_sequences2.py): their labels, boxes and arrows follow the sizes passed in. No pixels."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

import nnbook as nb  # noqa: E402
from nnbook.figures import diagrams_sequences as ds  # noqa: E402
from nnbook.figures._draw import BACK  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)


def boxes(ax, label="box"):
    return [p for p in ax.patches if p.get_label() == label]


def arrows(ax, color=None):
    found = [c for c in ax.get_children() if isinstance(c, matplotlib.text.Annotation)]
    if color is None:
        return found
    return [a for a in found if to_rgba(a.arrow_patch.get_edgecolor()) == to_rgba(color)]


def test_rnn_unrolled_draws_every_step_and_counts_the_shared_parameters():
    ax = nb.diagrams.rnn_unrolled(8, 32, T=4)
    t = texts(ax)
    assert {"x₁", "x₄", "h₁", "h₄", "h₀ = 0", "xₜ (8)", "hₜ (32)"} <= set(t)
    assert len(boxes(ax)) == 2 + 2 * 4                      # the folded cell and its input, then 4 steps × 2
    assert "…" not in t
    assert any("8·32 + 32·32 + 32 = 1312 parameters, whatever T" in s for s in t)
    assert "T = 4" in ax.get_title()


def test_rnn_unrolled_elides_the_middle_of_a_long_sequence():
    ax = nb.diagrams.rnn_unrolled(1, 16, T=40, max_steps=5)
    t = texts(ax)
    assert {"x₁", "x₂", "x₃₉", "x₄₀", "…"} <= set(t) and "x₃" not in t
    assert len(boxes(ax)) == 2 + 2 * 4
    with pytest.raises(ValueError, match="rnn_unrolled: expected T to be a whole number ≥ 1, got 0"):
        nb.diagrams.rnn_unrolled(1, 16, T=0)
    with pytest.raises(ValueError, match="max_steps ≥ 4"):
        nb.diagrams.rnn_unrolled(1, 16, T=10, max_steps=3)


def test_rnn_outputs_many_to_one_has_one_head_many_to_many_one_per_step():
    left, right = nb.diagrams.rnn_outputs(T=3, n_hidden=16, n_out=2)
    assert len([p for p in boxes(left) if True]) == 3 + 3 + 1      # cells, inputs, one Dense
    assert len(boxes(right)) == 3 + 3 + 3
    assert "return_sequences=False" in left.get_title() and "(m, 16)" in left.get_title()
    assert "return_sequences=True" in right.get_title() and "(m, 3, 2)" in right.get_title()
    assert texts(left).count("Dense") == 1 and texts(right).count("Dense") == 3


@pytest.mark.parametrize("seq", [True, False])
def test_bptt_red_arrows_are_the_two_roads_into_each_state(seq):
    ax = nb.diagrams.bptt_paths(T=4, return_sequences=seq)
    losses = [s for s in texts(ax) if re.fullmatch(r"E[₁₂₃₄]", s)]
    assert len(losses) == (4 if seq else 1)
    back = arrows(ax, BACK)
    assert len(back) == len(losses) + 3                      # one from each loss, one between neighbours
    assert texts(ax).count("W_hᵀ") == 3
    assert any("δhₜ = ∂Eₜ/∂hₜ + δzₜ₊₁ W_hᵀ" in s for s in texts(ax))


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
    with pytest.raises(ValueError, match="gru_cell: expected n_hidden to be a whole number ≥ 1, got 0"):
        nb.diagrams.gru_cell(8, 0)


DRAWINGS = [lambda: nb.diagrams.rnn_unrolled(8, 32, T=8), lambda: nb.diagrams.rnn_outputs(8, 16, 1)[0],
            lambda: nb.diagrams.bptt_paths(4), lambda: nb.diagrams.bptt_paths(9, return_sequences=False),
            lambda: nb.diagrams.lstm_cell(8, 16), lambda: nb.diagrams.gru_cell(3, 5)]


@pytest.mark.parametrize("draw", DRAWINGS)
def test_text_is_at_least_9_pt_whole_pixels_and_fits_the_notebook(draw):
    ax = draw()
    fig = ax.figure
    assert min(t.get_fontsize() for ax_ in fig.axes for t in ax_.texts + [ax_.title]) >= 9
    assert fig.get_figwidth() <= 9.6
    fig.set_dpi(100)
    assert re.fullmatch(r"<Figure size \d+x\d+ with \d+ Axes>", repr(fig)), repr(fig)


def test_reached_as_nb_diagrams():
    for name in ds.__all__:
        assert getattr(nb.diagrams, name) is getattr(ds, name)
        assert name in nb.diagrams.__all__
