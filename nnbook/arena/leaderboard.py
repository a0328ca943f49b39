"""The arena's leaderboard file (chapter 37): one JSON row a line, appended by ``submit``,
which runs the recipe itself on fresh evaluation text and signs the row with a key kept
outside the board (``key_file``: an HMAC, so the public code cannot forge it); ``show``
marks a row whose signature does not check ("unsigned": written by hand, elsewhere, or
moved from its place, a claim only ``verify`` can test) and ``submit`` compares only with
signed rows. Anyone who can read the key (the account that keeps the board, and so a recipe
it runs) can sign."""

from __future__ import annotations

import contextlib
import hmac
import json
import subprocess
from pathlib import Path

try:                                 # imported before any recipe runs (harness.py says why)
    import fcntl
except ImportError:                  # pragma: no cover  (Windows: no lock)
    fcntl = None

from ..evaluation import paired_test
from .child import RecipeError, recipe_identity
from .harness import SECONDS, run
from .rows import FIELDS, is_row, key_file, line_print, load_key as _key, row_digest
from .text import EVAL_CHARS, WINDOW

__all__ = ["DIGITS", "ALPHA", "submit", "read_board", "show", "verify", "row_digest",
           "key_file", "VERIFY_TOLERANCE"]

#: decimals a score is stored with: another BLAS kernel moves a score by about 1e-13 (the
#: baseline's five seeds at 2e9 under OpenBLAS's Haswell and Nehalem kernels: 5e-14 at most),
#: so the stored digits differ only for a score that close to a rounding edge (odds ~1e-9)
DIGITS = 4
#: the significance a change must pass to be accepted (``nb.evaluation.paired_test``)
ALPHA = 0.05
#: ``verify``'s run on fresh text must give a mean within this of the row's (bits: about
#: six times the text's noise in the difference of two five-seed means, 0.019·√2/√5)
VERIFY_TOLERANCE = 0.07


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


def _same_seeds(row, seeds):
    """True when ``row`` was measured on the seeds ``seeds`` (in any order)."""
    return sorted(row["seeds"]) == sorted(seeds)


def _on(row, seeds):
    """``row``'s scores in the order of ``seeds`` (the paired test pairs them by seed)."""
    by_seed = dict(zip(row["seeds"], row["scores"]))
    return [by_seed[s] for s in seeds]


def read_board(path, key=None) -> list:
    """The rows of the leaderboard file ``path`` (none when it does not exist), each with
    ``"signed"``: True when its signature checks with ``key`` (bytes or a file; default
    ``key_file()``'s) and names the line before it, i.e. ``submit`` wrote it with this key
    on this board and nobody changed, moved or removed it or the row before it since.
    A line that is not a JSON record: ``ValueError``."""
    path, key = Path(path), _key(key)
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"arena leaderboard {path} cannot be read as a board ({exc}); "
                         f"expected a text file of rows from submit. Pass a board "
                         f"file.") from None
    rows, lines = [], {}
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):       # (a 5,000-digit int, a deep nest too)
            row = None
        if not is_row(row):
            raise ValueError(f"arena leaderboard {path}: line {i} is not a row (a JSON record "
                             f"with {FIELDS}); expected only rows from submit. Remove the "
                             f"line.")
        if row["row"] in lines:                    # verify --row N would reach one of them
            raise ValueError(f"arena leaderboard {path}: lines {lines[row['row']]} and {i} "
                             f"are both row {row['row']}; expected each number once (submit "
                             f"numbers its rows). Remove the line that submit did not write.")
        lines[row["row"]] = i
        after = line_print(rows[-1]) if rows else None       # the line its signature names
        row["signed"] = key is not None and hmac.compare_digest(
            row.get("digest", "").encode(), row_digest(row, key).encode()) \
            and row.get("after", after) == after   # (rows signed before "after": unbound)
        rows.append(row)
    return rows


