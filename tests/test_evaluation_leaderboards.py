"""nnbook/evaluation/leaderboards.py: Bradley–Terry's fit (hand values, the gradient at the
optimum, recovery of known strengths, the unidentified cases), the votes, Elo, the errors."""

import numpy as np
import pytest

from nnbook.evaluation.leaderboards import (ELO_SCALE, bradley_terry, bradley_terry_votes,
                                            elo_ratings)


def test_two_players_fit_is_the_log_odds():
    votes = [("a", "b")] * 3 + [("b", "a")]
    fit = bradley_terry(votes)
    assert fit.converged and fit.players == ["a", "b"]
    assert fit.strengths[0] - fit.strengths[1] == pytest.approx(np.log(3), abs=1e-9)
    assert fit.strengths.sum() == pytest.approx(0, abs=1e-12)   # the stated normalisation


def test_fit_is_a_stationary_point_and_beats_nearby_strengths():
    theta = np.array([-1.0, 0.0, 0.4, 0.6])
    votes = bradley_terry_votes(theta, 600, rng=np.random.default_rng(3))
    fit = bradley_terry(votes, players=range(4))
    assert fit.converged and fit.grad_norm < 1e-9

    def loglik(t):
        return sum(-np.logaddexp(0, -(t[w] - t[l])) for w, l in votes)

    assert loglik(fit.strengths) == pytest.approx(fit.log_likelihood)
    r = np.random.default_rng(0)
    for _ in range(5):
        assert loglik(fit.strengths + 0.01 * r.normal(size=4)) < fit.log_likelihood


def test_recovers_known_strengths():
    theta = np.array([-1.0, -0.2, 0.3, 0.9])
    votes = bradley_terry_votes(theta, 20000, rng=np.random.default_rng(1))
    fit = bradley_terry(votes, players=range(4))
    assert np.abs(fit.strengths - (theta - theta.mean())).max() < 0.08


def test_a_player_who_wins_everything_does_not_converge():
    fit = bradley_terry([("a", "b"), ("a", "c"), ("b", "c"), ("c", "b")], max_iter=30)
    assert not fit.converged and fit.iterations == 30


def test_errors_name_the_player():
    with pytest.raises(ValueError, match="player 'd' has no votes"):
        bradley_terry([("a", "b"), ("b", "c")], players=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="'z', which is not among players"):
        bradley_terry([("a", "z")], players=["a"])
    with pytest.raises(ValueError, match="with itself"):
        bradley_terry([("a", "a")])
    with pytest.raises(ValueError, match="at least one vote"):
        bradley_terry([])


def test_votes_follow_the_model():
    votes = bradley_terry_votes([0.0, 1.0], 20000, rng=np.random.default_rng(5))
    share = np.mean([w == 1 for w, _ in votes])
    assert abs(share - 1 / (1 + np.exp(-1))) < 0.015        # 4.5 standard errors
    assert all(w != l for w, l in votes)


def test_elo_by_hand_and_order_dependence():
    names, r = elo_ratings([("a", "b")], k=16)
    assert names == ["a", "b"] and r == pytest.approx([1508, 1492])
    votes = [("a", "b"), ("a", "b"), ("b", "a")]
    _, first = elo_ratings(votes)
    _, second = elo_ratings(votes[::-1])
    assert not np.allclose(first, second)
    assert first.sum() == pytest.approx(3000) and ELO_SCALE == pytest.approx(173.72, abs=0.01)
    with pytest.raises(ValueError, match="k must be a positive number"):
        elo_ratings(votes, k=0)


def test_the_gradient_by_finite_differences():
    # the fit's stationarity against an independent gradient: central differences of the
    # log-likelihood at the fit (a sign or index slip in the Newton gradient fails it)
    votes = bradley_terry_votes([-0.5, 0.1, 0.4], 300, rng=np.random.default_rng(7))
    fit = bradley_terry(votes, players=range(3))
    w, l = np.array(votes).T

    def loglik(t):
        return -np.logaddexp(0, -(t[w] - t[l])).sum()

    h = 1e-5
    fd = [(loglik(fit.strengths + h * e) - loglik(fit.strengths - h * e)) / (2 * h)
          for e in np.eye(3)]
    assert np.abs(fd).max() < 1e-5
    shifted = fit.strengths + np.array([0.05, 0, 0])
    fd = [(loglik(shifted + h * e) - loglik(shifted - h * e)) / (2 * h) for e in np.eye(3)]
    assert abs(fd[0]) > 1e-2                  # away from the optimum it is not 0


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="2 groups that never met"):
        bradley_terry([(0, 1), (1, 0), (2, 3), (3, 2)])
    with pytest.raises(ValueError, match="tol must be a positive number"):
        bradley_terry([(0, 1), (1, 0)], tol=-1)
    with pytest.raises(ValueError, match="tol must be a positive number"):
        bradley_terry([(0, 1), (1, 0)], tol=float("nan"))
    for bad in (0, -3, 2.5):
        with pytest.raises(ValueError, match="max_iter to be an integer"):
            bradley_terry([(0, 1), (1, 0)], max_iter=bad)
    with pytest.raises(ValueError, match="a vote is the string 'ab'"):
        bradley_terry(["ab", "ba"])
    with pytest.raises(ValueError, match="hashable"):
        bradley_terry([([0], 1), (1, [0])])
    with pytest.raises(ValueError, match="not equal to itself"):
        bradley_terry([(float("nan"), 1), (1, float("nan"))])
    with pytest.raises(ValueError, match="initial must be a finite rating"):
        elo_ratings([(0, 1)], initial=float("nan"))
    with pytest.raises(ValueError, match="initial must be a finite rating"):
        elo_ratings([(0, 1)], initial="x")
    with pytest.raises(ValueError, match="non-finite entry nan"):
        bradley_terry_votes([0.0, np.nan], 10)


