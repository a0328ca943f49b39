"""The diagrams of chapter 20: grouped-query attention's heads and RoPE's rotating pairs,
drawn from their sizes, and their errors."""

import numpy as np
import pytest
from figure_helpers import arrows, boxes, close_figures, texts  # noqa: F401

import nnbook as nb


@pytest.mark.parametrize("h, k, kind", [(8, 2, "grouped-query attention"),
                                        (4, 4, "multi-head attention"),
                                        (6, 1, "multi-query attention")])
def test_gqa_heads_joins_each_query_head_to_its_group(h, k, kind):
    ax = nb.diagrams.gqa_heads(h, k)
    assert len(boxes(ax, "query head")) == h and len(boxes(ax, "kv head")) == k
    assert len(arrows(ax)) == h
    assert ax.get_title().startswith(f"{kind}: {h} query heads")
    # query head j's arrow starts under its key/value head j // (h / k)
    kv_x = sorted(b.get_x() + b.get_width() / 2 for b in boxes(ax, "kv head"))
    starts = sorted(a.xyann[0] for a in arrows(ax))
    expected = sorted(kv_x[j // (h // k)] for j in range(h))
    assert np.allclose(starts, expected)
    # heads are numbered from 0, as kv_head_of and the formula ⌊j·h_kv/h⌋ count them
    assert {f"Q{j}" for j in range(h)} | {f"K{i} V{i}" for i in range(k)} <= set(texts(ax))


def test_gqa_heads_refuses_a_group_that_does_not_divide():
    with pytest.raises(ValueError, match=r"n_kv_heads=3 does not divide n_heads=4; .* "
                                         r"Use n_kv_heads in \[1, 2, 4\]"):
        nb.diagrams.gqa_heads(4, 3)
    with pytest.raises(ValueError, match="expected n_heads to be an integer"):
        nb.diagrams.gqa_heads(0, 1)


def test_rope_pairs_turns_each_pair_by_its_angle():
    ax = nb.diagrams.rope_pairs(8, 3, base=100.0)
    assert len([p for p in ax.patches if p.get_label() == "pair"]) == 4
    theta = 3 * 100.0 ** (-np.arange(0, 8, 2) / 8)
    assert [t for t in texts(ax) if t.startswith("θ")] == [f"θ = {v:.3f} rad" for v in theta]
    angles = [np.arctan2(a.xy[1] - a.xyann[1], a.xy[0] - a.xyann[0]) for a in arrows(ax)]
    assert np.allclose(np.cos(angles), np.cos(theta)) and np.allclose(np.sin(angles),
                                                                      np.sin(theta))
    assert "t = 3" in ax.get_title() and "4 pairs" in ax.get_title()


def test_rope_pairs_refuses_odd_heads_and_negative_positions():
    with pytest.raises(ValueError, match="d_head must be even, got d_head=5"):
        nb.diagrams.rope_pairs(5, 1)
    with pytest.raises(ValueError, match="position t to be an integer ≥ 0, got -1"):
        nb.diagrams.rope_pairs(4, -1)


def test_modern_block_beside_chapter_18s_from_the_sizes():
    ax = nb.diagrams.modern_block(32, 4, 2, 85)
    shown = texts(ax)
    assert "ReLU MLP 32→128→32" in shown and "SwiGLU 32→85→32" in shown
    assert "GQA + RoPE: 4 Q, 2 K/V heads" in shown and "MHA: 4 heads" in shown
    assert len(boxes(ax, "changed")) == 4 and len(boxes(ax, "box")) == 4
    with pytest.raises(ValueError, match="n_kv_heads to divide n_heads"):
        nb.diagrams.modern_block(32, 4, 3, 85)


# --- the gallery: each diagram of nnbook/diagrams/modern.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "gqa_heads": [lambda: nb.diagrams.gqa_heads(4, 2), lambda: nb.diagrams.gqa_heads(8, 1)],
    "modern_block": [lambda: nb.diagrams.modern_block(32, 4, 2, 85)],
    "rope_pairs": [lambda: nb.diagrams.rope_pairs(8, 3), lambda: nb.diagrams.rope_pairs(16, 40)],
}
