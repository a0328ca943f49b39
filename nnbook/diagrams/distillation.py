"""The three distances of distillation (chapter 35): the truth p (the grammar's exact
conditional), the teacher t and the student s at the corners of a triangle, each side an
arrow from the first argument of its KL to the second, labelled with its mean in bits.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..evaluation.distillation import distillation_distances
from ..plot.style import FONT

__all__ = ["distillation_triangle"]

_CORNERS = {"p": (0.0, 0.0), "t": (1.0, 0.0), "s": (0.5, 0.8)}
_NAMES = {"p": "truth p\n(the grammar)", "t": "teacher t", "s": "student s"}


def distillation_triangle(p, teacher, student, *, ax=None):
    """Truth, teacher and student at the corners; the sides KL(p ‖ t), KL(p ‖ s) and
    KL(t ‖ s) (means over the positions, bits, ``nb.distillation_distances``), each an arrow
    from the KL's first distribution to its second; below, the identity
    KL(p ‖ s) − KL(p ‖ t) = E_p[log₂ t − log₂ s] with both sides' values.

    Shapes: p, teacher, student (n, V) probabilities, one row per position (or (V,) for
    one position). Returns the Axes. Chapter 35."""
    rows = [np.atleast_2d(np.asarray(a, dtype=np.float64)) for a in (p, teacher, student)]
    d = distillation_distances(*rows)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.2), layout="constrained")
    sides = (("p", "t", d.truth_teacher, "the teacher's excess"),
             ("p", "s", d.truth_student, "the student's excess:\nthe number to quote"),
             ("t", "s", d.teacher_student, "what soft distillation\npulls down\n(measured at τ = 1)"))
    for a, b, value, what in sides:
        (x0, y0), (x1, y1) = _CORNERS[a], _CORNERS[b]
        ax.annotate("", xy=(x0 + 0.88 * (x1 - x0), y0 + 0.88 * (y1 - y0)),
                    xytext=(x0 + 0.12 * (x1 - x0), y0 + 0.12 * (y1 - y0)),
                    arrowprops=dict(arrowstyle="->", lw=1.2 + 2 * (b == "s" and a == "p"),
                                    color="C3" if a == "p" and b == "s" else "0.3"))
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        dx, dy = (-0.2, 0.05) if (a, b) == ("p", "s") else \
            (0.2, 0.05) if (a, b) == ("t", "s") else (0.0, -0.12)
        ax.text(mx + dx, my + dy, f"KL({a} ‖ {b}) = {value:.3f}\n{what}", ha="center",
                va="center", fontsize=FONT)
    for name, (x, y) in _CORNERS.items():
        ax.text(x, y, _NAMES[name], ha="center", va="center", fontsize=FONT + 1,
                bbox=dict(boxstyle="round", fc="0.95", ec="0.5"))
    ax.text(0.5, -0.36, f"KL(p ‖ s) − KL(p ‖ t) = {d.truth_student - d.truth_teacher:.4f}"
            f"  =  E_p[log₂ t − log₂ s] = {d.gap:.4f}", ha="center", fontsize=FONT)
    ax.set_title(f"three distances, mean over {len(rows[0])} positions (bits)",
                 fontsize=FONT + 1)
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(-0.45, 1.0)
    ax.axis("off")
    return ax
