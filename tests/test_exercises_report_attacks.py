"""The report against a hostile class (issue 49): each notebook below solves nothing (or is
honest and wrong) and tries to earn a ✔, to change a classmate's grade, to reach the teacher's
files or to outlive the report. All of them run in one report, side by side; none may get a
✔, each leaves its classmates' files and rows as they were, no process outlives the report,
and the report's JSON stays valid. On the code before issue 49 (grading inside the student's
kernel, in place, with a per-cell timeout only) most of them earned ✔ or broke the report.

Then: each answer is read right after its own cell (chapter 05's 05.2 and 05.3 both bind
``answer``), a cell that raises or calls sys.exit before its answer is an error row naming
the exception, a notebook has a time budget and a memory limit, and the class grid and CSV.
"""

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from nnbook.exercises.classview import format_csv, format_text
from nnbook.exercises.kernel import landlock_abi
from nnbook.exercises.report import Row

from kernel_solutions import right

ROOT = Path(__file__).resolve().parents[1]
SETUP = "import numpy as np\nimport nnbook as nb"
STUBS = [f'print(nb.exercises.check("03.{k}", None))' for k in (1, 2, 3)]
WRONG_03_1 = ("def dense_backward(x, W, dy):\n    return dy @ W, x.T @ dy, dy.sum(axis=0)\n"
              'print(nb.exercises.check("03.1", dense_backward))')


