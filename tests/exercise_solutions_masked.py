"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 28; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 28.1 · The bound from the loss at each rate --------------------------------------------------
def bound_from_rates(losses):
    # k drawn with probability 1/T, each of its k masked characters weighted T/k, and the
    # window's sum divided by T: (1/T)·Σ_k (1/T)·(T/k)·k·L_k = mean of L_k
    L = np.asarray(losses, dtype=float)
    return float(L.mean())


def _k(losses):
    return np.arange(1, len(losses) + 1)


RIGHT["28.1"] = bound_from_rates
WRONG += [
    ("28.1", lambda L: float((_k(L) * np.array(L)).sum() / _k(L).sum()), "unweighted"),
    ("28.1", lambda L: float(np.sum(L)), "per WINDOW"),
    ("28.1", lambda L: float((np.array(L) / _k(L)).sum() / len(L)), "already cancels"),
    ("28.1", lambda L: float((_k(L) * np.array(L)).sum() / len(L) ** 2), "put the weight"),
]