def _best(rows, budget, seeds):
    """The best signed row of ``budget`` on the seeds ``seeds`` (in any order: 4,3,2,1,0 made
    a new first row, the eleventh cold reading of 37), None if there is none."""
    same = [r for r in rows if r["signed"] and r["budget"] == budget and _same_seeds(r, seeds)]
    return min(same, key=lambda r: (r["score"], r["row"])) if same else None


def submit(recipe, budget, seeds, path, *, seconds=SECONDS, progress=None, key=None) -> dict:
    """Run ``recipe`` (``nb.arena.run``) and append its signed row to the board ``path``:
    commit, recipe name and hash, seeds, budget, scores (to ``DIGITS``), multiplications
    spent, each seed's fresh evaluation ``entropies``, and the paired test against the best
    earlier row signed with ``key`` of the same budget and seeds (``accepted``: better past
    ``ALPHA``; each side on its own fresh texts). A recipe that breaks a rule raises
    ``RecipeError`` and writes nothing."""
    if not 5 <= len(tuple(seeds)) <= 20:
        raise ValueError(f"arena submit: got {len(tuple(seeds))} seeds; expected 5 to 20 (the "
                         f"paired test cannot accept a change on fewer than 5, and counts its "
                         f"2ⁿ patterns up to 20). Pass e.g. seeds=(0, 1, 2, 3, 4), or --seeds "
                         f"0,1,2,3,4 on the command line.")
    _check_place(recipe, path)                  # before the run, not after it
    try:                                        # a set: its row lists them in order
        seeds = tuple(sorted(seeds))
    except TypeError:                           # (run names what is wrong with them)
        seeds = tuple(seeds)
    _key(key, make=True)                        # made now if missing, but its bytes held
    before = read_board(path, key)              # only after the run (a recipe forked from
    result = run(recipe, budget, seeds, seconds=seconds, progress=progress)   # this process
    key = _key(key)                             # had copied them: the fifteenth reading)
    with _locked(path):
        # numbered against the board as it is now, under a lock (two submits both wrote 1)
        rows = read_board(path, key)
        if rows[:len(before)] != before:        # rows may only have been added meanwhile
            raise RecipeError(f"arena submit: the board {path} lost or changed rows while "
                              f"the recipe ran (it had {len(before)}, now {len(rows)} "
                              f"begin as they did); expected only rows appended by other "
                              f"submits. A recipe that rewrites the board gets no row: "
                              f"restore the board from a copy of yours (submit keeps "
                              f"none) and look at the recipe.")
        return _append(path, rows, result, key)


def _check_place(recipe, path):
    """``ValueError`` for a row ``submit`` could not write or ``read_board`` would refuse:
    a recipe name that is not printable (a file name with a no-break space, a tab: the
    twentieth cold reading's row made its board unreadable) or a board in no folder (the
    run was lost, in a traceback, after its last seed)."""
    name = recipe_identity(recipe)[0]
    if not name.isprintable():
        raise ValueError(f"arena submit: the recipe's name {name!r} holds characters a board "
                         f"does not show (not printable); expected a printable name, which "
                         f"the row records. Rename the file.")
    if not Path(path).parent.is_dir():
        raise ValueError(f"arena submit: the board {path} is in no folder "
                         f"({Path(path).parent} does not exist); expected a board file in "
                         f"an existing folder. Make the folder, or pass another --board.")


def _append(path, rows, result, key) -> dict:
    """Append ``result``'s signed row to the board ``path``, whose rows are ``rows``."""
    number = max((r["row"] for r in rows), default=0) + 1  # read_board: each an int
    row = {"row": number, "commit": _commit(), "recipe": result.name,
           "recipe_hash": result.recipe_hash, "budget": result.budget,
           "seeds": list(result.seeds), "window": WINDOW, "eval_chars": EVAL_CHARS,
           "scores": [round(s, DIGITS) for s in result.scores],
           "score": round(result.score, DIGITS),
           "spent": [s.spent for s in result.per_seed], "against": None,
           "entropies": [str(e) for e in result.entropies],
           "after": line_print(rows[-1]) if rows else None}     # binds it to this board
    best = _best(rows, row["budget"], row["seeds"])
    if best is not None:
        row["against"] = _against(best, row)
    row["digest"] = row_digest(row, key)
    with Path(path).open("ab+") as f:          # a last line without its newline (an
        ended = f.seek(0, 2) == 0               # editor's) would have taken the row in
        if not ended:
            f.seek(-1, 2)
            ended = f.read(1) == b"\n"
        f.write((b"" if ended else b"\n")
                + (json.dumps(row, sort_keys=True, ensure_ascii=True) + "\n").encode())
    return {**row, "signed": True}


