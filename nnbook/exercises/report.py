"""The exercise report for teachers: ``python -m nnbook.exercises report PATH…``.

It takes notebooks, or folders holding a student's copy of the course, runs
each notebook's set-up cell, the earlier cells its Exercises section reads from (a
helper the chapter defined) and the section itself in a fresh kernel, then its own
grading cell (grading.py), and prints one row per exercise from that cell's verdicts:
done ✔, wrong ✘ (with the checker's hint), or not attempted ○. ``--json`` prints the
same rows for a gradebook. Nothing needs the network, and a notebook that cannot be run
is reported, never fatal: it counts as an error ! in the summary. The exit status is
``EXIT_STATUS`` (below), also in ``--help``. It runs the students' code: see README's
"For teachers" on running it safely.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .grading import answers, grading_source, needed_cells, read_verdicts

_CHECK_CALL = re.compile(r"""exercises\.check\(\s*["']?(\d+\.\d+)""")
STATUS_MARK = {"done": "✔", "wrong": "✘", "not attempted": "○", "error": "!"}
EXIT_STATUS = """exit status:
  0  every notebook was graded (each exercise ✔, ✘, ○, or ! for a check cell that raised)
  1  some notebook could not be graded (it could not be read or run, or a folder held
     no notebook); its row in the table says why
  2  bad arguments: a PATH that does not exist or is not a notebook (*.ipynb) or a
     folder, a --timeout below 1, or a usage error; nothing is run"""


@dataclass
class Row:
    """One exercise of one notebook: ``status`` is done, wrong, not attempted or error."""

    source: str          # the PATH argument it came from (a student's folder or a notebook)
    notebook: str        # the notebook's path relative to ``source``
    exercise: str        # "03.1" ("-" when the notebook could not be run at all)
    status: str
    message: str


def notebooks_in(path: Path) -> list[Path]:
    """The notebook itself, or every course notebook below a folder (checkpoints left out)."""
    if path.is_file():
        return [path]
    found = [p for p in sorted(path.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts]
    return found


def exercise_cells(nb) -> tuple[list[int], list[int]]:
    """Indices of the set-up cells (code before the first markdown heading of section 1,
    i.e. the imports cell) and of the code cells of the ``## Exercises`` section."""
    cells = nb.cells
    start = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"
                  and c.source.lstrip().lower().startswith("## exercises")), None)
    if start is None:
        return [], []
    end = next((i for i in range(start + 1, len(cells)) if cells[i].cell_type == "markdown"
                and re.match(r"##\s", cells[i].source.lstrip())), len(cells))
    setup = [i for i, c in enumerate(cells[:start]) if c.cell_type == "code"][:1]
    return setup, [i for i in range(start + 1, end) if cells[i].cell_type == "code"]


def _cell_error(cell) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"[:200]
    return None


def run_notebook(path: Path, timeout: int = 120) -> tuple[list[dict], dict[str, str], str | None]:
    """Run the set-up cell, the earlier cells the Exercises section reads from, the section
    and the report's grading cell of ``path`` in a fresh kernel.

    Returns the grading cell's verdicts (dicts with exercise, correct, attempted, message;
    or exercise and error when the answer could not be read), the error of each exercise
    whose cell raised, and an error message when the notebook could not be run at all.
    Nothing the student's cells print or write is read: only the grading cell's output,
    after a secret chosen for this run.
    """
    import nbformat
    from nbclient import NotebookClient

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook
        return [], {}, f"cannot read the notebook ({type(exc).__name__}: {_one_line(exc)})"[:300]
    setup, exercises = exercise_cells(nb)
    if not exercises:
        return [], {}, None
    sources = [c.source if c.cell_type == "code" else "" for c in nb.cells]
    keep = sorted({*setup, *needed_cells(sources, exercises[0], setup + exercises), *exercises})
    secret = "nnbook-report-" + secrets.token_hex(16) + " "
    grade = nbformat.v4.new_code_cell(grading_source(secret, answers(
        [sources[i] for i in exercises])))
    nb.cells = [nb.cells[i] for i in keep] + [grade]
    for cell in nb.cells:
        cell.outputs = []
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute(stderr=subprocess.DEVNULL)   # the kernel's own warnings
    except Exception as exc:  # kernel died, timeout, …
        return [], {}, _run_failure(exc, timeout)
    records = read_verdicts(nb.cells[-1], secret)
    if setup and (err := _cell_error(nb.cells[0])):
        return records or [], {}, f"its first code cell (the imports) raised {err}"
    if records is None:
        err = _cell_error(nb.cells[-1]) or "no verdicts in its output"
        return [], {}, f"the report's grading cell failed ({err})"[:300]
    raised = {}
    for i, cell in zip(keep, nb.cells):
        err = _cell_error(cell) if i in exercises else None
        if err:
            for ex_id in _CHECK_CALL.findall(cell.source):
                raised[_normalise(ex_id)] = f"the cell raised {err}"
    return records, raised, None


