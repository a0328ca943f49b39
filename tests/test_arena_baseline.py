"""The arena's baseline recipe (nnbook/arena/baseline.py, chapter 37): chapter 20's model
trained within its budget, better than the uniform guess, and refusing a budget too small."""

import math

import pytest

import nnbook as nb
from nnbook.arena.baseline import recipe

SEEDS = (0, 1, 2)
BUDGET = 1_600_000_000        # 4 epochs of 10 steps of 32 windows: a few seconds a seed


def test_the_baseline_trains_within_its_budget_and_learns():
    """Catches a recipe that overspends (fit's check forward not paid for) or that learns
    nothing (the score of the uniform guess is log₂ 26 − the bound ≈ 3.9)."""
    r = nb.arena.run(recipe, BUDGET, SEEDS, evaluation="seed")   # the seeds' own texts: once a process
    for s in r.per_seed:
        assert BUDGET * 0.9 < s.spent <= BUDGET
        assert 0 < s.score < math.log2(26) - s.bound - 1


def test_a_budget_too_small_is_refused():
    with pytest.raises(ValueError, match="pays for no epoch .* Raise the budget"):
        nb.arena.run(recipe, 10**6, SEEDS)
