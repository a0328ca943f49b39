"""nnbook/diagrams/judges.py: the judge's confusion against the grammar, each count a square
of proportional area in its cell, right verdicts blue and mistakes red; its errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import boxes, close_figures, texts  # noqa: E402,F401


def test_judge_against_truth_areas_colours_and_labels():
    cm = np.array([[1019, 291], [305, 385]])          # rows: grammar rejects, accepts
    ax = nb.diagrams.judge_against_truth(cm)
    (ta,), (fa,), (fr,), (tr,) = (boxes(ax, n) for n in
                                  ("true accept", "false accept", "false reject", "true reject"))
    # areas in proportion to the counts, the largest (true reject) filling 1.9 × 1.9
    assert np.isclose(tr.get_width() ** 2, 1.9 ** 2)
    assert np.isclose(fa.get_width() ** 2 / tr.get_width() ** 2, 291 / 1019)
    assert np.isclose(ta.get_width() ** 2 / fr.get_width() ** 2, 385 / 305)
    # the accepted row on top, the judge's "accepts" column on the left
    assert ta.get_y() > tr.get_y() and ta.get_x() < fr.get_x() and fa.get_x() < tr.get_x()
    assert ta.get_edgecolor() == tr.get_edgecolor() != fa.get_edgecolor()
    shown = texts(ax)
    assert "false accept\n291 (22%)" in shown and "true accept\n385 (56%)" in shown
    assert "2000 answers" in ax.get_title()
    with pytest.raises(ValueError, match=r"expected \(2, 2\) non-negative integer counts"):
        nb.diagrams.judge_against_truth(np.ones((3, 3), dtype=int))


# --- the gallery: each diagram of nnbook/diagrams/judges.py as chapter 30 draws it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "judge_against_truth": [
        lambda: nb.diagrams.judge_against_truth(np.array([[1019, 291], [305, 385]]))],
}
