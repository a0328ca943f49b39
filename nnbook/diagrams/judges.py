"""The judge of chapter 30 against the truth: its 2 × 2 confusion with the grammar's verdict,
each cell a square whose area is its count, labelled with what the mistake is.
Reached as ``nb.diagrams.judge_against_truth``."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..plot.style import FONT
from ._draw import _canvas

__all__ = ["judge_against_truth"]

NAMES = {(1, 1): "true accept", (0, 1): "false accept", (1, 0): "false reject",
         (0, 0): "true reject"}
RIGHT, WRONG = "#4a7fb5", "#c0392b"


def judge_against_truth(cm, *, ax=None):
    """The judge's confusion against the grammar: rows the grammar's verdict (accepted on
    top), columns the judge's, each cell a square of area proportional to its count (the
    largest fills its cell), blue where the judge agrees with the grammar and red where it
    does not, with its name, its count and its share of the row.

    Args:
        cm: (2, 2) counts ``cm[truth, said]``, 1 = accepted (``judges.judge_confusion``).
    Chapter 30.
    """
    cm = np.asarray(cm)
    if cm.shape != (2, 2) or cm.dtype.kind not in "iu" or cm.min() < 0 or cm.sum() == 0:
        raise ValueError(f"judge_against_truth: expected (2, 2) non-negative integer counts "
                         f"cm[truth, said] (not all 0), got shape {cm.shape} and dtype "
                         f"{cm.dtype}. Count them with nb.metrics.confusion_matrix.")
    ax = _canvas(ax, (-1.6, 4.2), (-0.2, 4.6), scale=0.85)
    top = cm.max()
    for truth, row_y in ((1, 2.2), (0, 0.0)):
        ax.text(-0.1, row_y + 1.0, ("the grammar\naccepts" if truth else "the grammar\nrejects"),
                ha="right", va="center", fontsize=FONT)
        for said, col_x in ((1, 0.0), (0, 2.1)):
            n = int(cm[truth, said])
            side = 1.9 * np.sqrt(n / top)
            colour = RIGHT if truth == said else WRONG
            ax.add_patch(Rectangle((col_x + (2.0 - side) / 2, row_y + (2.0 - side) / 2),
                                   side, side, facecolor=colour, alpha=0.25,
                                   edgecolor=colour, label=NAMES[truth, said]))
            share = n / max(cm[truth].sum(), 1)
            ax.text(col_x + 1.0, row_y + 1.0, f"{NAMES[truth, said]}\n{n} ({share:.0%})",
                    ha="center", va="center", fontsize=FONT)
    for said, col_x in ((1, 0.0), (0, 2.1)):
        ax.text(col_x + 1.0, 4.35, "the judge accepts" if said else "the judge rejects",
                ha="center", va="center", fontsize=FONT)
    ax.set_title(f"the judge against the grammar: {int(cm.sum())} answers", fontsize=FONT + 1)
    return ax
