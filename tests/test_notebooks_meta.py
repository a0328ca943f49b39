"""Static checks on every notebook's stored JSON (no kernel needed).

nbval re-runs the notebooks and compares outputs, but it does not check that
the stored outputs came from one clean top-to-bottom run, and it cannot tell
an output that will differ on the next run. These tests do, so that a
notebook committed half-run or with volatile output fails here with a clear
message instead of failing later in nbval. Each check names the notebook.
"""

import ast
import inspect
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



@lru_cache(maxsize=None)
def library_names():
    """``{name: "nnbook.plot"}`` for every class and function the library offers a learner:
    ``nb.__all__`` and, through every public module reached from it (``nb.plot``,
    ``nb.data``, ``nb.callbacks``, ``nb.diagrams``, …), that module's ``__all__``;
    modules themselves are not names a notebook could redefine.
    A notebook imports these and never redefines them (the library is the one source
    of truth; a notebook's teaching copy is named ``*_by_hand``). New exports join the
    list by being exported."""
    import types

    import nnbook

    names, seen = {}, set()

    def walk(module):
        if module.__name__ in seen:
            return
        seen.add(module.__name__)
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if isinstance(value, types.ModuleType):
                walk(value)
            elif inspect.isclass(value) or inspect.isroutine(value):
                names.setdefault(name, module.__name__)

    walk(nnbook)
    return names


def test_library_names_cover_every_public_namespace():
    names = library_names()
    # the layers, losses and optimizers of Part I, and names from the public modules
    for name, home in [("Dense", "nnbook"), ("Conv2D", "nnbook"), ("Sequential", "nnbook"),
                       ("Adam", "nnbook"), ("check_gradients", "nnbook"),
                       ("EarlyStopping", "nnbook.training.callbacks"),
                       ("he_normal", "nnbook.init"), ("spirals", "nnbook.data"),
                       ("loss_curve", "nnbook.plot"), ("network", "nnbook.diagrams"),
                       ("xor_training", "nnbook.explore"), ("Value", "nnbook.autodiff")]:
        assert names.get(name) == home, (name, names.get(name))
    assert "np" not in names and "plot" not in names and "callbacks" not in names

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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_torch_only_cells_are_not_compared(path):
    """A cell that imports torch prints one thing with PyTorch and another without (CI's main
    job has no torch): it is tagged nbval-ignore-output, and it draws from a generator of its
    own, never the notebook's rng, so the numbers after it are the same either way."""
    if "extras" in path.parts:
        return  # notebooks/extras/ needs PyTorch and is skipped without it
    nb = load(path)
    problems = []
    for cell in code_cells(nb):
        text = source(cell)
        if not re.search(r"^\s*(import torch|from torch)", text, re.M):
            continue
        if "nbval-ignore-output" not in tags(cell):
            problems.append(f"{where(nb, cell)}: imports torch but is not tagged nbval-ignore-output")
        if re.search(r"\brng\.", text):
            problems.append(f"{where(nb, cell)}: a torch-only cell draws from the notebook's rng")
    assert not problems, "\n".join(problems)


def test_no_global_random_state_and_no_star_imports(nb):
    problems = []
    for cell in code_cells(nb):
        src = source(cell)
        for found in GLOBAL_RANDOM.finditer(src):
            problems.append(f"{where(nb, cell)}: {found.group(0)} uses NumPy's global random state; "
                            "draw from the notebook's rng = np.random.default_rng(seed)")
        if STAR_IMPORT.search(src):
            problems.append(f"{where(nb, cell)}: star import; import the names you use")
    assert not problems, "\n".join(problems)


