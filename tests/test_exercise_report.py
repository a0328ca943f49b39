"""`python -m nnbook.exercises report`: the teachers' table of who got which exercise right.

It runs on the committed notebooks (every exercise "not attempted"), and on a
small class of copies: one with the worked solutions of
tests/exercise_solutions.py filled in (all ✔), one with a typical mistake (✘
with the hint the checker gives for it) and a broken notebook (reported, not fatal).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nnbook.exercises._core import REGISTRY
from nnbook.exercises.report import _CHECK_CALL, exercise_cells

from exercise_solutions import WRONG

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CLASS_NOTEBOOKS = ["03_multi_neuron_backprop.ipynb", "09_softmax.ipynb"]


# Time limits only turn a hang into a failure, so they are far above what a run takes: a
# loaded machine (a parallel test run, CI neighbours) was measured 6× slower than a quiet
# one, and a report that hit the default 120 s per cell would show a slow cell as an
# "error" row. The whole report on every notebook takes about 50 s on a quiet machine.
CELL_TIMEOUT = 600          # s per cell in the report's kernels (its --timeout)
RUN_TIMEOUT = 1800          # s for one report run


def run_report(*args):
    done = subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", *map(str, args),
                           "--timeout", str(CELL_TIMEOUT)],
                          capture_output=True, text=True, cwd=ROOT, timeout=RUN_TIMEOUT)
    assert done.returncode == 0, done.stderr
    return done.stdout


def fill(path, answer_for):
    """Rewrite each exercise's check cell so that it checks ``answer_for(ex_id)`` (source code)."""
    nb = nbformat.read(path, as_version=4)
    _, cells = exercise_cells(nb)
    for i in cells:
        ids = _CHECK_CALL.findall(nb.cells[i].source)
        if ids:
            nb.cells[i].source = (f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
                                  f"print(nb.exercises.check({ids[0]!r}, {answer_for(ids[0])}))")
    nbformat.write(nb, path)


def test_the_committed_notebooks_have_every_exercise_not_attempted():
    rows = json.loads(run_report(ROOT / "notebooks", "--json"))
    chapters = {p.name[:2] for p in NOTEBOOKS}
    expected = sorted(k for k in REGISTRY if k[:2] in chapters)
    assert sorted(r["exercise"] for r in rows) == expected
    assert {r["status"] for r in rows} == {"not attempted"}, [r for r in rows if r["status"] != "not attempted"]
    assert all(r["notebook"][:2] == r["exercise"][:2] for r in rows)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    room = tmp_path_factory.mktemp("class")
    for student in ("alice", "bob", "carol"):
        for name in CLASS_NOTEBOOKS:
            (room / student).mkdir(exist_ok=True)
            shutil.copy(ROOT / "notebooks" / name, room / student / name)
    for name in CLASS_NOTEBOOKS:   # alice: every worked solution
        fill(room / "alice" / name, lambda ex: f"__import__('exercise_solutions').RIGHT[{ex!r}]")
    # bob: the first typical mistake of 03.1, the rest left as stubs
    mistake = next(i for i, (ex, answer, _) in enumerate(WRONG) if ex == "03.1")
    nb = room / "bob" / CLASS_NOTEBOOKS[0]
    fill(nb, lambda ex: (f"__import__('exercise_solutions').WRONG[{mistake}][1]" if ex == "03.1" else "None"))
    # carol: a notebook that is not JSON, and a check cell that raises before checking
    (room / "carol" / CLASS_NOTEBOOKS[1]).write_text("{ not a notebook")
    fill(room / "carol" / CLASS_NOTEBOOKS[0], lambda ex: "undefined_name" if ex == "03.2" else "None")
    return room, WRONG[mistake][2]


def test_a_class_of_copies(classroom):
    room, hint = classroom
    rows = json.loads(run_report(room / "alice", room / "bob", room / "carol", "--json"))
    by = {}
    for r in rows:
        by.setdefault(Path(r["source"]).name, []).append(r)
    expected = sorted(k for k in REGISTRY if k[:2] in {"03", "09"})
    assert sorted(r["exercise"] for r in by["alice"]) == expected
    assert {r["status"] for r in by["alice"]} == {"done"}
    bob = {r["exercise"]: r for r in by["bob"]}
    assert bob["03.1"]["status"] == "wrong" and hint in bob["03.1"]["message"]
    assert bob["03.2"]["status"] == "not attempted" and bob["09.1"]["status"] == "not attempted"
    carol = by["carol"]
    broken = [r for r in carol if r["notebook"] == CLASS_NOTEBOOKS[1]]
    assert [r["status"] for r in broken] == ["error"] and "cannot read" in broken[0]["message"]
    raised = next(r for r in carol if r["exercise"] == "03.2")
    assert raised["status"] == "error" and "NameError" in raised["message"]


def test_the_table(classroom):
    room, hint = classroom
    text = run_report(room / "bob")
    line = next(line for line in text.splitlines() if " 03.1 " in line)
    assert "✘" in line and hint in line
    assert f"{room / 'bob'}: 0 done ✔, 1 wrong ✘, 5 not attempted ○, 0 errors ! (of 6)" in text
