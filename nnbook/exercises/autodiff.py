"""Exercises of chapter 14: a new operation for ``Value`` (a power with a Value
exponent), the backward pass written by hand, and a directional derivative by
forward mode in one pass.
"""

from __future__ import annotations

import ast
import math

import numpy as np

from ..autodiff import Dual, Value
from ._core import Mistake, Runner, compare, exercise, source_of
from .grading import parse_python


def _short(value):
    text = " ".join(repr(value).split())
    return text if len(text) <= 80 else text[:79] + "…"


# 14.1 --------------------------------------------------------------------------------------
@exercise("14.1", "A new operation: a Value to the power of a Value", "function power(a, b) -> Value")
def power(fn):
    run = Runner(fn, "power")
    for a0, b0 in [(2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1.7, 2.2)]:
        a, b = Value(a0, label="a"), Value(b0, label="b")
        c = run(a, b)
        a, b = run.theirs(a), run.theirs(b)                 # the copies that power was given
        where = f"power(a={a0:g}, b={b0:g})"
        if not isinstance(c, Value):
            if isinstance(c, (int, float)) and math.isclose(c, a0 ** b0, rel_tol=1e-9):
                raise Mistake(f"{where} returned the plain number a^b; a number records no graph. "
                              f"Return Value(a.data ** b.data, (a, b), (∂c/∂a, ∂c/∂b)).")
            raise Mistake(f"{where} should return a Value, got {type(c).__name__} {_short(c)}.")
        if not math.isclose(c.data, a0 ** b0, rel_tol=1e-9):
            raise Mistake(f"{where}.data is {c.data:.6g}, expected a^b = {a0 ** b0:.6g}.")
        c.backward()
        p, ln = a0 ** b0, math.log(a0)
        right = (b0 * a0 ** (b0 - 1), p * ln)
        compare(f"(a.grad, b.grad) after {where}.backward()", (a.grad, b.grad), right, [
            ((0.0, 0.0), "no gradient reaches a or b: pass parents=(a, b) and one local derivative per "
                         "parent to Value(data, parents, local_grads)."),
            ((right[0], 0.0), "the exponent b is a Value too, and c depends on it: record b as a parent, "
                              "with ∂(a^b)/∂b = a^b · ln a."),
            ((right[0], p), "∂(a^b)/∂b = a^b · ln a: the factor ln a is missing."),
            ((right[1], right[0]), "the two local derivatives are swapped: give them in the order of the "
                                   "parents, (∂c/∂a, ∂c/∂b) for parents (a, b)."),
            ((a0 ** (b0 - 1), right[1]), "∂(a^b)/∂a = b · a^(b−1): the factor b is missing."),
            ((b0 * p, right[1]), "∂(a^b)/∂a = b · a^(b−1): the exponent is b − 1, not b."),
            ((right[0], b0 * a0 ** (b0 - 1) * ln), "∂(a^b)/∂b = a^b · ln a (b is in the exponent: "
                                                    "d(e^(b ln a))/db), not b · a^(b−1) · ln a."),
        ])
    return "right: c = a^b records (a, b) with ∂c/∂a = b·a^(b−1) and ∂c/∂b = a^b·ln a."


# 14.2 --------------------------------------------------------------------------------------
def _graphs():
    """Small graphs with shared subexpressions: (leaves, output), built fresh each time."""
    x, y = Value(0.8, label="x"), Value(-1.3, label="y")
    h = (x * y).tanh()                                      # h feeds two nodes
    yield [x, y], h * h + h.exp() * x
    x, w = Value(0.4, label="x"), Value(1.5, label="w")
    q = x
    for _ in range(3):                                      # a chain that reuses w
        q = (w * q).sigmoid()
    yield [x, w], (q - 0.9) ** 2 / 2
    a, b, c = Value(1.2, label="a"), Value(-0.7, label="b"), Value(0.3, label="c")
    s = a * b + c
    t = s * s                                               # a diamond on a diamond
    yield [a, b, c], t / (1.0 + s.exp()) - a