def notebook(path, *cells, setup=SETUP):
    """A notebook: the set-up cell, then an Exercises section of ``cells``."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup),
                                         nbformat.v4.new_markdown_cell("## Exercises"),
                                         *(nbformat.v4.new_code_cell(c) for c in cells)])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def run(*args, timeout=900, **kw):
    return subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout, **kw)


# each attack: the cells that come before the three stubs of chapter 03
ATTACKS = {
    "bool": "bool = lambda *a, **k: True\nimport builtins\nbuiltins.bool = bool",
    "print": ("import builtins\n_p = builtins.print\nbuiltins.print = lambda *a, **k: _p("
              "'[{\"exercise\": \"03.1\", \"correct\": true, \"attempted\": true, \"message\": \"x\"}]')"),
    "hook": ("def _hook(info):\n    import nnbook.exercises as e, nnbook.exercises._core as c\n"
             "    e.check = lambda ex, a: c.Feedback(ex, True, 'forged')\n    e._verdict = lambda ex, a: c.Feedback(ex.id, True, 'f')\n"
             "get_ipython().events.register('pre_run_cell', _hook)\n"
             "get_ipython().events.register('post_run_cell', lambda r: _hook(None))"),
    "profile": ("import sys\ndef _prof(frame, event, arg):\n    for k in list(frame.f_locals):\n"
                "        if k in ('correct', 'ok'):\n            frame.f_locals[k] = True\n"
                "sys.setprofile(_prof)\nimport threading\nthreading.setprofile(_prof)\n"
                "_last = In[-1] if 'In' in dir() else ''"),
    "json": ("import json\n_d = json.dumps\njson.dumps = lambda *a, **k: '[{\"exercise\": \"03.1\", "
             "\"correct\": true, \"attempted\": true, \"message\": \"x\"}]'\njson.loads = lambda *a, **k: "
             "{'kind': 'value', 'value': {'t': 'back', 'ref': 'R1'}}"),
    "import_hook": ("import sys, types\nfake = types.ModuleType('nnbook.exercises')\n"
                    "class F:\n    correct = attempted = True\n    message = 'forged'\n    exercise = '03.1'\n"
                    "fake.check = lambda ex, a: F()\nsys.modules['nnbook.exercises'] = fake\n"
                    "class Finder:\n    def find_spec(self, name, path=None, target=None):\n"
                    "        if name.startswith('nnbook.exercises'):\n"
                    "            import importlib.machinery as m\n"
                    "            return m.ModuleSpec(name, None)\nsys.meta_path.insert(0, Finder())"),
    "patch_checker": ('print(nb.exercises.check("03.2", (setattr(__import__("nnbook.exercises", fromlist=["x"]), '
                      '"check", lambda *a: True), None)[1]))'),
    "numpy": ("np.allclose = lambda *a, **k: True\nnp.maximum = lambda *a, **k: 0.0\n"
              "np.isclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n" + WRONG_03_1),
    "kill": ("import os, signal\nfor pid in (os.getppid(), os.getpgid(os.getppid())):\n    try:\n"
             "        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass"),
    "object": ("class Anything:\n    def __eq__(self, other): return True\n    def __float__(self): return 1.0\n"
               "    def __array__(self, *a, **k): raise SystemExit\n    def __call__(self, *a): return self\n"
               'print(nb.exercises.check("03.1", Anything()))\nprint(nb.exercises.check("03.3", Anything))'),
}


# The per-cell timeout of the hostile class's report. The bool attack breaks its kernel, which
# then says it is idle but never answers: the report ends it kernel.IDLE_GRACE seconds later
# (it used to wait this whole timeout). Every other notebook takes a few seconds on a quiet
# machine; a CI run whose jobs share 2 cores once took one of them (object) past 90 s, hence
# the margin.
HOSTILE_TIMEOUT = 180


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    room = tmp_path_factory.mktemp("hostile")
    victim = notebook(room / "victim" / "03_victim.ipynb",
                      f'print(nb.exercises.check("03.1", {right("03.1")}))',
                      *STUBS[1:])
    before = victim.read_bytes()
    teacher_home = room / "teacher_home"
    teacher_home.mkdir()
    for name, cell in ATTACKS.items():           # with the stubs of the exercises it leaves
        if name == "kill" and landlock_abi() < 6:          # only Landlock 6 stops the signal
            continue
        notebook(room / name / "03_attack.ipynb", cell,
                 *(stub for stub in STUBS if stub.split(",")[0] not in cell))
    # honest and wrong, with a shadowing nnbook/ and a sitecustomize.py beside the notebook
    notebook(room / "shadow" / "03_shadow.ipynb", WRONG_03_1, *STUBS[1:])
    (room / "shadow" / "nnbook" / "exercises").mkdir(parents=True)
    (room / "shadow" / "nnbook" / "__init__.py").write_text("from . import exercises\n")
    (room / "shadow" / "nnbook" / "exercises" / "__init__.py").write_text(
        "class F:\n    correct = attempted = True\n    message = 'forged'\n"
        "    def __str__(self): return '✔'\ndef check(ex, a): return F()\n")
    (room / "shadow" / "sitecustomize.py").write_text("import builtins; builtins.FORGED = True\n")
    (room / "shadow" / "evil.pth").write_text("import builtins; builtins.FORGED = True\n")
    # tampering with classmates, the teacher's HOME and the report's output
    grades = room / "grades.json"
    tamper = (f"import os, subprocess, sys\n"
              f"for target in ({str(victim)!r},):\n"
              f"    try:\n        open(target, 'w').write('{{ broken')\n    except OSError:\n        pass\n"
              f"try:\n    copied = open({str(victim)!r}).read()\nexcept OSError:\n    copied = None\n"
              f"startup = {str(teacher_home / '.ipython' / 'profile_default' / 'startup')!r}\n"
              f"try:\n    os.makedirs(startup, exist_ok=True)\n"
              f"    open(startup + '/00.py', 'w').write('raise SystemExit')\nexcept OSError:\n    pass\n"
              f"for fd in ('/proc/%d/fd/1' % os.getppid(), '/dev/stdout'):\n"
              f"    try:\n        open(fd, 'w').write('not json' * 1000)\n    except OSError:\n        pass\n"
              f"os.write(1, b'not json'); os.write(2, b'noise')\n"
              f"subprocess.Popen([sys.executable, '-c', 'import os, time\\nos.setsid()\\nif os.fork(): os._exit(0)\\n"
              f"time.sleep(4)\\nopen({str(grades)!r}, \"w\").write(\"forged-by-r49-daemon\")', 'r49-daemon'],"
              f" start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n")
    notebook(room / "tamper" / "03_tamper.ipynb", tamper, *STUBS)
    students = [room / "victim", *(room / n for n in ATTACKS if (room / n).exists()), room / "shadow",
                room / "tamper"]
    env = {**os.environ, "HOME": str(teacher_home)}
    with open(grades, "w") as out:
        start = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", *map(str, students),
                               "--json", "--timeout", str(HOSTILE_TIMEOUT), "--jobs", "4"], stdout=out,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=1200, env=env)
        took = time.monotonic() - start
    time.sleep(5)                                    # what a process left behind would do now
    return room, victim, before, teacher_home, grades, done, took


def test_no_attack_earns_a_tick(hostile_class):
    room, victim, before, _, grades, done, _ = hostile_class
    rows = json.loads(grades.read_text())           # valid JSON, written by the report alone
    # a notebook whose cells break their own kernel (bool, json replaced) is not graded
    broken = {Path(r["source"]).name for r in rows if r["exercise"] == "-"}
    assert broken <= {"bool", "json"} and done.returncode == (1 if broken else 0), done.stderr
    by = {}
    for r in rows:
        by.setdefault(Path(r["source"]).name, {})[r["exercise"]] = r
    attacks = [a for a in ATTACKS if a != "kill" or landlock_abi() >= 6]
    assert sorted(by) == sorted(["victim", *attacks, "shadow", "tamper"])
    assert all(by[s].get("03.1", {}).get("status") != "done" for s in by if s != "victim")
    ticks = {(s, ex) for s, mine in by.items() for ex, r in mine.items() if r["status"] == "done"}
    assert ticks == {("victim", "03.1")}, ticks      # the victim's one honest answer, and no other
    assert all("forged" not in r["message"] for r in rows)
    assert by["shadow"]["03.1"]["status"] == "wrong"       # honest and wrong stays wrong
    assert by["numpy"]["03.1"]["status"] == "wrong"
    assert by["victim"]["03.2"]["status"] == "not attempted"


def test_no_classmate_file_home_or_process_is_touched(hostile_class):
    room, victim, before, teacher_home, grades, done, _ = hostile_class
    assert "forged-by-r49-daemon" not in grades.read_text()     # the daemon was killed in time
    if landlock_abi() < 1:     # the files are protected by Landlock only (README says so)
        assert "Landlock is not available" in done.stderr
        pytest.skip("no Landlock on this system: kernels can write what the user can")
    assert victim.read_bytes() == before
    assert not (teacher_home / ".ipython").exists()
    alive = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline_has(p, b"r49-daemon")]
    assert alive == []
    assert "not json" not in grades.read_text() and "noise" not in done.stderr


def _cmdline_has(proc, token):
    try:
        return token in (proc / "cmdline").read_bytes()
    except OSError:
        return False


def test_each_answer_is_read_after_its_own_cell(tmp_path):
    """Chapter 05's 05.2 and 05.3 both bind ``answer``; the right 05.2 is ✔ whatever comes after."""
    source = nbformat.read(ROOT / "notebooks" / "05_xor.ipynb", as_version=4)
    answers = {"05.2": right("05.2"), "05.3": "None"}
    for cell in source.cells:
        for ex, value in answers.items():
            if cell.cell_type == "code" and f'check("{ex}"' in cell.source:
                cell.source = cell.source.replace("answer = None", f"answer = {value}", 1)
    nbformat.write(source, tmp_path / "05_xor.ipynb")
    notebook(tmp_path / "03_raises.ipynb", "import sys\nsys.exit(3)\n" + STUBS[0],
             "undefined_name + 1\n" + STUBS[1], STUBS[2])
    done = run(tmp_path, "--json", "--timeout", "600")
    assert done.returncode == 0, done.stderr
    rows = {r["exercise"]: r for r in json.loads(done.stdout)}
    assert rows["05.2"]["status"] == "done" and rows["05.3"]["status"] == "not attempted"
    assert rows["03.1"]["status"] == "error" and "SystemExit" in rows["03.1"]["message"]
    assert rows["03.2"]["status"] == "error" and "NameError" in rows["03.2"]["message"]
    assert rows["03.3"]["status"] == "not attempted"


