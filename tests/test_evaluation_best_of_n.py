"""nnbook/evaluation/best_of_n.py: best-of-n and majority vote in closed form against hand values
and brute-force enumeration, best-of-n's exact distribution and its KL bound, the errors."""

import itertools
from math import log

import numpy as np
import pytest

from nnbook.evaluation.best_of_n import (best_of_n_kl_bound, best_of_n_policy,
                                         best_of_n_success, kl_divergence,
                                         majority_vote_success)


def test_best_of_n_success_by_hand():
    assert best_of_n_success(0.2, 1) == pytest.approx(0.2)
    assert best_of_n_success(0.2, 3) == pytest.approx(1 - 0.8 ** 3)
    assert best_of_n_success(0.0, 50) == 0.0 and best_of_n_success(1.0, 1) == 1.0
    with pytest.raises(ValueError, match="success probability p in"):
        best_of_n_success(1.5, 2)
    with pytest.raises(ValueError, match="n"):
        best_of_n_success(0.5, 0)


def brute_force_vote(q, correct, n, ties):
    """Every ordered sequence of n answers, its probability, the vote's outcome."""
    total = 0.0
    for seq in itertools.product(range(len(q)), repeat=n):
        counts = np.bincount(seq, minlength=len(q))
        top = np.flatnonzero(counts == counts.max())
        if correct in top:
            share = 1.0 if len(top) == 1 else (0.0 if ties == "lose" else 1 / len(top))
            total += np.prod(q[list(seq)]) * share
    return total


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("ties", ["lose", "share"])
def test_majority_vote_equals_enumeration(n, ties):
    q = np.array([0.35, 0.4, 0.15, 0.1])
    for correct in (0, 2):
        assert majority_vote_success(q, correct, n, ties=ties) == pytest.approx(
            brute_force_vote(q, correct, n, ties), abs=1e-12)


def test_majority_vote_two_answers_is_a_binomial_tail():
    # K = 2, n odd: the correct answer wins when it has more than n/2 of the votes
    from math import comb
    p, n = 0.6, 11
    tail = sum(comb(n, c) * p ** c * (1 - p) ** (n - c) for c in range(6, 12))
    assert majority_vote_success([p, 1 - p], 0, n) == pytest.approx(tail, abs=1e-12)
    # a wrong mode: the vote's success falls towards 0 as n grows
    q = [0.3, 0.4, 0.2, 0.1]
    assert majority_vote_success(q, 0, 60) < majority_vote_success(q, 0, 5) < 0.3


def test_majority_vote_errors():
    with pytest.raises(ValueError, match="summing to 1"):
        majority_vote_success([0.5, 0.4], 0, 3)
    with pytest.raises(ValueError, match="expected correct as an index"):
        majority_vote_success([0.5, 0.5], 2, 3)
    with pytest.raises(ValueError, match="ties must be one of"):
        majority_vote_success([0.5, 0.5], 0, 3, ties="win")
    with pytest.raises(ValueError, match="above 300"):        # the cost grows like n³
        majority_vote_success([0.5, 0.5], 0, 301)


def test_best_of_n_policy_against_enumeration_and_ties():
    q = np.array([0.1, 0.3, 0.2, 0.4])
    s = np.array([3.0, 1.0, 3.0, 0.0])         # answers 0 and 2 tie for the top score
    for n in (1, 2, 3):
        exact = np.zeros(4)
        for seq in itertools.product(range(4), repeat=n):
            best = max(s[list(seq)])
            tied = [i for i in seq if s[i] == best]
            for i in tied:                       # any tied sample, uniformly
                exact[i] += np.prod(q[list(seq)]) / len(tied)
        assert np.allclose(best_of_n_policy(q, s, n), exact, atol=1e-12)
    assert np.allclose(best_of_n_policy(q, s, 1), q)
    with pytest.raises(ValueError, match="finite scores of shape"):
        best_of_n_policy(q, s[:3], 2)


def test_kl_bound_is_an_upper_bound_tight_when_answers_are_many():
    for n in (2, 4, 16):
        bound = best_of_n_kl_bound(n)
        assert bound == pytest.approx(log(n) - (n - 1) / n)
        few = np.array([0.5, 0.3, 0.2])
        assert kl_divergence(best_of_n_policy(few, np.arange(3), n), few) < bound - 0.01
        many = np.full(4000, 1 / 4000)
        gap = bound - kl_divergence(best_of_n_policy(many, np.arange(4000), n), many)
        assert 0 <= gap < 1e-2


