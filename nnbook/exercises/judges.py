"""Exercises of chapter 30 (judges and test-time compute): majority vote's exact success
over two answers, a binomial tail with its rule for ties; best-of-n with a judge that makes
mistakes, whose success tends to the judge's precision.
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


# 30.2 ----------------------------------------------------------------------------------------
_JUDGES = [(0.3, 0.8, 0.2, 1), (0.3, 0.8, 0.2, 4), (0.2, 0.6, 0.3, 16), (0.5, 0.9, 0.05, 3),
           (0.1, 0.7, 0.25, 64)]


def _judged(p, tpr, fpr, n, fallback="rejected", kept="precision"):
    a = p * tpr + (1 - p) * fpr                    # P(the judge accepts one answer)
    none = (1 - a) ** n                            # P(it accepts none of the n)
    good = {"precision": p * tpr / a, "tpr": tpr}[kept]
    last = {"rejected": p * (1 - tpr) / (1 - a), "p": p, "zero": 0.0}[fallback]
    return (1 - none) * good + none * last


@exercise("30.2", "Best-of-n with a judge that makes mistakes",
          "function judged_best_of_n(p, tpr, fpr, n) -> the probability that the answer kept is "
          "correct: n answers, each correct with probability p; the judge accepts a correct one "
          "with probability tpr and a wrong one with probability fpr; keep the first answer it "
          "accepts, or the first drawn when it accepts none")
def judged_best_of_n(fn):
    run = Runner(fn, "judged_best_of_n")
    for p, tpr, fpr, n in _JUDGES:
        wrongs = [(1 - (1 - p) ** n, "that is best-of-n with an exact verifier, 1 − (1 − p)^n: "
                   "the judge also accepts wrong answers (fpr) and rejects right ones."),
                  (_judged(p, tpr, fpr, n, kept="tpr"), "an answer the judge accepted is correct "
                   "with probability P(correct | accepted) = p·tpr / (p·tpr + (1 − p)·fpr), the "
                   "judge's precision, not tpr = P(accepted | correct)."),
                  (_judged(p, tpr, fpr, n, fallback="zero"), "when the judge accepts none of the "
                   "n you still keep an answer (the first drawn), and it may be correct."),
                  (_judged(p, tpr, fpr, n, fallback="p"), "when the judge accepts none, the answer "
                   "kept is one it rejected: correct with probability P(correct | rejected) = "
                   "p(1 − tpr) / (1 − a), not p (a = p·tpr + (1 − p)·fpr).")]
        compare(f"judged_best_of_n(p={p}, tpr={tpr}, fpr={fpr}, n={n})", run(p, tpr, fpr, n),
                _judged(p, tpr, fpr, n), wrongs)
    return ("right: with a = p·tpr + (1 − p)·fpr, P = (1 − (1 − a)^n)·p·tpr/a + "
            "(1 − a)^n·p(1 − tpr)/(1 − a); it is p at n = 1 and tends to the judge's precision "
            "p·tpr/a, not to 1, as n grows.")
