"""The arena's leaderboard (nnbook/arena/leaderboard.py, chapter 37): rows written only by
submit, which measures the recipe; a forged row refused; the paired test against the best;
verify measures a row again."""

import json
import shutil
from pathlib import Path

import pytest

import nnbook as nb
import arena_recipes as recipes

SEEDS = (0, 1, 2)
RECIPES = Path(recipes.__file__)


def _recipe_file(tmp_path):
    """A recipe file of the honest recipe (its module, next to the tests)."""
    path = tmp_path / "honest.py"
    shutil.copy(RECIPES, tmp_path / "arena_recipes.py")
    path.write_text("import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent))"
                    "\nfrom arena_recipes import honest as recipe\n")
    return path


def test_submit_measures_and_compares_with_the_best(tmp_path):
    """Catches a row whose score is not the run's, a missing paired test, and a change
    accepted that changed nothing."""
    board, recipe = tmp_path / "board.jsonl", _recipe_file(tmp_path)
    budget = recipes.budget_for()
    first = nb.arena.submit(recipe, budget, SEEDS, board)
    measured = nb.arena.run(recipe, budget, SEEDS)
    assert first["scores"] == [round(s, 4) for s in measured.scores]
    assert first["score"] == round(measured.score, 4) and first["against"] is None
    assert first["recipe_hash"] == measured.recipe_hash and first["seeds"] == list(SEEDS)
    assert first["budget"] == budget and first["spent"] == [budget] * 3
    assert first["commit"]
    second = nb.arena.submit(recipe, budget, SEEDS, board)
    assert second["against"]["row"] == 1
    assert second["against"]["p_value"] == 1.0 and not second["against"]["accepted"]
    assert [r["row"] for r in nb.arena.read_board(board)] == [1, 2]
    table = nb.arena.show(board)
    assert f"{first['score']:.4f}" in table and "not accepted" in table
    assert nb.arena.verify(board, 1, recipe)["row"] == 1


def test_a_forged_row_is_refused(tmp_path):
    """A score written by hand: the digest does not match (and submit adds nothing after
    it); a forger who recomputes the digest is caught by verify, which measures again."""
    board, recipe = tmp_path / "board.jsonl", _recipe_file(tmp_path)
    budget = recipes.budget_for()
    row = nb.arena.submit(recipe, budget, SEEDS, board)
    forged = dict(row, row=2, score=0.0001, scores=[0.0001] * 3)
    with board.open("a") as f:
        f.write(json.dumps(forged) + "\n")
    with pytest.raises(ValueError, match="line 2 was not written by the harness"):
        nb.arena.read_board(board)
    with pytest.raises(ValueError, match="line 2 was not written by the harness"):
        nb.arena.submit(recipe, budget, SEEDS, board)
    assert len(board.read_text().splitlines()) == 2
    forged["digest"] = nb.arena.row_digest(forged)            # a forger who read the code
    board.write_text(json.dumps(row) + "\n" + json.dumps(forged) + "\n")
    assert len(nb.arena.read_board(board)) == 2
    with pytest.raises(ValueError, match="row 2 says .*0.0001.*the harness measures"):
        nb.arena.verify(board, 2, recipe)


def test_a_bad_recipe_writes_no_row(tmp_path):
    board = tmp_path / "board.jsonl"
    with pytest.raises(nb.arena.RecipeError, match="overspent"):
        nb.arena.submit(recipes.overspends, recipes.budget_for(), SEEDS, board)
    assert not board.exists()
    assert "no rows yet" in nb.arena.show(board)
