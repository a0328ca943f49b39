"""The arena's leaderboard file (chapter 37): one JSON row a line, appended by ``submit``,
which runs the recipe itself on fresh evaluation text and signs the row with a key kept
outside the board (``key_file``: an HMAC, so the public code cannot forge it); ``show``
marks a row whose signature does not check ("unsigned": written by hand or elsewhere, a
claim only ``verify`` can test) and ``submit`` compares only with signed rows. Anyone who
can read the key (the account that keeps the board, and so a recipe it runs) can sign."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import tempfile
from pathlib import Path

try:                                 # imported before any recipe runs (harness.py says why)
    import fcntl
except ImportError:                  # pragma: no cover  (Windows: no lock)
    fcntl = None

from ..evaluation import paired_test
from .child import recipe_identity
from .harness import KEY_VARIABLE, SECONDS, run
from .text import EVAL_CHARS, WINDOW

__all__ = ["DIGITS", "ALPHA", "submit", "read_board", "show", "verify", "row_digest",
           "key_file", "VERIFY_TOLERANCE"]

#: decimals a score is stored with: another BLAS kernel moves a score by about 1e-13 (the
#: baseline's five seeds at 2e9 under OpenBLAS's Haswell and Nehalem kernels: 5e-14 at most),
#: so the stored digits differ only for a score that close to a rounding edge (odds ~1e-9)
DIGITS = 4
#: the significance a change must pass to be accepted (``nb.evaluation.paired_test``)
ALPHA = 0.05
#: ``verify``'s second run, on fresh text, must give a mean within this of the row's (bits:
#: about six times the text's noise in the difference of two five-seed means,
#: 0.019·√2/√5 ≈ 0.012)
VERIFY_TOLERANCE = 0.07
_DOMAIN = b"nnbook.arena leaderboard row, v2\n"


def key_file() -> Path:
    """Where the board's signing key is kept: ``$NNBOOK_ARENA_KEY`` if set, else
    ``~/.config/nnbook/arena.key`` (made, 32 random bytes readable by its owner only, by the
    first ``submit``); never in the board or the repository."""
    return Path(os.environ.get(KEY_VARIABLE) or
                Path.home() / ".config" / "nnbook" / "arena.key")


def _key(key, make=False):
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


def _commit():
    """The commit of nnbook's checkout (``-dirty`` with uncommitted changes), or "unknown"."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=here, text=True,
                              capture_output=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=here, text=True, capture_output=True, timeout=10).stdout
        # and a file inside the package git does not track (a module of yours there is the
        # library's as far as a recipe's hash goes)
        dirty += subprocess.run(["git", "status", "--porcelain", "--untracked-files=all",
                                 "--", "."], cwd=here.parent, text=True,
                                capture_output=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("-dirty" if dirty.strip() else "")


_ROW_FIELDS = {"row": int, "budget": int, "score": (int, float), "seeds": list}  # show's


def read_board(path, key=None) -> list:
    """The rows of the leaderboard file ``path`` (none when it does not exist), each with
    ``"signed"``: True when its signature checks with ``key`` (bytes or a file; default
    ``key_file()``'s), i.e. ``submit`` wrote it with this key and nobody changed it since.
    A line that is not a JSON record: ``ValueError``."""
    path, key = Path(path), _key(key)
    if not path.exists():
        return []
    rows = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if not isinstance(row, dict) or not isinstance(row.get("scores"), list) or not all(
                isinstance(row.get(k), t) for k, t in _ROW_FIELDS.items()):
            raise ValueError(f"arena leaderboard {path}: line {i} is not a row (a JSON record "
                             f"with {', '.join(_ROW_FIELDS)} and scores); expected only rows "
                             f"from submit. Remove the line.")
        row["signed"] = key is not None and hmac.compare_digest(
            str(row.get("digest", "")), row_digest(row, key))
        rows.append(row)
    return rows


def _best(rows, budget, seeds):
    same = [r for r in rows if r["signed"] and r["budget"] == budget
            and r["seeds"] == list(seeds)]
    return min(same, key=lambda r: r["score"]) if same else None


def submit(recipe, budget, seeds, path, *, seconds=SECONDS, progress=None, key=None) -> dict:
    """Run ``recipe`` (``nb.arena.run``) and append its row to the leaderboard ``path``:
    commit, recipe name and hash, seeds, budget, the scores measured (rounded to ``DIGITS``),
    the multiplications spent, and the paired test of its scores against the best row of
    the same budget and seeds before it (``accepted``: better past ``ALPHA``), among the
    rows signed with ``key`` (an unsigned row is a claim, not a measurement here), each
    seed's evaluation ``entropies`` (fresh), and its signature. Each side of the paired test
    is scored on its own fresh texts, so the text's noise is in both. A recipe that breaks a
    rule raises ``RecipeError`` and writes nothing."""
    if not 5 <= len(tuple(seeds)) <= 20:
        raise ValueError(f"arena submit: got {len(tuple(seeds))} seeds; expected 5 to 20 (the "
                         f"paired test cannot accept a change on fewer than 5, and counts its "
                         f"2ⁿ patterns up to 20). Pass e.g. seeds=(0, 1, 2, 3, 4).")
    key = _key(key, make=True)
    read_board(path, key)                       # an unreadable file is refused before the run
    result = run(recipe, budget, seeds, seconds=seconds, progress=progress)
    with _locked(path):
        # numbered and compared with the board as it is now, under a lock: read before the
        # run, two submits side by side both wrote row 1 (the ninth cold reading of 37)
        rows = read_board(path, key)
        return _append(path, rows, result, key)


def _append(path, rows, result, key) -> dict:
    """Append ``result``'s signed row to the board ``path``, whose rows are ``rows``."""
    number = max((r["row"] for r in rows), default=0) + 1  # read_board: each an int
    row = {"row": number, "commit": _commit(), "recipe": result.name,
           "recipe_hash": result.recipe_hash, "budget": result.budget,
           "seeds": list(result.seeds), "window": WINDOW, "eval_chars": EVAL_CHARS,
           "scores": [round(s, DIGITS) for s in result.scores],
           "score": round(result.score, DIGITS),
           "spent": [s.spent for s in result.per_seed], "against": None,
           "entropies": [str(e) for e in result.entropies]}
    best = _best(rows, row["budget"], row["seeds"])
    if best is not None:
        test = paired_test(best["scores"], row["scores"], alpha=ALPHA)   # both as stored
        row["against"] = {"row": best["row"], "mean_gain": round(test.mean, DIGITS),
                          "p_value": test.p_value, "alpha": ALPHA, "accepted": test.accepted}
    row["digest"] = row_digest(row, key)
    with Path(path).open("a") as f:
        f.write(json.dumps(row, sort_keys=True, ensure_ascii=True) + "\n")
    return {**row, "signed": True}


@contextlib.contextmanager
def _locked(path):
    """An exclusive lock on the board ``path`` (made if missing) while the block runs: a
    second submit to the same board waits for it. Where ``fcntl`` is missing (Windows), no
    lock."""
    with Path(path).open("a") as f:
        if fcntl is None:                        # pragma: no cover (not on POSIX)
            yield
            return
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def verify(path, number, recipe, *, seconds=SECONDS, progress=None, key=None) -> dict:
    """Measure row ``number`` of ``path`` again from ``recipe`` (its file, whose hash must be
    the row's), twice: on the row's recorded evaluation texts (every seed's score must come
    out the same to ``DIGITS`` decimals) and on fresh ones (the mean within
    ``VERIFY_TOLERANCE`` of the row's: a recipe tuned to the recorded texts, which are
    public once the row is, is not). The recipe's hash covers the learner's modules it
    imports (``recipe_identity``). The row's ``commit`` need not be this checkout's: the
    row is measured with the library as it is here, and passes only if that gives its
    scores (``progress`` is told when the commits differ). Returns the row, or raises
    ``ValueError``."""
    rows = {r["row"]: r for r in read_board(path, key)}
    if number not in rows:
        raise ValueError(f"arena verify: got row {number!r}; expected one of {sorted(rows)}. "
                         f"Run show to see the rows.")
    row = rows[number]
    # The hash without running the recipe: importing its file here would run its top level
    # in the verifier's process, where it could replace the scorer (tests/test_arena_leaderboard.py).
    if recipe_identity(recipe)[1] != row["recipe_hash"]:
        raise ValueError(f"arena verify: the recipe {recipe} has another hash than row "
                         f"{number}'s {row['recipe_hash']}; expected the file it ran. Check out "
                         f"the recipe at commit {row['commit']}.")
    here = _commit()
    if progress is not None and row.get("commit") != here:
        progress(f"row {number} was measured at nnbook's commit {row.get('commit')}; this "
                 f"checkout is {here}: measured again with this library")
    try:
        draws = [int(e) for e in row["entropies"]]
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"arena verify: row {number} records no evaluation entropies; "
                         f"expected one per seed (rows of submit). Submit the recipe "
                         f"again.") from None
    result = run(recipe, row["budget"], row["seeds"], seconds=seconds, progress=progress,
                 evaluation=draws)
    again = [round(s, DIGITS) for s in result.scores]
    if again != row["scores"]:
        raise ValueError(f"arena verify: row {number} says {row['scores']}, the harness "
                         f"measures {again}; expected the same. The row's scores were not "
                         f"measured by this harness on this recipe: remove it.")
    fresh = run(recipe, row["budget"], row["seeds"], seconds=seconds, progress=progress)
    if abs(fresh.score - row["score"]) > VERIFY_TOLERANCE:
        raise ValueError(f"arena verify: row {number}'s recipe scores {fresh.score:.4f} on "
                         f"fresh evaluation text where the row says {row['score']:.4f} on "
                         f"its recorded texts; expected them within {VERIFY_TOLERANCE}. The "
                         f"recipe was tuned to the recorded texts: remove the row.")
    return row


