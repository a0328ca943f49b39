"""Re-execute notebooks in place, top to bottom, in a fresh kernel.

    python tools/run_notebooks.py notebooks/05_xor.ipynb [...]
    python tools/run_notebooks.py            # every notebook

Each notebook runs in a new `python3` kernel in its own folder (as nbval
runs it), with a 300 s limit per cell. As in JupyterLab's Run All, a cell
tagged `raises-exception` may raise and execution goes on; any other error
stops that notebook, which is then left unchanged on disk. After a run the
per-cell timing metadata is removed so that diffs show only real changes.
notebooks/extras/ (needs PyTorch) is included only when torch is installed.
Exit status: 0 when every notebook ran cleanly, 1 otherwise.
"""

import argparse
import importlib.util
import os
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


def run(path, timeout):
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
