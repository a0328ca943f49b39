"""nnbook/diagrams/conv.py: the convolution window, pooling and im2col follow the
sizes passed in (padding, stride leftovers, the windows' maxima, the rows of X_col)."""


import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)
from nnbook.diagrams.conv import PAD, UNUSED  # noqa: E402



# --- convolution window -------------------------------------------------------------------------
NOTES_POOL = [[8, 4, 2, 1], [9, 3, 2, 8], [1, 5, 7, 1], [2, 0, 3, 7]]


def _cells(ax, color):
    rgba = matplotlib.colors.to_rgba(color)
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_facecolor() == rgba]


def _outlines(ax):
    return [p for p in ax.patches if p.get_label() == "window"]


def test_conv_window_6x6_example():
    ax = nb.diagrams.conv_window(6, 3)
    assert ax.get_title().endswith("= ⌊(6 + 2·0 − 3)/1⌋ + 1 = ⌊3/1⌋ + 1 = 4")
    assert "output 4×4" in texts(ax) and "input 6×6" in texts(ax)
    wins = _outlines(ax)
    assert len(wins) == 3                                      # (0,0), (0,1), (3,3)
    assert all(abs(w.get_width() - (3 - 2 * 0.06 - 0.14 * k)) < 1e-9 for k, w in enumerate(wins))
    assert {"0,0", "0,1", "3,3"} <= set(texts(ax))
    assert not _cells(ax, PAD) and not _cells(ax, UNUSED)


def test_conv_window_padding_and_stride_leftovers():
    ax = nb.diagrams.conv_window(5, 3, p=1, s=2)           # 7×7 padded, 3×3 output
    assert len(_cells(ax, PAD)) == 7 * 7 - 5 * 5
    assert ax.get_title().endswith("= 3")
    ax = nb.diagrams.conv_window(7, 3, s=3)                 # windows reach 6 of 7 columns
    assert len(_cells(ax, UNUSED)) == 7 * 7 - 6 * 6
    # the last window's outline starts at (n_o − 1)·s
    last = _outlines(ax)[-1]
    assert last.get_x() == pytest.approx(3 + 0.06 + 0.07 * 2)


def test_conv_window_n44_counterexample_is_drawn_as_one_row():
    ax = nb.diagrams.conv_window(44, 3, s=4)
    assert ax.get_title().endswith("⌊41/4⌋ + 1 = 11")
    bars = [l for l in ax.lines if l.get_label() == "window"]
    assert len(bars) == 11
    assert [l.get_xdata()[0] for l in bars] == pytest.approx([4 * k + 0.1 for k in range(11)])
    assert len(_cells(ax, UNUSED)) == 1                        # cell 44 is in no window
    assert [str(k) for k in range(1, 12)] == [t for t in texts(ax) if t.isdigit()]
    with pytest.raises(ValueError, match="output_size: the window f=9 is larger"):
        nb.diagrams.conv_window(4, 9)


# --- pooling and im2col -------------------------------------------------------------------------

def test_pooling_notes_example():
    ax = nb.diagrams.pooling(NOTES_POOL)
    bold = [t.get_text() for t in ax.texts if t.get_fontweight() == "bold"]
    assert bold == ["9", "8", "5", "7"]                         # [[9, 8], [5, 7]] row by row
    boxes = _outlines(ax)
    where = [(b.get_x() - 0.08, 3 - (b.get_y() - 0.08)) for b in boxes]     # (column, row) of each max
    assert np.allclose(where, [(0, 1), (3, 1), (1, 2), (2, 2)])
    assert ax.get_title() == "max pooling, f = 2, s = 2: 4×4 → 2×2"
    ax = nb.diagrams.pooling(NOTES_POOL, mode="mean")
    assert [t.get_text() for t in ax.texts if t.get_fontweight() == "bold"] == ["6", "3.25", "2", "4.5"]
    with pytest.raises(ValueError, match="pooling: expected a 2-D array"):
        nb.diagrams.pooling(np.zeros((1, 4, 4, 1)))


def test_im2col_rows_are_the_windows():
    ax = nb.diagrams.im2col(4, 2)
    nums = [t.get_text() for t in ax.texts]
    first_row = nums[nums.index("0") + 1:nums.index("0") + 5]    # after the row label "0"
    assert first_row == ["1", "2", "5", "6"]
    assert "X_col: 9 rows × 4" in nums
    ax = nb.diagrams.im2col(3, 3, p=1)
    assert len([c for c in _cells(ax, PAD) if c.get_x() < 5]) == 5 * 5 - 9   # the image's border
    with pytest.raises(ValueError, match="im2col: highlight row 99"):
        nb.diagrams.im2col(3, 2, highlight=(99,))


# --- the gallery: each diagram of nnbook/diagrams/conv.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "conv_window": [lambda: nb.diagrams.conv_window(6, 3), lambda: nb.diagrams.conv_window(44, 3, s=4),
                    lambda: nb.diagrams.conv_window(5, 3, p=1, s=2)],
    "pooling": [lambda: nb.diagrams.pooling(NOTES_POOL)],
    "im2col": [lambda: nb.diagrams.im2col(4, 2)],
}
