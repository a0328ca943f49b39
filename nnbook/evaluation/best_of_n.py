"""Test-time compute in closed form (chapter 30): best-of-n's success 1 − (1 − p)^n, majority
vote's exact success (a multinomial tail, ties stated), the exact distribution best-of-n
draws from an enumerable policy under a scorer, and its KL to that policy beside log n − (n − 1)/n.
"""

from __future__ import annotations

import numbers
from math import lgamma, log

import numpy as np

from ..validate import positive_int

__all__ = ["best_of_n_success", "majority_vote_success", "best_of_n_policy", "kl_divergence",
           "best_of_n_kl_bound"]

TIES = ("lose", "share")
MAX_VOTES = 300     # the exact vote costs about n³ steps: some seconds at n = 300


def _probability(owner, p):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"{owner}: expected a success probability p in [0, 1], got {p!r}.")
    return float(p)


def _numbers(owner, what, x):
    """x as a 1-D array of floats of its own precision (float32 stays float32), or raise."""
    try:
        a = np.asarray(x)
        if a.dtype.kind not in "fiu":
            raise TypeError
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: expected {what} as numbers, got {x!r:.60}.") from None
    a = a if a.dtype.kind == "f" else a.astype(np.float64)
    if a.ndim != 1 or not len(a):
        raise ValueError(f"{owner}: expected {what} of shape (K,) with K ≥ 1, got shape "
                         f"{a.shape}.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{owner}: expected finite numbers as {what}, got an entry "
                         f"{float(a[~np.isfinite(a)][0])}.")
    return a


def _sum_tolerance(q):
    """How far from 1 a probability vector's sum may be: 1e-9, or the rounding of its own
    precision (4·K·eps: a float32 vector divided by its float32 sum is off by ~1e-7)."""
    return max(1e-9, 4 * len(q) * float(np.finfo(q.dtype).eps))


def _distribution(owner, probs):
    q = _numbers(owner, "the probabilities", probs)
    if q.min() < 0:
        raise ValueError(f"{owner}: expected non-negative probabilities, got an entry "
                         f"{float(q.min())!r}. Check for a subtraction that went below 0.")
    tol = _sum_tolerance(q)
    if abs(float(q.sum(dtype=np.float64)) - 1) > tol:
        raise ValueError(f"{owner}: expected probabilities summing to 1 (within {tol:.1e} "
                         f"for {q.dtype}), got a sum of {float(q.sum(dtype=np.float64))!r}. "
                         f"Divide counts by their total.")
    if q.dtype != np.float64:                 # computed in float64 from here on
        q = q.astype(np.float64)
        q /= q.sum()
    return q


def best_of_n_success(p, n):
    """P(at least one of n independent answers is correct) = 1 − (1 − p)^n: best-of-n with an
    exact verifier as the selector, for a prompt the model answers correctly with probability p."""
    p = _probability("best_of_n_success", p)
    n = positive_int("best_of_n_success", "n", n)
    return 1.0 - (1.0 - p) ** n


def _binom_pmf(r, pi, kmax):
    """pmf of Binomial(r, pi) at k = 0 … min(r, kmax), as an array."""
    k = np.arange(min(r, kmax) + 1)
    if pi <= 0:
        return (k == 0).astype(float)
    if pi >= 1:
        return (k == r).astype(float)
    logc = np.array([lgamma(r + 1) - lgamma(j + 1) - lgamma(r - j + 1) for j in k])
    return np.exp(logc + k * log(pi) + (r - k) * log(1 - pi))


def _binom_table(n, pi, log_factorial):
    """``_binom_pmf(r, pi, n)`` for every r = 0 … n, as the rows of an (n + 1, n + 1) array
    (0 where k > r): the same operations on the same numbers, so the same floats."""
    r, k = np.arange(n + 1)[:, None], np.arange(n + 1)[None, :]
    below = k <= r
    if pi <= 0:
        return ((k == 0) & below).astype(float)
    if pi >= 1:
        return ((k == r) & below).astype(float)
    rk = np.where(below, r - k, 0)
    logc = log_factorial[r] - log_factorial[k] - log_factorial[rk]
    return np.where(below, np.exp(logc + k * log(pi) + (r - k) * log(1 - pi)), 0.0)


def _vote_cost(K, n):
    """The work of ``majority_vote_success`` for K answers and n votes, in units of about
    3 ns: (K − 1)·n³/6 products (each count of the correct answer splits the other
    answers' draws one answer at a time) on rows of K + 1 ties, with ~24 units of call
    overhead each."""
    return (K - 1) * (K + 24) * n ** 3 / 6


MAX_COST = _vote_cost(5, 300)    # about 2 s; chapter 30 asks for at most _vote_cost(5, 61)


