"""A class of 30 graded in one run (issue 67): honest students (right, wrong, not attempted),
broken notebooks and hostile ones side by side, and every honest student's grid line comes out
as it would alone, whatever the others hold. Chapter 05's three exercises (answers that are
numbers and arrays), small notebooks; the notebooks that need no kernel (links, a FIFO, not
JSON, a cell whose source is a number) cost nothing."""

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
W_RIGHT = ("(np.array([[1., 1.], [1., 1.]]), np.array([0., -1.]), np.array([[1.], [-2.]]), "
           "np.array([0.]))")
W_WRONG = ("(np.array([[1., 1.], [1., 1.]]), np.array([0., -1.]), np.array([[0.], [1.]]), "
           "np.array([0.]))")
ANSWERS = {"05.1": {"✔": W_RIGHT, "✘": W_WRONG, "○": "(None, None, None, None)"},
           "05.2": {"✔": "0.6931471805599453", "✘": "0.5", "○": "None"},
           "05.3": {"✔": "3", "✘": "4", "○": "None"}}
# the honest students' marks for 05.1, 05.2, 05.3
HONEST = ["✔✔✔", "✔✔✘", "✘✘✘", "○○○", "✔○✘", "✘✔○", "○✔✔", "✔✘○", "✘○✔", "✔✔○", "○○✔", "✘✘✔",
          "✘○○"]


def cells_for(marks):
    return [f"answer = {ANSWERS[ex][m]}\nprint(nb.exercises.check({ex!r}, answer))"
            for ex, m in zip(("05.1", "05.2", "05.3"), marks)]


def write(path, *cells, setup="import numpy as np\nimport nnbook as nb"):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(setup), nbformat.v4.new_markdown_cell("## Exercises"),
        *(nbformat.v4.new_code_cell(c) for c in cells)]), path)
    return path


def build(room, token):
    """The class: {folder: expected grid marks} for the honest, and the other folders."""
    honest = {}
    for k, marks in enumerate(HONEST):
        write(room / f"honest{k:02d}" / "05_xor.ipynb", *cells_for(marks))
        honest[room / f"honest{k:02d}"] = marks
    others = []

    def other(name, *cells, **kw):
        write(room / name / "05_xor.ipynb", *cells, **kw)
        others.append(room / name)

    stubs = cells_for("○○○")
    other("oracle", stubs[0], stubs[1], "for k in range(50):\n    if nb.exercises.check('05.3', k):\n"
          "        answer = k\n        break\nprint(nb.exercises.check('05.3', answer))")
    other("typo", stubs[0], "print(nb.exercises.check('05,2', 0.69))", stubs[2])
    other("=HYPERLINK(\"x\")", *cells_for("✔✔✔"))
    other("new\nline  ✔   ✔   ✔", *cells_for("✔✔✔"))
    other("escape", "raise ValueError('\\x1b]0;pwned\\x07\\x1b[2J gone')", *stubs)
    other("exits", "import os\nos._exit(3)", *stubs)
    other("killer", "import os, signal\nfor pid in (os.getppid(), os.getpgid(0)):\n    try:\n"
          "        os.killpg(pid, signal.SIGKILL) if pid == os.getpgid(0) else os.kill(pid, signal.SIGKILL)\n"
          "    except OSError:\n        pass", *stubs)
    other("daemon", "import subprocess, sys\nsubprocess.Popen(['/usr/bin/env', '-i', sys.executable, '-c', "
          "'import os, time\\nif os.fork():\\n    os._exit(0)\\nos.setsid()\\ntime.sleep(300)', "
          f"{token!r}], start_new_session=True)", *stubs)
    other("hog", "import subprocess, sys, time\nkids = [subprocess.Popen([sys.executable, '-c', "
          "'import time\\nb = b\"x\" * (700 * 2 ** 20)\\ntime.sleep(60)']) for _ in range(2)]\ntime.sleep(60)",
          *stubs)
    other("setup_raises", *cells_for("✔✔✔"), setup="import nnbook as nb\nraise SystemExit")
    other("no_exercises", setup="x = 1")
    # no kernel for these
    (room / "notjson").mkdir()
    (room / "notjson" / "05_xor.ipynb").write_text("{ not a notebook")
    data = json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## Exercises"), nbformat.v4.new_code_cell("x")])))
    data["cells"][1]["source"] = 5
    (room / "number").mkdir()
    (room / "number" / "05_xor.ipynb").write_text(json.dumps(data))
    (room / "copycat").mkdir()
    os.symlink(room / "honest00" / "05_xor.ipynb", room / "copycat" / "05_xor.ipynb")
    (room / "fifo").mkdir()
    os.mkfifo(room / "fifo" / "05_xor.ipynb")
    (room / "zero").mkdir()
    os.symlink("/dev/zero", room / "zero" / "05_xor.ipynb")
    (room / "empty").mkdir()
    others += [room / n for n in ("notjson", "number", "copycat", "fifo", "zero", "empty")]
    return honest, others


def test_a_class_of_30_prints_every_honest_students_row(tmp_path):
    token = "h67-class-daemon-" + secrets.token_hex(4)
    honest, others = build(tmp_path, token)
    students = sorted([*honest, *others], key=str)
    assert len(students) == 30
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", *map(str, students),
                           "--jobs", "2", "--memory", "1200", "--timeout", "300"],
                          capture_output=True, text=True, cwd=ROOT, timeout=1500)
    took = time.monotonic() - start
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    grid = lines[1:31]                                  # one line per student, then the counts
    assert lines[0].split()[:4] == ["student", "05.1", "05.2", "05.3"], done.stdout
    for folder, marks in honest.items():
        mine = [line for line in grid if line.split()[:1] == [str(folder)]]
        assert len(mine) == 1, (folder, done.stdout)
        done_count = marks.count("✔")
        assert mine[0].split()[1:] == [*marks, f"{done_count}/3"], (mine, took)
    oracle = next(line for line in grid if line.startswith(str(tmp_path / "oracle")))
    assert oracle.split()[1:4] == ["○", "○", "✔?"]
    assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout
    assert not any(line.startswith("line") for line in lines)
    by = {line.split()[0]: line for line in grid}
    assert "copied" not in by[str(tmp_path / "copycat")] and "✔" not in by[str(tmp_path / "copycat")]
    assert "ran out of memory" in done.stdout
    time.sleep(0.5)
    assert not [p for p in Path("/proc").iterdir() if p.name.isdigit() and _has(p, token)]


def _has(proc, token):
    try:
        return token.encode() in (proc / "cmdline").read_bytes()
    except OSError:
        return False
