"""The machinery behind the exercise checkers: the ``Feedback`` result, the
registry, running a learner's function safely, and comparing an answer with the
expected value and with the wrong answers that typical mistakes produce.
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap
import warnings
from dataclasses import dataclass

import numpy as np

from .grading import parse_python

_MAX_SHOWN = 200          # characters of a learner's exception message we repeat


@dataclass(frozen=True, repr=False)
class Feedback:
    """The verdict on one answer: ``correct``, and a one-line ``message``.

    ``attempted`` is False while the answer is still the notebook's stub.
    ``print(feedback)`` shows ``✔ 03.1: …``, ``✘ 03.1: …`` or ``○ 03.1: not attempted yet …``.
    """

    exercise: str
    correct: bool
    message: str
    attempted: bool = True

    def __str__(self) -> str:
        mark = "✔" if self.correct else ("✘" if self.attempted else "○")
        return f"{mark} {self.exercise}: {self.message}"

    __repr__ = __str__

    def __bool__(self) -> bool:
        return self.correct


class Mistake(Exception):
    """Raised inside a checker: the answer is wrong, and the message says why."""


class NotAttempted(Exception):
    """Raised inside a checker: the answer is still the stub."""


@dataclass(frozen=True)
class Exercise:
    """One registered exercise: its id ("03.1"), title, what to hand in, and its checker."""

    id: str
    title: str
    answer: str
    checker: object


REGISTRY: dict[str, Exercise] = {}


def exercise(ex_id: str, title: str, answer: str):
    """Decorator that registers ``checker(answer) -> str`` (the success message) under ``ex_id``."""
    def register(checker):
        REGISTRY[ex_id] = Exercise(ex_id, title, answer, checker)
        return checker
    return register


def is_stub(value) -> bool:
    """True for what an untouched stub gives: None or ``...``."""
    return value is None or value is Ellipsis


# running a learner's function ----------------------------------------------------
class Runner:
    """Calls the learner's function on inputs the checker made, and turns whatever
    goes wrong (an exception, None) into a ``Mistake`` or ``NotAttempted``."""

    def __init__(self, fn, name: str):
        if is_stub(fn):
            raise NotAttempted()
        if not callable(fn):
            raise Mistake(f"expected a function {name}(...), got {type(fn).__name__} {_short(fn)}.")
        self.fn, self.name, self.calls, self._memo = fn, name, 0, {}

    def __call__(self, *args):
        memo = {}
        args = copy.deepcopy(args, memo)      # theirs to modify: the checker keeps its own inputs
        self._memo = memo
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = self.fn(*args)
        except KeyboardInterrupt:             # the learner pressed stop: let it stop the cell
            raise
        except BaseException as exc:          # the learner's code may raise anything, sys.exit() too
            raise Mistake(raised_message(self.name, exc)) from None
        self.calls += 1
        if is_stub(result):
            if self.calls == 1:
                raise NotAttempted()
            raise Mistake(f"{self.name} returned {result!r} for some inputs: is a `return` missing?")
        return result

    def theirs(self, obj):
        """The learner's copy of ``obj``, one of the inputs of the last call (or a part of one)."""
        return self._memo.get(id(obj), obj)

    def loops(self):
        """The first Python loop in the function's source, as "`for` (line 3)", or None."""
        try:
            tree = parse_python(source_of(self.fn))
        except (OSError, TypeError, SyntaxError, IndentationError):
            return None                                   # no source to read: don't judge
        kinds = {ast.For: "a `for` loop", ast.While: "a `while` loop", ast.ListComp: "a comprehension",
                 ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
                 ast.GeneratorExp: "a generator expression"}
        for node in ast.walk(tree):
            if type(node) in kinds:
                return f"{kinds[type(node)]} (line {node.lineno} of the function)"
        return None


def source_of(fn) -> str:
    """The source of the learner's function, dedented (OSError or TypeError when there is
    none). The report's stand-in for a function in a student's kernel carries its source."""
    source = getattr(fn, "__nnbook_source__", None)
    if isinstance(source, str):
        return textwrap.dedent(source)
    return textwrap.dedent(inspect.getsource(fn))


def raised_message(name: str, exc: BaseException) -> str:
    """What the feedback says when the learner's code raised ``exc``."""
    hint = ""
    if isinstance(exc, ValueError) and "broadcast" in str(exc):
        hint = (" (the shapes do not line up: check the axis of each sum, max or argmax; keepdims=True "
                "keeps a reduced axis so that the result lines up with the array again)")
    elif isinstance(exc, SystemExit):
        hint = " (sys.exit() ends the program: return the result instead)"
    elif not isinstance(exc, Exception):
        hint = " (an exception that is not an Exception: raise or return something else)"
    return f"{name} raised {type(exc).__name__}: {_short(exc, quote=False)}{hint}"


