"""nnbook/diagrams/recurrent.py: the unrolled RNN, its outputs and the paths of BPTT
follow the sizes passed in: labels, boxes and arrows. No pixels."""

import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import arrows, boxes, close_figures, texts  # noqa: E402,F401  (the fixture applies here)
from nnbook.diagrams._draw import BACK  # noqa: E402


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
    with pytest.raises(ValueError, match="rnn_unrolled: expected T to be an integer ≥ 1, got 0"):
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


# --- the gallery: each diagram of nnbook/diagrams/recurrent.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "rnn_unrolled": [lambda: nb.diagrams.rnn_unrolled(8, 32, T=8)],
    "rnn_outputs": [lambda: nb.diagrams.rnn_outputs(8, 16, 1)[0]],
    "bptt_paths": [lambda: nb.diagrams.bptt_paths(4), lambda: nb.diagrams.bptt_paths(9, return_sequences=False)],
}
