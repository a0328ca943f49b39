"""nnbook/diagrams/interpret.py: the copied cell sits at (layer, position), the shaded cells
are exactly those a causal model's patch can change, and the outputs above follow the last
layer's; and its errors."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)
from nnbook.diagrams.interpret import CELL, GAP, changed_cells  # noqa: E402

# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "activation_patch": [
        lambda: nb.diagrams.activation_patch(),
        lambda: nb.diagrams.activation_patch(3, 16, 1, 9)],
}


def cells(ax, label):
    left = GAP + CELL
    return {(round(p.get_y() / CELL), round((p.get_x() - left) / CELL))
            for p in ax.patches if p.get_label() == label}


@pytest.mark.parametrize("layer, position", [(0, 0), (1, 5), (2, 7), (0, 3)])
def test_the_shaded_cells_are_the_ones_a_causal_patch_can_change(layer, position):
    """Catches a patch drawn at the wrong cell, changes drawn before the position (a
    non-causal model) or in the layers below it."""
    ax = nb.diagrams.activation_patch(3, 8, layer, position)
    assert cells(ax, "copied") == {(layer, position)}
    want = {(l, t) for l in range(layer + 1, 3) for t in range(position, 8)}
    assert cells(ax, "changed") == want
    assert changed_cells(3, 8, layer, position) == want | {(layer, position)}
    top = {t for l, t in want | {(layer, position)} if l == 2}
    assert cells(ax, "output changed") == {(3, t) for t in top}
    assert len(cells(ax, "unchanged")) == 24 - 1 - len(want)
    assert "window i, patched" in texts(ax)


def test_misuse_is_named():
    with pytest.raises(ValueError, match="layer an integer from 0 to 2"):
        nb.diagrams.activation_patch(3, 8, 3, 0)
    with pytest.raises(ValueError, match="position an integer from 0 to 7"):
        nb.diagrams.activation_patch(3, 8, 1, 8)
