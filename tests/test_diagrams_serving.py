"""The diagrams of chapter 23: a ragged batch (padding and each row's positions), the
rolling cache (slot = position mod W), one draft-and-verify round, and their errors."""

import pytest
from figure_helpers import boxes, close_figures, min_fontsize, texts  # noqa: F401

import nnbook as nb


def test_ragged_batch_pads_on_the_left_and_counts_each_row_from_zero():
    ax = nb.diagrams.ragged_batch([3, 1, 5])
    assert len(boxes(ax, "pad")) == (5 - 3) + (5 - 1) + 0
    assert len(boxes(ax, "token")) == 3 + 1 + 5
    labels = texts(ax)
    assert [t for t in labels if t.startswith("pad ")] == ["pad 2", "pad 4", "pad 0"]
    assert labels.count("0") >= 3 + 1                     # every row starts at position 0
    assert min_fontsize(ax) >= 9


def test_rolling_cache_keeps_w_slots():
    ax = nb.diagrams.rolling_cache(7, 3)
    assert len(boxes(ax, "new")) == 7
    assert len(boxes(ax, "held")) == sum(min(s + 1, 3) - 1 for s in range(7))
    assert len(boxes(ax, "empty")) == 2 + 1
    assert [t for t in texts(ax) if t.startswith("reads")][-1] == "reads 4…6"


@pytest.mark.parametrize("a, k", [(0, 4), (2, 4), (4, 4)])
def test_draft_and_verify_adds_kept_plus_one(a, k):
    ax = nb.diagrams.draft_and_verify(a, k)
    assert len(boxes(ax, "draft")) == k and len(boxes(ax, "kept")) == a
    assert len(boxes(ax, "added")) == a + 1
    assert len(boxes(ax, "refused")) == (1 if a < k else 0)
    # the target's k + 1-th distribution, drawn from only when every draft is kept
    assert len(boxes(ax, "extra")) == 1


def test_bad_sizes():
    with pytest.raises(ValueError, match=r"ragged_batch: expected a list of prompt lengths"):
        nb.diagrams.ragged_batch(3)
    with pytest.raises(ValueError, match=r"each length to be an integer ≥ 1, got 0"):
        nb.diagrams.ragged_batch([2, 0])
    with pytest.raises(ValueError, match=r"rolling_cache: expected window to be an integer"):
        nb.diagrams.rolling_cache(5, 0)
    with pytest.raises(ValueError, match=r"0 ≤ n_kept ≤ n_draft ≤ 10, got n_kept=5, "
                                         r"n_draft=4"):
        nb.diagrams.draft_and_verify(5, 4)


# --- the gallery: each diagram of nnbook/diagrams/serving.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "ragged_batch": [lambda: nb.diagrams.ragged_batch([3, 1, 6, 4])],
    "rolling_cache": [lambda: nb.diagrams.rolling_cache(8, 4)],
    "draft_and_verify": [lambda: nb.diagrams.draft_and_verify(2, 4),
                         lambda: nb.diagrams.draft_and_verify(4, 4)],
}