def test_kl_divergence_by_hand_and_errors():
    assert kl_divergence([0.5, 0.5], [0.25, 0.75]) == pytest.approx(
        0.5 * log(2) + 0.5 * log(2 / 3))
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == float("inf")
    with pytest.raises(ValueError, match="of one shape"):
        kl_divergence([1.0], [0.5, 0.5])


def test_share_rule_splits_every_draw_among_the_answers():
    # ties="share": the answers' chances of being returned sum to 1 (a wrong weight, such as
    # 1/t for a tie of t + 1, breaks it), and a close second can gain from the vote
    q = np.array([0.3, 0.31, 0.13, 0.13, 0.13])
    for n in (2, 5, 8):
        total = sum(majority_vote_success(q, j, n, ties="share") for j in range(5))
        assert total == pytest.approx(1, abs=1e-12)
    assert majority_vote_success(q, 0, 41) > majority_vote_success(q, 0, 1) + 0.1


def test_best_of_n_policy_never_negative():
    # the cumulative mass rounds past 1 before the top level: 1 − (1 + 2e-16)^n < 0 unclipped
    pi = np.array([0.1619684504108165, 3.0651690881789944e-05, 0.8379953495738304,
                   1.1275424073378593e-12, 5.5483233438900186e-06, 2.3849306320826136e-23])
    out = best_of_n_policy(pi, np.arange(6), 2)
    assert out.min() >= 0 and out.sum() == pytest.approx(1, abs=1e-12)
    assert np.isfinite(kl_divergence(out, pi))
    r = np.random.default_rng(0)
    for _ in range(300):
        pi = r.dirichlet(np.full(int(r.integers(2, 30)), 0.1))
        for n in (2, 7, 64):
            out = best_of_n_policy(pi, r.permutation(len(pi)), n)
            assert out.min() >= 0
            assert 0 <= kl_divergence(out, pi) <= best_of_n_kl_bound(n) + 1e-12


def test_float32_distributions_normalised_in_float32_are_accepted():
    x = np.random.default_rng(1).random(50).astype(np.float32)
    x /= x.sum()                                    # sums to 1 within float32's rounding
    assert abs(float(x.sum(dtype=np.float64)) - 1) > 1e-9
    uniform = np.full(50, 0.02)
    assert kl_divergence(x, uniform) == pytest.approx(
        kl_divergence(x.astype(np.float64) / x.astype(np.float64).sum(), uniform), abs=1e-6)
    assert best_of_n_policy(x, np.arange(50), 3).sum() == pytest.approx(1)
    assert 0 < majority_vote_success(x, 0, 3) < 1
    with pytest.raises(ValueError, match=r"summing to 1 \(within"):
        kl_divergence(np.array([0.5, 0.6], dtype=np.float32), [0.5, 0.5])


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="non-negative probabilities, got an entry -0.2"):
        majority_vote_success([1.2, -0.2], 0, 3)
    with pytest.raises(ValueError, match="finite numbers as the probabilities"):
        kl_divergence([np.nan, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="finite numbers as the scores, got an entry nan"):
        best_of_n_policy([0.5, 0.5], [1.0, np.nan], 2)
    with pytest.raises(ValueError, match="the probabilities as numbers, got 'ab'"):
        majority_vote_success("ab", 0, 3)
    with pytest.raises(ValueError, match="the scores as numbers"):
        best_of_n_policy([0.5, 0.5], "ab", 2)
    with pytest.raises(ValueError, match="success probability p in"):
        best_of_n_success("0.3", 3)
    with pytest.raises(ValueError, match=r"shape \(K,\)"):
        majority_vote_success([[0.5, 0.5]], 0, 3)


def test_majority_vote_bounds_its_work():
    """np.full(30, 1/30) at n = 300 took 33 s where the docstring said seconds: refused at
    once, with the n it allows; answers of probability 0 do not count against it."""
    import time
    start = time.process_time()
    with pytest.raises(ValueError, match=r"majority_vote_success: 30 answers of probability "
                                         r"> 0 at n=300 would take about \d+\.\d s .* with 30 "
                                         r"answers is n ≤ 125\. Sample the vote instead"):
        majority_vote_success(np.full(30, 1 / 30), 0, 300)
    assert time.process_time() - start < 0.5
    q = np.zeros(40)
    q[:3] = [0.5, 0.3, 0.2]
    assert majority_vote_success(q, 1, 30) == majority_vote_success(q[:3], 1, 30)
    assert majority_vote_success(q, 5, 3) == 0.0          # never drawn, never voted for
