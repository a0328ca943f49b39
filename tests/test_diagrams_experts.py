"""nnbook/diagrams/experts.py: one line per choice, as wide as its weight, the dropped ones
dashed, and each expert's load as the routing counts it."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)

CHOSEN = np.array([[0, 1], [0, 2], [0, 1], [2, 0]])
WEIGHTS = np.array([[0.7, 0.3], [0.6, 0.4], [0.9, 0.1], [0.5, 0.5]])
KEPT = np.array([[True, True], [True, True], [True, True], [True, False]])


def test_one_line_per_choice_dropped_ones_dashed_and_the_loads():
    ax = nb.diagrams.moe_routing(CHOSEN, WEIGHTS, 3, kept=KEPT, capacity=3)
    lines = ax.get_lines()
    assert len(lines) == CHOSEN.size                       # a line per choice
    dashed = [ln for ln in lines if ln.get_linestyle() == "--"]
    assert len(dashed) == 1                                # token 3's second choice
    solid = [ln.get_linewidth() for ln in lines if ln.get_linestyle() != "--"]
    assert max(solid) == pytest.approx(0.5 + 4 * 0.9)     # width grows with the weight
    words = " ".join(t.get_text() for t in ax.texts)
    assert "expert 0: load 4 / C = 3" in words and "expert 2: load 2 / C = 3" in words
    assert "dropped (1)" in ax.get_title()


def test_errors():
    with pytest.raises(ValueError, match=r"moe_routing: expected chosen and weights of one"):
        nb.diagrams.moe_routing(CHOSEN, WEIGHTS[:, :1], 3)
    with pytest.raises(ValueError, match=r"expected expert ids in 0 … 1, got 0 to 2"):
        nb.diagrams.moe_routing(CHOSEN, WEIGHTS, 2)


# --- the gallery: each diagram of nnbook/diagrams/experts.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "moe_routing": [lambda: nb.diagrams.moe_routing(CHOSEN, WEIGHTS, 3, kept=KEPT,
                                                    capacity=3).figure,
                    lambda: nb.diagrams.moe_routing(np.arange(8)[:, None] % 4,
                                                    np.ones((8, 1)), 4).figure],
}
