"""Planted bugs: apply each realistic mistake of tests/planted_bugs/catalogue.py to a scratch
copy of the repository and see whether the course's own checks catch it (issue 54).

    python tools/planted_bugs.py                    # run every entry (what `nox -s mutants` runs)
    python tools/planted_bugs.py ch09-fused-grad-no-1-over-m ...   # run some entries
    python tools/planted_bugs.py --chapter 09       # list chapter 09's planted bugs and their catches
    python tools/planted_bugs.py --list             # the whole catalogue, as a table
    python tools/planted_bugs.py --check            # every patch applies, every named file exists

A run copies the repository (without .git and caches) into a temporary folder, checks once
that the unpatched copy passes the union of the entries' selections, then for each entry
patches a fresh copy and runs only the notebooks and test files the entry names, with
nbval's output comparison off (--nbval-lax) and -x: an entry is *caught* when an assert in a
notebook or a test fails (the first failing check is printed), *survived* otherwise. The
working tree is never touched. Two entries run at a time (--jobs). It ends with
``planted bugs caught: K/N`` and exits 1 when any entry survives or the baseline fails.
"""

import argparse
import concurrent.futures
import importlib.util
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "tests" / "planted_bugs" / "catalogue.py"
LAST_RUN = ROOT / "tests" / "planted_bugs" / "last_run.json"  # each entry's catch, from --record
IGNORE = shutil.ignore_patterns(".git", ".nox", ".venv", "venv", "__pycache__", ".pytest_cache",
                                ".ipynb_checkpoints", "build", "dist", "*.egg-info", "_build",
                                ".hypothesis")
LIMIT = 900  # seconds for one entry's selection on a loaded 2-core machine


def load(root=ROOT):
    """The catalogue's entries (a list of dicts), read from `root`'s copy, each with
    ``caught_by`` from the last recorded run (last_run.json) where the catalogue has none."""
    spec = importlib.util.spec_from_file_location("planted_catalogue", root / CATALOGUE.relative_to(ROOT))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    last = root / LAST_RUN.relative_to(ROOT)
    recorded = json.loads(last.read_text(encoding="utf-8"))["entries"] if last.is_file() else {}
    for entry in module.BUGS:
        if not entry.get("caught_by") and entry["id"] in recorded:
            entry["caught_by"] = recorded[entry["id"]]
    return module.BUGS


def problems(entry, root=ROOT):
    """What keeps `entry` from applying to `root`: each patch's old text must occur exactly
    once in its file, and every named notebook and test file must exist. [] when it applies."""
    found = []
    for path, old, new in entry["patch"]:
        file = root / path
        if not file.is_file():
            found.append(f"{entry['id']}: {path} does not exist")
            continue
        count = file.read_text(encoding="utf-8").count(old)
        if count != 1:
            found.append(f"{entry['id']}: the old text occurs {count} times in {path}, expected once: {old!r}")
        if old == new:
            found.append(f"{entry['id']}: a patch of {path} changes nothing")
    for name in entry["notebooks"] + entry["tests"]:
        if not (root / name.split("::")[0]).exists():
            found.append(f"{entry['id']}: {name} does not exist")
    if not entry["notebooks"] + entry["tests"]:
        found.append(f"{entry['id']}: names no notebook and no test file")
    return found


def scratch_copy(where):
    """A copy of the repository under `where` (a new folder), without .git and caches."""
    target = Path(where) / "repo"
    shutil.copytree(ROOT, target, ignore=IGNORE)
    return target


def apply(entry, root):
    """Patch `root` (a scratch copy) with `entry`; every patched .py file must still compile."""
    for path, old, new in entry["patch"]:
        file = root / path
        text = file.read_text(encoding="utf-8")
        assert text.count(old) == 1, problems(entry, root)
        file.write_text(text.replace(old, new, 1), encoding="utf-8")
        if file.suffix == ".py":
            py_compile.compile(str(file), doraise=True)


