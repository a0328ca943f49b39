"""Re-execute notebooks in place, top to bottom, in a fresh kernel.

    python tools/run_notebooks.py notebooks/05_xor.ipynb [...]
    python tools/run_notebooks.py            # every notebook

Each notebook runs in a new `python3` kernel in its own folder (as nbval
runs it), with a 300 s limit per cell. As in JupyterLab's Run All, a cell
tagged `raises-exception` may raise and execution goes on; any other error
stops that notebook, which is then left unchanged on disk. After a run the
per-cell timing metadata is removed so that diffs show only real changes,
and the tracebacks of cells that raised on purpose lose this machine's paths
(/home/you/nnbook/nnbook/layers/dense.py becomes nnbook/layers/dense.py, a
library's file …/site-packages/numpy/…, even from a venv inside the
repository such as README's .venv): a reader sees the same traceback
whoever executed the notebook. nbval does not compare tracebacks (it compares
the error's name and message), so nothing it checks changes.
notebooks/extras/ (needs PyTorch) is included only when torch is installed.
Exit status: 0 when every notebook ran cleanly, 1 otherwise.
"""

import argparse
import importlib.util
import os
import re
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CellExecutionError, ExecutePreprocessor

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
# Cell metadata that changes on every run: nbclient's timestamps and the
# ExecuteTime extension's. (Execution counts are renumbered 1..n by the run.)
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")


def all_notebooks():
    found = [p for p in sorted(NOTEBOOK_DIR.glob("**/*.ipynb")) if ".ipynb_checkpoints" not in p.parts]
    if importlib.util.find_spec("torch") is None:
        extras = [p for p in found if NOTEBOOK_DIR / "extras" in p.parents]
        if extras:
            print(f"skipping {len(extras)} notebook(s) in notebooks/extras: torch is not installed")
        found = [p for p in found if p not in extras]
    return found


# Absolute paths as a traceback shows them: POSIX (two or more parts, not inside a
# URL, a longer word or an already shortened "…/" path) or Windows (C:\...). A part
# stops at whitespace, a quote, a colon (":312" is the line number) or a bracket.
_PART = r"[^\s/\\:'\"()\[\]<>,]+"
ABSOLUTE_PATH = re.compile(
    rf"(?<![\w/.:~…-])/(?:{_PART}/)+{_PART}"         # /home/you/nnbook/nnbook/model.py
    rf"|(?<![\w/.:~…-])~/(?:{_PART}/)*{_PART}"       # ~/.pyenv/…/numpy/linalg/_linalg.py (IPython's form)
    rf"|(?<![\w])[A-Za-z]:\\(?:{_PART}\\)*{_PART}"  # C:\Users\you\...\model.py
)
ANSI_ESCAPE = re.compile(r"(\x1b\[[0-9;]*[A-Za-z])")
_LIBRARY_DIR = re.compile(r"[/\\](?:site|dist)-packages[/\\]")
_STDLIB_DIR = re.compile(r"[/\\]lib[/\\](python3\.\d+)[/\\]", re.IGNORECASE)
_MACHINE_ROOTS = ("/work/", "/home/", "/tmp/", "/root/", "/Users/", "/private/", "/var/", "/opt/", "/usr/")


def portable_path(path, root=ROOT):
    """The part of an absolute ``path`` that reads the same on every machine.

    An installed library's file: from ``…/site-packages/``, wherever the
    environment is, inside this repository too (README's ``.venv``); the standard
    library's: from ``…/python3.X/``; any other file of this repository: relative
    to it (``nnbook/layers/dense.py``); any other file under a user's or the
    system's folders: ``…/`` and its name. Anything else is returned unchanged.
    """
    posix = path.replace("\\", "/")
    mine = Path(root).as_posix().rstrip("/") + "/"
    inside = posix.startswith(mine)
    # Inside the repository, look for an environment only below it: the
    # repository's own folder names do not count.
    own = posix[len(mine):] if inside else posix
    library = _LIBRARY_DIR.search(own)
    if library:
        return "…/site-packages/" + own[library.end():]
    stdlib = _STDLIB_DIR.search(own)
    if stdlib:
        return f"…/{stdlib.group(1)}/" + own[stdlib.end():]
    if inside:
        return own
    if posix.startswith(_MACHINE_ROOTS + ("~/",)) or re.match(r"[A-Za-z]:/", posix):
        return "…/" + posix.rsplit("/", 1)[-1]
    return path


