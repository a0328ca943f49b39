"""The arena's leaderboard (nnbook/arena/leaderboard.py, chapter 37): rows signed by submit,
which measures the recipe on fresh text; a row written by hand shown as unsigned and left
out of the comparison; the paired test against the best; verify measures a row again, on
its recorded texts and on fresh ones."""

import functools
import itertools
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

import nnbook as nb
import nnbook.arena.harness as harness
from nnbook.arena.child import recipe_identity
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


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """Row 1 of a board, submitted once for this file's tests (each works on a copy of the
    board): the honest recipe's file on the five seeds, its evaluation draws fixed at 3700
    to 3704. A submit is five spawned processes and five texts' window bounds (about 8 s of
    CPU); each test submitted its own first row."""
    folder = tmp_path_factory.mktemp("first")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(harness, "fresh_entropy", functools.partial(next, iter(range(3700, 3705))))
        recipe, board = _recipe_file(folder), folder / "board.jsonl"
        row = nb.arena.submit(recipe, recipes.budget_for(), SEEDS, board, key=KEY)
    return {"recipe": recipe, "board": board, "row": row}


def _board(first, tmp_path):
    """A copy of ``first``'s board (row 1) in ``tmp_path``."""
    return Path(shutil.copy(first["board"], tmp_path / "board.jsonl"))


def _later_draws(monkeypatch):
    """Every later run's evaluation draws: 3705 to 3709, seed by seed, again and again
    (another text than row 1's on every seed; the same five texts each time, so that their
    window bounds, about 0.8 s of CPU each, are computed once: ``text._drawn``'s cache)."""
    monkeypatch.setattr(harness, "fresh_entropy",
                        functools.partial(next, itertools.cycle(range(3705, 3710))))


def test_submit_measures_and_compares_with_the_best(first, tmp_path, monkeypatch):
    """Catches a row whose score is not the run's, a missing paired test, and a change
    accepted that changed nothing. The evaluation draws are fixed here (different for every
    seed and submit, the same every time the test runs): on truly fresh texts the same
    recipe submitted twice is lower on all five seeds, and accepted, one time in 32. The
    run that measures row 1 again on its texts is verify's own (recorded here)."""
    runs = []

    def run(*args, **kwargs):
        result = nb.arena.run(*args, **kwargs)
        runs.append((args, kwargs, result))
        return result
    monkeypatch.setattr(nb.arena.leaderboard, "run", run)
    _later_draws(monkeypatch)
    board, recipe, row1 = _board(first, tmp_path), first["recipe"], first["row"]
    budget = recipes.budget_for()
    second = nb.arena.submit(recipe, budget, SEEDS, board, key=KEY)
    assert second["against"]["row"] == 1 and not second["against"]["accepted"]
    assert second["entropies"] != row1["entropies"]               # fresh texts each time
    assert [r["row"] for r in nb.arena.read_board(board, KEY)] == [1, 2]
    table = nb.arena.show(board, KEY)
    assert f"{row1['score']:.4f}" in table and "not accepted" in table
    assert "UNSIGNED" not in table
    assert nb.arena.verify(board, 1, recipe, key=KEY)["row"] == 1
    replays = [(args, result) for args, kwargs, result in runs
               if kwargs.get("evaluation") == [int(e) for e in row1["entropies"]]]
    assert len(replays) == 1                                  # verify's, on row 1's texts
    (again_recipe, again_budget, again_seeds), measured = replays[0]
    assert (again_recipe, again_budget, tuple(again_seeds)) == (recipe, budget, SEEDS)
    assert row1["scores"] == [round(s, 4) for s in measured.scores]
    assert row1["score"] == round(measured.score, 4) and row1["against"] is None
    assert row1["recipe_hash"] == measured.recipe_hash and row1["seeds"] == list(SEEDS)
    assert row1["budget"] == budget and row1["spent"] == [budget] * 5
    assert row1["commit"] and row1["signed"]
    assert row1["entropies"] == [str(e) for e in range(3700, 3705)]       # the fixed draws
    with pytest.raises(ValueError, match="expected 5 to 20"):
        nb.arena.submit(recipe, budget, (0, 1, 2), board, key=KEY)


