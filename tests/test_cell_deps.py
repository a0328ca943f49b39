"""tests/cell_deps.py: the cells the browser test runs before an explorable whose model
the chapter trains (tests/test_jupyterlab.py, run_needed_above)."""

import ast
import json
from pathlib import Path

import pytest

import cell_deps
import chapters

ROOT = Path(__file__).resolve().parents[1]


def cells(*sources):
    return [{"cell_type": "code", "source": s} for s in sources]


def needed(*sources):
    """The needed cells above the last one, by their sources."""
    cs = cells(*sources)
    return [cs[i]["source"] for i in cell_deps.cells_needed(cs, len(cs) - 1)]


def test_a_cell_that_binds_nothing_used_is_left_out():
    assert needed("import numpy as np", "a = np.ones(3)", "b = 2", "print(a)") == [
        "import numpy as np", "a = np.ones(3)"]


def test_changes_in_place_are_kept():
    # a method call, an item or attribute assignment, del, passing it to a call, +=
    for change in ("m.fit(3)", "m[0] = 5", "m.w = 1", "del m[0]", "train(m)", "m += [1]",
                   "train(m.layers[0])", "for k in range(2): m.append(k)"):
        assert needed("m = [1]", "def train(x): pass", change, "print(m)")[-1] == change, change


def test_a_function_that_changes_a_global_changes_it_where_it_is_called():
    assert needed("log = []", "def record(x):\n    log.append(x)", "def twice(x):\n    record(x)",
                  "z = 1", "twice(3)", "print(log)") == [
        "log = []", "def record(x):\n    log.append(x)", "def twice(x):\n    record(x)", "twice(3)"]
    assert needed("n = 0", "def bump():\n    global n\n    n = n + 1", "bump()", "print(n)")[-1] == "bump()"


def test_what_a_kept_cell_reads_is_kept_with_its_history():
    # the randomness: every draw from rng before the cell that makes x is kept
    assert needed("import numpy as np", "rng = np.random.default_rng(0)", "noise = rng.normal()",
                  "other = 3", "x = rng.normal(size=2)", "print(x)") == [
        "import numpy as np", "rng = np.random.default_rng(0)", "noise = rng.normal()",
        "x = rng.normal(size=2)"]


def test_a_kept_cells_other_statements_need_only_their_names_to_exist():
    # cell 3 runs for x; its print needs table only to exist: the cell that fills table is
    # left out, the one that makes it stays
    assert needed("table = {}", "table['a'] = 1", "x = 2\nprint(table)", "print(x)") == [
        "table = {}", "x = 2\nprint(table)"]


def test_modules_are_not_data_and_locals_are_not_globals():
    assert needed("import nnbook as nb", "m = 1", "nb.plot.show(3)", "def f(m):\n    m.fit()",
                  "print(nb.x(m))") == ["import nnbook as nb", "m = 1"]
    assert needed("x = 1", "[x for x in range(3)]", "print(x)") == ["x = 1"]


def test_magics_parse():
    assert needed("%matplotlib inline\nx = 1", "!echo hi", "print(x)") == ["%matplotlib inline\nx = 1"]


def source(cell):
    return cell_deps.source(cell)


ABOVE = [e for e in chapters.browser_explorables() if e[5] == "above"]


@pytest.mark.parametrize("name, call", [(e[0], e[1]) for e in ABOVE], ids=[e[0] for e in ABOVE])
def test_the_needed_cells_bind_every_name_they_and_the_explorable_read(name, call):
    """On the course's explorables: run in order, the needed cells and the explorable's read
    no name that none of them bound before (a name the slice misses is a NameError in the
    browser test; this finds it without a browser). The state they leave is checked there,
    against the caption the notebook stores."""
    nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    index = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and call in source(c))
    bound = set(cell_deps.BUILTINS) | {"get_ipython", "display", "In", "Out", "_"}
    missing = []
    for i in cell_deps.cells_needed(nb["cells"], index) + [index]:
        for statement in cell_deps.parse(nb["cells"][i]).body:
            facts = cell_deps._facts(statement)
            before = facts.loads - facts.binds if not isinstance(statement, ast.AugAssign) else facts.loads
            missing += [f"cell {i + 1}: {n}" for n in sorted(before - bound)]
            bound |= facts.binds
    assert not missing, f"{name}: the needed cells read names none of them bound: {missing}"
    assert len(cell_deps.cells_needed(nb["cells"], index)) > 0