def portable_text(text, root=ROOT):
    """``text`` with each absolute path replaced by :func:`portable_path`'s form.

    The repository's own folder is replaced first as a whole (so a space in its
    path does no harm), after a virtual environment inside it (README's
    ``.venv``), whose files keep the form of any other environment's. ANSI
    colour codes (IPython colours its tracebacks) are kept: paths are looked for
    only in the text between them."""
    below = re.escape(str(root) + os.sep) + rf"(?:{_PART}[/\\])*?"
    environment = [  # a library's file below the repository first, then the stdlib's
        (re.compile(below + r"(?:site|dist)-packages[/\\]", re.I), lambda m: "…/site-packages/"),
        (re.compile(below + r"lib[/\\](python3\.\d+)[/\\]", re.I), lambda m: f"…/{m.group(1)}/"),
    ]
    pieces = ANSI_ESCAPE.split(text)
    for i in range(0, len(pieces), 2):  # even pieces are text, odd ones escapes
        piece = pieces[i]
        for pattern, portable in environment:
            piece = pattern.sub(portable, piece)
        piece = piece.replace(str(root) + os.sep, "")
        pieces[i] = ABSOLUTE_PATH.sub(lambda m: portable_path(m.group(0), root), piece)
    return "".join(pieces)


def portable_tracebacks(nb, root=ROOT):
    """Rewrite the paths in every stored error's traceback (see portable_text).

    Only ``traceback`` changes: nbval compares an error's ``ename`` and
    ``evalue``, which must stay what the kernel said."""
    for cell in nb.cells:
        for output in cell.get("outputs", ()):
            if output.get("output_type") == "error":
                output["traceback"] = [portable_text(line, root) for line in output.get("traceback", [])]


def coalesce_streams(nb):
    """Join each cell's consecutive stdout (or stderr) outputs into one, as a quiet
    kernel sends them: on a busy machine the kernel flushes between prints, and every
    flush became an output of its own, so a re-run's diff showed outputs split that had
    not changed. nbval joins a stream's chunks before comparing, so nothing it checks
    changes."""
    for cell in nb.cells:
        merged = []
        for output in cell.get("outputs", ()):
            last = merged[-1] if merged else None
            if (output.get("output_type") == "stream" and last is not None
                    and last.get("output_type") == "stream" and last.get("name") == output.get("name")):
                last["text"] = last["text"] + output["text"]
            else:
                merged.append(output)
        if "outputs" in cell:
            cell["outputs"] = merged


def strip_volatile_metadata(nb):
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)


def unraised_tagged_cells(nb):
    """Cells tagged raises-exception that did not raise (nbval would fail them)."""
    return [
        i for i, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "code"
        and "raises-exception" in cell.metadata.get("tags", [])
        and not any(o.output_type == "error" for o in cell.outputs)
    ]


def run(path, timeout, root=ROOT):
    nb = nbformat.read(path, as_version=4)
    executor = ExecutePreprocessor(
        timeout=timeout,
        kernel_name=KERNELSPEC["name"],
        allow_errors=False,  # only cells tagged raises-exception may raise
        record_timing=False,
    )
    try:
        executor.preprocess(nb, {"metadata": {"path": str(path.parent)}})
    except CellExecutionError as exc:
        print(f"FAILED {path}: a cell raised (the file is unchanged)\n{exc}", file=sys.stderr)
        return False
    strip_volatile_metadata(nb)
    coalesce_streams(nb)
    portable_tracebacks(nb, root)
    nbformat.write(nb, path)
    unraised = unraised_tagged_cells(nb)
    if unraised:
        print(f"FAILED {path}: cell(s) {unraised} are tagged raises-exception but did not raise "
              "(the file was written; fix the cell or remove the tag)", file=sys.stderr)
        return False
    print(f"ok     {path}")
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: all notebooks")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell (default 300)")
    args = parser.parse_args(argv)

    if os.environ.pop("MPLBACKEND", None) is not None:
        print("note: ignoring MPLBACKEND so that figures use the inline backend")
    paths = [p.resolve() for p in args.notebooks] or all_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    results = [run(p, args.timeout) for p in paths]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
