"""The report against a class folder a student shaped (issue 78): one student's folder that
cannot be listed, a student folder that is itself a link, a folder name that is not UTF-8,
notebooks that fill the report's memory, and a hard link to a classmate's notebook. Each once
cost the whole class its grades or graded one student's work as another's. None of these
notebooks has an Exercises section, so no kernel starts: the tests are quick."""

import csv
import io
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import nbformat

from nnbook.exercises import report as report_module
from nnbook.exercises import submissions

ROOT = Path(__file__).resolve().parents[1]


def plain_notebook(path, text="no exercises here"):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)]), path)


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", *args],
                          capture_output=True, cwd=ROOT, timeout=300, **kw)


def by_source(rows):
    found = {}
    for r in rows:
        found.setdefault(r["source"], []).append(r)
    return found


def nest(top, levels, name="d"):
    """A chain of ``levels`` folders below ``top`` (made through folder descriptors: a path
    that long may be more than the system takes); the descriptor of the last one."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(levels):
        os.mkdir(name, dir_fd=fd)
        below = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = below
    return fd


def unnest(top, name="d"):
    """Remove what ``nest`` made, bottom up without recursion (shutil.rmtree and pytest's
    clean-up recurse, and so fail on 1,200 levels)."""
    fds = [os.open(top, os.O_RDONLY | os.O_DIRECTORY)]
    while name in os.listdir(fds[-1]):
        fds.append(os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fds[-1]))
    while len(fds) > 1:
        for entry in os.listdir(fds[-1]):
            os.unlink(entry, dir_fd=fds[-1])
        os.close(fds.pop())
        os.rmdir(name, dir_fd=fds[-1])
    os.close(fds[0])


def test_a_folder_that_cannot_be_listed_is_its_students_row_and_the_class_is_graded(tmp_path):
    """Attack 1: os.walk recursed once per level, and a folder nested 1,200 levels deep (legal,
    easy in a zip) raised RecursionError: a traceback and no grades for anyone. A path longer
    than the system takes was skipped without a word (the notebook below it was not graded)."""
    deep, long, good = tmp_path / "deep", tmp_path / "long", tmp_path / "good"
    for student in (deep, long, good):
        plain_notebook(student / "05_xor.ipynb")
    fd = nest(deep, 1200)
    os.close(fd)
    fd = nest(long, 20, name="x" * 250)                 # 5,000 characters below the folder
    with os.fdopen(os.open("05_xor.ipynb", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
        f.write(nbformat.writes(nbformat.v4.new_notebook()))
    try:
        done = run(str(deep), str(long), str(good), "--json")
    finally:
        unnest(deep)
        unnest(long, name="x" * 250)
    assert done.returncode == 1, done.stderr[-2000:]
    assert b"Traceback" not in done.stderr
    # the grid as the command line prints it without --json (format_text, its printer, on
    # the same rows: the command line's text output runs in the non-UTF-8 test below)
    text = report_module.format_text([report_module.Row(**r) for r in json.loads(done.stdout)])
    assert any(line.startswith(str(good)) for line in text.splitlines()), text
    rows = by_source(json.loads(done.stdout))
    assert [r["exercise"] for r in rows[str(good)]] == ["05.1", "05.2", "05.3"]
    for student, why in ((deep, "nested more than"), (long, "cannot list")):
        mine = rows[str(student)]
        assert [(r["exercise"], r["status"]) for r in mine] == [("-", "error")], mine
        assert why in mine[0]["message"], mine
    assert "File name too long" in rows[str(long)][0]["message"]


def test_any_error_while_a_folder_is_listed_is_that_students_row(tmp_path, monkeypatch):
    """Whatever the listing raises, on one student's folder, becomes that student's ! row with
    the reason (os.walk dropped an unreadable folder and its notebooks without a word)."""
    for name in ("ann", "bob"):
        plain_notebook(tmp_path / name / "05_xor.ipynb")
        plain_notebook(tmp_path / name / "sub" / "06_deep.ipynb")
    real = os.scandir

    def failing(path="."):
        if "bob" in str(path) and str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", failing)
    rows = report_module.report([str(tmp_path / "ann"), str(tmp_path / "bob")])
    bob = [r for r in rows if r.source == str(tmp_path / "bob")]
    assert [(r.exercise, r.status) for r in bob] == [("-", "error")], bob
    assert "cannot list" in bob[0].message and "Permission denied" in bob[0].message
    assert {r.notebook for r in rows if r.source == str(tmp_path / "ann")} == {"05_xor.ipynb",
                                                                              "sub/06_deep.ipynb"}


def test_a_path_that_is_a_link_is_refused_and_names_the_link(tmp_path):
    """Attack 2: class/linkdir -> bob was graded as bob's work (3 ✔), and a link to a folder
    of the teacher's solutions earned ✔: the PATH arguments themselves were followed (a link
    to / or $HOME would run every notebook there). A dangling one ended the report with
    status 2 for the whole class."""
    room = tmp_path / "class"
    plain_notebook(room / "bob" / "05_xor.ipynb", "bob's work")
    plain_notebook(tmp_path / "teacher" / "solutions" / "05_xor.ipynb", "the solutions")
    os.symlink("bob", room / "linkdir")
    os.symlink(tmp_path / "teacher" / "solutions", room / "solutions")
    os.symlink(tmp_path / "nowhere", room / "dangling")
    os.symlink(room / "bob" / "05_xor.ipynb", room / "file.ipynb")
    links = ["linkdir", "solutions", "dangling", "file.ipynb"]
    args = [str(room / "bob"), *(str(room / n) for n in links), str(room / "linkdir") + "/"]
    done = run(*args, "--json")
    assert done.returncode == 1, done.stderr
    rows = by_source(json.loads(done.stdout))
    assert [r["exercise"] for r in rows[str(room / "bob")]] == ["05.1", "05.2", "05.3"]
    for arg in args[1:]:
        mine = rows[arg]
        assert [(r["exercise"], r["status"]) for r in mine] == [("-", "error")], (arg, mine)
        assert "symbolic link" in mine[0]["message"] and arg.rstrip("/") in mine[0]["message"]


def test_a_name_that_is_not_utf8_leaves_the_json_and_csv_readable(tmp_path):
    """Attack 4: a folder named b"mal\\xffory" (a zip from another system) wrote a raw 0xFF
    byte into --csv and --json, and json.load and every UTF-8 CSV import failed for the
    whole class. The byte is written \\xff, as the text grid writes it."""
    odd = os.fsencode(tmp_path) + b"/mal\xffory"
    os.mkdir(odd)
    plain_notebook(os.fsdecode(odd + b"/05_xor.ipynb"))
    plain_notebook(os.fsdecode(odd + b"/06_\xfe.ipynb"))
    plain_notebook(tmp_path / "ok" / "05_xor.ipynb")
    for form in ("--json", "--csv", None):
        done = run(odd, os.fsencode(tmp_path / "ok"), *([form] if form else []))
        assert done.returncode == 0, done.stderr
        text = done.stdout.decode("utf-8")                  # strict: no byte that is not UTF-8
        done.stderr.decode("utf-8")
        if form == "--json":
            rows = json.loads(text)
            names = {r["source"] for r in rows}
            assert os.fsdecode(tmp_path) + "/mal\\xffory" in names, names
            assert {r["notebook"] for r in rows} == {"05_xor.ipynb", "06_\\xfe.ipynb"}
        elif form == "--csv":
            table = list(csv.reader(io.StringIO(text)))
            assert table[1][0] == os.fsdecode(tmp_path) + "/mal\\xffory", table
        else:
            assert "mal\\xffory" in text


def test_every_machine_readable_output_escapes_what_is_not_text():
    """A name, id or message with a lone surrogate (what Python makes of a byte that is not
    UTF-8, or what a notebook's JSON can hold as \\udcff) is written escaped in every output."""
    from nnbook.exercises.classview import format_csv, format_text
    rows = [report_module.Row("al\udcffice", "05_x\udcfe.ipynb", "05.\ud800", "error", "m\udcffsg")]
    for text in (report_module.json_text(rows), format_csv(rows), format_text(rows)):
        text.encode("utf-8")                                # strict: raises on a surrogate
    row = json.loads(report_module.json_text(rows))[0]
    assert (row["source"], row["notebook"], row["message"]) == ("al\\xffice", "05_x\\xfe.ipynb",
                                                                 "m\\xffsg")
    assert "al\\xffice" in format_csv(rows) and "al\\xffice" in format_text(rows)


def _grown(limit_mb):
    resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 2 ** 20, limit_mb * 2 ** 20))


