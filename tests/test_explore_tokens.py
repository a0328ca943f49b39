"""nnbook/explore/tokens.py (chapter 19): byte-pair encoding step by step on a typed text."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import boxes, close_figures  # noqa: E402,F401  (the fixture applies here)


def test_bpe_state_counts_and_the_next_merge():
    text = "abab cab"
    tok, ids, ranked = nb.explore.bpe_state(text, 0)
    assert ids == list(text.encode()) and tok.merges == []
    assert ranked[0] == ((97, 98), 3) and dict(ranked)[(98, 32)] == 1
    tok1, ids1, _ = nb.explore.bpe_state(text, 1)
    assert tok1.merges == [(97, 98)] and ids1 == [256, 256, 32, 99, 256]
    with pytest.raises(ValueError, match="bpe_merges: expected a non-empty text"):
        nb.explore.bpe_state("", 1)
    with pytest.raises(ValueError, match="expected step to be an integer ≥ 0, got -1"):
        nb.explore.bpe_state("ab", -1)


def test_bpe_merges_figure_shows_tokens_and_pairs():
    text = "the cat and the catlet"
    fig = nb.explore.bpe_merges_figure(text, 2, top=5)
    top, bottom = fig.axes
    tok, ids, ranked = nb.explore.bpe_state(text, 2)
    assert len(boxes(top, "token")) == len(ids)
    assert top.get_title() == f"after 2 merges: 22 bytes → {len(ids)} tokens"
    assert [b.get_height() for b in bottom.patches] == [c for _, c in ranked[:5]]
    assert bottom.get_title().endswith("→ id 258")
    assert tuple(fig.get_size_inches()) == (8.4, 4.6)
    fig.canvas.draw()                                          # counts: whole-number ticks
    assert all(float(t).is_integer() for t in bottom.get_yticks())


def test_the_slider_and_the_text_redraw():
    pytest.importorskip("ipywidgets")
    box = nb.explore.bpe_merges("aaab aab", step=0, max_steps=5)
    text, slider = box.children[0].children
    assert box.redraws == 1 and "0 merges: 8 bytes in 8 tokens" in box.children[1].value
    slider.value = 1
    assert box.redraws == 2 and "1 merge: 8 bytes in 6 tokens" in box.children[1].value
    text.value = "zz"
    assert box.redraws == 3 and "2 bytes in 1 tokens" in box.children[1].value
    assert not plt.get_fignums()
