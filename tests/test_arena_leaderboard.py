"""The arena's leaderboard (nnbook/arena/leaderboard.py, chapter 37): rows signed by submit,
which measures the recipe on fresh text; a row written by hand shown as unsigned and left
out of the comparison; the paired test against the best; verify measures a row again, on
its recorded texts and on fresh ones."""

import json
import shutil
from pathlib import Path

import pytest

import nnbook as nb
import nnbook.arena.harness as harness
import arena_recipes as recipes

SEEDS = (0, 1, 2, 3, 4)
RECIPES = Path(recipes.__file__)
KEY = b"a test board's key, not a secret"


def _recipe_file(tmp_path):
    """A recipe file of the honest recipe (its module, next to the tests)."""
    path = tmp_path / "honest.py"
    shutil.copy(RECIPES, tmp_path / "arena_recipes.py")
    path.write_text("import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent))"
                    "\nfrom arena_recipes import honest as recipe\n")
    return path


def test_submit_measures_and_compares_with_the_best(tmp_path, monkeypatch):
    """Catches a row whose score is not the run's, a missing paired test, and a change
    accepted that changed nothing. The evaluation draws are fixed here (different for every
    seed and submit, the same every time the test runs): on truly fresh texts the same
    recipe submitted twice is lower on all five seeds, and accepted, one time in 32."""
    draws = iter(range(3700, 3800))
    monkeypatch.setattr(harness, "fresh_entropy", lambda: next(draws))
    board, recipe = tmp_path / "board.jsonl", _recipe_file(tmp_path)
    budget = recipes.budget_for()
    first = nb.arena.submit(recipe, budget, SEEDS, board, key=KEY)
    measured = nb.arena.run(recipe, budget, SEEDS,
                            evaluation=[int(e) for e in first["entropies"]])
    assert first["scores"] == [round(s, 4) for s in measured.scores]
    assert first["score"] == round(measured.score, 4) and first["against"] is None
    assert first["recipe_hash"] == measured.recipe_hash and first["seeds"] == list(SEEDS)
    assert first["budget"] == budget and first["spent"] == [budget] * 5
    assert first["commit"] and first["signed"]
    assert first["entropies"] == [str(e) for e in range(3700, 3705)]       # the fixed draws
    second = nb.arena.submit(recipe, budget, SEEDS, board, key=KEY)
    assert second["against"]["row"] == 1 and not second["against"]["accepted"]
    assert second["entropies"] != first["entropies"]              # fresh texts each time
    assert [r["row"] for r in nb.arena.read_board(board, KEY)] == [1, 2]
    table = nb.arena.show(board, KEY)
    assert f"{first['score']:.4f}" in table and "not accepted" in table
    assert "UNSIGNED" not in table
    assert nb.arena.verify(board, 1, recipe, key=KEY)["row"] == 1
    with pytest.raises(ValueError, match="expected 5 to 20"):
        nb.arena.submit(recipe, budget, (0, 1, 2), board, key=KEY)


def test_a_forged_row_is_unsigned_and_not_the_best(tmp_path):
    """Cheat C: a row written by hand, with the digest anyone can compute without the key
    (the unkeyed one of before) or with another key: show marks it unsigned, submit compares
    with the signed rows only, and verify, which measures again, refuses it. Catches a
    board that takes a row's word for its score."""
    board, recipe = tmp_path / "board.jsonl", _recipe_file(tmp_path)
    budget = recipes.budget_for()
    row = nb.arena.submit(recipe, budget, SEEDS, board, key=KEY)
    forged = {k: v for k, v in row.items() if k != "signed"}
    forged.update(row=2, score=0.0001, scores=[0.0001] * 5)
    forged["digest"] = nb.arena.row_digest(forged, b"the forger's own key")
    with board.open("a") as f:
        f.write(json.dumps(forged) + "\n")
    rows = nb.arena.read_board(board, KEY)
    assert [r["signed"] for r in rows] == [True, False]
    table = nb.arena.show(board, KEY)
    assert "UNSIGNED: a claim" in table.splitlines()[2]           # the forged row, first
    third = nb.arena.submit(recipe, budget, SEEDS, board, key=KEY)
    assert third["against"]["row"] == 1                          # not the forged row 2
    with pytest.raises(ValueError, match="row 2 says .*0.0001.*the harness measures"):
        nb.arena.verify(board, 2, recipe, key=KEY)
    board.write_text("not a row\n")
    with pytest.raises(ValueError, match="line 1 is not a row"):
        nb.arena.read_board(board, KEY)


def test_a_row_tuned_to_its_recorded_texts_fails_verify(tmp_path, monkeypatch):
    """A forged row whose scores are the replay of its recorded texts but not what the
    recipe gets on fresh ones: verify's second, fresh run refuses it. (Stands in for a
    recipe trained on the texts a published row names.)"""
    board, recipe = tmp_path / "board.jsonl", _recipe_file(tmp_path)
    budget = recipes.budget_for()
    row = nb.arena.submit(recipe, budget, SEEDS, board, key=KEY)
    monkeypatch.setattr(nb.arena.leaderboard, "VERIFY_TOLERANCE", -1.0)   # nothing passes
    with pytest.raises(ValueError, match="on fresh evaluation text where the row says"):
        nb.arena.verify(board, row["row"], recipe, key=KEY)


def test_a_bad_recipe_writes_no_row(tmp_path):
    board = tmp_path / "board.jsonl"
    with pytest.raises(nb.arena.RecipeError, match="overspent"):
        nb.arena.submit(recipes.overspends, recipes.budget_for(), SEEDS, board, key=KEY)
    assert not board.exists()
    assert "no rows yet" in nb.arena.show(board, KEY)