def defined_names(src):
    """(name, line) of each function and class a cell defines at its top level (also inside
    ``if``/``for``/``with``/``try`` blocks, not methods or nested functions). IPython syntax
    (``%magic``, ``!cmd``) is turned into Python first; a cell that still does not parse
    (one that shows a SyntaxError on purpose) is read line by line instead."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(src))
    except SyntaxError:
        return [(m.group(1), src.count("\n", 0, m.start()) + 1)
                for m in re.finditer(r"^(?:async\s+)?(?:def|class)\s+(\w+)", src, re.M)]
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append((node.name, node.lineno))
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                todo.extend(n for n in getattr(node, field, ()) if isinstance(n, ast.AST))
    return found


def test_no_library_name_redefined(nb):
    names = library_names()
    problems = []
    for cell in code_cells(nb):
        for name, line in defined_names(source(cell)):
            if name in names:
                problems.append(
                    f"{where(nb, cell)}, line {line}: defines {name}, which the library provides "
                    f"({names[name]}.{name}); use the library's, or name a teaching copy "
                    f"{name}_by_hand")
    assert not problems, "\n".join(problems)


def test_no_execution_timing_metadata(nb):
    timed = [where(nb, c) for c in nb["cells"]
             if {"execution", "ExecuteTime"} & c.get("metadata", {}).keys()]
    assert not timed, (
        f"cells with execution timing metadata (noise in every diff): {timed}. "
        "Re-execute with tools/run_notebooks.py, which strips it"
    )


CODE_WIDTH = 88     # characters of code JupyterLab shows at 1280 px without scrolling


def test_code_lines_fit_the_reader_s_screen(nb):
    long = [f"{where(nb, c)}: {line.strip()[:60]}…" for c in nb["cells"]
            if c["cell_type"] == "code" for line in source(c).splitlines()
            if len(line) > CODE_WIDTH]
    assert not long, (
        f"code lines over {CODE_WIDTH} characters (JupyterLab at 1280 px and the book show a "
        f"scrollbar): {long}. Wrap them as a reader reads them: a comment on its own line "
        f"above, one argument per line, long strings split into two literals"
    )


def test_first_cell_is_a_markdown_title(nb):
    first = nb["cells"][0] if nb["cells"] else {}
    lines = source(first).strip().splitlines()
    assert first.get("cell_type") == "markdown" and lines and lines[0].startswith("# "), (
        "the first cell must be markdown starting with a '# Title' line "
        "(then what the reader will be able to do; see CONTRIBUTING.md, \"Add a chapter\")"
    )


def test_second_cell_sets_up_rng(nb):
    second = nb["cells"][1] if len(nb["cells"]) > 1 else {}
    assert second.get("cell_type") == "code" and "default_rng(" in source(second), (
        "the second cell must be the code cell with the imports and "
        "rng = np.random.default_rng(<seed>) (any other generator is made from a seed "
        "written in its cell)"
    )


def test_defined_names_reads_a_cells_top_level_definitions():
    cell = ("%matplotlib inline\n"
            "import nnbook as nb\n"
            "class Dense_by_hand:\n"
            "    def values(self):\n"              # a method: not a top-level name
            "        def softmax(z): ...\n"        # nested: neither
            "if True:\n"
            "    @staticmethod\n"
            "    def accuracy(p, y): ...\n"
            "!ls\n")
    assert defined_names(cell) == [("Dense_by_hand", 3), ("accuracy", 8)]
    assert defined_names("def Dense(:\nclass Adam: pass\n") == [("Dense", 1), ("Adam", 2)]
    assert "Dense_by_hand" not in library_names() and "accuracy" in library_names()


def test_notebooks_call_the_top_level_softmax(nb):
    """Issue 42: nb.softmax and nb.log_softmax are the names the course teaches; a notebook
    does not reach into nnbook.layers.activations for them."""
    deep = [f"cell {i}" for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            and re.search(r"nb\.layers\.activations\.(log_)?softmax\(", source(c))]
    assert not deep, f"use nb.softmax / nb.log_softmax: {deep}"


PART_IV_CELL_LINES = 30   # Part IV's longest cells were 34-53 lines (issue 42): split them


@pytest.mark.parametrize("name", ["19_tokens", "20_the_modern_block", "21_inference",
                                  "22_post_training"])
def test_part_iv_code_cells_stay_short(name):
    path = next(p for p in NOTEBOOKS if p.stem == name)
    nb = json.loads(path.read_text(encoding="utf-8"))
    long = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            and len(source(c).strip().splitlines()) > PART_IV_CELL_LINES]
    assert not long, f"{name}: code cells {long} are over {PART_IV_CELL_LINES} lines; split them"