def _grads_variant(output, kind):
    """What typical wrong backward passes give, as {node id: grad}."""
    order = output.topological_order()
    g = {id(n): 0.0 for n in order}
    g[id(output)] = 0.0 if kind == "no seed" else 1.0
    if kind == "recursive":                                  # passes on before all users added theirs
        def visit(node):
            for parent, local in zip(node.parents, node.local_grads):
                g[id(parent)] += local * g[id(node)]
                visit(parent)
        visit(output)
        return g
    for node in (order if kind == "not reversed" else reversed(order)):
        for parent, local in zip(node.parents, node.local_grads):
            if kind == "assign":
                g[id(parent)] = local * g[id(node)]
            else:
                g[id(parent)] += local * g[id(node)]
    return g


def _calls_backward(fn):
    try:
        tree = parse_python(source_of(fn))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return False
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "backward"
               for n in ast.walk(tree))


def _run_without_backward(run, output):
    """``run(output)``, refused if ``Value.backward`` ran meanwhile (called through a helper
    or under another name, which the reading of the source cannot see)."""
    calls, original = [], Value.backward

    def recorded(self):
        calls.append(self)
        return original(self)

    Value.backward = recorded
    try:
        got = run(output)
    finally:
        Value.backward = original
    if calls:
        raise Mistake("backward_by_hand made Value.backward() run (through a helper, or under "
                      "another name): the exercise is to write it. Use output.topological_order() "
                      "and each node's parents and local_grads.")
    return got


@exercise("14.2", "Backward by hand, in reverse topological order",
          "function backward_by_hand(output) -> dict {node: ∂output/∂node}")
def backward_by_hand(fn):
    run = Runner(fn, "backward_by_hand")
    if _calls_backward(fn):
        raise Mistake("backward_by_hand calls .backward(): the exercise is to write it. Use "
                      "output.topological_order() and each node's parents and local_grads.")
    for k, ((leaves, output), (ref_leaves, ref)) in enumerate(zip(_graphs(), _graphs()), start=1):
        got = _run_without_backward(run, output)
        output, leaves = run.theirs(output), [run.theirs(v) for v in leaves]   # the graph it was given
        if not isinstance(got, dict):
            raise Mistake(f"backward_by_hand should return a dict {{node: gradient}}, "
                          f"got {type(got).__name__} {_short(got)}.")
        names = [v.label for v in leaves]
        missing = [v.label for v in leaves if v not in got] + (["output"] if output not in got else [])
        if missing:
            raise Mistake(f"the dict has no entry for {', '.join(missing)} (graph {k}): give every node "
                          f"of output.topological_order() a gradient, the output included.")
        ref.backward()
        expected = [v.grad for v in ref_leaves] + [1.0]
        wrongs = []
        for kind, hint in [
            ("assign", "a node used twice kept only one share: add the shares up (+=), don't overwrite (=)."),
            ("not reversed", "the nodes were visited inputs first: visit reversed(order), the output first, "
                             "so that a node's gradient is complete before it passes it on."),
            ("no seed", "every gradient is 0: start from ∂output/∂output = 1."),
            ("recursive", "a node passed its gradient on before every node that uses it had added its share "
                          "(and then again): visit the nodes once each, in reverse topological order."),
        ]:
            g = _grads_variant(ref, kind)
            wrongs.append(([g[id(v)] for v in ref_leaves] + [g[id(ref)]], hint))
        compare(f"the gradients of ({', '.join(names)}, output) in graph {k}",
                [got[v] for v in leaves] + [got[output]], expected, wrongs, rtol=1e-9, atol=1e-12)
    return ("right: output first with gradient 1, then each node, in reverse topological order, adds "
            "local · its gradient to each parent's.")


# 14.3 --------------------------------------------------------------------------------------
def _tanh(u):
    return u.tanh() if isinstance(u, (Dual, Value)) else math.tanh(u)


