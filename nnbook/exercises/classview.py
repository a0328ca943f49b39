"""The report's outputs (report.py): the class grid (one line per student, one column per
exercise, a count per exercise), the feedback of every row that is not a plain ✔ or ○, a
count per student, and the grid as CSV for a gradebook."""

from __future__ import annotations

import csv
import io

STATUS_MARK = {"done": "✔", "wrong": "✘", "not attempted": "○", "error": "!"}
FLAG = "*"          # beside a mark: the exercise's cell names nnbook (see uses_nnbook)


def _order(ex_id: str):
    return tuple(int(p) for p in ex_id.split("."))


def exercises_of(rows) -> list[str]:
    return sorted({r.exercise for r in rows if r.exercise != "-"}, key=_order)


def grid(rows) -> tuple[list[str], list[str], dict]:
    """(students, exercises, {(student, exercise): row}); a student is a PATH argument."""
    students = list(dict.fromkeys(r.source for r in rows))
    cells = {}
    for r in rows:
        if r.exercise != "-":
            cells.setdefault((r.source, r.exercise), r)
    return students, exercises_of(rows), cells


def _not_graded(rows, student) -> int:
    return sum(r.source == student and r.exercise == "-" for r in rows)


def format_grid(rows) -> str:
    """The class at a glance: ✔ ✘ ○ ! per student and exercise (blank: no row, e.g. its
    notebook could not be run), ``*`` when the cell names nnbook, and a count per exercise."""
    students, exercises, cells = grid(rows)
    name_w = max([len("student")] + [len(s) for s in students] + [len("○ not attempted")])
    widths = [max(len(e), 2) for e in exercises]
    head = "student".ljust(name_w) + "  " + "  ".join(e.ljust(w) for e, w in zip(exercises, widths))
    lines = [head + "  ✔ of"]
    for s in students:
        marks = []
        for e, w in zip(exercises, widths):
            r = cells.get((s, e))
            mark = "" if r is None else STATUS_MARK[r.status] + (FLAG if r.uses_nnbook else "")
            marks.append(mark.ljust(w))
        done = sum(cells[(s, e)].status == "done" for e in exercises if (s, e) in cells)
        line = s.ljust(name_w) + "  " + "  ".join(marks) + f"  {done}/{len(exercises)}"
        if (n := _not_graded(rows, s)):
            line += f"  ({n} notebook{'s' if n > 1 else ''} not graded)"
        lines.append(line)
    lines.append("")
    for status, mark in STATUS_MARK.items():
        label = f"{mark} {status}"
        counts = [str(sum(cells[(s, e)].status == status for s in students if (s, e) in cells)).ljust(w)
                  for e, w in zip(exercises, widths)]
        lines.append(label.ljust(name_w) + "  " + "  ".join(counts))
    if any(r.uses_nnbook for r in rows):
        lines.append(f"{FLAG} the exercise's cell names nnbook (allowed; see the feedback below)")
    return "\n".join(lines)


def format_table(rows, only_notes: bool = False) -> str:
    """One line per exercise (with ``only_notes``: only ✘, !, and the cells that name nnbook)
    and a count per source (a notebook or a PATH that could not be read or run is an error)."""
    shown = [r for r in rows if not only_notes or r.status in ("wrong", "error") or r.uses_nnbook]
    header = ("source", "notebook", "exercise", "", "feedback")
    body = [(r.source, r.notebook, r.exercise, STATUS_MARK[r.status],
             r.message + (f" [names {r.uses_nnbook}]" if r.uses_nnbook else "")) for r in shown]
    lines = []
    if body:
        widths = [max([len(h)] + [len(b[i]) for b in body]) for i, h in enumerate(header[:4])]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header[:4], widths)) + "  " + header[4]]
        lines += ["  ".join(c.ljust(w) for c, w in zip(b[:4], widths)) + "  " + b[4] for b in body]
        lines.append("")
    for source in dict.fromkeys(r.source for r in rows):
        mine = [r for r in rows if r.source == source]
        counts = {s: sum(r.status == s for r in mine) for s in STATUS_MARK}
        lines.append(f"{source}: {counts['done']} done ✔, {counts['wrong']} wrong ✘, "
                     f"{counts['not attempted']} not attempted ○, {counts['error']} errors !"
                     f" (of {len(mine)})")
    return "\n".join(lines)


def format_text(rows) -> str:
    """What the report prints: the grid, then the rows to read, then the counts."""
    return format_grid(rows) + "\n\n" + format_table(rows, only_notes=True)


def format_csv(rows) -> str:
    """The grid for a gradebook: one line per student, the status of each exercise (done,
    wrong, not attempted, error; empty: no row), the count done, the notebooks not graded, and
    the exercises whose cell names nnbook."""
    students, exercises, cells = grid(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *exercises, "done", "notebooks not graded", "names nnbook"])
    for s in students:
        statuses = [cells[(s, e)].status if (s, e) in cells else "" for e in exercises]
        flagged = " ".join(e for e in exercises if (s, e) in cells and cells[(s, e)].uses_nnbook)
        writer.writerow([s, *statuses, statuses.count("done"), _not_graded(rows, s), flagged])
    return out.getvalue()
