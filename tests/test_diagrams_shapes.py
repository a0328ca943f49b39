"""nnbook/diagrams/shapes.py, ``nb.diagrams.dense_shapes`` (chapter 03): the blocks have
the shapes of the numbers passed in, at one scale; labels and sizes, no pixels."""

import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


def blocks(ax):
    """{label: (rows, cols, width, height)} of the matrix blocks (labels 'X (5×3)')."""
    found = {}
    for p in ax.patches:
        m = re.fullmatch(r"(.+) \((\d+)×(\d+)\)", p.get_label() or "")
        if isinstance(p, Rectangle) and m:
            found.setdefault(m.group(1), []).append((int(m.group(2)), int(m.group(3)),
                                                      p.get_width(), p.get_height()))
    return found


@pytest.mark.parametrize("m, n_in, n_out", [(5, 3, 4), (2, 7, 1), (64, 3, 200)])
def test_every_block_has_its_matrix_shape_at_one_scale(m, n_in, n_out):
    ax = nb.diagrams.dense_shapes(m, n_in, n_out)
    found = blocks(ax)
    assert found["X"] == [(m, n_in, *found["X"][0][2:])]
    assert {r[:2] for r in found["∂E/∂Y"]} == {(m, n_out)} and len(found["∂E/∂Y"]) == 3
    expected = {"W": (n_in, n_out), "Y": (m, n_out), "Xᵀ": (n_in, m), "∂E/∂W": (n_in, n_out),
                "Wᵀ": (n_out, n_in), "∂E/∂X": (m, n_in), "1ᵀ": (1, m), "∂E/∂b": (1, n_out)}
    for label, shape in expected.items():
        assert [r[:2] for r in found[label]] == [shape], label
    units = {round(w / cols, 9) for rs in found.values() for rows, cols, w, h in rs} | \
            {round(h / rows, 9) for rs in found.values() for rows, cols, w, h in rs}
    assert len(units) == 1                                     # one scale for every block
    text = [t.get_text() for t in ax.texts]
    assert f"sums over the m = {m} samples" in text and f"sums over the n_in = {n_in} inputs" in text
    assert f"Dense({n_in} → {n_out})" in ax.get_title()
    assert min(t.get_fontsize() for t in ax.texts) >= 9 and ax.figure.get_figwidth() <= 9.6


def test_gradients_have_the_shape_of_what_they_differentiate():
    found = blocks(nb.diagrams.dense_shapes(5, 3, 4))
    assert found["∂E/∂W"][0][:2] == found["W"][0][:2]
    assert found["∂E/∂X"][0][:2] == found["X"][0][:2]


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="dense_shapes: expected n_in to be an integer ≥ 1, got 0"):
        nb.diagrams.dense_shapes(5, 0, 4)


# --- the gallery: each diagram of nnbook/diagrams/shapes.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "dense_shapes": [lambda: nb.diagrams.dense_shapes(5, 3, 4), lambda: nb.diagrams.dense_shapes(64, 3, 200)],
}
