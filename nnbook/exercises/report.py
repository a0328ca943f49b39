"""The exercise report for teachers, ``python -m nnbook.exercises report PATH…``: it runs
each notebook's Exercises section in a kernel of its own (kernel.py), reads each answer back
as data (wire.py) and grades it here with the report's own checkers, then prints the class
grid (student × exercise), the counts and the feedback (``--json`` the rows, ``--csv`` the
grid). The exit status is ``EXIT_STATUS`` (below, also in ``--help``). It runs the students'
code: README's "For teachers" says what it guarantees and how to run it in a container.
"""

# How a notebook is graded. The report takes notebooks, or folders holding a student's copy
# of the course, and for each notebook runs its set-up cell, the earlier cells its Exercises
# section reads from (a helper the chapter defined) and the section itself, one cell at a
# time, in a kernel of its own (kernel.py: a copy alone in an empty temporary folder, a fresh
# HOME, nnbook from where the report's comes from, a memory limit, a time budget, every
# process it started killed at the end). Right after each exercise cell it reads that cell's
# answer from the kernel as data (wire.py: numbers, arrays, strings; a function as a
# reference whose calls send data) and grades it in the report's process: nothing the
# student's cells redefine in their kernel can reach a verdict. The grid marks done ✔,
# wrong ✘, not attempted ○ and error !, with the feedback of each ✘ and !, a count per
# exercise and per student. Nothing needs the network, and a notebook that cannot be run is
# reported, never fatal.

from __future__ import annotations

import json
import re
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from .classview import (STATUS_MARK, crowded, format_csv, format_table, format_text, inert, order,
                        same_files, text_of)
from .grading import check_calls, needed_cells, repeated_checks, uses_nnbook
from .submissions import Unlisted, read_notebook, submission
from .sandbox import inside_readable
from .verdicts import HIDDEN_SALT, _verdict, hidden_cases  # noqa: F401  (tests use them)
from .kernel import (SANDBOXES, AnswerUnreadable, Kernel, KernelGone, become_subreaper,
                     kill_left_behind)

__all__ = ["Row", "report", "run_notebook", "main", "format_table", "format_csv", "format_text",
           "STATUS_MARK", "EXIT_STATUS"]

EXIT_STATUS = """exit status:
  0  every notebook was graded (each exercise ✔, ✘, ○, or ! for a cell that raised)
  1  some notebook could not be graded (it could not be read or run, its kernel died, it
     ran out of time, or a folder held no notebook); its row in the table says why
  2  bad arguments: a PATH that does not exist or is not a notebook (*.ipynb) or a
     folder (a PATH that is a symbolic link is a ! row), a --timeout, --budget or --jobs
     below 1, a --memory below 256, a --disk below 16, or a usage error; nothing is run"""
DEFAULTS = {"timeout": 120, "budget": 900, "memory": 4096, "disk": 1024,
            "jobs": min(4, os.cpu_count() or 1)}


@dataclass
class Row:
    """One exercise of one notebook: ``status`` is done, wrong, not attempted or error;
    ``uses_nnbook`` the parts of nnbook the exercise's cell names ("" for none)."""

    source: str          # the PATH argument it came from (a student's folder or a notebook)
    notebook: str        # the notebook's path relative to ``source``
    exercise: str        # "03.1" ("-" when the notebook could not be run at all)
    status: str
    message: str
    uses_nnbook: str = ""
    repeated_checks: int = 0     # times the cell called check on this exercise, when above 1
    same_file_as: str = ""       # the other notebooks given that are this one's file (hard links)


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


