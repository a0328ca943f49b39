"""Exercises of chapter 36 (what a network knows): a feature's AUC for a binary label, ties
counted a half, the number that matches an SAE's features to the grammar's variables.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, compare, exercise


def _cases():
    """(scores (n,), labels (n,)): ReLU-like activations with many exact zeros (ties), a
    feature that fires on the label, one that fires against it, and one of few values."""
    rng = np.random.default_rng(3601)
    out = []
    for n, lean, levels in ((40, 1.0, None), (31, -0.8, None), (25, 0.5, 3), (12, 0.0, None)):
        y = (rng.random(n) < 0.4).astype(np.int64)
        y[:2] = (0, 1)                                   # both classes present
        s = np.maximum(rng.standard_normal(n) + lean * y, 0.0)
        if levels:
            s = np.round(s * levels) / levels
        out.append((s, y))
    return out


def _auc(s, y, tie=0.5):
    pos, neg = s[y == 1], s[y == 0]
    greater = (pos[:, None] > neg[None, :]).sum()
    equal = (pos[:, None] == neg[None, :]).sum()
    return float((greater + tie * equal) / (len(pos) * len(neg)))


# 36.1 ----------------------------------------------------------------------------------------
@exercise("36.1", "A feature's AUC, ties counted a half",
          "function auc(scores, labels) -> number: the probability that a row of label 1 "
          "scores above a row of label 0, a tie counted a half")
def auc(fn):
    run = Runner(fn, "auc")
    for s, y in _cases():
        where = f"auc(scores of {len(s)} rows, {int(y.sum())} of label 1)"
        right = _auc(s, y)
        wrongs = [(_auc(s, y, tie=0.0), "a tie (two rows of equal score, such as two "
                   "zeros of a ReLU feature) counts a half, not nothing."),
                  (_auc(s, y, tie=1.0), "a tie counts a half, not a whole win."),
                  (1.0 - right, "the AUC is P(a label-1 row scores above a label-0 row): "
                   "you have the labels' roles swapped.")]
        compare(where, run(s.copy(), y.copy()), right, wrongs, rtol=1e-9)
    return ("right: pairs of rows, one of each label, counted as wins, ties a half; 0.5 "
            "for a dead feature, which ties every pair.")
