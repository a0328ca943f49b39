"""The arena's check of what could run beside a counted step rather than in it (chapter 37):
trace and profile functions, signal handlers, NumPy's error callback, the warnings and
unraisable-exception hooks, garbage collector callbacks and Python threads.
``record`` notes them as the recipe's process starts, before the recipe's code runs;
``check``, before and after every counted step, refuses one the recipe added."""

# Why: such code runs inside the step without being called by it (a thread while the main
# thread is in Sequential.train_step, a profile function at its return, a gc callback when
# it allocates, a signal handler when a timer fires); a cold reading wrote weights trained elsewhere in each way, and the step's
# fingerprint then took them for the step's own. A coverage tool or a debugger may have
# installed a hook before the recipe started: what was there is accepted, a change is not.

from __future__ import annotations

import _signal
import _thread
import gc
import operator
import os
import signal
import sys
import threading

import numpy as np

__all__ = ["record", "check"]

_HELD = {}                         # this process's id -> what it started with (one entry)


def _hooks():
    """Every trace and profile hook, monitoring tool and signal handler, in ``_names()``'s
    order."""
    out = [sys.gettrace(), sys.getprofile(), threading.gettrace(), threading.getprofile()]
    if _MONITORING is not None:                               # Python 3.12 and later
        out += map(_MONITORING.get_tool, range(6))
    out += map(_signal.getsignal, _SIGNALS)              # (signal's own wraps it slowly)
    warned = sys.modules.get("warnings")                 # what a warning or an error in a
    out += [np.geterrcall(), sys.unraisablehook, warned]  # step would call (the sixteenth
    out += [getattr(warned, n, None) for n in _WARNED]    # cold reading's callbacks)
    return out


def _names():
    return ["sys.gettrace()", "sys.getprofile()", "threading.gettrace()",
            "threading.getprofile()",
            *(f"sys.monitoring.get_tool({i})" for i in range(6 if _MONITORING else 0)),
            *(f"signal.getsignal({signal.Signals(n).name if n in _NAMED else n})"
              for n in _SIGNALS),
            "numpy.geterrcall()", "sys.unraisablehook", "sys.modules['warnings']",
            *(f"warnings.{n}" for n in _WARNED)]


def _shown(hook):
    """A hook as ``repr`` shows it, a signal's default or ignore by its name."""
    return signal.Handlers(hook).name if type(hook) is int else repr(hook)


_MONITORING = getattr(sys, "monitoring", None)
_WARNED = ("showwarning", "_showwarnmsg", "_showwarnmsg_impl", "formatwarning")
_SIGNALS = sorted(signal.valid_signals())
_NAMED = {s.value for s in signal.Signals}


def _count():
    """Python threads started and alive besides the main one (0 where it cannot tell)."""
    count = getattr(_thread, "_count", None)
    return count() if count is not None else 0


def record():
    """Note this process's hooks, gc callbacks and Python threads (once a process: a later
    call, the recipe's own, changes nothing)."""
    if os.getpid() in _HELD:
        return
    _HELD.clear()
    _HELD[os.getpid()] = (_hooks(), gc.callbacks, list(gc.callbacks),
                          {t.ident for t in threading.enumerate()}, _count())


def check(when="at a counted step"):
    """Raise ``ValueError`` when a trace or profile hook, a signal handler, a gc callback or a
    Python thread is there that the recipe's process did not start with; nothing outside a
    recipe's process (no ``record`` in it). The child also checks when the recipe returned:
    one left running would write in during the checks and the save that follow."""
    held = _HELD.get(os.getpid())
    if held is None:
        return
    hooks, callbacks, kept, idents, count = held
    found = None
    now = _hooks()
    if not all(map(operator.is_, now, hooks)):
        name, now, then = next(t for t in zip(_names(), now, hooks) if t[1] is not t[2])
        found = (f"{name} is {_shown(now)} (it was {_shown(then)})",
                 "trace and profile hooks, signal handlers, error and warning callbacks",
                 "Remove the hook before training (sys.setprofile(None), sys.settrace(None), "
                 "threading's the same; signal.signal(n, old); np.seterrcall(old); "
                 "warnings.showwarning, sys.unraisablehook as they were)")
    if found is None and (len(callbacks) != len(kept) or gc.callbacks is not callbacks
                          or not all(map(operator.is_, callbacks, kept))):
        found = (f"gc.callbacks holds {list(gc.callbacks)!r} (it held {kept!r})",
                 "garbage collector callbacks",
                 "Remove the callback before training (gc.callbacks.remove)")
    if found is None:
        new = [t for t in threading.enumerate() if t.ident not in idents]
        if new or _count() > count:
            found = (f"a Python thread the recipe started is alive "
                     f"({new[0].name if new else 'one started by _thread'})",
                     "Python threads",
                     "Join every thread before training, and train in the main thread only")
    if found is not None:
        raise ValueError(
            f"arena: {when} {found[0]}; expected only the {found[1]} the "
            f"recipe's process started with: code there runs beside the step, not in it, and "
            f"could write in weights trained elsewhere that the step would then count as its "
            f"own. {found[2]}.")