def majority_vote_success(probs, correct, n, *, ties="lose"):
    """The exact probability that majority vote over n sampled answers returns the correct one.

    The n answers are a multinomial draw from ``probs`` (K,), the answers' probabilities;
    ``correct`` is the index of the correct answer. The vote returns the most frequent
    answer. ``ties``: ``"lose"`` counts a tie for first place as a failure (a strict
    plurality is needed); ``"share"`` breaks a tie uniformly at random, so a tie among t + 1
    answers wins with probability 1/(t + 1). Computed exactly by splitting the multinomial
    into binomials, one answer after another: no sampling. The cost grows like
    (K − 1)(K + 24)·n³, so n ≤ 300 and at most the cost of K = 5 answers at n = 300
    (about 2 s; K = 30 answers allow n ≤ 125); sample the vote beyond that.

    Shapes: probs (K,) → a float."""
    q = _distribution("majority_vote_success", probs)
    n = positive_int("majority_vote_success", "n", n)
    if n > MAX_VOTES:
        raise ValueError(f"majority_vote_success: n={n} is above {MAX_VOTES} (the exact sum "
                         f"costs about n³ steps, seconds at n = {MAX_VOTES}); sample the vote "
                         f"instead.")
    if isinstance(correct, bool) or not isinstance(correct, (int, np.integer)) \
            or not 0 <= correct < len(q):
        raise ValueError(f"majority_vote_success: expected correct as an index in [0, "
                         f"{len(q)}), got {correct!r}.")
    if ties not in TIES:
        raise ValueError(f"majority_vote_success: ties must be one of {TIES}, got {ties!r}.")
    others = np.delete(q, correct)
    others = others[others > 0]              # never drawn: the vote is the same without them
    K = len(others) + 1
    if _vote_cost(K, n) > MAX_COST:
        most = int((MAX_COST / _vote_cost(K, 1)) ** (1 / 3))
        raise ValueError(f"majority_vote_success: {K} answers of probability > 0 at n={n} "
                         f"would take about {_vote_cost(K, n) / MAX_COST * 2:.1f} s (the exact "
                         f"sum grows like (K − 1)(K + 24)·n³); it allows about 2 s, which "
                         f"with {K} answers is n ≤ {most}. Sample the vote instead.")
    tail = np.cumsum(others[::-1])[::-1]                       # mass of the others left
    log_factorial = np.array([lgamma(i + 1) for i in range(n + 1)])
    splits = [_binom_table(n, q_j / tail[j] if tail[j] > 0 else 0.0, log_factorial)
              for j, q_j in enumerate(others)]                  # answer j's count given r
    p_correct = _binom_pmf(n, q[correct], n)
    total = 0.0
    for c in range(1, n + 1):                                  # the correct answer's count
        p_c = p_correct[c]
        if p_c == 0:
            continue
        # state[r, t]: probability that r draws remain for the answers not yet split and t
        # of those already split tied with c (none above c)
        state = np.zeros((n - c + 1, len(others) + 1))
        state[n - c, 0] = 1.0
        for table in splits:
            pmf = table[:n - c + 1]                             # (r, k): answer j's count k
            new = np.zeros_like(state)
            for k in range(min(c, n - c + 1)):                  # k < c: no tie
                new[:n - c + 1 - k] += pmf[k:, k, None] * state[k:]
            if n - c >= c:                                      # k = c: one more tie
                new[:n - 2 * c + 1, 1:] += pmf[c:, c, None] * state[c:, :-1]
            state = new
        t = np.arange(len(others) + 1)
        weight = (t == 0).astype(float) if ties == "lose" else 1.0 / (t + 1)
        total += p_c * float(state[0] @ weight)
    return total


def best_of_n_policy(probs, scores, n):
    """The exact distribution of best-of-n: draw n answers from ``probs`` (K,) and return the
    one the scorer rates highest. Sorted by score, with F the policy's cumulative mass, an
    answer's group of equal scores is chosen with probability F(g)^n − F(g−)^n, and inside a
    group each answer in proportion to its probability (ties go to any of the tied samples).

    Shapes: probs (K,), scores (K,) → (K,)."""
    q = _distribution("best_of_n_policy", probs)
    s = _numbers("best_of_n_policy", "the scores", scores).astype(np.float64)
    if s.shape != q.shape:
        raise ValueError(f"best_of_n_policy: expected finite scores of shape {q.shape} (one "
                         f"per answer), got shape {s.shape}.")
    n = positive_int("best_of_n_policy", "n", n)
    levels = np.unique(s)                                        # ascending
    mass = np.array([q[s == v].sum() for v in levels])
    cdf = np.clip(np.cumsum(mass), 0, 1)            # rounding can take it past 1 early
    below = np.concatenate([[0.0], cdf[:-1]])
    chosen = np.maximum(cdf ** n - below ** n, 0)                # each score level, ≥ 0
    out = np.zeros_like(q)
    for v, m, c in zip(levels, mass, chosen):
        if m > 0:
            out[s == v] = c * q[s == v] / m
    return out


def kl_divergence(p, q):
    """KL(p ‖ q) = Σ p log(p / q) in nats, 0 log 0 = 0; infinite where p > 0 = q."""
    p = _distribution("kl_divergence", p)
    q = _distribution("kl_divergence", q)
    if p.shape != q.shape:
        raise ValueError(f"kl_divergence: expected two distributions of one shape, got "
                         f"{p.shape} and {q.shape}.")
    keep = p > 0
    if np.any(q[keep] == 0):
        return float("inf")
    return float(np.sum(p[keep] * np.log(p[keep] / q[keep])))


def best_of_n_kl_bound(n):
    """log n − (n − 1)/n: the bound on KL(best-of-n ‖ policy), reached as the policy's largest
    probability goes to 0 (all answers distinct, scores without ties)."""
    n = positive_int("best_of_n_kl_bound", "n", n)
    return log(n) - (n - 1) / n
