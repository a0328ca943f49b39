"""The report's verdicts (report.py), made in the report's process, never in a student's
kernel: the checker on the notebook's own cases, and for an answer that is a function, on
hidden cases too (``hidden_cases``: the checkers' random inputs drawn from a seed chosen for
this run, which no kernel sees), so that a function right only on the inputs the notebook's
checker uses, found by asking that checker, is wrong.
"""

from __future__ import annotations

import contextlib
import secrets
import threading

_CHECKING = threading.Lock()         # the checkers run one at a time (14.2 patches Value)
HIDDEN_SALT = secrets.randbits(32)   # this run's hidden cases (hidden_cases); never sent to a kernel


def _verdict(ex_id: str, answer) -> tuple[str, str]:
    """(status, message) from the report's own checker: on the notebook's own cases, and for an
    answer that is a function, also on the report's hidden ones (``hidden_cases``)."""
    from . import _verdict as verdict
    from ._core import REGISTRY
    if ex_id not in REGISTRY:
        return "error", f"nb.exercises.check: no exercise {ex_id!r}"
    with _CHECKING:
        fb = verdict(REGISTRY[ex_id], answer)
        if fb.correct and _has_function(answer):
            with hidden_cases():
                hidden = verdict(REGISTRY[ex_id], answer)
            if not hidden.correct:
                return ("wrong", "right on the notebook's own cases but not on the report's hidden ones "
                                 f"(new random inputs): {hidden.message}")
    return ("done" if fb.correct else "wrong" if fb.attempted else "not attempted"), fb.message


def _has_function(answer) -> bool:
    parts = answer if isinstance(answer, (tuple, list)) else (answer,)
    return any(callable(part) for part in parts)


@contextlib.contextmanager
def hidden_cases(salt: int | None = None):
    """The checkers' random inputs drawn anew: every ``np.random.default_rng(seed)`` with a
    whole-number seed gets the seed ``[salt, seed]`` (``salt``: this run's ``HIDDEN_SALT``, which
    no kernel ever sees). The checkers compute the expected results from the same inputs."""
    import numpy as np
    real, salt = np.random.default_rng, HIDDEN_SALT if salt is None else salt

    def salted(seed=None, *args, **kwargs):
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            return real([salt, int(seed)], *args, **kwargs)
        return real(seed, *args, **kwargs)

    np.random.default_rng = salted
    try:
        yield
    finally:
        np.random.default_rng = real
