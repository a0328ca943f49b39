"""`python -m nnbook.exercises report`: the teachers' table of who got which exercise right.

It runs on the committed notebooks (every exercise "not attempted"), and on a
small class of copies: one with the worked solutions of
tests/exercise_solutions.py filled in (all ✔), one with a typical mistake (✘
with the hint the checker gives for it) and a broken notebook (reported, not fatal).
Notebooks that cannot be read, whose kernel dies or that time out, and folders
without notebooks, are errors in the summary and in the exit status (1; 2 for bad
arguments, as --help says); progress goes to stderr, one line per notebook, as the
report runs.
"""

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nnbook.exercises import report as report_module
from nnbook.exercises._core import REGISTRY
from nnbook.exercises.grading import check_calls
from nnbook.exercises.classview import format_text
from nnbook.exercises.report import Row, exercise_cells

import kernel_solutions
from exercise_solutions import WRONG

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CLASS_NOTEBOOKS = ["03_multi_neuron_backprop.ipynb", "09_softmax.ipynb"]


# Time limits only turn a hang into a failure, so they are far above what a run takes: a
# loaded machine (a parallel test run, CI neighbours) was measured 6× slower than a quiet
# one, and a report that hit the default 120 s per cell would show a slow cell as an
# "error" row. The whole report on every notebook takes about 50 s on a quiet machine.
CELL_TIMEOUT = 600          # s per cell in the report's kernels (its --timeout)
RUN_TIMEOUT = 1800          # s for one report run


def run_report(*args, status=0, timeout=CELL_TIMEOUT, progress=None):
    """The report's stdout; its exit status must be ``status``, and its stderr (the
    progress lines) is appended to the list ``progress`` when one is given."""
    done = subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", *map(str, args),
                           "--timeout", str(timeout)],
                          capture_output=True, text=True, cwd=ROOT, timeout=RUN_TIMEOUT)
    assert done.returncode == status, done.stderr
    if progress is not None:
        progress.append(done.stderr)
    return done.stdout


def progress_lines(stderr):
    """The ``[k/n] path … outcome`` lines of the progress on stderr, as (k, n, path, outcome)."""
    return [(int(m[1]), int(m[2]), m[3], m[4]) for m in
            re.finditer(r"^\[(\d+)/(\d+)\] (.+?\.ipynb) … (.*)$", stderr, flags=re.M)]


def fill(path, answer_for):
    """Rewrite each exercise's check cell so that it checks ``answer_for(ex_id)`` (source code)."""
    nb = nbformat.read(path, as_version=4)
    _, cells = exercise_cells(nb)
    for i in cells:
        ids = [ex for ex, _ in check_calls(nb.cells[i].source)]
        if ids:
            nb.cells[i].source = f"print(nb.exercises.check({ids[0]!r}, {answer_for(ids[0])}))"
    nbformat.write(nb, path)


def test_the_committed_notebooks_have_every_exercise_not_attempted():
    stderr = []
    rows = json.loads(run_report(ROOT / "notebooks", "--json", progress=stderr))
    found = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    lines = sorted(progress_lines(stderr[0]))        # --jobs: in the order the notebooks end
    assert [(k, n, Path(p)) for k, n, p, _ in lines] == [(k, len(found), p) for k, p in enumerate(found, 1)]
    assert all(re.fullmatch(r"0 ✔ 0 ✘ \d+ ○ 0 ! \(\d+\.\d s\)", outcome) for *_, outcome in lines), lines
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
        fill(room / "alice" / name, kernel_solutions.right)
    # bob: the first typical mistake of 03.1, the rest left as stubs
    mistake = next(i for i, (ex, answer, _) in enumerate(WRONG) if ex == "03.1")
    nb = room / "bob" / CLASS_NOTEBOOKS[0]
    fill(nb, lambda ex: (kernel_solutions.wrong(mistake) if ex == "03.1" else "None"))
    # carol: a notebook that is not JSON, and a check cell that raises before checking
    (room / "carol" / CLASS_NOTEBOOKS[1]).write_text("{ not a notebook")
    fill(room / "carol" / CLASS_NOTEBOOKS[0], lambda ex: "undefined_name" if ex == "03.2" else "None")
    return room, WRONG[mistake][2]


@pytest.fixture(scope="module")
def class_rows(classroom):
    """The rows of one report run (--json) over the three copies: the tests below read it,
    the text tables too (format_text, the function the command line prints with; the
    printed grid itself is tested in test_exercises_report_attacks.py and
    test_exercises_report_class.py), so that the class's five kernels start once, not
    eight times in three runs."""
    room, _ = classroom
    return json.loads(run_report(room / "alice", room / "bob", room / "carol", "--json", status=1))


def table_of(rows, student):
    """The report's text for ``student``'s rows alone, as ``report STUDENT`` prints it."""
    return format_text([Row(**r) for r in rows if Path(r["source"]).name == student])


def test_a_class_of_copies(classroom, class_rows):
    room, hint = classroom
    rows = class_rows
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


def test_the_table(classroom, class_rows):
    room, hint = classroom
    text = table_of(class_rows, "bob")
    line = next(line for line in text.splitlines() if " 03.1 " in line and "03_" in line)
    assert "✘" in line and hint in line
    assert f"{room / 'bob'}: 0 done ✔, 1 wrong ✘, 5 not attempted ○, 0 errors ! (of 6)" in text


