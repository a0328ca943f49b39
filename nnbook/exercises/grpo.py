"""Exercises of chapter 29 (RL with a verifiable reward): the leave-one-out advantage of a
group, and pass@k from n answers of which c are correct.
"""

from __future__ import annotations

import math

import numpy as np

from ._core import Runner, compare, exercise

_GROUPS = [(1.0, 0.0, 0.0, 0.0), (1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0), (0.5, 0.25),
           (0.0, 0.0, 0.0), (0.2, 0.9, 0.4, 0.7, 0.1)]
_COUNTS = [(5, 2, 1), (5, 2, 3), (10, 0, 4), (10, 10, 3), (8, 3, 8), (12, 1, 5), (20, 7, 6)]


# 29.1 ----------------------------------------------------------------------------------------
@exercise("29.1", "The leave-one-out advantage",
          "function rloo(rewards) -> array: for a group of G rewards (a list), each answer's "
          "reward minus the mean of the OTHER G − 1 rewards")
def rloo(fn):
    run = Runner(fn, "rloo")
    for group in _GROUPS:
        r = np.array(group)
        G, centred = len(r), r - r.mean()
        spread = r.std()
        compare(f"rloo({list(group)})", run(list(group)), centred * G / (G - 1), [
            (centred, "that is r − the group's mean, which includes the answer's own reward: "
                      "it is (G − 1)/G times the leave-one-out advantage."),
            (r - (r.sum() - r) / G, "the mean of the others is (Σr − r_i)/(G − 1): there "
                                    "are G − 1 others, so divide by G − 1, not by G."),
            (-centred * G / (G - 1), "the sign is reversed: a reward above the others' mean "
                                     "gets a positive advantage."),
            (np.divide(centred, spread, out=np.zeros_like(r), where=spread > 0),
             "that is GRPO's (r − mean)/std; leave-one-out divides by nothing."),
        ])
    return ("right: r_i − (Σr − r_i)/(G − 1) = (G/(G − 1))(r_i − mean): its expected update is "
            "REINFORCE's exactly.")


# 29.2 ----------------------------------------------------------------------------------------
@exercise("29.2", "pass@k from counts",
          "function pass_at_k(n, c, k) -> number: the probability that k of the n answers, "
          "drawn without replacement, hold at least one of the c correct ones")
def pass_at_k(fn):
    run = Runner(fn, "pass_at_k")
    for n, c, k in _COUNTS:
        right = 1 - math.comb(n - c, k) / math.comb(n, k)
        compare(f"pass_at_k({n}, {c}, {k})", run(n, c, k), right, [
            (c / n, "c/n is pass@1 only: with k draws, any one correct answer is enough."),
            (1 - (1 - c / n) ** k, "1 − (1 − c/n)^k draws WITH replacement from the n answers; "
                                   "k different answers are drawn without: 1 − C(n−c, k)/C(n, k)."),
            (math.comb(c, 1) * math.comb(n - c, k - 1) / math.comb(n, k),
             "that is the probability of EXACTLY one correct answer; at least one is "
             "1 − P(none)."),
        ])
    return "right: 1 − C(n − c, k)/C(n, k), the chance that not all k drawn are wrong."
