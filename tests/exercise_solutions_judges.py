"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 30; exercise_solutions.py merges them into its own."""

from math import comb

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 30.1 · Majority vote over two answers ---------------------------------------------------------
def vote(p, n):
    return sum(comb(n, c) * p ** c * (1 - p) ** (n - c) for c in range(n // 2 + 1, n + 1))


def vote_best_of_n(p, n):
    return 1 - (1 - p) ** n


def vote_ties_win(p, n):
    return sum(comb(n, c) * p ** c * (1 - p) ** (n - c) for c in range((n + 1) // 2, n + 1))


RIGHT["30.1"] = vote
WRONG += [
    ("30.1", vote_best_of_n, "that is best-of-n"),
    ("30.1", vote_ties_win, "a tie (c = n/2) loses"),
]