def test_a_notebook_that_cannot_be_read_counts_as_an_error(classroom, class_rows):
    room, _ = classroom
    text = table_of(class_rows, "carol")
    # the broken 09 and the 03.2 cell that raised; 03.1 and 03.3 are stubs
    assert f"{room / 'carol'}: 0 done ✔, 0 wrong ✘, 2 not attempted ○, 2 errors ! (of 4)" in text


def exercises_notebook(path, code):
    """A notebook of one Exercises section with one code cell (and no set-up cell)."""
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Exercises"),
                                                   nbformat.v4.new_code_cell(code)]), path)


def test_a_dead_kernel_a_timeout_and_bad_json_are_errors(tmp_path):
    exercises_notebook(tmp_path / "13_dies.ipynb", "import os\nos._exit(1)")
    exercises_notebook(tmp_path / "14_hangs.ipynb", "import time\ntime.sleep(600)")
    (tmp_path / "15_broken.ipynb").write_text("{ not a notebook")
    stderr = []
    rows = json.loads(run_report(tmp_path, "--json", status=1, timeout=5, progress=stderr))
    by = {r["notebook"]: r for r in rows}
    assert sorted(by) == ["13_dies.ipynb", "14_hangs.ipynb", "15_broken.ipynb"]
    assert all(r["status"] == "error" and r["exercise"] == "-" for r in rows)
    assert "kernel died" in by["13_dies.ipynb"]["message"]
    assert "timed out" in by["14_hangs.ipynb"]["message"] and "5 s" in by["14_hangs.ipynb"]["message"]
    assert "cannot read" in by["15_broken.ipynb"]["message"]
    assert all("\n" not in r["message"] for r in rows)
    assert [outcome.startswith("! ") for *_, outcome in progress_lines(stderr[0])] == [True] * 3
    text = run_report(tmp_path / "15_broken.ipynb", status=1)
    assert f"{tmp_path / '15_broken.ipynb'}: 0 done ✔, 0 wrong ✘, 0 not attempted ○, 1 errors ! (of 1)" in text


def test_a_folder_without_notebooks_says_so_and_fails(tmp_path):
    (tmp_path / "notes.txt").write_text("no notebooks here")
    stderr = []
    text = run_report(tmp_path, status=1, progress=stderr)
    assert f"no notebooks (*.ipynb) in the folder {tmp_path}" in text
    assert f"no notebooks (*.ipynb) in the folder {tmp_path}" in stderr[0]
    assert "1 errors !" in text
    bad = []
    assert run_report(tmp_path / "missing", status=2, progress=bad) == ""     # nothing is run
    assert f"error: no such file or folder: {tmp_path / 'missing'}" in bad[0]


class Recording(io.StringIO):
    """A stream that remembers what had been flushed."""

    flushed = ""

    def flush(self):
        self.flushed = self.getvalue()


def test_progress_is_flushed_before_each_notebook_runs(tmp_path, monkeypatch):
    for name in ("01_a.ipynb", "02_b.ipynb", "03_c.ipynb"):
        exercises_notebook(tmp_path / name, "pass")
    stream, seen = Recording(), []

    def fake_run(path, timeout, budget, memory, text=None, disk=1024):
        seen.append(stream.flushed)
        return [], "kernel gone" if path.name == "02_b.ipynb" else None

    monkeypatch.setattr(report_module, "run_notebook", fake_run)
    report_module.report([tmp_path], progress=stream)
    for k, (flushed, name) in enumerate(zip(seen, ("01_a", "02_b", "03_c")), 1):
        assert flushed.splitlines()[-1] == f"[{k}/3] {tmp_path / name}.ipynb … ", flushed
    assert stream.flushed == stream.getvalue() and len(stream.getvalue().splitlines()) == 3
    assert "! kernel gone" in stream.getvalue().splitlines()[1]


def command_line(args, capsys):
    """``python -m nnbook.exercises ARGS`` for arguments that argparse settles (help, usage
    errors), run in this process: its exit status, stdout and stderr. The module's own
    ``sys.exit(main())`` runs in the report runs here (run_report); a new interpreter for
    each of these four (about 0.9 s of CPU each, in every CI job) tested nothing more."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as ended:
        report_module.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return ended.value.code, out, err


def test_help_states_the_exit_status_and_the_code_follows_it(tmp_path, capsys):
    """0 every notebook was graded, 1 some notebook could not be graded, 2 bad arguments."""
    for args in (["--help"], ["report", "--help"]):
        status, out, _ = command_line(args, capsys)
        assert status == 0
        text = " ".join(out.split())
        assert "exit status: 0 every notebook was graded" in text
        assert "1 some notebook could not be graded" in text and "2 bad arguments" in text
    # a check cell that raised is graded (an ! row), so the status is 0
    exercises_notebook(tmp_path / "03_raises.ipynb", "nb.exercises.check('03.1', undefined_name)")
    rows = json.loads(run_report(tmp_path / "03_raises.ipynb", "--json", status=0))
    assert {r["exercise"]: r["status"] for r in rows}["03.1"] == "error"
    (tmp_path / "notes.txt").write_text("not a notebook")
    for bad in ([tmp_path / "notes.txt"], [tmp_path, "--timeout", "0"]):
        status, out, err = command_line(["report", *bad], capsys)
        assert status == 2 and out == "" and "usage:" in err, err