def test_votes_with_huge_gaps_do_not_overflow():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no overflow RuntimeWarning
        votes = bradley_terry_votes([0.0, 1000.0], 50, rng=np.random.default_rng(0))
    assert all(w == 1 for w, _ in votes)


def test_elo_scale_gives_ten_to_one_odds_for_400_points():
    p = 1 / (1 + np.exp(-400 / ELO_SCALE))      # Bradley–Terry at a gap of 400 Elo points
    assert p / (1 - p) == pytest.approx(10)


@pytest.mark.parametrize("votes", [
    [(0, 1), (0, 1), (1, 2), (0, 2)],                     # 0 never loses
    [("a", "b")],
    [("a", "b"), ("b", "c")],                             # a chain
    [(i, i + 1) for i in range(10)],
    [(0, 1), (0, 1), (1, 2), (0, 2), (1, 0)],             # 2 never wins
    [(0, 1), (1, 0), (0, 2), (1, 2), (2, 3), (3, 2)],     # {0, 1} never lose to {2, 3}
])
def test_runaway_fits_report_not_converged(votes):
    """These raised NumPy's LinAlgError from the Newton step (the last one reported
    converged=True with a gradient of exactly 0): the MLE does not exist."""
    fit = bradley_terry(votes)
    assert not fit.converged and np.all(np.isfinite(fit.strengths))
    assert fit.strengths[0] > fit.strengths[-1]           # the order is still the votes'


def test_random_votes_converge_exactly_when_the_mle_exists():
    """Ford's condition: a finite maximum iff the graph of who beat whom is strongly
    connected; checked here by brute force on small random vote sets."""
    r = np.random.default_rng(0)
    for _ in range(200):
        K = int(r.integers(2, 5))
        votes = [tuple(int(p) for p in r.choice(K, 2, replace=False))
                 for _ in range(int(r.integers(1, 9)))]
        try:
            fit = bradley_terry(votes)
        except ValueError as e:
            assert "never met" in str(e)
            continue
        n = len(fit.players)
        beat = np.eye(n, dtype=bool)
        for w, l in votes:
            beat[fit.players.index(l), fit.players.index(w)] = True
        for _ in range(n):
            beat = beat | (beat.astype(int) @ beat.astype(int) > 0)
        assert fit.converged == bool(beat.all()), votes
        assert np.all(np.isfinite(fit.strengths))


def test_a_player_named_twice_and_elo_options():
    """A duplicate player was reported as "groups that never met"; k="16" raised
    TypeError from a comparison; a huge k overflowed to nan ratings."""
    with pytest.raises(ValueError, match=r"bradley_terry: player 'a' appears 2 times in "
                                         r"players; name each player once"):
        bradley_terry([("a", "b"), ("b", "a")], players=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"elo_ratings: player 0 appears 2 times"):
        elo_ratings([(0, 1)], players=[0, 1, 0])
    with pytest.raises(ValueError, match=r"bradley_terry: expected players as a list of "
                                         r"hashable names"):
        bradley_terry([("a", "b")], players=[["a"], ["b"]])
    for k in ("16", None, np.array([16.0]), 0, float("nan")):
        with pytest.raises(ValueError, match=r"elo_ratings: k must be a positive number"):
            elo_ratings([(0, 1)], k=k)
    with pytest.raises(ValueError, match=r"elo_ratings: the ratings overflowed float64 with "
                                         r"k=1e\+308"):
        elo_ratings([(0, 1), (1, 0), (0, 1)], k=1e308)


def test_votes_from_text_strengths_are_named():
    """Text raised NumPy's "could not convert string to float"."""
    with pytest.raises(ValueError, match=r"bradley_terry_votes: expected strengths as numbers "
                                         r"\(K,\), got \['a', 'b'\]"):
        bradley_terry_votes(["a", "b"], 3)