def test_a_row_is_numbered_after_the_rows_another_submit_wrote_meanwhile(first, tmp_path,
                                                                       monkeypatch):
    """Two submits to one board side by side: the second to finish numbers its row after
    the first's and compares with it. Numbered from the board as read before its run, both
    wrote row 1 (the ninth cold reading of chapter 37), and verify reached only the last.
    The run is a stand-in that, while it "trains", has the other submit's row appended."""
    board = tmp_path / "board.jsonl"
    other = first["board"].read_text()

    def run(recipe, budget, seeds, **kwargs):
        board.write_text(other)                  # the other submit finished meanwhile
        per_seed = tuple(harness.SeedScore(s, 9.0, 10.0, 1.0, budget, 3700 + s)
                         for s in seeds)
        return harness.ArenaResult("stand-in", "0" * 16, budget, per_seed, 9.0)
    monkeypatch.setattr(nb.arena.leaderboard, "run", run)
    row = nb.arena.submit(first["recipe"], recipes.budget_for(), SEEDS, board, key=KEY)
    assert row["row"] == 2 and row["against"]["row"] == 1
    assert [r["row"] for r in nb.arena.read_board(board, KEY)] == [1, 2]


def _stand_in(scores_by_seed, name="stand-in", digest="0" * 16):
    """A run that trains nothing: the scores ``scores_by_seed`` gives, seed by seed, in the
    order it is asked for them (and the seeds it was asked for, in ``asked``)."""
    asked = []

    def run(recipe, budget, seeds, **kwargs):
        asked.append(tuple(seeds))
        per_seed = tuple(harness.SeedScore(s, scores_by_seed[s], 9.0, 1.0, budget, 3700 + s)
                         for s in seeds)
        return harness.ArenaResult(name, digest, budget, per_seed,
                                   sum(scores_by_seed[s] for s in seeds) / len(seeds))
    return run, asked


def test_the_same_seeds_in_another_order_are_the_same_seeds(first, tmp_path, monkeypatch):
    """The eleventh cold reading of 37: seeds 4,3,2,1,0 made a new "first" row (compared
    by their order); the row lists them in order, and the paired test pairs scores by seed
    (by place, a row 0.01 better on every seed is a mix of gains and losses)."""
    row1 = first["row"]
    better = {seed: score - 0.01 for seed, score in zip(row1["seeds"], row1["scores"])}
    run, asked = _stand_in(better)
    monkeypatch.setattr(nb.arena.leaderboard, "run", run)
    board = _board(first, tmp_path)
    row = nb.arena.submit(first["recipe"], recipes.budget_for(), SEEDS[::-1], board, key=KEY)
    assert asked == [SEEDS] and row["seeds"] == list(SEEDS)
    assert row["against"]["row"] == 1 and row["against"]["mean_gain"] == 0.01
    assert row["against"]["p_value"] == 1 / 32 and row["against"]["accepted"]
    hand = dict(row, row=3, seeds=row["seeds"][::-1], scores=row["scores"][::-1])
    rows = [*nb.arena.read_board(board, KEY), {**hand, "signed": True}]
    assert nb.arena.leaderboard._best(rows, row["budget"], SEEDS)["row"] == 2   # either order
    assert nb.arena.leaderboard._against(rows[0], hand)["p_value"] == 1 / 32


def test_a_row_on_seeds_of_its_own_is_not_ranked_above_the_others(first, tmp_path,
                                                                  monkeypatch):
    """A recipe submitted on seeds it picked (5 to 9, where it happens to score 0.5) is the
    first row of its own group, listed under it, not at the top of row 1's."""
    run, _ = _stand_in({s: 0.5 for s in range(5, 10)}, "picked")
    monkeypatch.setattr(nb.arena.leaderboard, "run", run)
    board = _board(first, tmp_path)
    nb.arena.submit(first["recipe"], recipes.budget_for(), range(5, 10), board, key=KEY)
    lines = nb.arena.show(board, KEY).splitlines()
    groups = [i for i, line in enumerate(lines) if line.startswith("budget ")]
    assert len(groups) == 2 and lines[groups[0]].endswith("seeds 0,1,2,3,4:")
    assert lines[groups[0] + 1].lstrip().startswith("1 ") and "picked" in lines[groups[1] + 1]
    assert lines[-1].startswith("Rows are ranked and compared within one budget")


