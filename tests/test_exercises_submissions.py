"""nnbook/exercises/submissions.py: the report reads only regular files inside the folders it
is given, of bounded size, and says why it refused the rest (issue 67, item 2); and a notebook
the report cannot make sense of gets its own ! row (item 1).

Submissions come as git repositories or zips, which keep symbolic links: a link to a
classmate's notebook graded the classmate's work, a link to a teacher's file put its first
characters into the report (the parser's error message), and a link to /dev/zero or a FIFO
stopped the report before any notebook ran. None of these notebooks has an Exercises
section, so no kernel starts: the test is quick."""

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import nbformat

from nnbook.exercises import report as report_module

ROOT = Path(__file__).resolve().parents[1]


def plain_notebook(path, text="no exercises here"):
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)]), path)


def limited():
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2 ** 30, 3 * 2 ** 30))   # /dev/zero read whole


def test_links_fifos_and_devices_are_refused_with_a_reason(tmp_path):
    class_ = tmp_path / "class"
    alice, bob, esc = class_ / "alice", class_ / "bob", class_ / "e\x1b[2Jve"
    for d in (alice, bob, esc):
        d.mkdir(parents=True)
    plain_notebook(bob / "05_xor.ipynb", "bob's own work")
    plain_notebook(alice / "03_own.ipynb")
    plain_notebook(esc / "03_own.ipynb")
    secret = tmp_path / "teacher" / "grades-secret.txt"
    secret.parent.mkdir()
    secret.write_text("TOPSECRET-the-teachers-grades")
    os.mkfifo(alice / "00_fifo.ipynb")
    os.symlink("/dev/zero", alice / "01_zero.ipynb")
    os.symlink(secret, alice / "02_secret.ipynb")
    os.symlink("../bob/05_xor.ipynb", alice / "05_xor.ipynb")
    os.symlink(bob, alice / "linked_folder")                  # not followed
    done = subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", str(alice), str(bob),
                           str(esc), "--json"], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          preexec_fn=limited)
    assert done.returncode == 1, done.stderr
    rows = json.loads(done.stdout)
    mine = {r["notebook"]: r for r in rows if r["source"] == str(alice) and r["exercise"] == "-"}
    assert sorted(mine) == ["00_fifo.ipynb", "01_zero.ipynb", "02_secret.ipynb", "05_xor.ipynb"]
    assert "not a regular file" in mine["00_fifo.ipynb"]["message"]
    assert all("symbolic link" in mine[n]["message"] for n in ("01_zero.ipynb", "02_secret.ipynb", "05_xor.ipynb"))
    assert not any(r["source"] == str(alice) and r["exercise"].startswith("05.") for r in rows)
    assert not any(r["notebook"].startswith("linked_folder") for r in rows)
    assert {r["exercise"] for r in rows if r["source"] == str(bob)} == {"05.1", "05.2", "05.3"}
    assert "TOPSECRET" not in done.stdout + done.stderr
    assert "\x1b" not in done.stderr                          # the progress shows names inert
    text = subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", str(alice), str(esc)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, preexec_fn=limited)
    assert "\x1b" not in text.stdout + text.stderr and "e\\x1b[2Jve" in text.stdout


def test_a_cell_whose_source_is_not_text_is_its_notebooks_error(tmp_path):
    """nbformat reads a cell whose source is a number (with a warning); the report once
    crashed on it, outside its error handling."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import nnbook as nb"),
                                         nbformat.v4.new_markdown_cell("## Exercises"),
                                         nbformat.v4.new_code_cell("x = 1")])
    data = json.loads(nbformat.writes(nb))
    data["cells"][2]["source"] = 5
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "05_xor.ipynb").write_text(json.dumps(data))
    (tmp_path / "good").mkdir()
    plain_notebook(tmp_path / "good" / "05_xor.ipynb")
    rows = report_module.report([tmp_path / "bad", tmp_path / "good"])
    bad = [r for r in rows if r.source == str(tmp_path / "bad")]
    assert [(r.exercise, r.status) for r in bad] == [("-", "error")] and "cannot read" in bad[0].message
    assert [r.exercise for r in rows if r.source == str(tmp_path / "good")] == ["05.1", "05.2", "05.3"]