def run_notebook(path: Path, timeout: float = 120, budget: float = 900, memory: int = 4096,
                 text: str | None = None, disk: int = 1024) -> tuple[list[dict], str | None]:
    """Grade the notebook at ``path`` (its ``text`` when it was read already).

    Returns one record per check call, in the order the cells run (exercise, status,
    message, uses), and a message when the notebook could not be run to its end (the records
    of the cells that ran before stay).
    """
    import nbformat

    try:
        text = path.read_text(encoding="utf-8") if text is None else text
        nb = nbformat.reads(text, as_version=4, cls=_StrictJSON)
        setup, exercises = exercise_cells(nb)
        sources = [c.source if c.cell_type == "code" else "" for c in nb.cells]
        if not all(isinstance(source, str) for source in sources):
            raise TypeError("a cell's source is not text")
        keep = sorted({*setup, *needed_cells(sources, exercises[0], setup + exercises),
                       *exercises}) if exercises else []
    except Exception as exc:  # not JSON, not a notebook: its text is not quoted (it may be anything)
        reason = "not JSON" if isinstance(exc, NotJSON) else type(exc).__name__
        return [], f"cannot read the notebook ({reason})"
    if not exercises:
        return [], None
    records, folder = [], Path(tempfile.mkdtemp(prefix="nnbook-report-"))
    try:
        (folder / "work").mkdir()
        (folder / "work" / path.name).write_text(text, encoding="utf-8")
        with Kernel(folder, timeout, budget, memory, disk) as kernel:
            for i in keep:
                err = kernel.request(sources[i])
                if setup and i == setup[0] and err:
                    return records, f"its first code cell (the imports) raised {err}"
                calls = check_calls(sources[i]) if i in exercises else []
                counted = kernel.check_counts() if calls else {}
                for ex_id, expr in calls:
                    uses = ", ".join(uses_nnbook(sources[i]))
                    records.append(_grade(kernel, ex_id, expr, err, uses))
                    times = max(counted.get(ex_id, 0), repeated_checks(sources[i]).get(ex_id, 0))
                    records[-1]["repeated"] = times if times > 1 else 0
                    if kernel.failure:
                        return records, kernel.failure
    except KernelGone as gone:
        return records, str(gone)[:300]
    except Exception as exc:  # the kernel could not start, …
        return records, f"the notebook could not be run ({type(exc).__name__}: {_one_line(exc)})"[:300]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return records, None


class NotJSON(Exception):
    """A notebook's text is not JSON."""


class _StrictJSON(json.JSONDecoder):
    # nbformat's own error for text that is not JSON holds the repr of the whole text (for a
    # 63 MB notebook of NUL bytes, 250 MB more in the report): raise before it makes it
    def decode(self, s, *args, **kwargs):
        try:
            return super().decode(s, *args, **kwargs)
        except ValueError:
            raise NotJSON() from None


def _grade(kernel: Kernel, ex_id: str, expr: str, err: str | None, uses: str) -> dict:
    record = {"exercise": ex_id, "uses": uses}
    if err:
        return {**record, "status": "error", "message": f"the cell raised {err}"}
    try:
        answer = kernel.answer(expr)
    except AnswerUnreadable as exc:
        return {**record, "status": "error", "message": f"its answer could not be read ({exc})"}
    status, message = _verdict(ex_id, answer)
    if kernel.failure:
        return {**record, "status": "error", "message": kernel.failure}
    return {**record, "status": status, "message": message}


def _one_line(exc) -> str:
    return " ".join(str(exc).split())