def show(path, key=None) -> str:
    """The leaderboard as a text table, best score first within each budget; a row whose
    signature does not check with ``key`` (default ``key_file()``'s) is marked "unsigned":
    it was not written by this board's ``submit``, and only ``verify`` can test it."""
    rows = read_board(path, key)
    if not rows:
        return f"{path}: no rows yet (python -m nnbook.arena submit RECIPE adds one)"
    head = (f"{'row':>3}  {'score':>7}  {'budget':>10}  {'seeds':<12} {'recipe':<18} "
            f"{'hash':<16}  {'commit':<18} vs best")
    lines = [head, "-" * len(head)]
    unsigned = sum(not r["signed"] for r in rows)
    for r in sorted(rows, key=lambda r: (r["budget"], r["score"], r["row"])):
        a = r["against"]
        vs = "first" if a is None else (f"row {a['row']}: gain {a['mean_gain']:+.4f}, "
                                         f"p = {a['p_value']:.4f} "
                                         f"{'accepted' if a['accepted'] else 'not accepted'}")
        seeds = ",".join(map(str, r["seeds"]))
        lines.append(f"{r['row']:>3}  {r['score']:>7.4f}  {r['budget']:>10.3g}  {seeds:<12} "
                     f"{r['recipe'][:18]:<18} {r['recipe_hash']:<16}  {r['commit'][:18]:<18} "
                     f"{vs}" + ("" if r["signed"] else "  UNSIGNED: a claim, not measured here"))
    if unsigned:
        lines.append(f"{unsigned} row(s) unsigned: written by hand or with another key; "
                     f"submit ignores them, verify --row N re-runs one.")
    return "\n".join(lines)
