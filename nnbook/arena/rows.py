"""The leaderboard's rows (chapter 37): the signing key (``key_file``, ``load_key``), a row's
signature (``row_digest``: an HMAC of its record, which names the line before it, so that a
row moved to another board or after a removed row no longer checks) and ``is_row``, the
check of a record's fields that leaderboard.py reads."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import secrets
import tempfile
from pathlib import Path

from .guard import SCORE_FLOOR
from .child import KEY_VARIABLE

__all__ = ["key_file", "load_key", "row_digest", "line_print", "is_row", "FIELDS"]

_DOMAIN = b"nnbook.arena leaderboard row, v2\n"


def key_file() -> Path:
    """Where the board's signing key is kept: ``$NNBOOK_ARENA_KEY`` if set, else
    ``~/.config/nnbook/arena.key`` (made, 32 random bytes readable by its owner only, by the
    first ``submit``); never in the board or the repository."""
    return Path(os.environ.get(KEY_VARIABLE) or
                Path.home() / ".config" / "nnbook" / "arena.key")


def load_key(key, make=False):
    """The key's bytes: ``key`` itself (bytes, or a file's path), else ``key_file()``'s, made
    when missing if ``make`` (else None)."""
    if key is not None:
        return key if isinstance(key, bytes) else Path(key).read_bytes()
    path = key_file()
    if not path.exists():
        if not make:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole under another name, then linked: two first submits at once both
        # made it, one with an empty key or a FileExistsError (the tenth cold reading of 37)
        fd, part = tempfile.mkstemp(dir=path.parent, prefix=".arena-key-")
        try:
            with os.fdopen(fd, "wb") as f:               # mkstemp's mode: its owner only
                f.write(secrets.token_bytes(32))
            try:
                os.link(part, path)
            except FileExistsError:                      # the other one's: use it
                pass
        finally:
            os.unlink(part)
    key = path.read_bytes()
    if len(key) != 32:
        raise ValueError(f"arena: the key file {path} holds {len(key)} bytes; expected the 32 "
                         f"random bytes submit makes. Remove it (its rows then show UNSIGNED) "
                         f"or restore it.")
    return key


def row_digest(row: dict, key: bytes) -> str:
    """The signature of a row's record (every field but ``digest`` and ``signed``): an
    HMAC-SHA256 with ``key``, which only its keeper can compute."""
    record = {k: v for k, v in row.items() if k not in ("digest", "signed")}
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, _DOMAIN + text.encode(), hashlib.sha256).hexdigest()[:32]


def line_print(row) -> str:
    """A digest of the line ``row`` was read from (every field but ``signed``): the next row
    submit writes records it as ``after`` (None for a board's first row), and its
    signature covers that."""
    record = {k: v for k, v in row.items() if k != "signed"}
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


FIELDS = "row, budget, seeds (different ints), scores and spent (one a seed), score, " \
          "recipe (printable), recipe_hash and digest (hex), commit and against"
_HEX = re.compile(r"[0-9a-f]+")


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _whole(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_row(row):
    """True for a record with every field ``show``, ``submit``'s comparison and ``verify``
    read, each of its type (a line without ``against``, or with a number for ``recipe``,
    was a KeyError or a TypeError in show: the eleventh cold reading of 37)."""
    if not isinstance(row, dict) or "against" not in row:
        return False
    seeds, scores, a = row.get("seeds"), row.get("scores"), row["against"]
    return (_whole(row.get("row")) and row["row"] >= 1 and _whole(row.get("budget"))
            and row["budget"] >= 1 and _number(row.get("score"))
            and isinstance(seeds, list) and len(seeds) > 0 and all(map(_whole, seeds))
            and min(seeds) >= 0
            and len(set(seeds)) == len(seeds) and isinstance(scores, list)
            and len(scores) == len(seeds) and all(map(_number, scores))
            and isinstance(row.get("spent"), list) and len(row["spent"]) == len(seeds)
            and all(map(_whole, row["spent"])) and min(row["spent"]) >= 0
            and max(row["spent"]) <= row["budget"]
            and abs(sum(row["scores"]) / len(row["scores"]) - row["score"]) <= 1.5e-4
            and min(row["scores"]) >= SCORE_FLOOR and row["score"] >= SCORE_FLOOR
            and all(isinstance(row.get(k), str) and row[k].isprintable()
                    for k in ("recipe", "commit"))
            and all(isinstance(row.get(k, "0" * n), str) and len(row.get(k, "0" * n)) == n
                    and _HEX.fullmatch(row.get(k, "0" * n))
                    for k, n in (("recipe_hash", 16), ("digest", 32)))
            and (a is None or (isinstance(a, dict) and _whole(a.get("row"))
                               and _number(a.get("mean_gain")) and _number(a.get("p_value"))
                               and isinstance(a.get("accepted"), bool))))