def _short(value, quote=True) -> str:
    try:
        text = str(value) if not quote else repr(value)
    except Exception:                                 # a learner's object whose str() raises
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN - 1] + "…"


# results and their comparison ------------------------------------------------------
def unpack(result, names: tuple[str, ...], fn_name: str):
    """The learner's tuple of results, checked for its length."""
    if len(names) == 1:
        return (result,)
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = (f"{type(result).__name__} of length {len(result)}" if isinstance(result, (tuple, list))
               else f"a single {type(result).__name__}")
        raise Mistake(f"{fn_name} should return {len(names)} results ({', '.join(names)}), got {got}.")
    return tuple(result)


def as_array(value, name: str) -> np.ndarray:
    """The learner's value as a float array (lists and NumPy scalars are fine)."""
    if is_stub(value):
        raise Mistake(f"{name} is {value!r}: every result needs a value.")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Mistake(f"{name} should be numbers (an array), got {type(value).__name__} {_short(value)}.") from None
    return arr


def close(a, b, rtol=1e-6, atol=1e-9) -> bool:
    """Same shape and the same numbers (NaN never matches)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def compare(name: str, got, expected, wrongs=(), rtol=1e-6, atol=1e-9) -> None:
    """Raise a ``Mistake`` unless ``got`` equals ``expected``.

    ``wrongs`` is a list of ``(wrong_value, hint)``: when ``got`` equals one of
    them, the hint names the likely mistake. Otherwise the message says what is
    off: the shape, non-finite values, or the largest difference.
    """
    got = as_array(got, name)
    expected = np.asarray(expected, dtype=float)
    if expected.ndim == 0 and got.size == 1:
        got = got.reshape(())                               # a number in a list or a 1-element array
    if close(got, expected, rtol, atol):
        return
    for wrong, hint in wrongs:
        if close(got, wrong, rtol, atol):
            raise Mistake(hint if hint.startswith(f"{name} ") else f"{name}: {hint}")
    if got.shape != expected.shape:
        raise Mistake(f"{name} has shape {got.shape}, expected {expected.shape}.")
    if not np.all(np.isfinite(got)):
        raise Mistake(f"{name} contains nan or inf (expected finite numbers everywhere).")
    where = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.ndim else ()
    at = f" at index {tuple(int(i) for i in where)}" if got.ndim else ""
    raise Mistake(f"{name} has the right shape but wrong values{at}: got {got[where]:.6g}, "
                  f"expected {expected[where]:.6g}.")


def check_value(answer, expected, wrongs=(), rtol=1e-3) -> None:
    """For exercises whose answer is a number. A wrong answer that no known
    mistake explains is not told the right one (it is a quiz)."""
    if is_stub(answer):
        raise NotAttempted()
    if isinstance(answer, (str, bytes)) or callable(answer):
        raise Mistake(f"expected a number, got {type(answer).__name__} {_short(answer)}.")
    got = as_array(answer, "the answer")
    if got.size != 1:
        raise Mistake(f"expected one number, got an array of shape {got.shape}.")
    got = got.reshape(())
    if close(got, expected, rtol, 1e-12):
        return
    for wrong, hint in wrongs:
        if close(got, wrong, rtol, 1e-12):
            raise Mistake(hint)
    if not np.isfinite(got):
        raise Mistake(f"{got} is not a finite number.")
    raise Mistake(f"{float(got):.6g} is not right, and no typical mistake gives it either: "
                  f"go over the derivation again.")


def check_number_function(run: Runner, cases, expected_fn, variants, describe, rtol=0.0) -> None:
    """For functions that return one number (a size, a count, a scale): compare on
    every case; when they differ, name the variant that the answer follows on
    *every* case (so a variant that agrees by luck on some cases is not blamed).
    ``rtol=0`` asks for exact whole numbers."""
    kind = "a whole number" if rtol == 0 else "a number"
    got = []
    for case in cases:
        value = run(*case)
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(()).item()
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise Mistake(f"{run.name}{describe(case)} returned {type(value).__name__} {_short(value)}, "
                          f"expected {kind}.")
        got.append(float(value))
    same = (lambda a, b: a == b) if rtol == 0 else (lambda a, b: bool(np.isclose(a, b, rtol=rtol, atol=0)))
    expected = [float(expected_fn(*case)) for case in cases]
    if all(same(g, e) for g, e in zip(got, expected)):
        return
    for variant, hint in variants:
        if all(same(g, float(variant(*case))) for g, case in zip(got, cases)):
            raise Mistake(hint)
    i = next(k for k, (g, e) in enumerate(zip(got, expected)) if not same(g, e))
    raise Mistake(f"{run.name}{describe(cases[i])} returned {got[i]:g}, expected {expected[i]:g}.")
