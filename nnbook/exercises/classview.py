"""The report's outputs (report.py): the class grid (one line per student, one column per
exercise, a count per exercise), the feedback of every row that is not a plain ✔ or ○, a
count per student, and the grid as CSV for a gradebook.

Everything a student controls (a folder's name, an exercise id a cell passed, an error
message) is shown inert: in the text output its control characters are escaped (``inert``:
a newline cannot forge a grid line, an escape sequence cannot reach the terminal), in the
CSV a field that a spreadsheet would take for a formula is quoted (``spreadsheet_safe``),
and in every output a byte of a name that is not UTF-8 is written ``\\xff`` (``text_of``).
The JSON (report.py) keeps every other string exact.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

STATUS_MARK = {"done": "✔", "wrong": "✘", "not attempted": "○", "error": "!"}
FLAG = "*"          # beside a mark: the exercise's cell names nnbook (see uses_nnbook)
REPEATED = "?"      # beside a mark: the cell called check on its exercise more than once
_NORMAL = re.compile(r"\d+\.\d+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_of(text: str) -> str:
    """``text`` with no lone surrogate, which no UTF-8 output can hold: a byte that is not
    UTF-8 (a name from another system, which Python reads as U+DC80–U+DCFF) as ``\\xff``,
    any other as ``\\ud800``. Raw, one such name broke the class's --json and --csv."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m[0]) - 0xDC00:02x}" if "\udc80" <= m[0] <= "\udcff"
                          else f"\\u{ord(m[0]):04x}", text)


def inert(text) -> str:
    """``text`` with every control or formatting character (newline, ESC, a bidi override…)
    written as its Python escape, so that printing it moves nothing on a terminal."""
    text = text_of(str(text))
    return "".join(ch.encode("unicode_escape").decode("ascii") if ch != "\\" and
                   unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") else ch for ch in text)


def spreadsheet_safe(value):
    """A CSV field a spreadsheet shows as text (OWASP's CSV injection rule: a field that
    begins with = + - @, a tab or a carriage return gets a leading ')."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def order(ex_id: str):
    """Sort key of an exercise id: "03.1" < "03.2" < "10.1", then anything else (a mistyped
    id such as "05,2") by its text."""
    if _NORMAL.fullmatch(ex_id):
        return (0, *(int(p) for p in ex_id.split(".")), "")
    return (1, 0, 0, ex_id)


def known(ex_id: str) -> bool:
    """Whether ``ex_id`` names a registered exercise (a column of the grid); a check call on any
    other id (a typo such as "05,2") is an ! row of its student, in the feedback, never a column
    that would change every other student's count."""
    from ._core import REGISTRY
    return ex_id in REGISTRY


def exercises_of(rows) -> list[str]:
    return sorted({r.exercise for r in rows if r.exercise != "-" and known(r.exercise)}, key=order)


def _unknown(rows, student, split) -> list[str]:
    return [r.exercise for r in rows if student_of(r, split) == student and r.exercise != "-"
            and not known(r.exercise)]


def crowded(rows) -> list[str]:
    """The PATH arguments that hold more than one notebook answering the same exercise (a
    folder of several students' folders, or two copies of a chapter): the grid gives them one
    line per notebook."""
    seen, found = {}, []
    for r in rows:
        if r.exercise != "-":
            nbs = seen.setdefault((r.source, r.exercise), set())
            nbs.add(r.notebook)
            if len(nbs) > 1 and r.source not in found:
                found.append(r.source)
    return found


def student_of(row, split) -> str:
    """The grid's line for ``row``: its PATH, or its notebook under it when the PATH is
    ``split`` (crowded)."""
    return f"{row.source}/{row.notebook}" if row.source in split else row.source


def grid(rows) -> tuple[list[str], list[str], dict]:
    """(students, exercises, {(student, exercise): row}); a student is a PATH argument, or one
    notebook of a PATH that holds several answering the same exercise."""
    split = set(crowded(rows))
    students = list(dict.fromkeys(student_of(r, split) for r in rows))
    cells = {}
    for r in rows:
        if r.exercise != "-":
            cells.setdefault((student_of(r, split), r.exercise), r)
    return students, exercises_of(rows), cells


def _not_graded(rows, student, split) -> int:
    return sum(student_of(r, split) == student and r.exercise == "-" for r in rows)


def _mark(r) -> str:
    return (STATUS_MARK[r.status] + (FLAG if r.uses_nnbook else "")
            + (REPEATED if getattr(r, "repeated_checks", 0) else ""))


def format_grid(rows) -> str:
    """The class at a glance: ✔ ✘ ○ ! per student and exercise (blank: no row, e.g. its
    notebook could not be run), ``*`` when the cell names nnbook, ``?`` when it called check
    on its exercise more than once, and a count per exercise."""
    split = set(crowded(rows))
    students, exercises, cells = grid(rows)
    names = {s: inert(s) for s in students}
    shown = [inert(e) for e in exercises]
    name_w = max([len("student")] + [len(n) for n in names.values()] + [len("○ not attempted")])
    widths = [max(len(e), 3) for e in shown]
    head = "student".ljust(name_w) + "  " + "  ".join(e.ljust(w) for e, w in zip(shown, widths))
    lines = [head + "  ✔ of"]
    for s in students:
        marks = [("" if (s, e) not in cells else _mark(cells[(s, e)])).ljust(w)
                 for e, w in zip(exercises, widths)]
        done = sum(cells[(s, e)].status == "done" for e in exercises if (s, e) in cells)
        line = names[s].ljust(name_w) + "  " + "  ".join(marks) + f"  {done}/{len(exercises)}"
        if (n := _not_graded(rows, s, split)):
            line += f"  ({n} notebook{'s' if n > 1 else ''} not graded)"
        if (odd := _unknown(rows, s, split)):
            line += f"  (checked {len(odd)} unknown exercise id{'s' if len(odd) > 1 else ''})"
        lines.append(line)
    lines.append("")
    for status, mark in STATUS_MARK.items():
        label = f"{mark} {status}"
        counts = [str(sum(cells[(s, e)].status == status for s in students if (s, e) in cells)).ljust(w)
                  for e, w in zip(exercises, widths)]
        lines.append(label.ljust(name_w) + "  " + "  ".join(counts))
    if any(r.uses_nnbook for r in rows):
        lines.append(f"{FLAG} the exercise's cell names nnbook (allowed; see the feedback below)")
    if any(getattr(r, "repeated_checks", 0) for r in rows):
        lines.append(f"{REPEATED} the cell called check on its exercise more than once: it may have "
                     f"searched for the answer with the checker (read the cell)")
    for source in split:
        lines.append(f"! {inert(source)} holds more than one notebook answering the same exercise: "
                     f"one line per notebook; pass each student's folder to give each student one line")
    lines += [f"! {inert(warning)}" for warning in same_files(rows)]
    return "\n".join(lines)


def same_files(rows) -> list[str]:
    """A warning for each file given more than once under different names (a hard link to a
    classmate's notebook is graded as the student's own: read who made it)."""
    groups = {}
    for r in rows:
        if getattr(r, "same_file_as", ""):
            own = r.source if r.notebook == r.source.rsplit("/", 1)[-1] else f"{r.source}/{r.notebook}"
            groups.setdefault(" and ".join(sorted({own, *r.same_file_as.split(", ")})), None)
    return [f"{names} are one file (hard links): each is graded as its student's own; "
            f"ask who made it" for names in groups]


def format_table(rows, only_notes: bool = False) -> str:
    """One line per exercise (with ``only_notes``: only ✘, ! and the flagged cells) and a count
    per source (a notebook or a PATH that could not be read or run is an error)."""
    shown = [r for r in rows if not only_notes or r.status in ("wrong", "error") or r.uses_nnbook
             or getattr(r, "repeated_checks", 0)]
    header = ("source", "notebook", "exercise", "", "feedback")
    body = []
    for r in shown:
        note = (f" [names {r.uses_nnbook}]" if r.uses_nnbook else "") + (
            f" [called check on {r.exercise} {r.repeated_checks} times]"
            if getattr(r, "repeated_checks", 0) else "")
        body.append((inert(r.source), inert(r.notebook), inert(r.exercise), STATUS_MARK[r.status],
                     inert(r.message + note)))
    lines = []
    if body:
        widths = [max([len(h)] + [len(b[i]) for b in body]) for i, h in enumerate(header[:4])]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header[:4], widths)) + "  " + header[4]]
        lines += ["  ".join(c.ljust(w) for c, w in zip(b[:4], widths)) + "  " + b[4] for b in body]
        lines.append("")
    for source in dict.fromkeys(r.source for r in rows):
        mine = [r for r in rows if r.source == source]
        counts = {s: sum(r.status == s for r in mine) for s in STATUS_MARK}
        lines.append(f"{inert(source)}: {counts['done']} done ✔, {counts['wrong']} wrong ✘, "
                     f"{counts['not attempted']} not attempted ○, {counts['error']} errors !"
                     f" (of {len(mine)})")
    return "\n".join(lines)


