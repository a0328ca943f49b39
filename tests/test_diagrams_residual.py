"""nnbook/diagrams/residual.py: the residual block is drawn from its width beside the
plain layer, with the identity path's share of the backward pass."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


def test_residual_block_is_drawn_from_its_width_beside_the_plain_layer():
    ax = nb.diagrams.residual_block(32, "tanh")
    text = [t.get_text() for t in ax.texts]
    assert text.count("Dense(32 → 32)") == 2 and text.count("tanh") == 2 and text.count("y\n(32)") == 2
    assert "y = a + g(a·W + b)" in text and "y = g(a·W + b)" in text
    assert "∂E/∂a = ∂E/∂y + (∂E/∂y ⊙ g′(z))·Wᵀ" in text            # the identity path's share
    assert [p.get_label() for p in ax.patches].count("sum") == 1    # one ⊕, in the residual block
    assert min(t.get_fontsize() for t in ax.texts) >= 9 and ax.figure.get_figwidth() <= 9.6
    with pytest.raises(ValueError, match="residual_block: expected width to be an integer"):
        nb.diagrams.residual_block(0)


# --- the gallery: each diagram of nnbook/diagrams/residual.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "residual_block": [lambda: nb.diagrams.residual_block(32, "tanh")],
}
