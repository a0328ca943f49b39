"""nnbook/diagrams/distillation.py: the three sides labelled with the distances
``distillation_distances`` computes, each arrow from the KL's first argument to its
second, and the identity's two sides equal."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)


def rows(seed, n=6, V=5):
    z = np.random.default_rng(seed).standard_normal((n, V))
    return nb.softmax(z)


def test_the_sides_carry_the_three_distances_in_order():
    p, t, s = rows(0), rows(1), rows(2)
    d = nb.distillation_distances(p, t, s)
    ax = nb.diagrams.distillation_triangle(p, t, s)
    words = " ".join(x.get_text() for x in ax.texts)
    # a side labelled with another pair's value (the arguments swapped) fails
    assert f"KL(p ‖ t) = {d.truth_teacher:.3f}" in words
    assert f"KL(p ‖ s) = {d.truth_student:.3f}" in words
    assert f"KL(t ‖ s) = {d.teacher_student:.3f}" in words
    assert f"= {d.truth_student - d.truth_teacher:.4f}  =  E_p" in words
    assert f"{d.gap:.4f}" in words
    assert "6 positions" in ax.get_title()
    assert len([c for c in ax.get_children() if isinstance(c, matplotlib.text.Annotation)
                and c.arrow_patch is not None]) == 3


def test_one_position_and_errors():
    p = np.array([0.5, 0.5, 0.0])
    ax = nb.diagrams.distillation_triangle(p, [0.4, 0.5, 0.1], [0.3, 0.3, 0.4])
    assert "1 positions" in ax.get_title()
    with pytest.raises(ValueError, match=r"distillation_distances: expected p, teacher and"):
        nb.diagrams.distillation_triangle(rows(0), rows(1, V=4), rows(2))


GALLERY = {
    "distillation_triangle": [lambda: nb.diagrams.distillation_triangle(
        rows(0), rows(1), rows(2)).figure],
}
