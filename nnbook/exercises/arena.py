"""Exercise of chapter 37 (a research arena): a recipe that beats the baseline within the
budget, judged by the arena's own rule (its harness on five seeds, the paired test at
``nb.arena.ALPHA``).
"""

from __future__ import annotations

import functools
import math
import tempfile
import textwrap
from pathlib import Path

import numpy as np

from ..arena import ALPHA, RecipeError, run
from ..arena.baseline import recipe as baseline
from ..evaluation import paired_test
from ._core import Mistake, NotAttempted, exercise, is_stub, raised_message

#: a small budget (the baseline then trains 7 steps an epoch: under a second a seed) and
#: five seeds, the fewest on which the paired test can pass ALPHA = 0.05 (p = 1/32)
BUDGET = 1_200_000_000
SEEDS = (3701, 3702, 3703, 3704, 3705)
SECONDS = 120


#: the report's stand-in for a recipe in a student's kernel cannot train there (the Arena it
#: is handed cannot cross to the kernel as data: its methods return live models), so the
#: report runs the recipe's source in a fresh kernel of its own, under the same sandbox as
#: the student's (``_in_a_process``), after importing the modules and importable objects the recipe
#: uses from the kernel's globals (``__nnbook_imports__``), and grades that run as the
#: notebook's check does. Longer than this and the report says the recipe did not finish.
PROCESS_SECONDS = SECONDS * len(SEEDS) + 120
ALONE = ("the report runs your recipe's source in a process of its own, with the modules and "
         "importable functions it uses from your notebook (like nb, np, modern_layers); "
         "a name bound to anything else (a number, a function of your notebook) is not "
         "there: define it inside recipe")


@functools.lru_cache(maxsize=1)
def _baseline():
    """The baseline's run on the checker's budget and seeds (the same every time: kept)."""
    return run(baseline, BUDGET, SEEDS, evaluation="seed")


# 37.1 ----------------------------------------------------------------------------------------
@exercise("37.1", "Beat the baseline within the budget",
          "function recipe(arena) -> the model arena.model(layers) made, trained within "
          "the budget, scoring lower than the baseline past the paired test on 5 seeds")
def beat_the_baseline(fn):
    if is_stub(fn):
        raise NotAttempted()
    if not callable(fn):
        raise Mistake(f"expected a function recipe(arena), got {type(fn).__name__}.")
    if getattr(fn, "__nnbook_source__", None) is not None or hasattr(fn, "_kernel"):
        return _in_a_process(fn)
    return _grade(fn)


def _grade(fn, alone=False):
    """37.1's verdict on a recipe that runs in this process (``alone``: its source, run by
    ``_in_a_process``, so that a NameError says why)."""
    return _compare(_scores_of(fn, alone))


def _scores_of(fn, alone=False):
    """The recipe's score on each seed, or the verdict (``Mistake``, ``NotAttempted``) that
    its run already settles."""
    try:
        theirs = run(fn, BUDGET, SEEDS, seconds=SECONDS, evaluation="seed")
    except RecipeError as exc:                   # each seed runs in a process of its own
        if "returned NoneType on seed" in str(exc):     # the stub, or a return left out
            if f"on seed {SEEDS[0]};" in str(exc):
                raise NotAttempted() from None
            raise Mistake("recipe returned None for some inputs (a seed after the first): "
                          "is a `return` missing?") from None
        hint = f" ({ALONE})" if alone and "raised NameError" in str(exc) else ""
        raise Mistake(f"the arena refused the recipe: {exc}{hint}") from None
    except Exception as exc:                     # the learner's code raised
        hint = f" ({ALONE})" if alone and isinstance(exc, NameError) else ""
        raise Mistake(raised_message("recipe", exc) + hint) from None
    return theirs.scores


def _compare(theirs):
    """37.1's verdict on a recipe that scored ``theirs`` (one score per seed) against the
    baseline's run (``_baseline``: trained the first time it is needed in this process)."""
    base = _baseline()
    test = paired_test(base.scores, theirs, alpha=ALPHA)
    better = sum(d > 0 for d in test.differences)
    mean = float(np.mean(list(theirs)))          # as run() computes ArenaResult.score
    scores = f"{mean:.3f} bits above the bound against the baseline's {base.score:.3f}"
    if not test.accepted:
        raise Mistake(f"{scores}: lower on {better} of {len(SEEDS)} seeds, p = "
                      f"{test.p_value:.3f} > {ALPHA}; not past the significance. Look at "
                      f"the steps the budget pays for (arena.step_cost): at this budget the "
                      f"baseline trains 7 steps an epoch.")
    return (f"right: {scores}, lower on {better} of {len(SEEDS)} seeds (p = "
            f"{test.p_value:.3f} ≤ {ALPHA}), within {BUDGET:,} multiplications.")


