"""How the teachers' report (report.py) grades what the notebook grades, and only that: the
earlier cells an Exercises section depends on (``needed_cells``: a helper the chapter defined,
as chapter 21's ``softmax_rows``), each exercise's answer as its check cell passes it
(``answers``), and the report's own grading cell (``grading_source``), run after the
student's cells: it imports the checkers afresh and prints its verdicts after a secret the
report chose for this run, which ``read_verdicts`` looks for in that cell's output alone.
"""

from __future__ import annotations

import ast
import json
import re
import symtable

__all__ = ["needed_cells", "answers", "grading_source", "read_verdicts"]

_NORMAL = re.compile(r"^(\d+)\.(\d+)$")


def _tree(source: str):
    """The cell as Python (IPython's magics turned into calls), or None if it is not."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        source = TransformerManager().transform_cell(source)
    except Exception:                                    # no IPython: plain Python only
        pass
    try:
        return ast.parse(source), source
    except (SyntaxError, ValueError):
        return None, source


def _root(node):
    """The name at the root of ``a.b[c].d`` (None for anything else)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _names(tree, source):
    """(names the cell binds or changes at its top level, the global names it reads, in
    its own lines and in the functions it defines: a function's parameters and locals are
    not read from other cells)."""
    top = symtable.symtable(source, "<cell>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    read, tables = {s.get_name() for s in top.get_symbols() if s.is_referenced()}, []
    tables += top.get_children()
    while tables:
        table = tables.pop()
        read |= {s.get_name() for s in table.get_symbols() if s.is_referenced()
                 and s.is_global()}
        tables += table.get_children()
    for node in ast.walk(tree):                          # model.W = …, x[0] = …
        if isinstance(node, (ast.Attribute, ast.Subscript)) and not isinstance(
                node.ctx, ast.Load):
            bound.add(_root(node))
    for stmt in tree.body:                               # model.fit(…): changes model
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(
                stmt.value.func, ast.Attribute):
            bound.add(_root(stmt.value.func))
    return bound - {None}, read


def needed_cells(sources: list[str], first: int, run: list[int]) -> list[int]:
    """The indices of the cells before ``first`` (the Exercises section) that the cells
    ``run`` read from: each earlier cell that binds or changes a name a needed cell reads,
    until no more are needed, so a helper's own helpers come too."""
    wanted, given = set(), set()          # read by the cells run, bound by them (imports)
    for i in run:
        tree, text = _tree(sources[i])
        if tree is not None:
            bound, read = _names(tree, text)
            wanted, given = wanted | read, given | bound
    wanted -= given
    cells = {}
    for i in range(first):
        tree, text = _tree(sources[i]) if i not in run else (None, "")
        if tree is not None:
            cells[i] = _names(tree, text)
    chosen, grew = set(), True
    while grew:                           # a function reads globals when called: repeat
        grew = False
        for i in sorted(set(cells) - chosen, reverse=True):
            bound, read = cells[i]
            if bound & wanted:
                chosen.add(i)
                wanted |= read - given
                grew = True
    return sorted(chosen)


def _normalise(ex_id: str) -> str:
    m = _NORMAL.match(ex_id.strip())
    return f"{int(m[1]):02d}.{int(m[2])}" if m else ex_id


def answers(sources: list[str]) -> dict[str, str]:
    """``{exercise: the source of the answer its check call passes}`` (``nb.exercises.check(
    "21.1", cache_step)`` gives ``{"21.1": "cache_step"}``); the last call of each wins."""
    found = {}
    for source in sources:
        tree, text = _tree(source)
        for node in ast.walk(tree) if tree is not None else ():
            if (isinstance(node, ast.Call) and len(node.args) == 2
                    and getattr(node.func, "attr", getattr(node.func, "id", None)) == "check"
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found[_normalise(node.args[0].value)] = ast.get_source_segment(text, node.args[1])
    return found


def grading_source(secret: str, to_grade: dict[str, str]) -> str:
    """The report's grading cell: the checkers imported afresh (not the ones the student's
    cells could have replaced), each answer read in the kernel and checked, the verdicts
    printed as one JSON line after ``secret``."""
    return f"""\
def _nnbook_report_grade(secret, answers, names):
    import importlib, json, sys
    for name in [m for m in sys.modules if m.split(".")[:2] == ["nnbook", "exercises"]]:
        del sys.modules[name]
    fresh = importlib.import_module("nnbook.exercises")
    rows = []
    for ex_id, source in answers.items():
        try:
            answer = eval(source, names)
        except BaseException as exc:
            rows.append({{"exercise": ex_id, "error": f"{{type(exc).__name__}}: {{exc}}"[:200]}})
            continue
        try:
            fb = fresh.check(ex_id, answer)
        except Exception as exc:
            rows.append({{"exercise": ex_id, "error": f"{{type(exc).__name__}}: {{exc}}"[:200]}})
            continue
        rows.append({{"exercise": fb.exercise, "correct": bool(fb.correct),
                     "attempted": bool(fb.attempted), "message": str(fb.message)}})
    print(secret + json.dumps(rows, ensure_ascii=False))


_nnbook_report_grade({secret!r}, {to_grade!r}, globals())
"""


def read_verdicts(cell, secret: str):
    """The verdicts the grading cell printed after ``secret`` (None when it printed none)."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            for line in out.get("text", "").splitlines():
                if line.startswith(secret):
                    try:
                        rows = json.loads(line[len(secret):])
                    except json.JSONDecodeError:
                        return None
                    return rows if isinstance(rows, list) else None
    return None