def test_a_recipe_that_rewrites_the_board_while_it_runs_gets_no_row(first, tmp_path,
                                                                   monkeypatch):
    """The twelfth cold reading of 37: a worse recipe emptied the board file while it
    trained (it needs no key: signatures are per row) and became row 1, "first"."""
    board = _board(first, tmp_path)
    run, _ = _stand_in({s: 9.0 for s in SEEDS})

    def emptying(*args, **kwargs):
        board.write_text("")
        return run(*args, **kwargs)
    monkeypatch.setattr(nb.arena.leaderboard, "run", emptying)
    with pytest.raises(nb.arena.RecipeError, match="lost or changed rows while the recipe"):
        nb.arena.submit(first["recipe"], recipes.budget_for(), SEEDS, board, key=KEY)
    assert board.read_text() == ""                            # nothing appended


def test_a_budget_one_below_the_boards_is_its_own_group_shown_whole_and_after(first, tmp_path,
                                                                            monkeypatch):
    """A budget one multiplication below the board's printed as the same rounded number
    and its group came first, its worse row "first" (the twelfth cold reading of 37)."""
    monkeypatch.setattr(nb.arena.leaderboard, "run", _stand_in({s: 9.0 for s in SEEDS})[0])
    board, budget = _board(first, tmp_path), recipes.budget_for()
    nb.arena.submit(first["recipe"], budget - 1, SEEDS, board, key=KEY)
    lines = nb.arena.show(board, KEY).splitlines()
    groups = [line for line in lines if line.startswith("budget ")]
    assert groups == [f"budget {budget:,}, seeds 0,1,2,3,4:",
                      f"budget {budget - 1:,}, seeds 0,1,2,3,4:"]       # the board's first


def test_verify_refuses_an_edited_mean_or_verdict(first, tmp_path, monkeypatch):
    """The eleventh cold reading of 37: verify compared a row's seed scores, not its mean or
    its verdict; an unsigned row with the mean lowered passed. The run is a stand-in giving
    the row's own scores (what the harness measures on its texts is tested above)."""
    row1 = first["row"]
    run, _ = _stand_in(dict(zip(row1["seeds"], row1["scores"])), "honest.py",
                       row1["recipe_hash"])
    monkeypatch.setattr(nb.arena.leaderboard, "run", run)
    board = _board(first, tmp_path)
    second = nb.arena.submit(first["recipe"], recipes.budget_for(), SEEDS, board, key=KEY)
    lines = board.read_text().splitlines()
    for edit, match in [({"score": round(row1["score"] - 0.1, 4)},    # not its scores' mean
                         "line 2 is not a row"),
                        ({"against": None}, "verdict says first of its budget and seeds"),
                        ({"against": {**second["against"], "accepted": True}},
                         "verdict says row 1: gain .* accepted; its scores and the rows")]:
        board.write_text("\n".join([lines[0], json.dumps({**json.loads(lines[1]), **edit})]))
        with pytest.raises(ValueError, match=match):
            nb.arena.verify(board, 2, first["recipe"], key=KEY)
    board.write_text("\n".join(lines))
    assert nb.arena.verify(board, 2, first["recipe"], key=KEY)["row"] == 2


def test_a_forged_row_is_unsigned_and_not_the_best(first, tmp_path, monkeypatch):
    """Cheat C: a row written by hand, with the digest anyone can compute without the key
    (the unkeyed one of before) or with another key: show marks it unsigned, submit compares
    with the signed rows only, and verify, which measures again, refuses it. Catches a
    board that takes a row's word for its score. The forged row claims the honest recipe's
    function, which runs in a fork of this process (``recipes.forked``: what the board does
    with a run does not depend on how its processes start; test_submit's run spawned)."""
    _later_draws(monkeypatch)
    board, honest = _board(first, tmp_path), recipes.forked(recipes.honest)
    budget = recipes.budget_for()
    forged = {k: v for k, v in first["row"].items() if k != "signed"}
    name, digest = recipe_identity(honest)
    forged.update(row=2, score=0.0001, scores=[0.0001] * 5, recipe=name, recipe_hash=digest)
    forged["against"] = nb.arena.leaderboard._against(first["row"], forged)   # as submit's
    forged["digest"] = nb.arena.row_digest(forged, b"the forger's own key")
    with board.open("a") as f:
        f.write(json.dumps(forged) + "\n")
    rows = nb.arena.read_board(board, KEY)
    assert [r["signed"] for r in rows] == [True, False]
    table = nb.arena.show(board, KEY)
    assert "UNSIGNED: a claim" in table.splitlines()[3]    # the forged row, first (after
    #                                                           the header, ----, its group)
    third = nb.arena.submit(honest, budget, SEEDS, board, key=KEY)
    assert third["against"]["row"] == 1                          # not the forged row 2
    with pytest.raises(ValueError, match="row 2 says .*0.0001.*the harness measures"):
        nb.arena.verify(board, 2, honest, key=KEY)
    board.write_text("not a row\n")
    with pytest.raises(ValueError, match="line 1 is not a row"):
        nb.arena.read_board(board, KEY)


