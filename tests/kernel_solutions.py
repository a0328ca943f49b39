"""The worked solutions (tests/exercise_solutions*.py) carried into a report's kernel, which
may read nothing of tests/ (issue 67, item 3): ``LOAD`` is a statement that writes their
sources into the kernel's own temporary folder and puts it on ``sys.path``; ``right(ex)`` and
``wrong(k)`` are answer expressions a check cell can pass."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
_FILES = {p.name: p.read_text(encoding="utf-8")
          for p in [*sorted(TESTS.glob("exercise_solutions*.py")),
                    TESTS.parent / "tools" / "chapters.py"]}   # the table of chapters
_CODE = ("import os, sys, tempfile\n"
         "_d = os.path.join(tempfile.gettempdir(), 'worked-solutions')\n"
         "os.makedirs(_d, exist_ok=True)\n"
         f"for _n, _t in {_FILES!r}.items():\n"
         "    open(os.path.join(_d, _n), 'w', encoding='utf-8').write(_t)\n"
         "if _d not in sys.path:\n    sys.path.insert(0, _d)\n")
LOAD = f"exec({_CODE!r}, {{}})"


def right(ex: str) -> str:
    """An expression whose value is the worked solution of exercise ``ex``."""
    return f"({LOAD} or __import__('exercise_solutions').RIGHT[{ex!r}])"


def wrong(k: int) -> str:
    """An expression whose value is the ``k``-th typical wrong answer (WRONG[k][1])."""
    return f"({LOAD} or __import__('exercise_solutions').WRONG[{k}][1])"
