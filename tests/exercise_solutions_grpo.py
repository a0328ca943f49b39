"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 29; exercise_solutions.py merges them into its own."""

import math

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 29.1 · The leave-one-out advantage -----------------------------------------------------------
def rloo(rewards):
    # the mean of the others: (Σr − r_i)/(G − 1)
    r = np.asarray(rewards, dtype=float)
    return r - (r.sum() - r) / (len(r) - 1)


RIGHT["29.1"] = rloo
WRONG += [
    ("29.1", lambda r: np.asarray(r) - np.mean(r), "includes the answer's own reward"),
    ("29.1", lambda r: np.asarray(r) - (np.sum(r) - np.asarray(r)) / len(r), "divide by G − 1"),
    ("29.1", lambda r: (np.sum(r) - np.asarray(r)) / (len(r) - 1) - np.asarray(r),
     "sign is reversed"),
]


# 29.2 · pass@k from counts --------------------------------------------------------------------
def pass_at_k(n, c, k):
    # one minus the chance that all k drawn answers are among the n − c wrong ones
    return 1 - math.comb(n - c, k) / math.comb(n, k)


RIGHT["29.2"] = pass_at_k
WRONG += [
    ("29.2", lambda n, c, k: c / n, "pass@1 only"),
    ("29.2", lambda n, c, k: 1 - (1 - c / n) ** k, "WITH replacement"),
]
