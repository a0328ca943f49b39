"""The diagrams of chapter 24: a number's bits in float32, bfloat16 and float16 by field,
and the tiles of attention computed and skipped; their errors."""

import numpy as np
import pytest
from figure_helpers import boxes, close_figures, texts  # noqa: F401

import nnbook as nb


def test_bit_layouts_shows_every_bit_by_field():
    ax = nb.diagrams.bit_layouts(0.1)
    assert len(boxes(ax, "sign")) == 3
    assert len(boxes(ax, "exponent")) == 8 + 8 + 5
    assert len(boxes(ax, "fraction")) == 23 + 7 + 10
    bits = [t for t in texts(ax) if t in ("0", "1")]
    f32 = f"{int(np.float32(0.1).view(np.uint32)):032b}"
    bf16 = f"{int(nb.precision.bfloat16_bits(np.float32(0.1))):016b}"
    f16 = f"{int(np.float16(0.1).view(np.uint16)):016b}"
    assert "".join(bits) == f32 + bf16 + f16
    assert "= 0.100097656" in texts(ax)                         # bfloat16's 0.1


def test_attention_tiles_counts_the_tiles():
    ax = nb.diagrams.attention_tiles(256, 64)
    assert len(boxes(ax, "skipped")) == 6 and len(boxes(ax, "diagonal")) == 4
    assert len(boxes(ax, "computed")) == 6
    assert ax.get_title() == "T = 256, tiles of 64: 10 of 16 tiles computed"
    ax = nb.diagrams.attention_tiles(10, 3, causal=False)
    assert len(boxes(ax, "computed")) == 16 and not boxes(ax, "skipped")


def test_attention_tiles_numbers_the_tiles_in_reading_order():
    ax = nb.diagrams.attention_tiles(256, 64)
    numbered = {(round(t.get_position()[0] - 0.5), round(-t.get_position()[1] - 0.5)):
                int(t.get_text()) for t in ax.texts if t.get_text().isdigit()}
    # row by row, each row of query tiles from the left, the skipped tiles unnumbered
    assert numbered == {(j, i): k + 1 for k, (i, j) in
                        enumerate((i, j) for i in range(4) for j in range(i + 1))}


def test_bad_input():
    with pytest.raises(ValueError, match="bit_layouts: expected a finite number"):
        nb.diagrams.bit_layouts(np.inf)
    with pytest.raises(ValueError, match="bit_layouts: expected a real number"):
        nb.diagrams.bit_layouts("x")
    with pytest.raises(ValueError, match="attention_tiles: expected tile to be an integer"):
        nb.diagrams.attention_tiles(10, 0)
    with pytest.raises(ValueError, match="too many to draw"):
        nb.diagrams.attention_tiles(1000, 10)


# --- the gallery: each diagram of nnbook/diagrams/precision.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "bit_layouts": [lambda: nb.diagrams.bit_layouts(0.1),
                    lambda: nb.diagrams.bit_layouts(-65504.0)],
    "attention_tiles": [lambda: nb.diagrams.attention_tiles(256, 64),
                        lambda: nb.diagrams.attention_tiles(100, 7, causal=False)],
}
