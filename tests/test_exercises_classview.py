"""nnbook/exercises/classview.py: the report's grid, feedback table and CSV (issue 67).

Whatever one notebook holds, the other students' rows are printed: a mistyped exercise id
("05,2", "05..2") once crashed the grid and the CSV after every notebook was graded (item 1).
Names and messages come from the students: a folder named ``=HYPERLINK(…)`` went into the
CSV as a live formula, a newline in a folder's name forged a grid line and an escape sequence
in an error message reached the teacher's terminal (item 6). A folder holding two students'
notebooks gave one line with the first one's marks (item 7)."""

import csv
import io
import json

from nnbook.exercises import report as report_module
from nnbook.exercises.classview import format_csv, format_text, inert, spreadsheet_safe
from nnbook.exercises.report import Row, json_text


def honest(source="honest"):
    return [Row(source, "05_xor.ipynb", "05.1", "done", "right"),
            Row(source, "05_xor.ipynb", "05.2", "wrong", "not right"),
            Row(source, "05_xor.ipynb", "05.3", "not attempted", "stub")]


def test_a_mistyped_exercise_id_is_its_students_error_and_the_class_is_printed():
    rows = honest() + [Row("typo", "05_xor.ipynb", ex, "error", f"nb.exercises.check: no exercise {ex!r}")
                       for ex in ("05,2", "05..2", "x")]
    text = format_text(rows)
    line = next(line for line in text.splitlines() if line.startswith("honest"))
    assert line.split()[1:] == ["✔", "✘", "○", "1/3"]       # another's typo changes nothing here
    assert text.splitlines()[0].split()[1:] == ["05.1", "05.2", "05.3", "✔", "of"]
    typo = next(line for line in text.splitlines() if line.startswith("typo"))
    assert "checked 3 unknown exercise ids" in typo
    assert sum("no exercise '05,2'" in line for line in text.splitlines()) == 1     # the feedback
    table = list(csv.reader(io.StringIO(format_csv(rows))))
    assert table[1][:5] == ["honest", "done", "wrong", "not attempted", "1"]
    assert table[2][table[0].index("unknown exercise ids")] == "05,2 05..2 x"


def test_notebook_rows_sort_any_exercise_id(monkeypatch, tmp_path):
    (tmp_path / "05_xor.ipynb").write_text("{}")
    records = [{"exercise": ex, "status": "error", "message": "m", "uses": ""}
               for ex in ("05..2", "05,2", "05.2")]
    monkeypatch.setattr(report_module, "run_notebook", lambda *a, **k: (records, None))
    rows = report_module.report([tmp_path])
    assert [r.exercise for r in rows] == ["05.1", "05.2", "05.3", "05,2", "05..2"]


NASTY = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR",
         "evil\nforged     ✔    ✔    ✔    3/3", "esc\x1b]0;pwned\x07\x1b[2J", "bidi\u202eabc"]


def test_names_and_messages_are_inert_in_the_text_and_the_csv_and_exact_in_the_json():
    rows = honest()
    for k, name in enumerate(NASTY):
        rows += [Row(name, "05_xor.ipynb", "05.1", "error", f"raised {name} \x1b[31mred\x9b2J")]
    text = format_text(rows)
    assert not any(ch in text for ch in "\x1b\x07\r\t\x9b\u202e")
    assert [line.split()[0] for line in text.splitlines()[1:len(NASTY) + 2]] == \
        ["honest"] + [inert(n).split()[0] for n in NASTY]       # one grid line per student
    assert not any(line.startswith("forged") for line in text.splitlines())
    table = list(csv.reader(io.StringIO(format_csv(rows))))
    names = [line[0] for line in table[1:]]
    assert names == ["honest"] + [spreadsheet_safe(n) for n in NASTY]
    assert all(n[0] not in "=+-@\t\r" for n in names)
    assert names[1] == "'" + NASTY[0]
    back = json.loads(json_text(rows))
    assert [r["source"] for r in back[3:]] == NASTY                # exact
    assert not any(ch in json_text(rows) for ch in "\x1b\x9b\u202e")


def test_two_students_in_one_folder_give_one_line_per_notebook():
    rows = [Row("class", "alice/05_xor.ipynb", "05.1", "done", "right"),
            Row("class", "alice/05_xor.ipynb", "05.2", "done", "right"),
            Row("class", "bob/05_xor.ipynb", "05.1", "wrong", "no"),
            Row("class", "bob/05_xor.ipynb", "05.2", "not attempted", "stub")] + honest("carol")
    lines = format_text(rows).splitlines()
    alice = next(line for line in lines if line.startswith("class/alice"))
    bob = next(line for line in lines if line.startswith("class/bob"))
    assert alice.split()[1:3] == ["✔", "✔"] and bob.split()[1:3] == ["✘", "○"]
    assert any("holds more than one notebook answering the same exercise" in line for line in lines)
    table = list(csv.reader(io.StringIO(format_csv(rows))))
    assert [line[0] for line in table[1:]] == ["class/alice/05_xor.ipynb", "class/bob/05_xor.ipynb", "carol"]
    assert table[1][1:3] == ["done", "done"] and table[2][1:3] == ["wrong", "not attempted"]
    # one student's several chapters stay on one line
    rows = honest("dan") + [Row("dan", "03_x.ipynb", "03.1", "done", "right")]
    assert [line[0] for line in csv.reader(io.StringIO(format_csv(rows)))][1:] == ["dan"]
