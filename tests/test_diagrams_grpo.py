"""The diagram of chapter 29: a group's reward patterns, each with its advantages, its
probability and its term of the expected weight; and its errors."""

import math

import numpy as np
import pytest
from figure_helpers import boxes, close_figures, texts  # noqa: F401

import nnbook as nb
from nnbook.evaluation.grpo import expected_weight


def bars(ax, label):
    return [p for p in ax.patches if p.get_label() == label]


def test_rows_boxes_and_bars_follow_the_numbers():
    ax = nb.diagrams.group_patterns(3, 0.25, "group mean")
    assert len(boxes(ax, "success")) == 12 and len(boxes(ax, "failure")) == 12   # 8 rows × 3
    prob = sorted(b.get_width() for b in bars(ax, "probability"))
    # k = 0 has the largest probability 0.75³, drawn 3 units long; k = 3 is 0.25³
    assert prob[-1] == pytest.approx(3.0) and prob[0] == pytest.approx(3.0 / 27)
    shown = texts(ax)
    assert shown.count("0 (all equal)") == 2 and "+0.67" in shown and "-0.33" in shown
    # the title's total is the weight times p(1 − p)
    total = expected_weight(0.25, 3, "group mean") * 0.25 * 0.75
    assert f"{total:.3f}" in ax.get_title()


def test_std_advantages_are_shown():
    ax = nb.diagrams.group_patterns(2, 0.5, "std population")
    assert "+1.00" in texts(ax) and "-1.00" in texts(ax)
    assert f"{expected_weight(0.5, 2, 'std population') * 0.25:.3f}" in ax.get_title()
    assert math.isfinite(sum(b.get_width() for b in bars(ax, "term")))


@pytest.mark.parametrize("args, match", [((6, 0.3), "from 2 to 5"), ((1, 0.3), "from 2 to 5"),
                                         ((3, 1.5), r"p in \[0, 1\]")])
def test_errors(args, match):
    with pytest.raises(ValueError, match=match):
        nb.diagrams.group_patterns(*args)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="expected kind to be one of"):
        nb.diagrams.group_patterns(3, 0.3, "std")
    assert np.isfinite(expected_weight(0.3, 3, "RLOO"))


# --- the gallery: each diagram of nnbook/diagrams/grpo.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "group_patterns": [lambda: nb.diagrams.group_patterns(4, 0.3),
                       lambda: nb.diagrams.group_patterns(2, 0.05, "RLOO")],
}
