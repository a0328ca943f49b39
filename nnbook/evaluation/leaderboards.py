"""Leaderboards from pairwise votes (chapter 30): votes drawn from a Bradley–Terry model with
known strengths, its maximum-likelihood fit by Newton's method (converged when the gradient's
norm is small), and Elo's online ratings, whose values depend on the order of the votes.
"""

from __future__ import annotations

import numbers
from collections import Counter
from math import log

import numpy as np

from ..validate import make_rng, positive_int

__all__ = ["BradleyTerryFit", "bradley_terry", "bradley_terry_votes", "elo_ratings",
           "ELO_SCALE"]

ELO_SCALE = 400 / log(10)   # Elo points per unit of log-strength: P(i beats j) = σ(θi − θj)


class BradleyTerryFit:
    """The result of ``bradley_terry``: ``strengths`` (the log-strengths θ, normalised to
    mean 0), ``players`` (their names, in that order), ``converged`` (the log-likelihood's
    gradient norm fell below ``tol``, Newton's steps below √tol, and the votes have a
    finite maximum), ``grad_norm``, ``iterations`` and ``log_likelihood``."""

    def __init__(self, players, strengths, converged, grad_norm, iterations, log_likelihood):
        self.players, self.strengths = list(players), strengths
        self.converged, self.grad_norm = converged, grad_norm
        self.iterations, self.log_likelihood = iterations, log_likelihood

    def __repr__(self):
        return (f"BradleyTerryFit({len(self.players)} players, converged={self.converged}, "
                f"gradient norm {self.grad_norm:.2e} after {self.iterations} iterations)")


def _pairs(owner, votes):
    try:
        pairs = [(w, l) for w, l in votes]
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: expected votes as (winner, loser) pairs, got "
                         f"{type(votes).__name__}. Pass a list of 2-tuples.") from None
    if not pairs:
        raise ValueError(f"{owner}: expected at least one vote, got none.")
    if any(p != p for pair in pairs for p in pair):
        raise ValueError(f"{owner}: a player's name is not equal to itself (NaN?), got "
                         f"{next(v for v in pairs if v[0] != v[0] or v[1] != v[1])!r}. Name "
                         f"players by str or int.")
    strings = [v for v in ([votes] if isinstance(votes, str) else votes) if isinstance(v, str)]
    if strings:
        raise ValueError(f"{owner}: a vote is the string {strings[0]!r}, which would be read "
                         f"as its characters. Pass (winner, loser) tuples.")
    try:
        {p for pair in pairs for p in pair}
    except TypeError:
        raise ValueError(f"{owner}: players must be hashable names (str, int, …), got a vote "
                         f"{next(v for v in pairs if not _hashable(v))!r}.") from None
    if any(w == l for w, l in pairs):
        raise ValueError(f"{owner}: a vote pairs a player with itself "
                         f"({next(w for w, l in pairs if w == l)!r}); drop it.")
    return pairs


def _hashable(pair):
    try:
        hash(pair)
        return True
    except TypeError:
        return False


def _groups(w, l, k):
    """The connected components of the comparison graph (who has met whom) over players
    0 … k − 1, w and l the winners' and losers' indices: a list of index lists."""
    parent = list(range(k))
    w, l = np.asarray(w).tolist(), np.asarray(l).tolist()   # ints: lists index them faster

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(w, l):
        parent[root(a)] = root(b)
    groups = {}
    for i in range(k):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _beaten_both_ways(w, l, k):
    """Whether the graph of "l lost to w" reaches every player from player 0 and back
    (strongly connected): the condition for finite maximum-likelihood strengths."""
    def reaches_all(src, dst):
        nxt = [[] for _ in range(k)]
        for a, b in zip(src.tolist(), dst.tolist()):     # ints: faster than NumPy's in lists
            nxt[a].append(b)
        seen, todo = {0}, [0]
        while todo:
            for j in nxt[todo.pop()]:
                if j not in seen:
                    seen.add(j)
                    todo.append(j)
        return len(seen) == k

    return reaches_all(l, w) and reaches_all(w, l)


