"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 36; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 36.1 · A feature's AUC, ties counted a half ---------------------------------------------------
def auc(scores, labels):
    # every pair of one label-1 row and one label-0 row: a win counts 1, a tie a half
    pos, neg = scores[labels == 1], scores[labels == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / (len(pos) * len(neg))


def _strict(scores, labels):
    pos, neg = scores[labels == 1], scores[labels == 0]
    return (pos[:, None] > neg[None, :]).mean()


def _swapped(scores, labels):
    return auc(scores, 1 - labels)


RIGHT["36.1"] = auc
WRONG += [
    ("36.1", _strict, "counts a half, not nothing"),
    ("36.1", _swapped, "swapped"),
]