# A recipe file whose top level, run in the verifier's process, would make every score 0.0001:
# harmless in the recipe's own processes (the scores are computed in the harness's).
SCORER_SWAP = """import sys, pathlib
sys.path.insert(0, str(pathlib.Path(__file__).parent))
import nnbook.arena.harness as _harness
from arena_recipes import honest as recipe

_real = _harness._score
_harness._score = lambda *args: _real(*args)._replace(score=0.0001)
"""


def test_verify_hashes_a_recipe_file_without_running_it(first, tmp_path):
    """Cheat D (the third cold reading of chapter 37): a hand-written row claiming 0.0001,
    with the hash of a recipe file whose top level replaces the harness's scorer. Verify must
    take the file's hash from its bytes: when it imported the file to hash it
    (``load_recipe``), the swap ran in the verifier's own process and verify confirmed the
    forged row. Its runs spawn the recipe's processes, where the swap does nothing."""
    board = _board(first, tmp_path)
    shutil.copy(RECIPES, tmp_path / "arena_recipes.py")
    cheat = tmp_path / "swap.py"
    cheat.write_text(SCORER_SWAP)
    forged = {k: v for k, v in first["row"].items() if k != "signed"}
    forged.update(row=2, score=0.0001, scores=[0.0001] * 5, recipe=cheat.name,
                  recipe_hash=recipe_identity(str(cheat))[1])
    forged["against"] = nb.arena.leaderboard._against(first["row"], forged)
    forged["digest"] = "0" * 32                                  # written by hand
    with board.open("a") as f:
        f.write(json.dumps(forged) + "\n")
    real = harness._score
    try:
        with pytest.raises(ValueError, match="row 2 says .*0.0001.*the harness measures"):
            nb.arena.verify(board, 2, str(cheat), key=KEY)
        assert harness._score is real, "verify ran the recipe file's top level in its process"
    finally:
        harness._score = real


def test_a_row_tuned_to_its_recorded_texts_fails_verify(tmp_path, monkeypatch):
    """A forged row whose scores are the replay of its recorded texts but not what the
    recipe gets on fresh ones: verify's second, fresh run refuses it. (Stands in for a
    recipe trained on the texts a published row names: no row passes the tolerance here.
    The recipe in a fork of this process, as above.)"""
    _later_draws(monkeypatch)
    board, honest = tmp_path / "board.jsonl", recipes.forked(recipes.honest)
    row = nb.arena.submit(honest, recipes.budget_for(), SEEDS, board, key=KEY)
    monkeypatch.setattr(nb.arena.leaderboard, "VERIFY_TOLERANCE", -1.0)   # nothing passes
    with pytest.raises(ValueError, match="on fresh evaluation text where the row says"):
        nb.arena.verify(board, row["row"], honest, key=KEY)


def test_verify_says_when_the_rows_commit_is_not_this_checkouts(tmp_path, monkeypatch):
    """A row measured at another commit of nnbook is measured again with this checkout's
    library (its scores must come out the same), and verify says so."""
    _later_draws(monkeypatch)
    board, honest = tmp_path / "board.jsonl", recipes.forked(recipes.honest)
    with monkeypatch.context() as mp:
        mp.setattr(nb.arena.leaderboard, "_commit", lambda: "0123456789ab")
        row = nb.arena.submit(honest, recipes.budget_for(), SEEDS, board, key=KEY)
    said = []
    nb.arena.verify(board, row["row"], honest, key=KEY, progress=said.append)
    assert said[0].startswith(f"row {row['row']} was measured at nnbook's commit "
                              f"0123456789ab; this checkout is ")
    assert said[0] != nb.arena.leaderboard._commit()


