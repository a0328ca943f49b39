"""The arena's child process (chapter 37): a recipe runs here under ``main``, one process a
seed (spawning.py starts it), with its ``Arena``, the counted model and the guards of
guard.py, and writes the model to a file the harness reads without unpickling, after this
process ended: only then does the harness draw the evaluation text."""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import math
import os
import runpy
import sys
import tempfile
import time
import traceback
import weakref
from pathlib import Path

import numpy as np

from . import beside, processes
from .budget import BACKWARD_FACTOR, BudgetExceeded, CountedModel, Meter, fingerprint, \
    forward_multiplications, optimizer_multiplications, serve
from .guard import Watch, check_initialised, check_layer_types
from .identity import _sha, recipe_identity, recipe_path  # noqa: F401  (their home was here)
from .settings import buffers_print, settings
from .library import check_whole, snapshot_library
from .text import WINDOW, VOCAB_SIZE, recipe_running, training_rng, training_text
from ..training import load_model

#: names the board's key file (leaderboard.key_file); a recipe's process runs without it
KEY_VARIABLE = "NNBOOK_ARENA_KEY"

__all__ = ["Arena", "RecipeError", "recipe_identity", "recipe_path", "load_recipe",
           "one_thread", "THREADS", "main"]


#: every model ``Arena.model`` made, with its meter: the recipe's model must be one, on the
#: harness's meter (a CountedModel built directly and put on ``arena.models`` had passed)
MADE = weakref.WeakKeyDictionary()


class RecipeError(ValueError):
    """A recipe broke a rule of the arena: no score, no row."""

    def __init__(self, message: str):       # (the book's API page reads this signature)
        super().__init__(message)


