"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 31; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 31.1 · The delta rule's write ------------------------------------------------------------------
def delta_write(S, k, v, beta):
    # −∇_S ½‖S k − v‖² = (v − S k) kᵀ: one step of rate β
    return S + beta * np.outer(v - S @ k, k)


# 31.2 · What the best state loses ---------------------------------------------------------------
def share_lost(d, N):
    # the best state keeps the projection onto the keys' d-dimensional row space: d/N of
    # the values' energy on average, and loses the rest
    return max(0.0, 1 - d / N)


RIGHT["31.1"] = delta_write
RIGHT["31.2"] = share_lost
WRONG += [
    ("31.1", lambda S, k, v, b: S + b * np.outer(v, k), "Hebbian"),
    ("31.1", lambda S, k, v, b: S - b * np.outer(v - S @ k, k), "down the gradient"),
    ("31.1", lambda S, k, v, b: S + np.outer(v - S @ k, k), "learning rate"),
    ("31.2", lambda d, N: d / N, "KEEPS"),
    ("31.2", lambda d, N: 1 - d / N, "not negative"),
]