def pytest_command(selection):
    return [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-o", "addopts=", "--nbval-lax", "--nbval-current-env", "-rfE", "--tb=line", *selection]


def environment(root):
    env = dict(os.environ)
    env.update(PYTHONPATH=str(root), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MPLCONFIGDIR=str(root.parent / "mpl"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("NNBOOK_FRESH_SEEDS", None)  # the fixed seeds: the catalogue's catches are on them
    return env


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def first_failure(output, root=None):
    """The first failing check from pytest's output: its id, and for a notebook the line that
    raised (``----> 4 assert …``) and the error; for a test, the line --tb=line gives."""
    text = ANSI.sub("", output)
    if root is not None:
        text = text.replace(str(root) + os.sep, "")
    lines = text.splitlines()
    where = next((line.split(" ", 1)[1].split(" - ")[0].strip() for line in lines
                  if line.startswith(("FAILED ", "ERROR "))), None)
    if where is None:
        tail = [line for line in lines if line.strip()]
        return tail[-1] if tail else "(no output)"
    if ".ipynb::" in where:
        raised = next((i for i, line in enumerate(lines) if re.match(r"\s*-+>\s*\d+", line)), None)
        if raised is not None:
            code = re.sub(r"^\s*-+>\s*\d+\s*", "", lines[raised]).strip()
            error = next((line.strip() for line in lines[raised + 1:]
                          if re.match(r"\s*[A-Za-z_.]*(Error|Exception|Warning)\b", line)), "")
            return f"{where}: `{code}` {error}".strip()
        return where
    line = next((line.strip() for line in lines if re.match(r"^\S+\.py:\d+: ", line)), "")
    return f"{where}: {line}" if line else where


def run_selection(root, selection):
    """(returncode, output, seconds) of pytest on `selection` inside `root`."""
    start = time.monotonic()
    try:
        done = subprocess.run(pytest_command(selection), cwd=root, env=environment(root),
                              capture_output=True, text=True, timeout=LIMIT)
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as stopped:
        # TimeoutExpired keeps what was read as bytes even under text=True
        partial = stopped.stdout or b""
        if isinstance(partial, bytes):
            partial = partial.decode("utf-8", "replace")
        code, output = -1, f"timed out after {LIMIT} s\n{partial}"
    return code, output, time.monotonic() - start


def run_entry(entry):
    """('caught', first failure, seconds) or ('survived', '', seconds) or ('broken', why, s)."""
    with tempfile.TemporaryDirectory(prefix=f"planted-{entry['id']}-") as where:
        root = scratch_copy(where)
        try:
            apply(entry, root)
        except (AssertionError, py_compile.PyCompileError) as why:
            return "broken", f"the patch does not apply or compile: {why}", 0.0
        code, output, seconds = run_selection(root, entry["notebooks"] + entry["tests"])
    if code == 0:
        return "survived", "", seconds
    if code in (1,):
        return "caught", first_failure(output, root), seconds
    return "broken", f"pytest exit {code}: {first_failure(output, root)}", seconds


def baseline(entries):
    """Run the union of the entries' selections on an unpatched copy: (ok, message, seconds)."""
    selection = sorted({name for e in entries for name in e["notebooks"] + e["tests"]})
    with tempfile.TemporaryDirectory(prefix="planted-baseline-") as where:
        root = scratch_copy(where)
        where_from = subprocess.run([sys.executable, "-c", "import nnbook; print(nnbook.__file__)"],
                                    cwd=root, env=environment(root), capture_output=True, text=True)
        if not where_from.stdout.strip().startswith(str(root)):
            return False, f"the scratch copy imports nnbook from {where_from.stdout.strip()!r}", 0.0
        code, output, seconds = run_selection(root, selection)
    return code == 0, ("passes" if code == 0 else first_failure(output, root)), seconds


def table(entries, chapter=None):
    """Markdown rows: per chapter, each planted bug and the check that caught it."""
    rows = ["| id | chapters | file | the bug | where it happened | caught by |", "|---|---|---|---|---|---|"]
    for e in entries:
        if chapter and chapter not in e["chapters"]:
            continue
        files = ", ".join(sorted({path for path, _, _ in e["patch"]}))
        rows.append(f"| {e['id']} | {', '.join(e['chapters'])} | {files} | {e['bug']} | {e['source']} | "
                    f"{e.get('caught_by') or '(not yet run)'} |")
    return "\n".join(rows)


def record(args, entries, details, summary, seconds, baseline):
    """Write last_run.json: a full run replaces it; a run of some entries (IDs) updates
    their catches and is listed under "reruns", the full run's summary kept."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    run = {"summary": summary, "commit": commit, "seconds": round(seconds),
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "jobs": args.jobs,
           "baseline": baseline}
    if args.ids and LAST_RUN.is_file():
        data = json.loads(LAST_RUN.read_text(encoding="utf-8"))
        data.setdefault("reruns", []).append(dict(run, ids=[e["id"] for e in entries]))
        data["entries"].update({e["id"]: details[e["id"]] for e in entries})
    else:
        data = dict(run, entries={e["id"]: details[e["id"]] for e in entries})
    LAST_RUN.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", help="entries to run (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="entries run at a time (2)")
    parser.add_argument("--chapter", help="list the planted bugs of chapter NN and their catches")
    parser.add_argument("--list", action="store_true", help="list the whole catalogue")
    parser.add_argument("--check", action="store_true", help="only check that every patch applies")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unpatched run")
    parser.add_argument("--record", action="store_true",
                        help="write each entry's catch to tests/planted_bugs/last_run.json")
    args = parser.parse_args(argv)
    entries = load()
    if args.chapter or args.list:
        print(table(entries, args.chapter and args.chapter.zfill(2)))
        return 0
    found = [p for e in entries for p in problems(e)]
    if found or args.check:
        print("\n".join(found) or f"all {len(entries)} patches apply")
        return 1 if found else 0
    if args.ids:
        unknown = sorted(set(args.ids) - {e["id"] for e in entries})
        if unknown:
            print(f"unknown planted bugs {unknown}; `--list` shows the catalogue")
            return 2
        entries = [e for e in entries if e["id"] in args.ids]
    start = time.monotonic()
    results, details, failed = {}, {}, False
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        base = None if args.no_baseline else pool.submit(baseline, entries)
        futures = {pool.submit(run_entry, e): e for e in entries}
        for future in concurrent.futures.as_completed(futures):
            e = futures[future]
            status, detail, seconds = future.result()
            results[e["id"]], details[e["id"]] = status, detail if status == "caught" else status
            print(f"{status:8s} {e['id']} ({seconds:.0f} s){': ' + detail if detail else ''}", flush=True)
        if base is not None:
            ok, message, seconds = base.result()
            print(f"baseline (unpatched, the union of the selections, {seconds:.0f} s): {message}")
            failed = not ok
    caught = sum(s == "caught" for s in results.values())
    summary = f"planted bugs caught: {caught}/{len(results)}"
    print(f"{summary} in {time.monotonic() - start:.0f} s")
    if args.record:
        record(args, entries, details, summary, time.monotonic() - start,
               "skipped" if base is None else ("passes" if not failed else "FAILED"))
    for name in sorted(n for n, s in results.items() if s != "caught"):
        print(f"NOT CAUGHT: {name} ({results[name]})")
    return 1 if failed or caught != len(results) else 0


if __name__ == "__main__":
    sys.exit(main())
