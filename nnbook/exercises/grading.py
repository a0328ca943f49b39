"""What the teachers' report (report.py) reads from a notebook's source, and only from its
source: the earlier cells an Exercises section depends on (``needed_cells``: a helper the
chapter defined, as chapter 21's ``softmax_rows``), the answer each check call passes
(``check_calls``, read in the kernel right after that cell runs), and the parts of
``nnbook`` an exercise cell names (``uses_nnbook``: shown beside the verdict).
"""

from __future__ import annotations

import ast
import copy
import re
import symtable
import threading

__all__ = ["needed_cells", "check_calls", "repeated_checks", "answers", "uses_nnbook"]

_NORMAL = re.compile(r"^(\d+)\.(\d+)$")
# The report reads notebooks in threads (--jobs). CPython 3.11's parser keeps its AST
# recursion count per interpreter, not per thread: two parses at once can fail with a
# spurious "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905;
# seen in a CI run). Parses and symbol tables are made one at a time.
_PARSING = threading.Lock()


def parse_python(source: str) -> ast.Module:
    """``ast.parse(source)``, one parse at a time in this process (see ``_PARSING``); the
    checkers that read an answer's source use it too."""
    with _PARSING:
        return ast.parse(source)


def _tree(source: str):
    """The cell as Python (IPython's magics turned into calls), or None if it is not."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        source = TransformerManager().transform_cell(source)
    except Exception:                                    # no IPython: plain Python only
        pass
    try:
        return parse_python(source), source
    except (SyntaxError, ValueError):
        return None, source


def _root(node):
    """The name at the root of ``a.b[c].d`` (None for anything else)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


class _OwnScopes(ast.NodeTransformer):
    """List, set and dict comprehensions written as generator expressions, for the symbol
    table only: Python 3.12 runs the first three inside the enclosing scope (PEP 709), so
    their loop variables read as names the cell binds and reads (``[n for n in names]``
    bound ``n``), and an answer then needed every earlier cell that used ``n`` the same way,
    and their training (31 of chapter 21's cells instead of 1 on Python 3.13). A generator
    expression keeps a scope of its own on every Python, as the other three did before."""

    def visit_ListComp(self, node):
        self.generic_visit(node)
        return ast.copy_location(ast.GeneratorExp(node.elt, node.generators), node)

    visit_SetComp = visit_ListComp

    def visit_DictComp(self, node):
        self.generic_visit(node)
        pair = ast.Tuple([node.key, node.value], ast.Load())
        return ast.copy_location(ast.GeneratorExp(pair, node.generators), node)


def _names(tree, source):
    """(names the cell binds or changes at its top level, the global names it reads, in
    its own lines and in the functions it defines: a function's parameters and locals are
    not read from other cells, nor a comprehension's loop variables, on any Python)."""
    scoped = ast.unparse(ast.fix_missing_locations(_OwnScopes().visit(copy.deepcopy(tree))))
    with _PARSING:
        top = symtable.symtable(scoped, "<cell>", "exec")
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
    stack = list(tree.body)              # [y := f(x) for x in xs] binds y in the cell
    while stack:                         # (PEP 572), not in the comprehension's scope
        node = stack.pop()
        if isinstance(node, ast.NamedExpr):
            bound.add(node.target.id)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):      # (there it binds their own name)
            stack.extend(ast.iter_child_nodes(node))
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


def check_calls(source: str) -> list[tuple[str, str]]:
    """The ``(exercise, the source of the answer)`` of each check call in one cell, in order:
    ``print(nb.exercises.check("21.1", cache_step))`` gives ``[("21.1", "cache_step")]``."""
    tree, text = _tree(source)
    found = []
    for node in ast.walk(tree) if tree is not None else ():
        if (isinstance(node, ast.Call) and len(node.args) == 2
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "check"
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.col_offset, _normalise(node.args[0].value),
                          ast.get_source_segment(text, node.args[1])))
    return [(ex, answer) for *_, ex, answer in sorted(found)]


def repeated_checks(source: str) -> dict[str, int]:
    """``{exercise: 2 or more}`` for each exercise the cell checks more than once as written:
    two check calls, or one inside a loop or a comprehension (the report also counts the calls
    the kernel made, which sees a call hidden in a function)."""
    tree, text = _tree(source)
    loops = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    found = {}

    def visit(node, looped):
        if (isinstance(node, ast.Call) and len(node.args) == 2
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "check"
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            ex = _normalise(node.args[0].value)
            found[ex] = found.get(ex, 0) + (2 if looped else 1)
        for child in ast.iter_child_nodes(node):
            visit(child, looped or isinstance(node, loops))

    if tree is not None:
        visit(tree, False)
    return {ex: n for ex, n in found.items() if n > 1}


def answers(sources: list[str]) -> dict[str, str]:
    """``{exercise: the source of the answer its check call passes}`` over several cells;
    the last call of each wins."""
    return {ex: answer for source in sources for ex, answer in check_calls(source)}


def uses_nnbook(source: str) -> list[str]:
    """The parts of ``nnbook`` (other than its exercises) a cell names: ``nb.softmax``,
    ``from nnbook.layers import Dense`` gives ``nnbook.layers.Dense``. A plain ``import
    nnbook as nb`` is not a use."""
    tree, _ = _tree(source)
    used = set()
    for node in ast.walk(tree) if tree is not None else ():
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in ("nb", "nnbook") and node.attr != "exercises"):
            used.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "nnbook":
            if not (node.module or "").startswith("nnbook.exercises"):
                used |= {f"{node.module}.{a.name}" for a in node.names if a.name != "exercises"}
        elif isinstance(node, ast.Import):
            used |= {a.name for a in node.names if a.name.startswith("nnbook.")
                     and not a.name.startswith("nnbook.exercises")}
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            if any(isinstance(a, ast.Constant) and str(a.value).startswith("nnbook") for a in node.args):
                used.add("__import__('nnbook…')")
    return sorted(used)