def test_notebooks_are_read_one_at_a_time_and_a_students_total_is_capped(tmp_path):
    """Attack 5: 24 sparse 63 MB notebooks (each under the 64 MB cap, no disk used) took the
    report to 2.1 GB: every notebook's text was read before any ran. Now each is read when its
    turn comes (one at a time with --jobs 1; --jobs N reads N at once), a student's notebooks
    together up to MAX_STUDENT_BYTES, and a text that is not JSON costs no more than itself
    (nbformat's error message held its whole repr: 4 times a notebook of NUL bytes)."""
    many = tmp_path / "many"
    many.mkdir()
    n = 10
    for k in range(n):
        with open(many / f"{k:02d}_sparse.ipynb", "wb") as f:
            f.truncate(63 * 2 ** 20)
    plain_notebook(tmp_path / "ok" / "05_xor.ipynb")
    # the report alone, with the address space a report reading them all at once would pass
    done = run(str(many), str(tmp_path / "ok"), "--json", "--jobs", "1",
               preexec_fn=lambda: _grown(1100))
    assert done.returncode == 1, done.stderr[-3000:]
    rows = by_source(json.loads(done.stdout))
    assert [r["exercise"] for r in rows[str(tmp_path / "ok")]] == ["05.1", "05.2", "05.3"]
    mine = rows[str(many)]
    assert len(mine) == n and all(r["exercise"] == "-" for r in mine)
    cap = submissions.MAX_STUDENT_BYTES // (63 * 2 ** 20)
    assert cap < n
    assert all("cannot read" in r["message"] for r in mine[:cap]), mine[:cap]
    assert all("together" in r["message"] and "MB" in r["message"] for r in mine[cap:]), mine[cap:]
    probe = ("import resource, subprocess, sys\n"
             f"subprocess.run([sys.executable, '-m', 'nnbook.exercises', 'report', {str(many)!r}, "
             "'--json', '--jobs', '1'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    peak_kb = int(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                 cwd=ROOT, timeout=300, check=True).stdout)
    assert peak_kb < 400 * 1024, f"the report held {peak_kb / 1024:.0f} MB at its peak"


def test_a_hard_link_to_a_classmates_notebook_is_warned_on_the_grid(tmp_path):
    """Attack 8: alice's notebook, a hard link to bob's, was graded as her own without a
    word. Two notebooks that are one file (one device and inode) are named on the grid, on
    stderr, in the JSON and in the CSV."""
    plain_notebook(tmp_path / "bob" / "05_xor.ipynb", "bob's work")
    (tmp_path / "alice").mkdir()
    os.link(tmp_path / "bob" / "05_xor.ipynb", tmp_path / "alice" / "05_xor.ipynb")
    plain_notebook(tmp_path / "cal" / "05_xor.ipynb", "cal's own")
    students = [str(tmp_path / s) for s in ("alice", "bob", "cal")]
    text = run(*students)
    assert text.returncode == 0, text.stderr
    out, err = text.stdout.decode(), text.stderr.decode()
    alice, bob = f"{tmp_path}/alice/05_xor.ipynb", f"{tmp_path}/bob/05_xor.ipynb"
    warning = next(line for line in out.splitlines() if "one file" in line)
    assert alice in warning and bob in warning and "cal" not in warning
    assert "one file" in err
    rows = json.loads(run(*students, "--json").stdout)
    same = {r["source"]: r["same_file_as"] for r in rows}
    assert same == {students[0]: bob, students[1]: alice, students[2]: ""}
    # the CSV from those rows by the command line's printer (format_csv; --csv itself runs in
    # the non-UTF-8 test above): a third run of the command for it added nothing
    table = list(csv.reader(io.StringIO(report_module.format_csv(
        [report_module.Row(**r) for r in rows]))))
    assert table[0][-1] == "same file as" and table[1][-1] == bob and table[3][-1] == ""
