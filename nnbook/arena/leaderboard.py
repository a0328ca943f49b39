"""The arena's leaderboard file (chapter 37): one JSON row a line, written only by ``submit``,
which runs the recipe itself; each row carries a digest of its record that ``read_board``
checks, the paired test against the best row before it, and ``verify`` measures a row again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..evaluation import paired_test
from .harness import SECONDS, load_recipe, run
from .text import EVAL_CHARS, WINDOW

__all__ = ["DIGITS", "ALPHA", "submit", "read_board", "show", "verify", "row_digest"]

#: decimals a score is stored with: another BLAS kernel moves a score by about 1e-13 (the
#: baseline's five seeds at 2e9 under OpenBLAS's Haswell and Nehalem kernels: 5e-14 at most),
#: so the stored digits differ only for a score that close to a rounding edge (odds ~1e-9)
DIGITS = 4
#: the significance a change must pass to be accepted (``nb.evaluation.paired_test``)
ALPHA = 0.05
_DOMAIN = b"nnbook.arena leaderboard row, v1\n"


def row_digest(row: dict) -> str:
    """The digest of a row's record (every field but ``digest``)."""
    record = {k: v for k, v in row.items() if k != "digest"}
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(_DOMAIN + text.encode()).hexdigest()[:24]


def _commit():
    """The commit of nnbook's checkout (``-dirty`` with uncommitted changes), or "unknown"."""
    import subprocess                            # here: import nnbook stays fast
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=here, text=True,
                              capture_output=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=here, text=True, capture_output=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("-dirty" if dirty.strip() else "")


def read_board(path) -> list:
    """The rows of the leaderboard file ``path`` (none when it does not exist); a row whose
    digest does not match its record was not written by ``submit``: ``ValueError``."""
    path = Path(path)
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
        if not isinstance(row, dict) or row.get("digest") != row_digest(row):
            raise ValueError(f"arena leaderboard {path}: line {i} was not written by the "
                             f"harness (its digest does not match its record: a score the "
                             f"harness did not measure, or a line edited by hand); expected "
                             f"only rows from submit. Remove the line, and submit the recipe.")
        rows.append(row)
    return rows


def _best(rows, budget, seeds):
    same = [r for r in rows if r["budget"] == budget and r["seeds"] == list(seeds)]
    return min(same, key=lambda r: r["score"]) if same else None


def submit(recipe, budget, seeds, path, *, seconds=SECONDS, progress=None) -> dict:
    """Run ``recipe`` (``nb.arena.run``) and append its row to the leaderboard ``path``:
    commit, recipe name and hash, seeds, budget, the scores measured (rounded to ``DIGITS``),
    the multiplications spent, and the paired test of its scores against the best row of
    the same budget and seeds before it (``accepted``: better past ``ALPHA``). A recipe
    that breaks a rule raises ``RecipeError`` and writes nothing."""
    rows = read_board(path)                     # a forged file is refused before the run
    result = run(recipe, budget, seeds, seconds=seconds, progress=progress)
    row = {"row": len(rows) + 1, "commit": _commit(), "recipe": result.name,
           "recipe_hash": result.recipe_hash, "budget": result.budget,
           "seeds": list(result.seeds), "window": WINDOW, "eval_chars": EVAL_CHARS,
           "scores": [round(s, DIGITS) for s in result.scores],
           "score": round(result.score, DIGITS),
           "spent": [s.spent for s in result.per_seed], "against": None}
    best = _best(rows, row["budget"], row["seeds"])
    if best is not None:
        test = paired_test(best["scores"], row["scores"], alpha=ALPHA)   # both as stored
        row["against"] = {"row": best["row"], "mean_gain": round(test.mean, DIGITS),
                          "p_value": test.p_value, "alpha": ALPHA, "accepted": test.accepted}
    row["digest"] = row_digest(row)
    with Path(path).open("a") as f:
        f.write(json.dumps(row, sort_keys=True, ensure_ascii=True) + "\n")
    return row


def verify(path, number, recipe, *, seconds=SECONDS, progress=None) -> dict:
    """Measure row ``number`` of ``path`` again from ``recipe`` (its file, whose hash must be
    the row's): returns the row when every seed's score comes out the same to ``DIGITS``
    decimals, and raises ``ValueError`` otherwise."""
    rows = {r["row"]: r for r in read_board(path)}
    if number not in rows:
        raise ValueError(f"arena verify: got row {number!r}; expected one of {sorted(rows)}. "
                         f"Run show to see the rows.")
    row = rows[number]
    if load_recipe(recipe)[2] != row["recipe_hash"]:
        raise ValueError(f"arena verify: the recipe {recipe} has another hash than row "
                         f"{number}'s {row['recipe_hash']}; expected the file it ran. Check out "
                         f"the recipe at commit {row['commit']}.")
    result = run(recipe, row["budget"], row["seeds"], seconds=seconds, progress=progress)
    again = [round(s, DIGITS) for s in result.scores]
    if again != row["scores"]:
        raise ValueError(f"arena verify: row {number} says {row['scores']}, the harness "
                         f"measures {again}; expected the same. The row's scores were not "
                         f"measured by this harness on this recipe: remove it.")
    return row


def show(path) -> str:
    """The leaderboard as a text table, best score first within each budget."""
    rows = read_board(path)
    if not rows:
        return f"{path}: no rows yet (python -m nnbook.arena submit RECIPE adds one)"
    head = (f"{'row':>3}  {'score':>7}  {'budget':>10}  {'seeds':<12} {'recipe':<18} "
            f"{'hash':<16}  {'commit':<18} vs best")
    lines = [head, "-" * len(head)]
    for r in sorted(rows, key=lambda r: (r["budget"], r["score"], r["row"])):
        a = r["against"]
        vs = "first" if a is None else (f"row {a['row']}: gain {a['mean_gain']:+.4f}, "
                                         f"p = {a['p_value']:.4f} "
                                         f"{'accepted' if a['accepted'] else 'not accepted'}")
        seeds = ",".join(map(str, r["seeds"]))
        lines.append(f"{r['row']:>3}  {r['score']:>7.4f}  {r['budget']:>10.3g}  {seeds:<12} "
                     f"{r['recipe'][:18]:<18} {r['recipe_hash']:<16}  {r['commit'][:18]:<18} "
                     f"{vs}")
    return "\n".join(lines)