def _players(owner, pairs, players):
    seen = list(dict.fromkeys(p for pair in pairs for p in pair))
    if players is None:
        return seen
    try:
        players = list(players)
        repeated = [p for p, n in Counter(players).items() if n > 1]
    except TypeError:
        raise ValueError(f"{owner}: expected players as a list of hashable names (str, int, "
                         f"…), got {players!r:.80}.") from None
    if repeated:
        raise ValueError(f"{owner}: player {repeated[0]!r} appears "
                         f"{players.count(repeated[0])} times in players; name each player "
                         f"once.")
    missing = [p for p in players if p not in set(seen)]
    if missing:
        raise ValueError(f"{owner}: player {missing[0]!r} has no votes, so its strength is "
                         f"not identified. Drop it from players or collect votes for it.")
    extra = [p for p in seen if p not in set(players)]
    if extra:
        raise ValueError(f"{owner}: a vote names {extra[0]!r}, which is not among players.")
    return players


def bradley_terry(votes, players=None, *, tol: float = 1e-9, max_iter: int = 100):
    """The maximum-likelihood Bradley–Terry strengths from (winner, loser) votes.

    The model: P(i beats j) = σ(θi − θj). The log-likelihood Σ log σ(θw − θl) is concave
    and unchanged by adding a constant to every θ, so the fit is stated with mean(θ) = 0.
    Newton's method on the Hessian (a weighted graph Laplacian) with the all-ones direction
    added, so it is invertible; ``converged`` is True once the gradient's norm is below
    ``tol`` and Newton's last step below √tol, and the votes have a finite maximum (every
    group of players both beats and loses to the rest). A player who wins (or loses)
    every vote has no finite maximum: its gap to the others grows by about one per Newton
    step until σ of the gap is below float64's resolution (a gap near 40); from there the
    gradient is round-off, θ stops moving, but Newton's step stays near one, so the fit
    stops at ``max_iter`` (or earlier, when the Newton system is singular in float64) with
    ``converged`` False: the MLE does not exist, and a prior (a pseudo-vote each way
    between the players) gives a finite fit. A player in ``players`` with no votes, or
    named twice, is a ``ValueError`` naming it, and so are votes
    whose players fall into groups that never met (no vote links them).

    Shapes: votes a sequence of (winner, loser) pairs → ``BradleyTerryFit``."""
    pairs = _pairs("bradley_terry", votes)
    names = _players("bradley_terry", pairs, players)
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 < tol < np.inf:
        raise ValueError(f"bradley_terry: tol must be a positive number, got {tol!r}.")
    max_iter = positive_int("bradley_terry", "max_iter", max_iter)
    index = {p: i for i, p in enumerate(names)}
    w = np.array([index[a] for a, _ in pairs])
    l = np.array([index[b] for _, b in pairs])
    k = len(names)
    groups = _groups(w, l, k)
    if len(groups) > 1:
        a, b = ([names[i] for i in g[:3]] for g in groups[:2])
        raise ValueError(f"bradley_terry: the votes split the players into {len(groups)} "
                         f"groups that never met (e.g. {a!r} and {b!r}), so strengths across "
                         f"groups are not identified. Collect votes between the groups or "
                         f"fit each group alone.")
    theta = np.zeros(k)
    grad_norm, step, it = np.inf, np.inf, 0
    for it in range(max_iter + 1):
        d = theta[w] - theta[l]
        s = np.exp(-np.logaddexp(0.0, d))                           # σ(−d) = 1 − P(w wins)
        grad = np.bincount(w, s, k) - np.bincount(l, s, k)
        grad_norm = float(np.linalg.norm(grad))
        if (grad_norm < tol and step < tol ** 0.5) or it == max_iter:
            break
        h = s * (1 - s)
        if not h.any():            # every vote decided for good: θ ran off, nothing to solve
            break
        lap = np.zeros((k, k))
        np.add.at(lap, (w, w), h)
        np.add.at(lap, (l, l), h)
        np.add.at(lap, (w, l), -h)
        np.add.at(lap, (l, w), -h)
        try:
            delta = np.linalg.solve(lap + np.ones((k, k)) / k, grad)
        except np.linalg.LinAlgError:  # h below float64's resolution beside 1/k: θ ran off
            break
        if not np.all(np.isfinite(delta)):
            break
        step = float(np.abs(delta).max())
        theta = theta + delta - delta.mean()
    d = theta[w] - theta[l]
    loglik = float(-np.logaddexp(0.0, -d).sum())
    # no finite maximum unless every group of players also loses to the others (Ford 1957):
    # then some gap only grows, whatever round-off makes of the last steps
    converged = bool(grad_norm < tol and step < tol ** 0.5) and _beaten_both_ways(w, l, k)
    return BradleyTerryFit(names, theta, converged, grad_norm, it, loglik)


