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


# 30.2 · Best-of-n with a judge that makes mistakes --------------------------------------------
def judged_best_of_n(p, tpr, fpr, n):
    a = p * tpr + (1 - p) * fpr                # the judge accepts one answer
    none = (1 - a) ** n                        # it accepts none of the n: the first is kept
    return (1 - none) * p * tpr / a + none * p * (1 - tpr) / (1 - a)


def judged_exact_verifier(p, tpr, fpr, n):
    return 1 - (1 - p) ** n


def judged_tpr_as_precision(p, tpr, fpr, n):
    a = p * tpr + (1 - p) * fpr
    return (1 - (1 - a) ** n) * tpr + (1 - a) ** n * p * (1 - tpr) / (1 - a)


def judged_fallback_p(p, tpr, fpr, n):
    a = p * tpr + (1 - p) * fpr
    return (1 - (1 - a) ** n) * p * tpr / a + (1 - a) ** n * p


def judged_fallback_zero(p, tpr, fpr, n):
    a = p * tpr + (1 - p) * fpr
    return (1 - (1 - a) ** n) * p * tpr / a


RIGHT["30.2"] = judged_best_of_n
WRONG += [
    ("30.2", judged_exact_verifier, "best-of-n with an exact verifier"),
    ("30.2", judged_tpr_as_precision, "the judge's precision"),
    ("30.2", judged_fallback_p, "P(correct | rejected)"),
    ("30.2", judged_fallback_zero, "you still keep an answer"),
]