def recipe_file(source: str, imports=(), name="recipe") -> str:
    """A Python file that rebuilds a recipe from its source: the imports it used (rows
    ``(name, module, qualname)``, qualname "" for a module), then the source, then
    ``recipe = <its name>``."""
    lines = []
    for alias, module, qualname in imports:
        for part in (alias, *module.split("."), *qualname.split(".")):
            if part and not part.isidentifier():
                raise ValueError(f"exercise 37.1: an import row ({alias!r}, {module!r}, "
                                 f"{qualname!r}) is not made of Python names; expected "
                                 f"what the wire sends. It cannot be rebuilt.")
        if not qualname:
            lines.append(f"import {module} as {alias}")
        elif "." not in qualname:
            lines.append(f"from {module} import {qualname} as {alias}")
    if not name.isidentifier():
        name = "recipe"
    return "\n".join(lines + ["", textwrap.dedent(source), "", f"recipe = {name}", ""])


def _in_a_process(fn):
    """37.1's verdict on a recipe of a student's kernel: its source, with the imports it
    used, written into a fresh kernel under the report's sandbox (kernel.py: its memory,
    disk and file-system limits) that runs ``verdict_of_file`` on it; the verdict comes
    back as data. A recipe that ran on every seed sends its scores, and this process
    compares them with the baseline: trained here once for every recipe it grades
    (``_baseline``, kept), not once more in each recipe's kernel (five seeds, about 7 s of
    CPU each time)."""
    from .kernel import Kernel
    from .remote import AnswerUnreadable, KernelGone
    source = getattr(fn, "__nnbook_source__", None)
    if not isinstance(source, str):
        raise Mistake("the report could not read your recipe's source (is it defined in a "
                      "cell of the notebook?); run the notebook's check cell instead.")
    text = recipe_file(source, getattr(fn, "__nnbook_imports__", ()),
                       getattr(fn, "__name__", "recipe"))
    theirs = getattr(fn, "_kernel", None)
    memory, disk = getattr(theirs, "memory", 4096), getattr(theirs, "disk", 1024)
    try:
        with tempfile.TemporaryDirectory() as folder, \
                Kernel(Path(folder), timeout=PROCESS_SECONDS, budget=PROCESS_SECONDS + 60,
                       memory=memory, disk=disk) as k:
            (Path(folder) / "work" / FILE).write_text(text, encoding="utf-8")
            verdict = k.answer(f"__import__('nnbook.exercises.arena', fromlist=['arena'])"
                               f".verdict_of_file({FILE!r})")
    except (KernelGone, AnswerUnreadable) as exc:
        raise Mistake(f"the recipe's kernel ended without a verdict ({exc}); train for "
                      f"fewer steps, within {PROCESS_SECONDS} s on {len(SEEDS)} seeds.") from None
    try:
        kind, message = str(verdict["verdict"]), str(verdict["message"])
    except (KeyError, TypeError):
        raise Mistake("the recipe's kernel sent no verdict.") from None
    if kind == "scores":
        scores = verdict.get("scores")
        if not (isinstance(scores, (list, tuple)) and len(scores) == len(SEEDS) and all(
                isinstance(x, float) and math.isfinite(x) for x in scores)):
            raise Mistake("the recipe's kernel sent no verdict.")
        return _compare(tuple(scores))
    if kind == "not attempted":
        raise NotAttempted()
    raise Mistake(message)


FILE = "recipe_from_the_kernel.py"


def verdict_of_file(path) -> dict:
    """What the recipe the file ``path`` defines (as ``recipe``) settles of 37.1's verdict, as
    data: ``{"verdict": "mistake" | "not attempted", "message": ...}``, or, when it ran on
    every seed, ``{"verdict": "scores", "message": "", "scores": [one per seed]}`` for the
    caller to compare with the baseline (``_compare``). The report runs it in a fresh kernel
    of its own (``_in_a_process``)."""
    import runpy
    try:
        fn = runpy.run_path(str(path), run_name="recipe_from_the_kernel")["recipe"]
        return {"verdict": "scores", "message": "", "scores": list(_scores_of(fn, alone=True))}
    except NotAttempted:
        verdict = ("not attempted", "")
    except Mistake as exc:
        verdict = ("mistake", str(exc))
    except Exception as exc:                    # the file itself raised (an import, a name)
        hint = f" ({ALONE})" if isinstance(exc, (NameError, ImportError)) else ""
        verdict = ("mistake", raised_message("recipe", exc) + hint)
    return {"verdict": verdict[0], "message": verdict[1]}
