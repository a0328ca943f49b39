"""Exercises of chapter 30 (judges and test-time compute): majority vote's exact success
over two answers, a binomial tail with its rule for ties.
"""

from __future__ import annotations

from math import comb

from ._core import Runner, compare, exercise


# 30.1 ----------------------------------------------------------------------------------------
def _vote(p, n, ties_win=False, best_of_n=False, half=False):
    if best_of_n:
        return 1 - (1 - p) ** n
    if half:                                   # c ≥ n // 2: a tie or a minority counted
        return sum(comb(n, c) * p ** c * (1 - p) ** (n - c) for c in range(n // 2, n + 1))
    return sum(comb(n, c) * p ** c * (1 - p) ** (n - c) for c in range(n + 1)
               if 2 * c > n or (ties_win and 2 * c == n))


@exercise("30.1", "Majority vote over two answers",
          "function vote(p, n) -> the probability that the correct answer (probability p; the "
          "one wrong answer has 1 − p) is drawn more often than the wrong one in n draws; a "
          "tie loses")
def vote(fn):
    run = Runner(fn, "vote")
    for p, n in [(0.6, 1), (0.6, 4), (0.45, 7), (0.7, 10), (0.55, 25)]:
        where = f"vote(p={p}, n={n})"
        wrongs = [(_vote(p, n, best_of_n=True), "that is best-of-n with a verifier, "
                   "1 − (1 − p)^n: the vote needs a majority, not one correct draw.")]
        if n % 2:
            wrongs.append((_vote(p, n, half=True), "the correct answer needs MORE than n/2 "
                           "of the draws: sum the binomial terms over c > n/2."))
        else:
            wrongs.append((_vote(p, n, ties_win=True), "a tie (c = n/2) loses here: count "
                           "only c > n/2."))
        compare(where, run(p, n), _vote(p, n), wrongs)
    return ("right: P = Σ_{c > n/2} C(n, c) p^c (1 − p)^(n − c), the binomial tail; with a "
            "tie counted as a loss.")
