"""Which cells above a notebook cell it depends on: the browser test's explorable setup.

tests/test_jupyterlab.py moves the slider of an explorable that shows a model the chapter
trained. It used to run every cell above the explorable first (JupyterLab's Run All
Above); `cells_needed` picks only the cells whose effects can reach the explorable's
cell, so the widget still draws the chapter's real trained state. The test checks that
it does: the widget's first caption must be the one the notebook stores (the whole chapter
ran when it was saved), so a cell this analysis leaves out wrongly fails the test.

How it reads the code (Python's ast, after IPython turns magics into Python):
- it walks back from the cell, statement by statement, keeping the set of names whose
  *values* matter; a statement matters when it binds one of them, assigns into one
  (``x[i] = …``, ``x.a = …``, ``del``), calls a method of one (``x.fit(…)``), passes one to
  a call (``f(x)``), or calls a function defined above that does any of that to a global;
  then every name it reads matters too;
- a cell runs whole when one of its statements matters, so the names its other statements
  read must at least exist: the last cell above that binds each of them runs too (only
  existence: no cell is added for having changed such a name);
- imported modules are not data: ``nb.train(model)`` changes ``model``, not ``nb``.
Aliases are not followed (``w = model.W`` then ``w += 1`` in a later cell is missed):
the stored-caption check is what catches such a miss.
"""

import ast
import builtins

from IPython.core.inputtransformer2 import TransformerManager

BUILTINS = frozenset(dir(builtins))
_TRANSFORM = TransformerManager()


def _root(node):
    """`x` for x, x.a, x[i], x.a[i].b, *x; None for anything else (a call's result, ...)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _locals_of(node):
    """The names a function (or lambda) binds for itself: its parameters and every name
    stored in its body, less those it declares global."""
    a = node.args
    names = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
    names |= {x.arg for x in (a.vararg, a.kwarg) if x is not None}
    declared_global = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
            names.add(sub.id)
        elif isinstance(sub, ast.Global):
            declared_global |= set(sub.names)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not node:
            names.add(sub.name)
    return names - declared_global, declared_global


class Facts(ast.NodeVisitor):
    """What a statement does with global names: binds, loads, changes in place, calls."""

    def __init__(self):
        self.binds, self.loads, self.changes, self.calls, self.modules = set(), set(), set(), set(), set()
        self.scopes = []  # the local names of the functions, lambdas, comprehensions we are in

    def is_local(self, name):
        return any(name in scope for scope in self.scopes)

    def bind(self, name):
        if not self.scopes:
            self.binds.add(name)

    def change(self, node):
        name = _root(node)
        if name is not None and not self.is_local(name):
            self.changes.add(name)

    def visit_Import(self, node):
        for alias in node.names:
            name = (alias.asname or alias.name).split(".")[0]
            self.bind(name)
            self.modules.add(name)

    visit_ImportFrom = visit_Import

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            if not self.is_local(node.id):
                self.loads.add(node.id)
        else:
            self.bind(node.id)

    def _function(self, node):
        if not isinstance(node, ast.Lambda):
            self.bind(node.name)
            for decorator in node.decorator_list:
                self.visit(decorator)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(default)
        local, declared_global = _locals_of(node)
        # a global the function rebinds is a change to it, made when it is called
        self.changes |= declared_global
        self.scopes.append(local)
        for part in (node.body if isinstance(node.body, list) else [node.body]):
            self.visit(part)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_ClassDef(self, node):
        self.bind(node.name)
        for part in node.bases + node.keywords + node.decorator_list:
            self.visit(part)
        self.scopes.append(set())  # the class body's names are its attributes
        for part in node.body:
            self.visit(part)
        self.scopes.pop()

    def _comprehension(self, node):
        names = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        self.scopes.append(names)
        self.generic_visit(node)
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def _targets(self, targets):
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, (ast.Attribute, ast.Subscript)):
                    self.change(sub)

    def visit_Assign(self, node):
        self._targets(node.targets)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._targets([node.target])
        if isinstance(node.target, ast.Name) and not self.is_local(node.target.id):
            self.loads.add(node.target.id)  # x += 1 reads x
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._targets([node.target])
        self.generic_visit(node)

    def visit_Delete(self, node):
        self._targets(node.targets)
        self.generic_visit(node)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Attribute):
            self.change(node.func.value)          # x.fit(...), x.layers[0].reset()
        elif isinstance(node.func, ast.Name) and not self.is_local(node.func.id):
            self.calls.add(node.func.id)
        for arg in node.args + [k.value for k in node.keywords]:
            self.change(arg)                      # f(x), f(x.params), f(*xs)
        self.generic_visit(node)


def _facts(node):
    facts = Facts()
    facts.visit(node)
    return facts


def source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def parse(cell):
    return ast.parse(_TRANSFORM.transform_cell(source(cell)))


def cells_needed(cells, index):
    """The indices of the code cells above cells[index] (a notebook's "cells" list) that
    must run, in order, for cells[index] to see the state a run of every cell above gives."""
    code = [i for i in range(index) if cells[i].get("cell_type") == "code" and source(cells[i]).strip()]
    trees = {i: parse(cells[i]) for i in code}
    statements = {i: [(s, _facts(s)) for s in trees[i].body] for i in code}
    modules = set().union(*(f.modules for i in code for _, f in statements[i]))

    # The globals each function defined above changes when called (through the functions
    # it calls too): record(...) writing into a global dict is a change to that dict.
    effects, calls = {}, {}
    for i in code:
        for statement, facts in statements[i]:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                effects[statement.name] = set(facts.changes) - modules
                calls[statement.name] = facts.calls
    grew = True
    while grew:
        grew = False
        for name, called in calls.items():
            more = set().union(*(effects[c] for c in called if c in effects)) - effects[name]
            if more:
                effects[name] |= more
                grew = True

    value = _facts(parse(cells[index])).loads - BUILTINS  # names whose values matter
    exist = set()                                         # names that need only exist
    needed = []
    for i in reversed(code):
        runs = False
        binds, loads = set(), set()
        for statement, facts in reversed(statements[i]):
            writes = facts.binds | (facts.changes - modules)
            for called in facts.calls:
                writes |= effects.get(called, set())
            if writes & value:
                runs = True
                value |= facts.loads - BUILTINS
            binds |= facts.binds
            loads |= facts.loads
        if runs or exist & binds:
            needed.append(i)
            exist = (exist - binds) | (loads - BUILTINS - binds - value)
    return sorted(needed)
