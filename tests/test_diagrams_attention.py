"""The diagrams of chapters 17–18 (nnbook/diagrams/attention.py, reached as
nb.diagrams.<name>): their labels and geometry follow the sizes passed in. No pixels."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402

import nnbook as nb  # noqa: E402
from nnbook.diagrams.attention import MASKED  # noqa: E402
from figure_helpers import close_figures, min_fontsize, texts  # noqa: E402,F401  (the fixture applies here)


def test_attention_matrix_labels_values_and_mask():
    A = np.array([[1.0, 0, 0], [0.25, 0.75, 0], [0.2, 0.3, 0.5]])
    ax = nb.diagrams.attention_matrix(A, "ab ")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "␣"]
    t = texts(ax)
    assert t.count("−∞") == 3 and "0.75" in t and "0.50" in t
    assert "causal" in ax.get_title() and "T = 3" in ax.get_title()
    data = ax.images[0].get_array()
    assert data.mask[0, 1] and not data.mask[1, 0]
    assert ax.images[0].get_clim() == (0.0, 1.0)              # one scale for every picture
    assert min_fontsize(ax) >= 9
    full = nb.diagrams.attention_matrix(np.full((3, 3), 1 / 3), values=False)
    assert not texts(full) and "every row sums to 1" in full.get_title()


def test_attention_matrix_errors():
    with pytest.raises(ValueError, match=r"expected square weights \(T, T\), got shape \(2, 3\)"):
        nb.diagrams.attention_matrix(np.ones((2, 3)))
    with pytest.raises(ValueError, match="got 2 tokens for 3 positions"):
        nb.diagrams.attention_matrix(np.eye(3), "ab")


def test_causal_mask_counts_the_masked_scores():
    ax = nb.diagrams.causal_mask(5)
    gray = [p for p in ax.patches if isinstance(p, Rectangle)
            and matplotlib.colors.to_hex(p.get_facecolor()) == MASKED]
    assert len(gray) == 10 and texts(ax).count("−∞") == 10 and texts(ax).count("0") == 15 + 1
    assert "10 of 25 scores masked" in " ".join(texts(ax))
    assert "T = 5" in ax.get_title() and min_fontsize(ax) >= 9
    with pytest.raises(ValueError, match="causal_mask: expected T to be an integer ≥ 1, got 0"):
        nb.diagrams.causal_mask(0)


def test_heads_slices_the_features():
    ax = nb.diagrams.heads(12, 3)
    cells = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(cells) == 4 * 12                              # Q, K, V and the concatenation
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in cells[:12]]
    assert len(set(colours[:4])) == 1 and colours[3] != colours[4]     # 4 features per head
    assert {"head 1", "head 3", "4 features"} <= set(texts(ax))
    assert "3 heads on d_model = 12: each sees 4" in ax.get_title()
    assert any("√4" in t for t in texts(ax)) and any("12×12" in t for t in texts(ax))
    with pytest.raises(ValueError, match="d_model=10 is not divisible by n_heads=3"):
        nb.diagrams.heads(10, 3)


def test_transformer_block_counts_match_the_layer():
    ax = nb.diagrams.transformer_block(16, 2, 64)
    block = nb.TransformerBlock(16, 2, 64, rng=np.random.default_rng(0))
    total = sum(p.size for p in block.params.values())
    assert f"{total} parameters" in ax.get_title()
    t = texts(ax)
    assert "multi-head attention, 2 heads" in t and "Dense 16→64, ReLU" in t and "Dense 64→16" in t
    assert f"{4 * 16 * 16 + 4 * 16} params" in t and t.count("+") == 2
    assert any("residual" in s for s in t) and min_fontsize(ax) >= 9
    assert len([p for p in ax.patches if isinstance(p, FancyBboxPatch)]) == 5
    with pytest.raises(ValueError, match="expected d_ff to be an integer ≥ 1, got 0"):
        nb.diagrams.transformer_block(16, 2, 0)


# --- the gallery: each diagram of nnbook/diagrams/attention.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
ATTENTION = np.array([[1.0, 0, 0], [0.25, 0.75, 0], [0.2, 0.3, 0.5]])
GALLERY = {
    "attention_matrix": [lambda: nb.diagrams.attention_matrix(ATTENTION, "ab ")],
    "causal_mask": [lambda: nb.diagrams.causal_mask(6)],
    "heads": [lambda: nb.diagrams.heads(16, 4)],
    "transformer_block": [lambda: nb.diagrams.transformer_block(32, 4, 128)],
}
