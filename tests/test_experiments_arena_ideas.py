"""nnbook/experiments/arena_ideas.py (chapter 37): each idea changes one thing of the
baseline, pays its step's cost from the budget, and spends within it. Each check names, in a
comment, the mistake it catches."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.arena.baseline import recipe as baseline
from nnbook.experiments import arena_ideas as ai

SMALL = 1_200_000_000          # 7 steps an epoch of the baseline: under a second a recipe


def test_the_recipes_step_costs():
    base, none = ai.step_costs("baseline")
    # the baseline is chapter 20's model: 3 forwards of 32 windows of 405,504 (hand count in
    # tests/test_arena_budget.py) and AdamW's update uncounted
    assert (base, none) == (3 * 32 * 405_504, 0)
    # Muon pays Newton–Schulz (an update counted 0 would let it train as long as AdamW)
    model_part, update = ai.step_costs("Muon")
    assert model_part == base and 0.15 * base < update < 0.35 * base
    # the experts pay one expert and a router per token, not four experts
    assert base < sum(ai.step_costs("experts")) < 1.05 * base
    # the delta-rule block pays its state's products and W_β, not softmax's T × T
    assert base < sum(ai.step_costs("hybrid")) < 1.1 * base


@pytest.mark.parametrize("name", ["Muon", "experts", "hybrid"])
def test_each_idea_trains_within_the_budget(name):
    """Catches a recipe whose step cost leaves out a part (it would overspend: refused)."""
    s = nb.arena.run_seed(ai.RECIPES[name], SMALL, 3790)
    assert 0.75 * SMALL < s.spent <= SMALL             # whole steps: Muon 6 an epoch
    assert 0 < s.score < np.log2(26) - s.bound


def test_the_baseline_of_the_table_is_the_arenas():
    assert ai.RECIPES["baseline"] is baseline
    row = ai.idea_row(3790, names=("baseline",), budget=SMALL)
    assert row["baseline"] == nb.arena.run_seed(baseline, SMALL, 3790, evaluation="seed").score