def test_a_notebook_has_a_time_budget_and_a_memory_limit(tmp_path):
    slow = ["import time\ntime.sleep(1)"] * 40
    notebook(tmp_path / "slow" / "03_slow.ipynb", *slow, *STUBS)
    notebook(tmp_path / "big" / "03_big.ipynb", "x = bytearray(3 * 2**30)\n" + STUBS[0], *STUBS[1:])
    start = time.monotonic()
    done = run(tmp_path / "slow", tmp_path / "big", "--json", "--timeout", "30", "--budget", "20",
               "--memory", "1024")
    assert time.monotonic() - start < 300
    rows = json.loads(done.stdout)
    slow_row = next(r for r in rows if r["notebook"] == "03_slow.ipynb" and r["exercise"] == "-")
    assert "--budget" in slow_row["message"], slow_row
    big = [r for r in rows if r["notebook"] == "03_big.ipynb"]
    assert all(r["status"] != "done" for r in big)
    assert any("MemoryError" in r["message"] or "memory" in r["message"] for r in big), big


def test_the_class_grid_and_csv(tmp_path):
    solved = right("03.1")
    notebook(tmp_path / "ann" / "03_x.ipynb", f'print(nb.exercises.check("03.1", {solved}))', *STUBS[1:])
    notebook(tmp_path / "ben" / "03_x.ipynb", WRONG_03_1, *STUBS[1:])
    notebook(tmp_path / "cal" / "03_x.ipynb", STUBS[0].replace("None", "nb.layers.Dense"), *STUBS[1:])
    students = [tmp_path / s for s in ("ann", "ben", "cal")]
    # one run (--json); the grid and the CSV are made from its rows by the functions the
    # command line prints with (its --csv and text outputs run in test_exercises_report_class*.py)
    done = run(*students, "--json")
    assert done.returncode == 0, done.stderr
    rows = [Row(**r) for r in json.loads(done.stdout)]
    text = format_text(rows)
    lines = text.splitlines()
    assert len(lines) > 3, text
    assert lines[0].split()[:4] == ["student", "03.1", "03.2", "03.3"]
    assert lines[1].split()[1:5] == ["✔", "○", "○", "1/3"]
    assert lines[2].split()[1:5] == ["✘", "○", "○", "0/3"]
    assert lines[3].split()[1] in ("✘*", "!*")                # it names nnbook: flagged
    assert next(line for line in lines if line.startswith("✔ done")).split()[2:5] == ["1", "0", "0"]
    table = list(csv.reader(io.StringIO(format_csv(rows))))
    assert table[0] == ["student", "03.1", "03.2", "03.3", "done", "notebooks not graded", "names nnbook",
                        "checked repeatedly", "unknown exercise ids", "same file as"]
    assert table[1][1:5] == ["done", "not attempted", "not attempted", "1"]
    assert table[3][-4] == "03.1", table