class Arena:
    """What a recipe is given: ``rng`` (the only randomness the arena gives it: a recipe that
    draws from another generator is not reproducible, and ``verify`` refuses its row),
    ``windows(n)`` (n fresh training windows), ``model(layers)`` (the counted model to train
    and return), ``step_cost`` and the meter (``budget``, ``spent``, ``left``). ``window`` =
    16 characters, ``vocab_size`` = 26."""

    window = WINDOW

    def __init__(self, budget, rng):
        self._meter, self.rng = Meter(budget), rng
        serve(self._meter, *np.zeros((2, 0, WINDOW), dtype=np.int64))   # none served yet
        self._start = copy.deepcopy(rng)       # the draws the layers' initialisation makes
        self.vocab_size = VOCAB_SIZE
        self.models = []

    meter = property(lambda self: self._meter, doc="its ``Meter`` (read-only)")
    budget = property(lambda self: self.meter.budget)
    spent = property(lambda self: self.meter.spent)
    left = property(lambda self: self.meter.left)

    def windows(self, n):
        """``(x, y)``: ``n`` windows of 16 ids of fresh training text and their targets one
        character later ((n, 16) each), drawn from ``rng``."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"Arena.windows: expected a number of windows n ≥ 1, got {n!r}. "
                             f"Pass e.g. arena.windows(1600).")
        corpus = training_text(self.rng, int(n) * WINDOW + 1)
        ids = corpus.ids[:int(n) * WINDOW + 1]
        x, y = ids[:-1].reshape(int(n), WINDOW), ids[1:].reshape(int(n), WINDOW)
        serve(self.meter, x, y)                  # a counted step takes these windows only
        return x, y

    def model(self, layers):
        """A ``Sequential`` of ``layers`` whose every forward and backward is counted (the
        library's own layer types only: a subclass is refused, its forward would not be).
        The layers must hold the weights their own initialisation draws from ``rng`` as the
        recipe was given it (build them before drawing windows, with the library's
        initialisers): weights set or loaded before would be trained on no counted
        multiplications (``guard.check_initialised``)."""
        check_layer_types(layers, "arena.model")
        check_initialised(layers, self._start)
        model = CountedModel(layers, self.meter, (1, WINDOW))
        self.models.append(model)
        MADE[model] = self.meter
        return model

    def step_cost(self, model, batch_size):
        """Multiplications of one training step on ``batch_size`` windows: forward and
        backward, ``(1 + BACKWARD_FACTOR)`` forwards, and once compiled the optimizer's
        update (``optimizer_multiplications``: Muon's Newton–Schulz, 0 for AdamW's)."""
        update = optimizer_multiplications(getattr(model, "optimizer", None),
                                           [p for p, _ in model.gradient_pairs()])
        return (1 + BACKWARD_FACTOR) * forward_multiplications(model, (batch_size, WINDOW)) \
            + update


def load_recipe(recipe):
    """``(function, name, hash)`` of a recipe: a function ``recipe(arena) -> model``, or the
    path of a Python file that defines one named ``recipe`` (run here, as the recipe's own
    code: the harness calls this only in the recipe's process)."""
    name, digest = recipe_identity(recipe)
    if callable(recipe):
        return recipe, name, digest
    path = recipe_path(recipe)
    package = Path(__file__).resolve().parents[1]           # nnbook/
    with recipe_running():                                  # its import is the recipe's too
        if package in path.resolve().parents:              # a recipe of the package's own
            rel = path.resolve().relative_to(package.parent).with_suffix("")
            fn = getattr(importlib.import_module(".".join(rel.parts)), "recipe", None)
        else:
            fn = runpy.run_path(str(path)).get("recipe")
    if not callable(fn):
        raise ValueError(f"arena: {path} defines no function named recipe; expected "
                         f"def recipe(arena): ... that returns arena.model(...), trained. "
                         f"Add one.")
    return fn, name, digest


def _train(fn, arena, meter, name, seed):
    """``fn(arena)`` watched (``guard.Watch``) on ``meter``, the arena's as made (held here:
    the recipe can replace ``arena.meter``); the recipe's model after every check."""
    watch = Watch(meter, name, seed)
    try:
        with recipe_running():
            watch.start()
            model = fn(arena)
            beside.check("when the recipe returned")   # a hook, callback, thread left
            watch.check()                        # would write in during the checks, the save
            for made in arena.models:            # no replaced code or object of the
                check_whole(made)                # recipe's left in them or the library
    except BudgetExceeded as exc:
        raise RecipeError(f"{exc} (recipe {name}, seed {seed})") from None
    except RecipeError:
        raise
    except Exception as exc:                                 # noqa: BLE001  (the recipe's)
        if watch.seen or str(exc).startswith(f"arena: the recipe {name} tampered"):
            raise RecipeError(str(exc)) from None
        if str(exc).startswith("arena"):
            raise RecipeError(f"{exc} (recipe {name}, seed {seed})") from None
        where = traceback.extract_tb(exc.__traceback__)[-1]
        raise RecipeError(f"arena: the recipe {name} raised {type(exc).__name__}: {exc} "
                          f"(on seed {seed}, at {Path(where.filename).name}:{where.lineno}); "
                          f"expected it to train and return its model. Fix the recipe "
                          f"(run it with nb.arena.Arena(budget, rng) in a notebook to "
                          f"debug).") from None
    if arena.meter is not meter or any(m.meter is not meter for m in arena.models):
        raise RecipeError(f"arena: the recipe {name} replaced the arena's meter on seed "
                          f"{seed} (its own, or a model's): a model counted on another "
                          f"meter trains past the budget; expected every model on the meter "
                          f"the arena was made with. Remove the assignment to _meter.")
    if meter.overspent:
        raise RecipeError(f"arena: the recipe {name} overspent its budget of "
                          f"{meter.budget:,} on seed {seed}: it asked for a step past it, "
                          f"caught the refusal and returned; expected it to stay within the "
                          f"budget. Train for fewer steps.")
    if not isinstance(model, CountedModel) or MADE.get(model) is not meter \
            or model.meter is not meter:
        raise RecipeError(f"arena: the recipe {name} returned {type(model).__name__} on "
                          f"seed {seed}; expected the model arena.model(layers) made, "
                          f"trained. Return that model.")
    try:
        check_layer_types(model.layers, f"the recipe {name}'s model")
        model.check_untouched()
    except ValueError as exc:
        raise RecipeError(f"{exc} (recipe {name}, seed {seed})") from None
    return model


_LIMITS = []                                      # threadpoolctl's limit, kept for the process
THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_thread():
    """Limit BLAS to one thread (threadpoolctl; a spawned process starts with ``THREADS`` at
    1): True when it runs on one, so that the CPU time is the work, not threads spinning."""
    try:
        from threadpoolctl import threadpool_limits
        _LIMITS.append(threadpool_limits(limits=1))
        return True
    except Exception:                             # noqa: BLE001  (not installed, or no BLAS)
        return all(os.environ.get(k) == "1" for k in THREADS[:1])


def model_print(layers) -> str:
    """A digest of a model as its file holds it: weights, buffers, every layer's setting."""
    held = tuple((where, v) for where, v in settings(layers) if "._drawn" not in where)
    h = hashlib.sha256()                       # (an Embedding's _drawn holds an id: this
    for part in (fingerprint(layers), buffers_print(layers), repr(held)):   # process's)
        h.update(part.encode())
    return h.hexdigest()[:32]


def _say(conn, **message):
    conn.send_bytes(json.dumps(message).encode())


def main(conn, recipe, budget, seed, path):
    """The recipe's process: say the CPU time its start took, train ``recipe`` (a file, a
    ``(module, name)`` pair, or a function) on ``seed`` within ``budget``, write the model to
    ``path`` and say ``{"spent": …, "checking": …}`` (``checking``: the CPU seconds of the
    arena's checks of its steps), or ``{"error": …}`` when a rule was broken."""
    _say(conn, cpu=time.process_time(), one_thread=one_thread())   # before the recipe runs
    os.environ.pop(KEY_VARIABLE, None)             # (a forked one inherited it)
    try:
        work = Path(path).parent / "work"          # a new, empty folder for every seed: a
        work.mkdir()                               # cache in a relative path or a tempfile
        os.chdir(work)                             # is gone at the next seed
        tempfile.tempdir = str(work)
        snapshot_library()                         # before any of the recipe's code runs
        beside.record()                            # its hooks, gc callbacks, threads
        # no process started from here on (a grandchild's CPU is not timed: r37's a07), the
        # first refusal told the harness at once, whatever the recipe does with it
        processes.refuse(lambda text: _say(conn, error=text), f"on seed {seed}")
        # the learner's modules compiled afresh from the source the row's hash covers (a
        # .pyc beside them with the source's time and size ran instead: a cold reading's)
        sys.pycache_prefix = str(work / "bytecode")
        if isinstance(recipe, str):                # its own folder, as a script's: the
            sys.path.insert(0, str(Path(recipe).parent))   # modules beside it (the hash's)
        if isinstance(recipe, tuple):              # (module, name, its folder)
            sys.path[:0] = [recipe[2]] if recipe[2] else []
            recipe = getattr(importlib.import_module(recipe[0]), recipe[1])
        fn, name, _ = load_recipe(recipe)
        arena = Arena(budget, training_rng(seed))
        meter = arena.meter                        # the harness's, whatever the recipe sets
        model = _train(fn, arena, meter, name, seed)
        if processes.refused():                    # (told already; a recipe that caught it)
            raise RecipeError(processes.refused())
        spent = meter.spent                        # = the watch's own tally (Watch.check)
        model.save(path)
        try:                                       # what the harness must load (its own
            printed = model_print(load_model(path).layers)   # error for a file it refuses)
        except (ValueError, OSError):
            printed = None
        _say(conn, spent=int(spent) if math.isfinite(spent) else -1,
             checking=float(meter.checking),       # left out of the recipe's CPU time
             weights=printed)
    except BaseException as exc:                   # noqa: BLE001  (told to the harness)
        what = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        text = processes.refused() or (
            str(exc) if isinstance(exc, ValueError) and str(exc).startswith("arena")
            else f"arena: the recipe raised {what} (on seed {seed}); expected it to return "
                 f"its model. Return instead.")
        try:
            if isinstance(exc, KeyboardInterrupt):
                _say(conn, interrupted=True)
            else:
                _say(conn, error=text)
        except (OSError, ValueError):
            pass
    finally:
        conn.close()