def test_a_bad_recipe_writes_no_row(tmp_path):
    board = tmp_path / "board.jsonl"
    with pytest.raises(nb.arena.RecipeError, match="overspent"):
        nb.arena.submit(recipes.overspends, recipes.budget_for(), SEEDS, board, key=KEY)
    assert not board.exists()
    assert "no rows yet" in nb.arena.show(board, KEY)


def test_the_first_key_is_made_whole_and_a_key_of_another_length_is_refused(tmp_path,
                                                                          monkeypatch):
    """Two first submits at once: the key is written under another name and linked, so the
    one that links second uses the first one's key (it found an empty file, or crashed on
    FileExistsError); a key file that is not 32 bytes is refused, not used to sign."""
    from nnbook.arena import rows
    path = tmp_path / "keys" / "arena.key"
    monkeypatch.setenv("NNBOOK_ARENA_KEY", str(path))
    theirs = bytes(range(32))
    real_link = os.link

    def link_after_the_other(src, dst):          # the other submit linked its key first
        Path(dst).write_bytes(theirs)
        real_link(src, dst)
    monkeypatch.setattr(rows.os, "link", link_after_the_other)
    assert rows.load_key(None, make=True) == theirs
    assert [p.name for p in path.parent.iterdir()] == ["arena.key"]   # no part left
    monkeypatch.setattr(rows.os, "link", real_link)
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="holds 0 bytes; expected the 32"):
        rows.load_key(None, make=True)


WHOLE = {"scores": [1.0], "score": 1.0, "row": 1, "seeds": [0], "budget": 10, "spent": [10],
         "recipe": "r.py", "recipe_hash": "0" * 16, "commit": "c", "against": None}


@pytest.mark.parametrize("edit", [
    {"against": None, "recipe": None, "recipe_hash": None, "commit": None},   # only 4 fields
    {"against": "missing"}, {"recipe": 5}, {"seeds": [0, 0]}, {"scores": [1.0, 2.0]},
    {"score": "1.0"}, {"against": {"row": 1}}, {"spent": None}, {"spent": [1.5]},
    {"recipe_hash": "\r  0  0.0100  first\n"}, {"recipe": "r.py\x1b[2K"},
    {"digest": "é" * 32}, {"score": "BIG"}, {"against": "DEEP"}, {"row": 0},
    {"budget": -5}, {"seeds": [-1]}, {"recipe_hash": "0" * 300}, {"digest": "0" * 31},
    {"spent": [-1]}, {"score": -3.0}, {"scores": [-3.0]}, {"spent": [11]}, {"score": 1.1}])
def test_a_line_without_the_fields_show_reads_is_refused(tmp_path, edit):
    """A line missing ``against``, or with a number for ``recipe``, was a KeyError or a
    TypeError in show (the eleventh cold reading of 37); a hash holding a carriage return
    printed a made-up row with its UNSIGNED mark pushed to another line, a digest with a
    non-ASCII character was a TypeError, a 5,000-digit number or a deep nest a traceback
    (the twelfth)."""
    row = {k: v for k, v in {**WHOLE, **edit}.items() if v is not None and v != "missing"}
    board = tmp_path / "board.jsonl"
    line = json.dumps(row).replace('"BIG"', "1" * 5000).replace('"DEEP"', "[" * 9999 + "]" * 9999)
    board.write_text(line + "\n")
    with pytest.raises(ValueError, match="line 1 is not a row"):
        nb.arena.show(board, KEY)
    board.write_text(json.dumps(WHOLE) + "\n")
    assert "r.py" in nb.arena.show(board, KEY)                 # the row made whole: shown


def test_a_board_that_is_not_a_board_file_or_numbers_a_row_twice_is_refused(tmp_path):
    """Two lines numbered 1: verify --row 1 reached the last, an unsigned one appended after
    the signed row (the twelfth cold reading of 37); a folder or a binary file as the board
    were tracebacks."""
    board = tmp_path / "board.jsonl"
    twice = {**WHOLE, "score": 0.5, "scores": [0.5]}
    board.write_text(json.dumps(WHOLE) + "\n" + json.dumps(twice) + "\n")
    with pytest.raises(ValueError, match="lines 1 and 2 are both row 1"):
        nb.arena.show(board, KEY)
    board.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="cannot be read as a board"):
        nb.arena.show(board, KEY)
    with pytest.raises(ValueError, match="cannot be read as a board"):
        nb.arena.show(tmp_path, KEY)


