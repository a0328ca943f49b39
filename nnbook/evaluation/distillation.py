"""Chapter 35's three distances: a teacher and its student judged against the exact
conditional distributions of the grammar at the same positions, in bits.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validate import as_float_array, finite

__all__ = ["DistillationDistances", "distillation_distances"]


class DistillationDistances(NamedTuple):
    """Means over the positions, in bits: KL(p ‖ t), KL(p ‖ s), KL(t ‖ s), and
    E_p[log₂ t − log₂ s], computed on its own; KL(p ‖ s) − KL(p ‖ t) equals it (the
    entropy of p cancels), a check that the three were taken in the right order."""
    truth_teacher: float
    truth_student: float
    teacher_student: float
    gap: float


def _rows(what, x):
    fix = "Pass one distribution over the vocabulary per position (rows summing to 1)."
    a = as_float_array("distillation_distances", what, x).astype(np.float64, copy=False)
    finite("distillation_distances", what, a)
    if a.ndim != 2 or not a.size:
        raise ValueError(f"distillation_distances: expected {what} of shape (n, V) (a "
                         f"distribution per position), got {a.shape}. {fix}")
    sums = a.sum(axis=1)
    if a.min() < 0 or np.abs(sums - 1).max() > 1e-6:
        i = int(np.argmax((a < 0).any(axis=1) | (np.abs(sums - 1) > 1e-6)))
        raise ValueError(f"distillation_distances: expected {what} to be probabilities, but "
                         f"row {i} sums to {sums[i]:.6g} (its smallest entry {a[i].min():.4g}). "
                         f"{fix} From logits: nb.softmax(logits).")
    return a


def _kl_bits(p, q):
    """Σ_v p log₂(p/q) per row, 0 log 0 = 0, inf where p > 0 = q."""
    keep = p > 0
    with np.errstate(divide="ignore", invalid="ignore"):    # 0 · log 0 where p = q = 0
        terms = np.where(keep, p * (np.log2(np.where(keep, p, 1.0)) - np.log2(q)), 0.0)
    return terms.sum(axis=1)


def distillation_distances(p, teacher, student) -> DistillationDistances:
    """KL(p ‖ t), KL(p ‖ s) and KL(t ‖ s), means over n positions, in bits.

    Shapes: p, teacher, student (n, V): at each of n positions the exact conditional
    distribution (the grammar's), the teacher's and the student's (probabilities, e.g.
    ``nb.softmax(logits)``), over one vocabulary. A distance is infinite where the first
    distribution has mass the second has none of. KL(p ‖ s) is the student's excess bits
    over the truth (what the chapter quotes); KL(t ‖ s) is what distillation minimised."""
    p, t, s = _rows("p", p), _rows("teacher", teacher), _rows("student", student)
    if not p.shape == t.shape == s.shape:
        raise ValueError(f"distillation_distances: expected p, teacher and student of one "
                         f"shape (n, V): the same positions and vocabulary, got {p.shape}, "
                         f"{t.shape} and {s.shape}. Compute all three on the same "
                         f"positions with models of one vocabulary (nb.softmax of each "
                         f"model's logits on the same x, flattened to (n, V)).")
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(p > 0, p * (np.log2(t) - np.log2(s)), 0.0).sum(axis=1)
    return DistillationDistances(float(_kl_bits(p, t).mean()), float(_kl_bits(p, s).mean()),
                                 float(_kl_bits(t, s).mean()), float(gap.mean()))