def report(paths, timeout: float = 120, progress=None, budget: float = 900, memory: int = 4096,
           jobs: int = 1, disk: int = 1024) -> list[Row]:
    """The rows for every exercise of every notebook found under ``paths``.

    Every PATH is listed before any notebook runs, and each notebook is read when its turn
    comes (submissions.py). ``progress`` (a text stream such as ``sys.stderr``) gets one line
    per notebook, flushed at once, and a line for each PATH that gives no notebook; with
    ``jobs`` > 1 notebooks run side by side and each line comes when its notebook ends.
    """
    import nnbook

    package = str(Path(nnbook.__file__).resolve().parent)
    rows, work = [], []
    for arg in paths:
        source, found = Path(arg), []
        try:
            problem = _unlisted(source, package)
            if problem is None:
                found = submission(source)
                problem = None if found else (
                    f"no notebooks (*.ipynb) in the folder {source}: give a student's copy of "
                    f"the course (a folder of notebooks) or the notebooks themselves")
        except Unlisted as why:
            problem = str(why)
        except Exception as exc:      # whatever one folder holds, the others are graded
            problem = f"cannot list the folder ({type(exc).__name__}: {_one_line(exc)})"[:300]
        if problem:
            rows.append(Row(str(arg), "-", "-", "error", problem))
            _say(progress, f"report: {inert(problem)}\n")
        work += [(str(arg), source, notebook) for notebook in found]
    names = {}                                      # a file's (device, inode): its paths given
    for _, _, notebook in work:
        names.setdefault(notebook.file_id, []).append(str(notebook.path))
    total, lock = len(work), threading.Lock()

    def one(k, item):
        arg, source, notebook = item
        path = notebook.path
        if jobs == 1:
            _say(progress, f"[{k}/{total}] {inert(path)} … ")
        start = time.monotonic()
        try:
            mine = _notebook_rows(arg, source, path, timeout, budget, memory, None, notebook.refused,
                                  disk)
        except Exception as exc:      # whatever one notebook holds, the others are graded
            mine = [Row(arg, _relative(source, path), "-", "error",
                        f"the report failed on this notebook ({type(exc).__name__}: {_one_line(exc)})"[:300])]
        others = ", ".join(n for n in names[notebook.file_id] if n != str(path))
        for r in mine:
            r.same_file_as = others
        counts = " ".join(f"{sum(r.status == s for r in mine)} {mark}" for s, mark in STATUS_MARK.items())
        failed = next((r.message for r in mine if r.exercise == "-"), None)
        outcome = (f"! {inert(failed)}" if failed else counts) + f" ({time.monotonic() - start:.1f} s)\n"
        with lock:
            _say(progress, outcome if jobs == 1 else f"[{k}/{total}] {inert(path)} … {outcome}")
        return mine

    if jobs == 1:
        results = [one(k, item) for k, item in enumerate(work, 1)]
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one, range(1, total + 1), work))
    for mine in results:
        rows += mine
    return rows


def _unlisted(source: Path, package: str) -> str | None:
    """Why the PATH ``source`` is not listed at all (a link is left to ``submission``)."""
    if source.is_symlink():
        return None
    if not source.exists():
        return f"no such file or folder: {source}"
    if (readable := inside_readable(source, package)):
        return (f"refused: {source} is inside {readable}, which every student's kernel may read "
                f"(nnbook, Python or the system's folders): move the class out of it")
    return None


def _say(stream, text: str) -> None:
    if stream is not None:
        stream.write(text)
        stream.flush()                     # a long run shows each notebook as it starts


def _relative(source: Path, path: Path) -> str:
    return path.name if not source.is_dir() else path.relative_to(source).as_posix()