def test_a_module_git_does_not_track_inside_the_package_marks_the_commit_dirty():
    """A module of yours put inside nnbook/ is the library's to a recipe's hash, so the
    row's commit must say the checkout is not the commit (it said the commit, clean)."""
    from nnbook.arena import leaderboard
    if leaderboard._commit() in ("unknown",) or leaderboard._commit().endswith("-dirty"):
        pytest.skip("not a clean git checkout")
    probe = Path(leaderboard.__file__).parent / "_untracked_probe_of_a_test.py"
    try:
        probe.write_text("# a test's file, removed at its end\n")
        assert leaderboard._commit().endswith("-dirty")
    finally:
        probe.unlink()


def test_a_forked_recipe_finds_no_key_in_the_process_it_was_copied_from(tmp_path,
                                                                         monkeypatch):
    """The fifteenth cold reading of 37: a recipe function of a script is forked from the
    process running submit, which held the key's bytes in its frame and the key's path in
    its environment; walking up its frames, the recipe copied the key and signed a forged
    row. submit now reads the key only after the run, and the recipe's process drops the
    variable. (A key passed as bytes to submit is the caller's to keep: not here.)"""
    _later_draws(monkeypatch)
    key_path = tmp_path / "arena.key"
    monkeypatch.setenv("NNBOOK_ARENA_KEY", str(key_path))
    seen = tmp_path / "seen.json"

    def looks(arena):
        found, frame = [], sys._getframe()
        while frame is not None:
            found += [v.hex() for v in frame.f_locals.values()
                      if isinstance(v, bytes) and len(v) == 32]
            frame = frame.f_back
        seen.write_text(json.dumps({"found": found,
                                    "env": os.environ.get("NNBOOK_ARENA_KEY")}))
        return recipes.honest(arena)
    nb.arena.submit(looks, recipes.budget_for(), SEEDS, tmp_path / "board.jsonl")
    got = json.loads(seen.read_text())                       # the last seed's process
    assert key_path.read_bytes().hex() not in got["found"] and got["env"] is None


def test_an_unsigned_rows_verdict_must_hold_on_fresh_texts(first, tmp_path, monkeypatch):
    """The sixteenth cold reading of 37: an unsigned row's recorded texts are its writer's
    choice. Picked seed by seed (the best of 300 texts), they made the baseline "accepted"
    against itself at p = 0.031, and verify passed the row: its recorded texts gave the
    picked scores again, and its fresh mean was within the tolerance. Here the writer
    takes, seed by seed, the lower of two texts' scores (row 1, signed, gets the other):
    lower on all five, accepted; on fresh texts the verdict does not hold, and verify
    refuses the row. Fails when verify trusts an unsigned row's verdict."""
    honest, budget = first["recipe"], recipes.budget_for()
    drawn = [list(range(3700, 3705)), list(range(3705, 3710))]
    raw = [nb.arena.run(honest, budget, SEEDS, evaluation=d).scores for d in drawn]
    pick = [int(raw[1][i] < raw[0][i]) for i in range(5)]          # the lower, seed by seed
    rows = []
    for number, side in ((1, [1 - p for p in pick]), (2, pick)):
        scores = [raw[s][i] for i, s in enumerate(side)]
        row = {k: v for k, v in first["row"].items() if k != "signed"}
        row.update(row=number, scores=[round(s, 4) for s in scores],
                   score=round(sum(scores) / 5, 4),
                   entropies=[drawn[s][i] for i, s in enumerate(side)], against=None)
        if number == 2:
            row["against"] = nb.arena.leaderboard._against(rows[0], row)
        row["digest"] = nb.arena.row_digest(row, KEY if number == 1 else b"the writer's")
        rows.append(row)
    assert rows[1]["against"]["accepted"]                  # the picked texts: accepted
    board = tmp_path / "board.jsonl"
    board.write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr(harness, "fresh_entropy",
                        functools.partial(next, itertools.cycle(range(3711, 3716))))
    with pytest.raises(ValueError, match=r"row 2 is unsigned and says it beats row 1 "
                                         r"\(p = 0.0312\); on fresh evaluation text p = "):
        nb.arena.verify(board, 2, honest, key=KEY)



