"""How the arena's harness starts a recipe's process and hears from it (chapter 37): what the
process is given (``transport``), how it is started (``start``: spawned without this process's
main script, its folder, or the board's key, with one BLAS thread), its CPU time once it has
ended (``children_cpu``) and its messages (``receive``)."""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import sys
import time
import types
from pathlib import Path

from . import child
from .child import KEY_VARIABLE, recipe_identity

try:                                            # POSIX: the CPU time of a finished child
    import resource
except ImportError:                              # pragma: no cover  (Windows: no CPU bound)
    resource = None

__all__ = ["transport", "start", "children_cpu", "receive", "KEY_VARIABLE"]

def transport(recipe):
    """``(what the child gets, start method)``: a file or an importable function by name
    ("spawn": a new interpreter), a function that lives only here ("fork": a copy of this
    process, which has not run the recipe; POSIX only)."""
    if not callable(recipe):
        return str(child.recipe_path(recipe).resolve()), "spawn"
    module, name = getattr(recipe, "__module__", None), None
    if module and module != "__main__":
        try:
            found = vars(importlib.import_module(module))
            name = next((k for k, v in found.items() if v is recipe), None)
        except ImportError:
            name = None
    if name is not None:                 # with its folder: the seed's path lacks this one's
        file = getattr(sys.modules[module], "__file__", None)
        where = str(Path(file).resolve().parents[module.count(".")]) if file else ""
        return (module, name, where), "spawn"
    if "fork" not in multiprocessing.get_all_start_methods():
        raise ValueError(f"arena: the recipe {recipe_identity(recipe)[0]} is a function this "
                         f"process alone knows, and this platform cannot fork; expected a "
                         f"recipe file or a function of an importable module. Save it to a "
                         f"file and pass its path.")
    return recipe, "fork"


def start(proc, method, folder=None):
    """Start ``proc``; a spawned interpreter is not given this process's main script to run
    again (multiprocessing re-runs it by default: a script calling ``run`` at its top level
    would start itself over), nor the folder this one runs in on its path: it starts in the
    seed's new ``folder``, with that one left out of the path it inherits (a module a recipe
    left there ran in every later seed before any check: the fourteenth cold reading)."""
    if method != "spawn":
        proc.start()
        return
    kept = (*child.THREADS, KEY_VARIABLE, "PYTHONSAFEPATH")
    main, env = sys.modules["__main__"], {k: os.environ.get(k) for k in kept}
    here, path = os.getcwd(), list(sys.path)
    sys.modules["__main__"] = types.ModuleType("__main__")
    os.environ.update({k: "1" for k in (*child.THREADS, "PYTHONSAFEPATH")})  # one BLAS thread
    os.environ.pop(KEY_VARIABLE, None)     # the board's key (leaderboard.key_file) is not
    sys.path[:] = [e for e in path if Path(e or ".").resolve() != Path(here).resolve()]
    try:                                   # in the recipe's environment
        os.chdir(folder or here)
        proc.start()
    finally:
        os.chdir(here)
        sys.path[:] = path
        sys.modules["__main__"] = main
        os.environ.update({k: v for k, v in env.items() if v is not None})  # as they were
        for k in [k for k, v in env.items() if v is None]:
            os.environ.pop(k, None)


def children_cpu():
    if resource is None:
        return 0.0
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def receive(conn, until, proc):
    """The child's next message, or None when it ended or ``until`` passed."""
    while time.monotonic() < until:
        if conn.poll(min(1.0, max(0.0, until - time.monotonic()))):
            try:
                message = json.loads(conn.recv_bytes(1 << 16).decode())
            except (EOFError, OSError, ValueError, UnicodeDecodeError):
                return None
            return message if isinstance(message, dict) else None
        if not proc.is_alive() and not conn.poll(0):
            return None
    return None