def _notebook_rows(arg: str, source: Path, path: Path, timeout, budget=900, memory=4096,
                   text=None, refused=None, disk=1024) -> list[Row]:
    from ._core import REGISTRY

    rel = _relative(source, path)
    if text is None and refused is None:
        text, refused = read_notebook(path)
    if refused is not None:
        records, failure = [], refused
    else:
        records, failure = run_notebook(path, timeout, budget, memory, text=text, disk=disk)
    latest = {r["exercise"]: r for r in records}
    chapter = path.name[:2] + "." if path.name[:2].isdigit() else None
    ids = sorted({*latest, *(k for k in REGISTRY if chapter and k.startswith(chapter))}, key=order)
    rows = [Row(arg, rel, "-", "error", failure)] if failure else []
    for ex_id in ids:
        if ex_id in latest:
            r = latest[ex_id]
            rows.append(Row(arg, rel, ex_id, r["status"], r["message"], r["uses"], r.get("repeated", 0)))
        elif not failure:
            rows.append(Row(arg, rel, ex_id, "not attempted", "its check cell is missing"))
    return rows


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
    rep = sub.add_parser("report", help="grade the Exercises sections: a grid student × exercise",
                         description="Run the Exercises section of each notebook, each in a kernel "
                                     "of its own, and grade every answer in this process.",
                         epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of a student's copy")
    out = rep.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the rows as JSON (for a gradebook)")
    out.add_argument("--csv", action="store_true", help="print the grid as CSV, one line per student")
    for name, unit in (("timeout", "seconds per cell"), ("budget", "seconds per notebook"),
                       ("memory", "MB of memory per notebook, all its processes together"),
                       ("disk", "MB a notebook may write (its folder and open files together)"),
                       ("jobs", "notebooks run side by side")):
        rep.add_argument(f"--{name}", type=int, default=DEFAULTS[name],
                         help=f"{unit} (default {DEFAULTS[name]})")
    args = parser.parse_args(argv)
    for name, least in (("timeout", 1), ("budget", 1), ("jobs", 1), ("memory", 256), ("disk", 16)):
        if getattr(args, name) < least:
            rep.error(f"--{name} must be at least {least}, got {getattr(args, name)}")
    for arg in args.paths:
        path = Path(arg)
        if path.is_symlink():
            continue                  # its ! row says so (a student's folder may be a link)
        if not path.exists():
            rep.error(f"no such file or folder: {arg}")
        if path.is_file() and path.suffix != ".ipynb":
            rep.error(f"{arg} is not a notebook (*.ipynb) nor a folder of notebooks")
    start = _stdout_start()
    become_subreaper()
    try:
        rows = report(args.paths, args.timeout, progress=sys.stderr, budget=args.budget,
                      memory=args.memory, jobs=args.jobs, disk=args.disk)
    finally:
        kill_left_behind()            # whatever a kernel left behind, before anything is written
    if "none" in SANDBOXES:
        _say(sys.stderr, "report: Landlock is not available here, so the kernels could read and "
                         "write every file you can: see README on running the report in a container\n")
    if "no-seccomp" in SANDBOXES:
        _say(sys.stderr, "report: seccomp is not available here, so the kernels could connect to "
                         "UNIX sockets (an ssh-agent, docker.sock): see README\n")
    for warning in same_files(rows):
        _say(sys.stderr, f"report: {warning}\n")
    for source in crowded(rows):
        _say(sys.stderr, f"report: {inert(source)} holds more than one notebook answering the same "
                         f"exercise: one line per notebook in the grid; pass each student's folder\n")
    if args.json:
        text = json_text(rows)
    else:
        text = format_csv(rows).rstrip("\n") if args.csv else format_text(rows)
    _write(text + "\n", start)
    return 1 if any(r.status == "error" and r.exercise == "-" for r in rows) else 0


def json_text(rows) -> str:
    """The rows as JSON, every string exact but a byte of a name that is not UTF-8 (written
    \\xff, as ``text_of`` does: raw, it broke every JSON reader); the control and formatting
    characters JSON may leave raw (DEL, C1, U+2028, bidi overrides…) written as \\u escapes, so
    that printing the JSON moves nothing on a terminal."""
    text = json.dumps([{k: text_of(v) if isinstance(v, str) else v for k, v in asdict(r).items()}
                       for r in rows], ensure_ascii=False, indent=1)
    return re.sub("[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]",
                  lambda m: f"\\u{ord(m[0]):04x}", text)


def _stdout_start():
    """Where the output begins when stdout is a file written from a position (``>``)."""
    try:
        import fcntl
        fd = sys.stdout.fileno()
        if stat.S_ISREG(os.fstat(fd).st_mode) and not fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND:
            return os.lseek(fd, 0, os.SEEK_CUR)
    except (OSError, ValueError, AttributeError, ImportError):
        pass
    return None


def _write(text: str, start) -> None:
    """Write the output in one go; into a file, over anything written there meanwhile."""
    sys.stdout.flush()
    if start is not None:
        fd = sys.stdout.fileno()
        os.ftruncate(fd, start)
        os.lseek(fd, start, os.SEEK_SET)
    sys.stdout.write(text.encode("utf-8", "backslashreplace").decode("utf-8"))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