def test_an_unsigned_rows_verdict_against_an_unsigned_row_is_not_confirmed(first, tmp_path):
    """The seventeenth cold reading: the check above re-scored the verified row alone, so
    a writer who also picked the texts of the row it beats (the worst of 100 a seed, the
    best for its own) had both rows verified and "accepted" confirmed. verify cannot
    measure the other row again, so it refuses to confirm such a verdict at all."""
    rows = []
    for number in (1, 2):
        row = {k: v for k, v in first["row"].items() if k != "signed"}
        row.update(row=number, against=None)
        if number == 2:
            row.update(scores=[s - 0.1 for s in row["scores"]])
            row["score"] = round(sum(row["scores"]) / 5, 4)
            row["scores"] = [round(s, 4) for s in row["scores"]]
            row["against"] = nb.arena.leaderboard._against(rows[0], row)
        row["digest"] = nb.arena.row_digest(row, b"the writer's own key")
        rows.append(row)
    assert rows[1]["against"]["accepted"]
    board = tmp_path / "board.jsonl"
    board.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ValueError, match=r"row 2 is unsigned and says it beats row 1, "
                                         r"unsigned too"):
        nb.arena.verify(board, 2, first["recipe"], key=KEY)


def test_show_keeps_both_ends_of_a_long_recipe_name(tmp_path, monkeypatch):
    """r37: names were cut to 18 characters, so two a07 files both read a07_best_of_k_gran;
    a long name keeps its start and its end (the hash beside it tells equal names apart)."""
    board = tmp_path / "board.jsonl"
    for name, score in (("a07_best_of_k_grandchild.py", 0.3), ("a07_best_of_k_inprocess.py", 0.2)):
        run, _ = _stand_in({s: score for s in SEEDS}, name)
        monkeypatch.setattr(nb.arena.leaderboard, "run", run)
        nb.arena.submit(RECIPES, 100, SEEDS, board, key=KEY)
    table = nb.arena.show(board, KEY)
    assert "a07_best_of…randchild.py" in table and "a07_best_of…inprocess.py" in table


def _never_run(*args, **kwargs):
    raise AssertionError("submit ran the recipe")


@pytest.mark.parametrize("odd", ["\u00a0", "\t", "\u200b"],
                         ids=["no-break space", "tab", "zero-width space"])
def test_a_recipe_name_a_board_cannot_show_is_refused_before_the_run(tmp_path, monkeypatch,
                                                                   odd):
    """The twentieth cold reading: a recipe file named with a character ``str.isprintable``
    refuses was run and its row appended, and the board could no longer be read (show,
    submit and verify: "line 2 is not a row", a row submit wrote)."""
    shutil.copy(RECIPES, tmp_path / "arena_recipes.py")
    recipe = tmp_path / f"tiny{odd}v2.py"
    recipe.write_text("from arena_recipes import honest as recipe\n")
    board = tmp_path / "board.jsonl"
    monkeypatch.setattr(nb.arena.leaderboard, "run", _never_run)
    with pytest.raises(ValueError, match="not printable"):
        nb.arena.submit(recipe, 100, SEEDS, board, key=KEY)
    assert not board.exists()


def test_a_board_in_no_folder_is_refused_before_the_run(tmp_path, monkeypatch):
    """The twentieth cold reading: ``--board nodir/board.jsonl`` ran every seed and then
    ended in a traceback (FileNotFoundError), the run lost."""
    monkeypatch.setattr(nb.arena.leaderboard, "run", _never_run)
    with pytest.raises(ValueError, match="is in no folder"):
        nb.arena.submit(RECIPES, 100, SEEDS, tmp_path / "nodir" / "board.jsonl", key=KEY)


def test_a_board_whose_last_line_lost_its_newline_keeps_every_row(first, tmp_path,
                                                                monkeypatch):
    """The twentieth cold reading: a board whose last newline an editor removed got the new
    row on the same line, and neither row could be read again. The row starts a line of its
    own, and both rows check (the signature binds to the record before it, not its bytes)."""
    board = _board(first, tmp_path)
    board.write_text(board.read_text().rstrip("\n"))
    run, _ = _stand_in({s: 9.0 for s in SEEDS})
    monkeypatch.setattr(nb.arena.leaderboard, "run", run)
    nb.arena.submit(first["recipe"], recipes.budget_for(), SEEDS, board, key=KEY)
    rows = nb.arena.read_board(board, KEY)
    assert [r["row"] for r in rows] == [1, 2] and all(r["signed"] for r in rows)
    assert board.read_text().count("\n") == 2
