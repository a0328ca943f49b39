"""The arena's check of what could run beside a counted step rather than in it (chapter 37):
trace and profile functions, garbage collector callbacks and Python threads. ``record`` notes
them as the recipe's process starts, before the recipe's code runs; ``check``, before and
after every counted step, refuses one the recipe added."""

# Why: such code runs inside the step without being called by it (a thread while the main
# thread is in Sequential.train_step, a profile function at its return, a gc callback when
# it allocates); a cold reading wrote weights trained elsewhere in each way, and the step's
# fingerprint then took them for the step's own. A coverage tool or a debugger may have
# installed a hook before the recipe started: what was there is accepted, a change is not.

from __future__ import annotations

import _thread
import gc
import operator
import os
import sys
import threading

__all__ = ["record", "check"]

_HELD = {}                         # this process's id -> what it started with (one entry)


def _hooks():
    """``(name, hook)`` of every trace and profile hook and monitoring tool, in order."""
    out = [("sys.gettrace()", sys.gettrace()), ("sys.getprofile()", sys.getprofile()),
           ("threading.gettrace()", threading.gettrace()),
           ("threading.getprofile()", threading.getprofile())]
    monitoring = getattr(sys, "monitoring", None)             # Python 3.12 and later
    if monitoring is not None:
        out += [(f"sys.monitoring.get_tool({i})", monitoring.get_tool(i)) for i in range(6)]
    return out


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


def check():
    """Raise ``ValueError`` when a trace or profile hook, a gc callback or a Python thread is
    there that the recipe's process did not start with; nothing outside a recipe's process
    (no ``record`` in it)."""
    held = _HELD.get(os.getpid())
    if held is None:
        return
    hooks, callbacks, kept, idents, count = held
    found = None
    for (name, now), (_, then) in zip(_hooks(), hooks):
        if now is not then:
            found = (f"{name} is {now!r} (it was {then!r})", "trace and profile hooks",
                     "Remove the hook before training (sys.setprofile(None), "
                     "sys.settrace(None), threading's the same)")
            break
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
            f"arena: at a counted step {found[0]}; expected only the {found[1]} the "
            f"recipe's process started with: code there runs beside the step, not in it, and "
            f"could write in weights trained elsewhere that the step would then count as its "
            f"own. {found[2]}.")