def bradley_terry_votes(strengths, n_votes, *, rng=None):
    """``n_votes`` (winner, loser) pairs of player indices: each vote a pair of distinct
    players drawn uniformly, the first winning with probability σ(θi − θj).

    Shapes: strengths (K,) → a list of n_votes pairs of ints."""
    try:
        theta = np.asarray(strengths, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"bradley_terry_votes: expected strengths as numbers (K,), got "
                         f"{strengths!r:.60}. Pass each player's log-strength θ.") from None
    if theta.ndim != 1 or len(theta) < 2 or not np.all(np.isfinite(theta)):
        bad = ("" if theta.ndim != 1 or len(theta) < 2 else
               f" with a non-finite entry {theta[~np.isfinite(theta)][0]}")
        raise ValueError(f"bradley_terry_votes: expected finite strengths (K,) with K ≥ 2, "
                         f"got shape {theta.shape}{bad}.")
    n_votes = positive_int("bradley_terry_votes", "n_votes", n_votes)
    rng = make_rng(rng, "bradley_terry_votes")
    i = rng.integers(0, len(theta), n_votes)
    j = (i + rng.integers(1, len(theta), n_votes)) % len(theta)    # another player
    first = rng.random(n_votes) < np.exp(-np.logaddexp(0.0, theta[j] - theta[i]))  # σ, stable
    win, lose = np.where(first, i, j), np.where(first, j, i)
    return [(int(a), int(b)) for a, b in zip(win, lose)]


def elo_ratings(votes, players=None, *, k: float = 16.0, initial: float = 1500.0):
    """Elo's ratings after the votes in the order given: each vote moves the winner up and
    the loser down by k·(1 − E), E = 1/(1 + 10^((R_l − R_w)/400)) the winner's expected
    score. Returns ``(players, ratings)`` with ratings an array in Elo points."""
    pairs = _pairs("elo_ratings", votes)
    names = _players("elo_ratings", pairs, players)
    if isinstance(k, bool) or not isinstance(k, numbers.Real) or not 0 < k < np.inf:
        raise ValueError(f"elo_ratings: k must be a positive number, got {k!r}.")
    if isinstance(initial, bool) or not isinstance(initial, numbers.Real) \
            or not np.isfinite(initial):
        raise ValueError(f"elo_ratings: initial must be a finite rating such as 1500.0, got "
                         f"{initial!r}.")
    index = {p: i for i, p in enumerate(names)}
    rating = np.full(len(names), float(initial))
    try:
        with np.errstate(over="raise", invalid="raise"):
            for a, b in pairs:
                i, j = index[a], index[b]
                expected = 1 / (1 + 10 ** ((rating[j] - rating[i]) / 400))
                rating[i] += k * (1 - expected)
                rating[j] -= k * (1 - expected)
    except FloatingPointError:
        rating[:] = np.nan
    if not np.all(np.isfinite(rating)):
        raise ValueError(f"elo_ratings: the ratings overflowed float64 with k={k!r}; Elo "
                         f"moves a rating by at most k per vote, so pass a k of Elo points "
                         f"such as 16 or 32.")
    return names, rating