def _against(best, row):
    """The paired test of ``row``'s scores against ``best``'s, both as stored, seed by seed."""
    test = paired_test(_on(best, row["seeds"]), row["scores"], alpha=ALPHA)
    return {"row": best["row"], "mean_gain": round(test.mean, DIGITS),
            "p_value": test.p_value, "alpha": ALPHA, "accepted": test.accepted}


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
    the row's) with the library here (``progress`` says when its ``commit`` differs): on its
    recorded texts (each score the same to ``DIGITS`` decimals) and fresh ones (the mean
    within ``VERIFY_TOLERANCE``; an unsigned row's "accepted", against a signed row only,
    again). Returns the row, or raises ``ValueError``."""
    rows = {r["row"]: r for r in read_board(path, key)}
    if number not in rows:
        raise ValueError(f"arena verify: got row {number!r}; expected one of {sorted(rows)}. "
                         f"Run show to see the rows.")
    row, a = rows[number], rows[number]["against"]
    _check_against(rows, row)                # (an unsigned row's texts are its writer's:)
    if not row["signed"] and a and a["accepted"] and not rows[a["row"]]["signed"]:
        raise ValueError(f"arena verify: row {number} is unsigned and says it beats row "
                         f"{a['row']}, unsigned too: both rows' texts were chosen by whoever "
                         f"wrote them, and verify measures row {number} alone; expected a "
                         f"verdict against a row measured here. Submit both recipes here.")
    # The hash without running the recipe (its top level could replace the scorer here)
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
                         f"measures {again}; expected the same. The row is not reproducible: "
                         f"edited, or its recipe is not deterministic (it draws from another "
                         f"generator than arena.rng). Remove it.")
    if [s.spent for s in result.per_seed] != row["spent"]:
        raise ValueError(f"arena verify: row {number} says it spent {row['spent']}, the "
                         f"harness counts {[s.spent for s in result.per_seed]}; expected the "
                         f"same. The row was edited after submit: remove it.")
    if round(result.score, DIGITS) != row["score"]:
        raise ValueError(f"arena verify: row {number} says its mean is {row['score']}, the "
                         f"harness measures {result.score:.{DIGITS}f} from the same scores; "
                         f"expected the same. The row was edited after submit: remove it.")
    fresh = run(recipe, row["budget"], row["seeds"], seconds=seconds, progress=progress)
    if abs(fresh.score - row["score"]) > VERIFY_TOLERANCE:
        raise ValueError(f"arena verify: row {number}'s recipe scores {fresh.score:.4f} on "
                         f"fresh evaluation text where the row says {row['score']:.4f} on "
                         f"its recorded texts; expected them within {VERIFY_TOLERANCE}. The "
                         f"recipe was tuned to the recorded texts: remove the row.")
    if not row["signed"] and a and a["accepted"]:     # (best of 300 texts a seed passed)
        again = _against(rows[a["row"]], {**row, "scores": [round(s, DIGITS)
                                                            for s in fresh.scores]})
        if not again["accepted"]:
            raise ValueError(f"arena verify: row {number} is unsigned and says it beats row "
                             f"{a['row']} (p = {a['p_value']:.4f}); on fresh evaluation text "
                             f"p = {again['p_value']:.4f}, not accepted; expected the verdict "
                             f"to hold there, since an unsigned row's texts were chosen by "
                             f"whoever wrote it. Remove the row, or submit the recipe here.")
    return row


def _verdict(a):
    return "first of its budget and seeds" if a is None else (
        f"row {a['row']}: gain {a['mean_gain']:+.4f}, p = {a['p_value']:.4f} "
        f"{'accepted' if a['accepted'] else 'not accepted'}")


def _check_against(rows, row):
    """``ValueError`` unless ``row``'s verdict (``against``) is the paired test of its stored
    scores against the best row before it of its budget and seeds signed with this key, or
    without one, the earlier row it names, or "first" (an edited verdict passed verify)."""
    earlier = [r for r in rows.values() if r["row"] < row["row"]
               and r["budget"] == row["budget"] and _same_seeds(r, row["seeds"])]
    a, base = row["against"], _best(earlier, row["budget"], row["seeds"])
    if base is None and a is not None:
        base = next((r for r in earlier if r["row"] == a["row"]), None)
    keys = ("row", "mean_gain", "p_value", "alpha", "accepted")
    expected = None if base is None else _against(base, row)
    if (a and {k: a.get(k) for k in keys}) != (expected and {k: expected[k] for k in keys}):
        raise ValueError(f"arena verify: row {row['row']}'s verdict says "
                         f"{_verdict(a)}; its scores and the rows before it give "
                         f"{_verdict(expected)}; expected the same. The row was edited "
                         f"after submit, or copied from another board: remove it.")


def _name(name, width=24):
    """A recipe's name in ``width`` characters, its middle left out (both ends tell files
    apart: a07_best_of_k_gran hid which of two a07 files a row ran)."""
    return name if len(name) <= width else name[:width // 2 - 1] + "…" + name[-(width // 2):]


def show(path, key=None) -> str:
    """The board as a table, a group for each budget and set of seeds (compared only within
    one), best first; a row whose signature does not check with ``key`` (default
    ``key_file()``'s) or names another line before it is "unsigned": not written by this
    board's ``submit`` where it stands (by hand, with another key, copied from another
    board, or after a row since removed), a claim for ``verify``."""
    rows = read_board(path, key)
    if not rows:
        return f"{path}: no rows yet (python -m nnbook.arena submit RECIPE adds one)"
    head = (f"{'row':>3}  {'score':>7}  {'budget':>10}  {'seeds':<12} {'recipe':<24} "
            f"{'hash':<16}  {'commit':<18} vs best")
    lines = [head, "-" * len(head)]
    unsigned, group = sum(not r["signed"] for r in rows), None
    opened = {}                          # each group's first row: the groups in that order
    for r in rows:                       # (a new group is not printed above the board's own)
        k = (r["budget"], tuple(sorted(r["seeds"])))
        opened[k] = min(opened.get(k, r["row"]), r["row"])
    for r in sorted(rows, key=lambda r: (opened[r["budget"], tuple(sorted(r["seeds"]))],
                                         r["score"], r["row"])):
        a, seeds = r["against"], ",".join(map(str, sorted(r["seeds"])))
        if group != (r["budget"], seeds):          # ranked within a budget and its seeds only:
            group = (r["budget"], seeds)           # a recipe's own pick of seeds is not a rank
            lines.append(f"budget {r['budget']:,}, seeds {seeds}:")   # 2e+08 hid 199,999,999
        vs = "first" if a is None else _verdict(a)
        lines.append(f"{r['row']:>3}  {r['score']:>7.4f}  {r['budget']:>10.3g}  {seeds:<12} "
                     f"{_name(r['recipe']):<24} {r['recipe_hash']:<16}  {r['commit'][:18]:<18} "
                     f"{vs}" + ("" if r["signed"] else "  UNSIGNED: a claim, not measured here"))
    if len({(r["budget"], tuple(sorted(r["seeds"]))) for r in rows}) > 1:
        lines.append("Rows are ranked and compared within one budget and one set of seeds.")
    if unsigned:
        lines.append(f"{unsigned} row(s) unsigned: written by hand, with another key, or "
                     f"moved (from another board, or a row before it removed); "
                     f"submit ignores them, verify --row N re-runs one.")
    return "\n".join(lines)