def format_text(rows) -> str:
    """What the report prints: the grid, then the rows to read, then the counts."""
    return format_grid(rows) + "\n\n" + format_table(rows, only_notes=True)


def format_csv(rows) -> str:
    """The grid for a gradebook: one line per student, the status of each exercise (done,
    wrong, not attempted, error; empty: no row), the count done, the notebooks not graded, the
    exercises whose cell names nnbook and those whose cell called check more than once."""
    split = set(crowded(rows))
    students, exercises, cells = grid(rows)
    out = io.StringIO()
    # every text field quoted: a carriage return in a name cannot end a line (lineterminator \n)
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)

    def write(fields):
        writer.writerow([spreadsheet_safe(text_of(f) if isinstance(f, str) else f) for f in fields])

    write(["student", *exercises, "done", "notebooks not graded", "names nnbook", "checked repeatedly",
           "unknown exercise ids", "same file as"])
    for s in students:
        statuses = [cells[(s, e)].status if (s, e) in cells else "" for e in exercises]
        flagged = " ".join(e for e in exercises if (s, e) in cells and cells[(s, e)].uses_nnbook)
        repeated = " ".join(e for e in exercises if (s, e) in cells
                            and getattr(cells[(s, e)], "repeated_checks", 0))
        same = dict.fromkeys(r.same_file_as for r in rows if student_of(r, split) == s
                             and getattr(r, "same_file_as", ""))
        write([s, *statuses, statuses.count("done"), _not_graded(rows, s, split), flagged, repeated,
               " ".join(_unknown(rows, s, split)), "; ".join(same)])
    return out.getvalue()
