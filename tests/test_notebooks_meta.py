"""Static checks on every notebook's stored JSON (no kernel needed).

nbval re-runs the notebooks and compares outputs, but it does not check that
the stored outputs came from one clean top-to-bottom run, and it cannot tell
an output that will differ on the next run. These tests do, so that a
notebook committed half-run or with volatile output fails here with a clear
message instead of failing later in nbval. Each check names the notebook.
"""

import json
import re
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for p in (ROOT / "notebooks").glob("**/*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
IDS = [p.relative_to(ROOT / "notebooks").as_posix() for p in NOTEBOOKS]

# Library classes a notebook imports and never redefines (the library is the
# one source of truth; a notebook's teaching copy is named *_by_hand).
LIBRARY_NAMES = ("Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Sequential",
                 "Sigmoid", "Tanh", "ReLU", "Softmax", "MSE", "BinaryCrossEntropy",
                 "CrossEntropy", "SGD", "Adam")

# Output text that differs from run to run or between library versions, and
# what to do instead. Checked in stream and text outputs (not in images).
VOLATILE = [
    (re.compile(r"\b0x[0-9a-f]{6,}\b"),
     "a memory address: don't show object reprs; end a plot cell with plt.show()"),
    (re.compile(r"<Figure size"),
     "a Figure repr without its image: end the cell with plt.show(), and don't force "
     "the Agg backend (MPLBACKEND) when executing"),
    (re.compile(r"\[<matplotlib\."),
     "a list of matplotlib artists: assign it (_ = ax.plot(...)) or end with plt.show()"),
    (re.compile(r"\bnp\.(float|int|uint|complex|bool)\w*\(|\bnp\.(True|False)_\b"),
     "a bare NumPy scalar repr (NumPy 1 and 2 differ): print it formatted, f'{x:.4f}'"),
    (re.compile(r"ipykernel_\d+"),
     "a path into the kernel's temp dir (a warning?); it changes every run: "
     "silence the warning with np.errstate/warnings, or print the message yourself"),
]
# The inline backend shows a figure as an image plus the text '<Figure size
# 400x300 with 1 Axes>'. That text is stable (with an explicit figsize) and
# allowed beside the image; on its own it means the figure was not drawn.
FIGURE_TEXT_BESIDE_IMAGE = re.compile(r"^<Figure size \d+(\.\d+)?x\d+(\.\d+)? with \d+ Axes>$")   # diagrams have fractional sizes
TEXT_MIME = ("text/plain", "text/html", "text/markdown", "text/latex")

GLOBAL_RANDOM = re.compile(
    r"\b(np|numpy)\.random\.(seed|rand|randn|randint|random|random_sample|normal|uniform"
    r"|choice|shuffle|permutation|RandomState)\b"
)
STAR_IMPORT = re.compile(r"^\s*from\s+\S+\s+import\s+\*|^\s*%pylab\b", re.M)


@lru_cache(maxsize=None)
def load(path):
    """The notebook as a dict; the test fails (not errors) on broken JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        pytest.fail(f"{path}: cannot be read as JSON: {exc}")


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def nb(request):
    return load(request.param)


def source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def text(value):
    return "".join(value) if isinstance(value, list) else str(value)


def code_cells(nb):
    return [c for c in nb["cells"] if c.get("cell_type") == "code"]


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def where(nb, cell):
    """'cell 7 (“model.fit(…”)' to point at a cell in a message."""
    index = nb["cells"].index(cell) + 1
    first = source(cell).strip().splitlines()[:1]
    return f"cell {index} ({first[0][:40]!r})" if first else f"cell {index}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_valid_notebook_json(path):
    data = load(path)
    try:
        nbformat.validate(nbformat.from_dict(data))
    except nbformat.ValidationError as exc:
        pytest.fail(f"{path.name} is not a valid nbformat 4 notebook: {exc.message}")


def test_kernelspec_is_python3(nb):
    name = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    assert name == "python3", (
        f"kernelspec name is {name!r}, expected 'python3'. Choose the 'Python 3 (ipykernel)' "
        "kernel, or re-execute with tools/run_notebooks.py"
    )


def test_executed_in_order_in_one_kernel(nb):
    run = [c for c in code_cells(nb) if source(c).strip()]
    counts = [c.get("execution_count") for c in run]
    never = [where(nb, c) for c in run if c.get("execution_count") is None]
    assert not never, f"code cells never executed: {never}. Re-execute: python tools/run_notebooks.py <notebook>"
    assert counts == list(range(1, len(run) + 1)), (
        f"execution counts are {counts}, expected 1..{len(run)}: the notebook was not run "
        "top to bottom in one fresh kernel. Re-execute: python tools/run_notebooks.py <notebook>"
    )


def test_errors_only_where_tagged(nb):
    problems = []
    for cell in code_cells(nb):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        tagged = "raises-exception" in tags(cell)
        if errors and not tagged:
            problems.append(f"{where(nb, cell)} stores an error ({errors[0].get('ename')}) "
                            "but is not tagged raises-exception")
        if tagged and not errors:
            problems.append(f"{where(nb, cell)} is tagged raises-exception but stores no error")
        if "NBVAL_RAISES_EXCEPTION" in source(cell) and not tagged:
            problems.append(f"{where(nb, cell)} uses the # NBVAL_RAISES_EXCEPTION comment: "
                            "use the raises-exception cell tag (Run All stops at the comment form)")
    assert not problems, "\n".join(problems)


def output_texts(cell):
    """(kind, text) of every textual output of a code cell that nbval compares."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            yield out.get("name", "stream"), text(out.get("text", ""))
        data = out.get("data", {})
        has_image = any(mime.startswith("image/") for mime in data)
        for mime in TEXT_MIME:
            if mime in data:
                value = text(data[mime])
                if not (has_image and FIGURE_TEXT_BESIDE_IMAGE.match(value)):
                    yield mime, value


def test_no_volatile_outputs(nb):
    problems = []
    for cell in code_cells(nb):
        if {"nbval-ignore-output", "nbval-skip"} & set(tags(cell)) or re.search(
                r"NBVAL_IGNORE_OUTPUT|NBVAL_SKIP", source(cell)):
            continue  # nbval does not compare this cell's outputs
        for kind, value in output_texts(cell):
            for pattern, advice in VOLATILE:
                found = pattern.search(value)
                if found:
                    problems.append(f"{where(nb, cell)}, {kind}: {found.group(0)!r} is {advice}")
    assert not problems, "outputs that will not compare equal on the next run:\n" + "\n".join(problems)


def test_no_global_random_state_and_no_star_imports(nb):
    problems = []
    for cell in code_cells(nb):
        src = source(cell)
        for found in GLOBAL_RANDOM.finditer(src):
            problems.append(f"{where(nb, cell)}: {found.group(0)} uses NumPy's global random state; "
                            "draw from the notebook's rng = np.random.default_rng(seed)")
        if STAR_IMPORT.search(src):
            problems.append(f"{where(nb, cell)}: star import; import the names you use")
        for found in re.finditer(rf"^\s*(?:def|class)\s+({'|'.join(LIBRARY_NAMES)})\b", src, re.M):
            problems.append(f"{where(nb, cell)}: redefines nnbook.{found.group(1)}; import it "
                            f"from nnbook (a teaching copy is named {found.group(1)}_by_hand)")
    assert not problems, "\n".join(problems)


def test_no_execution_timing_metadata(nb):
    timed = [where(nb, c) for c in nb["cells"]
             if {"execution", "ExecuteTime"} & c.get("metadata", {}).keys()]
    assert not timed, (
        f"cells with execution timing metadata (noise in every diff): {timed}. "
        "Re-execute with tools/run_notebooks.py, which strips it"
    )


def test_first_cell_is_a_markdown_title(nb):
    first = nb["cells"][0] if nb["cells"] else {}
    lines = source(first).strip().splitlines()
    assert first.get("cell_type") == "markdown" and lines and lines[0].startswith("# "), (
        "the first cell must be markdown starting with a '# Title' line "
        "(then what the reader will be able to do; see STYLE.md)"
    )


def test_second_cell_sets_up_rng(nb):
    second = nb["cells"][1] if len(nb["cells"]) > 1 else {}
    assert second.get("cell_type") == "code" and "default_rng(" in source(second), (
        "the second cell must be the code cell with the imports and "
        "rng = np.random.default_rng(<seed>), the notebook's only source of randomness"
    )