_FUNCTIONS = [  # (f, its gradient), written with + − · / ** and tanh only
    (lambda v: _tanh(v[0] * v[1]) + v[2] ** 2 / (1 + v[0] ** 2),
     lambda v: np.array([(1 - math.tanh(v[0] * v[1]) ** 2) * v[1] - 2 * v[0] * v[2] ** 2 / (1 + v[0] ** 2) ** 2,
                         (1 - math.tanh(v[0] * v[1]) ** 2) * v[0], 2 * v[2] / (1 + v[0] ** 2)])),
    (lambda v: v[0] * v[1] - v[1] / v[0],
     lambda v: np.array([v[1] + v[1] / v[0] ** 2, v[0] - 1 / v[0]])),
    (lambda v: sum(_tanh(v[i] - v[i + 1]) for i in range(len(v) - 1)) + 0.5 * v[0],
     lambda v: np.array([0.5 + 1 - math.tanh(v[0] - v[1]) ** 2]
                        + [(1 - math.tanh(v[i] - v[i + 1]) ** 2) - (1 - math.tanh(v[i - 1] - v[i]) ** 2)
                           for i in range(1, len(v) - 1)]
                        + [-(1 - math.tanh(v[-2] - v[-1]) ** 2)])),
]
_POINTS = [np.array([0.7, -1.1, 0.4]), np.array([1.6, 0.5]), np.array([0.3, -0.2, 0.9, 1.4, -0.6])]
_DIRECTIONS = [np.array([0.5, 2.0, -1.0]), np.array([-1.5, 0.25]), np.array([1.0, -0.5, 0.0, 2.0, 0.75])]


def _counted(f, calls):
    """``f`` as the learner gets it: every call is recorded in ``calls``, and the plain ``f``
    is reachable through no attribute (a default argument would hand it over uncounted)."""
    def f_counted(u):
        calls.append([type(e).__name__ for e in u])
        return f(u)
    return f_counted


@exercise("14.3", "Forward mode: a directional derivative in one pass",
          "function directional_derivative(f, x, v) -> float")
def directional_derivative(fn):
    run = Runner(fn, "directional_derivative")
    for (f, grad), x, v in zip(_FUNCTIONS, _POINTS, _DIRECTIONS):
        n, calls = len(x), []
        got = run(_counted(f, calls), x, v)
        where = f"directional_derivative(f, x, v) with n = {n} inputs"
        kinds = {k for call in calls for k in call}
        if "Value" in kinds:
            raise Mistake(f"{where} called f with Values: that is reverse mode. This exercise is forward "
                          f"mode: call f once with Dual numbers.")
        if calls and "Dual" not in kinds:
            raise Mistake(f"{where} called f with plain numbers only: that is finite differences. Call f "
                          f"once with Dual(x_j, v_j) for every input j.")
        if isinstance(got, Dual):
            raise Mistake(f"{where} returned a Dual number: return its .tangent (the derivative).")
        g = grad(x)
        compare(where, got, g @ v, [
            (g.sum(), "that is the derivative along (1, …, 1): seed input j with tangent v_j, not with 1."),
            (f(list(x)), "that is f(x) itself: read .tangent, not .data."),
            (g, "that is the whole gradient (n numbers); the derivative along v is one number, ∇f · v."),
            (g * v, "those are the n terms of ∇f · v: add them up (or, better, seed the tangents with v)."),
            (g @ v / np.linalg.norm(v), "no normalisation: the derivative along v is ∇f · v for v as given."),
        ])
        if len(calls) != 1:
            raise Mistake(f"{where}: the value is right, but f was called {len(calls)} times; one forward pass "
                          f"is enough: seed input j with tangent v_j, all at once.")
    return ("right: one forward pass with tangents v gives ∇f · v (a Jacobian-vector product); n such "
            "passes, one per basis vector, give the whole gradient.")
