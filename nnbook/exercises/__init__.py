"""Exercises that check themselves, offline: each chapter ends with a few,
``nb.exercises.check("03.1", answer)`` says ✔ or names the likely mistake (a missing
``1/m``, a transposed ``W``, …), and ``nb.exercises.list()`` shows them all.

The checkers call your functions on copies of inputs they make themselves (a fixed seed)
and compare with what ``nnbook`` computes from its own copy, so your code may modify its
inputs, raise (even ``sys.exit()``) or return the wrong shape, and the feedback says so.
Worked solutions live in the repository's ``tests/exercise_solutions*.py``, not here.
"""

import importlib as _importlib
from pathlib import Path as _Path

from . import _core
from ._core import Exercise, Feedback

__all__ = ["check", "list", "Feedback", "Exercise"]


def _register_checkers() -> None:
    """Import each module of this folder that declares exercises (a line starting
    ``@exercise(``): importing registers them, so a chapter's new checker module is found
    here without a line of its own (the report's modules declare none and are not imported)."""
    for path in sorted(_Path(__file__).parent.glob("[a-z]*.py")):
        if "\n@exercise(" in path.read_text(encoding="utf-8"):
            _importlib.import_module(f"{__name__}.{path.stem}")


_register_checkers()

_NOT_ATTEMPTED = "not attempted yet: fill in the stub above, then run this cell again."


def _normalise(ex_id) -> str:
    """ "3.1", "03.1" and 3.1 all name exercise "03.1"."""
    text = str(ex_id).strip()
    chapter, _, number = text.partition(".")
    if chapter.isdigit() and number.isdigit():
        return f"{int(chapter):02d}.{int(number)}"
    return text


def check(ex_id, answer) -> Feedback:
    """Check ``answer`` (a function or a value, as the exercise says) for exercise ``ex_id``.

    Returns a ``Feedback``; ``print`` it for a one-line verdict. Never raises
    because of the answer: errors in your code become the feedback.
    """
    key = _normalise(ex_id)
    if key not in _core.REGISTRY:
        known = ", ".join(sorted(_core.REGISTRY))
        raise ValueError(f"nb.exercises.check: no exercise {ex_id!r}. The exercises are {known}.")
    return _verdict(_core.REGISTRY[key], answer)


def _verdict(ex, answer) -> Feedback:
    try:
        message = ex.checker(answer)
    except _core.NotAttempted:
        return Feedback(ex.id, False, _NOT_ATTEMPTED, attempted=False)
    except _core.Mistake as mistake:
        return Feedback(ex.id, False, str(mistake))
    except Exception as exc:  # a bug in the checker must not look like the learner's
        return Feedback(ex.id, False, f"the checker itself failed ({type(exc).__name__}: {exc}); "
                                      f"please report it. Your answer may still be right.")
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit & co. from the learner's objects: never the checker's
        return Feedback(ex.id, False, _core.raised_message("your answer", exc))
    return Feedback(ex.id, True, message)


def list(chapter=None) -> None:  # noqa: A001  (nb.exercises.list() reads well)
    """Print the exercises (of one chapter, e.g. ``list(3)``): id, title and what to hand in."""
    wanted = None if chapter is None else f"{int(chapter):02d}."
    rows = [ex for ex in _core.REGISTRY.values() if wanted is None or ex.id.startswith(wanted)]
    if not rows:
        print(f"no exercises for chapter {chapter!r}")
        return
    width = max(len(ex.title) for ex in rows)
    for ex in sorted(rows, key=lambda e: tuple(int(p) for p in e.id.split("."))):
        print(f"{ex.id}  {ex.title:<{width}}  {ex.answer}")

