"""Open the course in JupyterLab, on your own copies of the notebooks (README's first command).

    python tools/course.py               # copy what is missing into my-notebooks/, open JupyterLab there
    python tools/course.py --reset 05    # chapter 05's copy back as committed, then open JupyterLab
    python tools/course.py --no-lab      # only make the copies

JupyterLab saves the notebooks you work in, by itself every two minutes. The committed
notebooks in notebooks/ are the course as published: the tests compare them with fresh
runs, and `git pull` updates them. So you work on copies: my-notebooks/ (git ignores it)
gets a copy of every file of notebooks/ the first time you start, and the copies that are
missing each later time (a new chapter after a `git pull`). A copy that exists is never
overwritten: your work stays yours. To get a clean chapter back, `--reset 05` moves your
copy aside to my-notebooks/05_xor.old.ipynb and copies chapter 05 again (or delete your
copy and start again).

Any other argument goes to `jupyter lab` (`--port 8890`, `--no-browser`). JupyterLab runs
with the course's settings (.jupyter/jupyter_lab_config.py: no news pop-up; it starts as
root and without a display too).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
COPIES = ROOT / "my-notebooks"
CONFIG = ROOT / ".jupyter" / "jupyter_lab_config.py"
SKIPPED = {".ipynb_checkpoints", "__pycache__"}   # JupyterLab's and Python's, not the course's


def course_files(source: Path = NOTEBOOKS) -> list[Path]:
    """The files of the course, relative to `source`: the notebooks and what they read beside
    them (notebooks/extras/ddp_step.py), without JupyterLab's checkpoints or Python's caches."""
    return sorted(p.relative_to(source) for p in source.rglob("*")
                  if p.is_file() and not SKIPPED & set(p.relative_to(source).parts))


def copy_missing(copies: Path = COPIES, source: Path = NOTEBOOKS) -> list[Path]:
    """Copy every course file that `copies` lacks; never touch one it has. Returns the copied
    files, relative to `copies`."""
    made = []
    for name in course_files(source):
        target = copies / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target)
            made.append(name)
    return made


def chapter_file(chapter: str, source: Path = NOTEBOOKS) -> Path:
    """The notebook of `chapter` ("05", "5" or "05_xor"), relative to `source`."""
    prefix = f"{int(chapter):02d}_" if chapter.isdigit() else chapter.removesuffix(".ipynb")
    found = [p for p in course_files(source) if p.suffix == ".ipynb" and p.name.startswith(prefix)]
    if len(found) != 1:
        chapters = ", ".join(p.stem for p in course_files(source) if p.suffix == ".ipynb")
        raise SystemExit(f"course.py --reset: no single chapter {chapter!r} "
                         f"({len(found)} notebooks match); the chapters are {chapters}")
    return found[0]


def reset(chapter: str, copies: Path = COPIES, source: Path = NOTEBOOKS) -> Path | None:
    """Chapter `chapter`'s copy as committed again. Yours, if any, is moved aside to
    NAME.old.ipynb beside it (an older .old is replaced) and returned."""
    name = chapter_file(chapter, source)
    target, kept = copies / name, None
    if target.exists():
        kept = target.with_suffix(".old.ipynb")
        target.replace(kept)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / name, target)
    return kept


def lab_command(copies: Path = COPIES, extra=()) -> list[str]:
    """`jupyter lab` on the copies, with the course's settings."""
    return [sys.executable, "-m", "jupyterlab", str(copies), f"--config={CONFIG}", *extra]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Other arguments go to jupyter lab.")
    parser.add_argument("--reset", metavar="CHAPTER", action="append", default=[],
                        help="copy chapter CHAPTER (05, or 05_xor) again; yours goes to "
                             "NAME.old.ipynb (repeat for more chapters)")
    parser.add_argument("--no-lab", action="store_true", help="only make the copies")
    parser.add_argument("--into", type=Path, default=COPIES, help=argparse.SUPPRESS)  # tests
    args, extra = parser.parse_known_args(argv)
    copies = args.into.resolve()
    for chapter in args.reset:
        kept = reset(chapter, copies)
        print(f"course: {chapter_file(chapter)} copied again"
              + (f"; yours is now {kept.relative_to(copies)}" if kept else ""), flush=True)
    made = copy_missing(copies)
    where = os.path.relpath(copies)
    if made:
        ignored = " (git ignores it)" if copies == COPIES else ""
        print(f"course: copied {len(made)} file(s) of notebooks/ into {where}/{ignored}: you "
              f"work there; notebooks/ stays as committed", flush=True)
    else:
        print(f"course: your copies are in {where}/ (a clean chapter: python tools/course.py "
              f"--reset 05)", flush=True)
    if args.no_lab:
        return 0
    command = lab_command(copies, extra)
    os.execv(command[0], command)   # JupyterLab in this process: Ctrl+C and CI's stop reach it


if __name__ == "__main__":
    sys.exit(main())
