"""The leaderboard's rows (nnbook/arena/rows.py, chapter 37): a row's signature names the line
before it, so that a signed row copied from another board of the same key (r37's transplant:
shown signed, with a verdict against a row the board lacks) or left after a removed row is
unsigned where it stands; a row signed before that field checks as it did; the key and the
record's fields. The runs are stand-ins (nothing trains): what a run measures is tested in
tests/test_arena_leaderboard.py."""

import json

import pytest

import nnbook as nb
import nnbook.arena.harness as harness
from nnbook.arena import rows

SEEDS = (0, 1, 2, 3, 4)
KEY = b"a test board's key, not a secret"


def _submit(board, monkeypatch, scores, recipe=__file__):
    """A row of ``scores`` (one for every seed) submitted to ``board`` with ``KEY``."""
    per_seed = tuple(harness.SeedScore(s, scores[s], 9.0, 1.0, 100, 3700 + s) for s in SEEDS)
    result = harness.ArenaResult("stand-in", "0" * 16, 100, per_seed, sum(scores) / 5)
    monkeypatch.setattr(nb.arena.leaderboard, "run", lambda *a, **k: result)
    return nb.arena.submit(recipe, 100, SEEDS, board, key=KEY)


def test_a_row_copied_from_another_board_of_the_same_key_is_unsigned(tmp_path, monkeypatch):
    """r37: a signed row moved to another board was shown signed and verify called it
    "edited after submit"; it is unsigned there now, and verify names both causes."""
    theirs, mine = tmp_path / "theirs.jsonl", tmp_path / "mine.jsonl"
    _submit(theirs, monkeypatch, [0.30] * 5)
    _submit(theirs, monkeypatch, [0.20] * 5)
    _submit(mine, monkeypatch, [0.35] * 5)
    with mine.open("a") as f:
        f.write(theirs.read_text().splitlines()[1] + "\n")       # their row 2, signed
    assert [r["signed"] for r in nb.arena.read_board(mine, KEY)] == [True, False]
    assert "1 row(s) unsigned" in nb.arena.show(mine, KEY)
    with pytest.raises(ValueError, match="edited after submit, or copied from another board"):
        nb.arena.verify(mine, 2, __file__, key=KEY)


def test_a_row_after_a_removed_one_is_unsigned_and_the_rest_signed(tmp_path, monkeypatch):
    """The rows were signed one by one, so a row removed left nothing to check; the row
    after it no longer names the line before it (removing the last row still leaves
    nothing)."""
    board = tmp_path / "board.jsonl"
    for score in (0.30, 0.29, 0.28):
        _submit(board, monkeypatch, [score] * 5)
    assert [r["signed"] for r in nb.arena.read_board(board, KEY)] == [True] * 3
    lines = board.read_text().splitlines()
    board.write_text(lines[0] + "\n" + lines[2] + "\n")
    assert [r["signed"] for r in nb.arena.read_board(board, KEY)] == [True, False]


def test_a_row_signed_before_the_line_it_follows_was_recorded_checks_as_before(tmp_path):
    """A row without ``after`` (signed before this field, as the notebook's board) checks
    by its signature alone; ``after`` is covered by the signature (edited: unsigned)."""
    row = {"row": 1, "commit": "0123456789ab", "recipe": "r.py", "recipe_hash": "0" * 16,
           "budget": 100, "seeds": [0, 1, 2], "scores": [0.3] * 3, "score": 0.3,
           "spent": [100] * 3, "against": None, "entropies": ["1", "2", "3"]}
    board = tmp_path / "board.jsonl"
    board.write_text(json.dumps({**row, "digest": rows.row_digest(row, KEY)}) + "\n")
    assert nb.arena.read_board(board, KEY)[0]["signed"]
    moved = {**row, "after": "0" * 16}
    board.write_text(json.dumps({**moved, "digest": rows.row_digest(row, KEY)}) + "\n")
    assert not nb.arena.read_board(board, KEY)[0]["signed"]


def test_the_key_and_the_fields(tmp_path, monkeypatch):
    """The key file: ``$NNBOOK_ARENA_KEY`` or ~/.config/nnbook/arena.key, made with 32
    bytes; a record lacking a field is not a row."""
    monkeypatch.setenv("NNBOOK_ARENA_KEY", str(tmp_path / "k"))
    assert rows.key_file() == tmp_path / "k" and rows.load_key(None) is None
    assert len(rows.load_key(None, make=True)) == 32 == len((tmp_path / "k").read_bytes())
    monkeypatch.delenv("NNBOOK_ARENA_KEY")
    assert rows.key_file().parts[-3:] == (".config", "nnbook", "arena.key")
    assert not rows.is_row({"row": 1}) and rows.line_print({"row": 1}) != rows.line_print({})