def _run_failure(exc: Exception, timeout: int) -> str:
    """One line on why the kernel stopped before the end."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if isinstance(exc, CellTimeoutError):
        return (f"timed out: a cell ran longer than {timeout} s (the --timeout per cell); it may wait "
                f"for input or loop forever, or raise --timeout if it is only slow")
    if isinstance(exc, DeadKernelError):
        return "its kernel died (the code crashed Python, called os._exit() or ran out of memory)"
    return f"the notebook could not be run ({type(exc).__name__}: {_one_line(exc)})"[:300]


def _one_line(exc) -> str:
    return " ".join(str(exc).split())


def _normalise(ex_id: str) -> str:
    chapter, _, number = ex_id.partition(".")
    return f"{int(chapter):02d}.{int(number)}"


def report(paths, timeout: int = 120, progress=None) -> list[Row]:
    """The rows for every exercise of every notebook found under ``paths``.

    ``progress`` (a text stream such as ``sys.stderr``) gets one line per notebook as it
    is run, flushed at once, and a line for each PATH that holds no notebook.
    """
    found = []
    for arg in paths:
        source = Path(arg)
        found.append((arg, source, notebooks_in(source) if source.exists() else None))
    total, k, rows = sum(len(f or ()) for _, _, f in found), 0, []
    for arg, source, notebooks in found:
        if notebooks is None:
            rows.append(Row(str(arg), "-", "-", "error", f"no such file or folder: {source}"))
            _say(progress, f"report: {rows[-1].message}\n")
        elif not notebooks:
            rows.append(Row(str(arg), "-", "-", "error",
                            f"no notebooks (*.ipynb) in the folder {source}: give a student's copy of "
                            f"the course (a folder of notebooks) or the notebooks themselves"))
            _say(progress, f"report: {rows[-1].message}\n")
        for path in notebooks or ():
            k += 1
            _say(progress, f"[{k}/{total}] {path} … ")
            start = time.monotonic()
            mine = _notebook_rows(str(arg), source, path, timeout)
            counts = " ".join(f"{sum(r.status == s for r in mine)} {mark}" for s, mark in STATUS_MARK.items())
            failed = next((r.message for r in mine if r.exercise == "-"), None)
            _say(progress, (f"! {failed}" if failed else counts)
                 + f" ({time.monotonic() - start:.1f} s)\n")
            rows += mine
    return rows


def _say(stream, text: str) -> None:
    if stream is not None:
        stream.write(text)
        stream.flush()                     # a long run shows each notebook as it starts


def _notebook_rows(arg: str, source: Path, path: Path, timeout: int) -> list[Row]:
    from ._core import REGISTRY

    rel = path.name if source.is_file() else path.relative_to(source).as_posix()
    records, raised, failure = run_notebook(path, timeout)
    for r in records:                                  # an answer the grading could not read
        if "error" in r:
            raised.setdefault(r["exercise"], f"its answer could not be read ({r['error']})")
    latest = {r["exercise"]: r for r in records if "error" not in r}
    chapter = path.name[:2] + "." if path.name[:2].isdigit() else None
    ids = sorted({*latest, *raised, *(k for k in REGISTRY if chapter and k.startswith(chapter))},
                 key=lambda k: tuple(int(p) for p in k.split(".")))
    rows = [Row(arg, rel, "-", "error", failure)] if failure else []
    for ex_id in ids:
        if ex_id in raised and ex_id not in latest:
            rows.append(Row(arg, rel, ex_id, "error", raised[ex_id]))
        elif ex_id in latest:
            r = latest[ex_id]
            status = "done" if r["correct"] else ("wrong" if r["attempted"] else "not attempted")
            rows.append(Row(arg, rel, ex_id, status, r["message"]))
        elif not failure:
            rows.append(Row(arg, rel, ex_id, "not attempted", "its check cell is missing"))
    return rows


def format_table(rows: list[Row]) -> str:
    """A plain-text table, one row per exercise, and a count per source (a notebook or a
    PATH that could not be read or run counts as an error)."""
    header = ("source", "notebook", "exercise", "", "feedback")
    body = [(r.source, r.notebook, r.exercise, STATUS_MARK[r.status], r.message) for r in rows]
    widths = [max([len(h)] + [len(b[i]) for b in body]) for i, h in enumerate(header[:4])]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header[:4], widths)) + "  " + header[4]]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b[:4], widths)) + "  " + b[4] for b in body]
    lines.append("")
    for source in dict.fromkeys(r.source for r in rows):
        mine = [r for r in rows if r.source == source]
        counts = {s: sum(r.status == s for r in mine) for s in STATUS_MARK}
        lines.append(f"{source}: {counts['done']} done ✔, {counts['wrong']} wrong ✘, "
                     f"{counts['not attempted']} not attempted ○, {counts['error']} errors !"
                     f" (of {len(mine)})")
    return "\n".join(lines)


def main(argv=None) -> int:
    """The command line; returns the exit status (``EXIT_STATUS``). Bad arguments end it
    through argparse, with status 2 and the usage on stderr."""
    import argparse

    epilog = f"Progress goes to stderr, one line per notebook.\n\n{EXIT_STATUS}"
    parser = argparse.ArgumentParser(
        prog="python -m nnbook.exercises", epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Report which exercises a student's copy of the course gets right.")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="run the Exercises sections and print one row per exercise",
                         description="Run the Exercises section of each notebook and print one "
                                     "row per exercise.",
                         epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of a student's copy")
    rep.add_argument("--json", action="store_true", help="print the rows as JSON (for a gradebook)")
    rep.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    args = parser.parse_args(argv)
    if args.timeout < 1:
        rep.error(f"--timeout must be at least 1 second, got {args.timeout}")
    for arg in args.paths:
        path = Path(arg)
        if not path.exists():
            rep.error(f"no such file or folder: {arg}")
        if path.is_file() and path.suffix != ".ipynb":
            rep.error(f"{arg} is not a notebook (*.ipynb) nor a folder of notebooks")
    rows = report(args.paths, args.timeout, progress=sys.stderr)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1))
    else:
        print(format_table(rows))
    return 1 if any(r.status == "error" and r.exercise == "-" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
