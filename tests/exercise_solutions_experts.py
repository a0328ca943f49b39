"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 33; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 33.1 · Switch's balancing loss ---------------------------------------------------------------
def balance_loss(probs, chosen):
    # f_e: the share of the k·N choices that went to expert e (sums to 1 for every k);
    # P_e: the router's mean probability of e over the N tokens
    N, E = probs.shape
    f = np.bincount(chosen.ravel(), minlength=E) / chosen.size
    return E * float(f @ probs.mean(axis=0))


def _no_factor(probs, chosen):
    return balance_loss(probs, chosen) / probs.shape[1]


def _counts(probs, chosen):
    return probs.shape[1] * float(np.bincount(chosen.ravel(), minlength=probs.shape[1])
                                  @ probs.mean(axis=0))


def _over_tokens(probs, chosen):
    return balance_loss(probs, chosen) * chosen.shape[1]


RIGHT["33.1"] = balance_loss
WRONG += [
    ("33.1", _no_factor, "factor E"),
    ("33.1", _counts, "not a count"),
    ("33.1", _over_tokens, "k·N"),
]
