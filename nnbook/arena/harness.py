"""The arena's harness (chapter 37): ``run`` trains a recipe once per seed on the budget it
counts, stops it at a time limit, and scores the model it returns in bits per character above
the exact window bound on evaluation text drawn after training."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import math
import runpy
import signal
import sys
import threading
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..layers import log_softmax
from ..training import Sequential
from .budget import (BACKWARD_FACTOR, BudgetExceeded, CountedModel, Meter,
                     forward_multiplications, optimizer_multiplications)
from .guard import SCORE_FLOOR, Watch, check_layer_types
from .text import VOCAB_SIZE, WINDOW, evaluation_text, recipe_running, training_rng, training_text

__all__ = ["Arena", "RecipeError", "SeedScore", "ArenaResult", "run", "run_seed",
           "load_recipe", "score_model", "SECONDS"]

#: the time limit of one seed's training, seconds (a recipe that never returns is stopped)
SECONDS = 600


class RecipeError(ValueError):
    """A recipe broke a rule of the arena: no score, no row."""

    def __init__(self, message: str):
        super().__init__(message)


class _Timeout(BaseException):                  # not an Exception: ``except Exception`` in a
    """The time limit, raised inside the recipe."""     # recipe does not swallow it


class Arena:
    """What a recipe is given: ``rng`` (its only randomness), ``windows(n)`` (n fresh training
    windows), ``model(layers)`` (the counted model to train and return), ``step_cost`` and the
    meter (``budget``, ``spent``, ``left``). ``window`` = 16 characters, ``vocab_size`` = 26."""

    window = WINDOW

    def __init__(self, budget, rng):
        self._meter, self.rng = Meter(budget), rng
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
        return ids[:-1].reshape(int(n), WINDOW), ids[1:].reshape(int(n), WINDOW)

    def model(self, layers):
        """A ``Sequential`` of ``layers`` whose every forward and backward is counted (the
        library's own layer types only: a subclass is refused, its forward would not be)."""
        check_layer_types(layers, "arena.model")
        model = CountedModel(layers, self.meter, (1, WINDOW))
        self.models.append(model)
        return model

    def step_cost(self, model, batch_size):
        """Multiplications of one training step on ``batch_size`` windows: forward and
        backward, ``(1 + BACKWARD_FACTOR)`` forwards, and once compiled the optimizer's
        update (``optimizer_multiplications``: Muon's Newton–Schulz, 0 for AdamW's)."""
        update = optimizer_multiplications(getattr(model, "optimizer", None),
                                           [p for p, _ in model.gradient_pairs()])
        return (1 + BACKWARD_FACTOR) * forward_multiplications(model, (batch_size, WINDOW)) \
            + update


class SeedScore(NamedTuple):
    """One seed's ``score`` (``bits`` − ``bound``: bits per character above the exact window
    bound), the model's ``bits`` per character, the ``bound``'s mean and the multiplications
    ``spent``."""
    seed: int
    score: float
    bits: float
    bound: float
    spent: int


class ArenaResult(NamedTuple):
    """A recipe's run: its ``name``, ``recipe_hash``, ``budget``, one ``SeedScore`` per seed
    and ``score``, their mean (lower is better; 0 is the best any window model can do)."""
    name: str
    recipe_hash: str
    budget: int
    per_seed: tuple
    score: float

    @property
    def seeds(self):
        return tuple(s.seed for s in self.per_seed)

    @property
    def scores(self):
        return tuple(s.score for s in self.per_seed)


def score_model(model, seed, spent=0) -> SeedScore:
    """Score the layers of ``model`` on ``seed``'s evaluation text: the mean over every target
    of −log₂ P(target | window), minus the mean exact window bound (``spent``: the
    multiplications to record beside it). Its expectation over the text is a KL divergence,
    ≥ 0 and 0 only for the best window predictor itself; a finite text can put a model
    within its noise (about 0.02 bits a seed) of the bound a little below 0, no trained
    model of the arena's budgets comes near."""
    ev = evaluation_text(seed)
    logits = Sequential(list(model.layers)).predict(ev["x"])            # (m, 16, 26)
    if logits.shape != ev["x"].shape + (VOCAB_SIZE,):
        raise RecipeError(f"arena: the model's output has shape {logits.shape}; expected "
                          f"{ev['x'].shape + (26,)} (logits over the 26 characters for every "
                          f"position). End the model with Unembedding or Dense(d, 26).")
    logp = np.take_along_axis(log_softmax(logits), ev["y"][..., None], axis=-1)[..., 0]
    bits = float(-logp.mean() / math.log(2))
    bound = float(ev["bound"].mean())
    if not math.isfinite(bits):
        raise RecipeError(f"arena: the model's score on seed {seed} is {bits} (its "
                          f"predictions are not finite); expected a finite score. Lower the "
                          f"learning rate, or check the recipe's layers for NaN weights.")
    return SeedScore(int(seed), bits - bound, bits, bound, int(spent))


def load_recipe(recipe):
    """``(function, name, hash)`` of a recipe: a function ``recipe(arena) -> model``, or the
    path of a Python file that defines one named ``recipe``."""
    if callable(recipe):
        try:
            source = inspect.getsource(recipe).encode()
        except (OSError, TypeError):
            source = repr(recipe).encode()
        return recipe, getattr(recipe, "__name__", repr(recipe)), _sha(source)
    path = Path(recipe)
    if not path.is_file():
        raise ValueError(f"arena: got the recipe {recipe!r}, which is neither a function nor "
                         f"a file; expected a Python file that defines recipe(arena). Check "
                         f"the path.")
    package = Path(__file__).resolve().parents[1]           # nnbook/
    if package in path.resolve().parents:                  # a recipe of the package's own
        rel = path.resolve().relative_to(package.parent).with_suffix("")
        with recipe_running():
            fn = getattr(importlib.import_module(".".join(rel.parts)), "recipe", None)
    else:
        with recipe_running():                         # its import is the recipe's too
            fn = runpy.run_path(str(path)).get("recipe")
    if not callable(fn):
        raise ValueError(f"arena: {path} defines no function named recipe; expected "
                         f"def recipe(arena): ... that returns arena.model(...), trained. "
                         f"Add one.")
    return fn, path.name, _sha(path.read_bytes())


def _sha(data):
    return hashlib.sha256(data).hexdigest()[:16]


def _train(fn, arena, name, seed, seconds):
    """``fn(arena)`` within ``seconds`` (SIGALRM, in the main thread only), watched
    (``guard.Watch``): a recipe that replaced what the harness relies on is refused."""
    fired = []

    def alarm(signum, frame):
        fired.append(True)
        raise _Timeout()

    timed = seconds is not None and threading.current_thread() is threading.main_thread() \
        and hasattr(signal, "setitimer")
    if timed:
        old = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)    # again, until it stops
    watch = Watch(sys.modules[__name__], arena.meter, name, seed, alarm if timed else None)
    try:
        with recipe_running():
            watch.start()
            model = fn(arena)
            watch.check()
    except _Timeout:
        model = None
    except BudgetExceeded as exc:
        raise RecipeError(f"{exc} (recipe {name}, seed {seed})") from None
    except ValueError as exc:
        if watch.seen or str(exc).startswith(f"arena: the recipe {name} tampered"):
            raise RecipeError(str(exc)) from None
        raise
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    if fired:
        raise RecipeError(f"arena: the recipe {name} did not return within {seconds} s on "
                          f"seed {seed}; expected it to train and return. Train for fewer "
                          f"steps, or check it for a loop that never ends.")
    return model


def run(recipe, budget, seeds=(0, 1, 2), *, seconds=SECONDS, progress=None) -> ArenaResult:
    """Run ``recipe`` once per seed on ``budget`` multiplications and score what it returns.

    Each seed's recipe gets a new ``Arena`` (its generator from the seed's training stream);
    the harness counts every forward and backward of the model ``arena.model`` made, refuses
    the step past the budget, stops the recipe after ``seconds``, then draws the seed's
    evaluation text and scores the model (``score_model``). ``progress``: a function given
    one line per seed (``print`` shows them). Same recipe and seeds: the same scores, bit
    for bit, on one machine and BLAS.
    """
    fn, name, digest = load_recipe(recipe)
    budget = _budget(budget)
    seeds = _seeds(seeds)
    per_seed = []
    for seed in seeds:
        s = _run_seed(fn, name, budget, seed, seconds)
        per_seed.append(s)
        if progress is not None:
            progress(f"seed {seed}: {s.score:.4f} bits/char above the window bound "
                     f"({s.bits:.4f} − {s.bound:.4f}), {s.spent:,} of {budget:,} "
                     f"multiplications")
    mean = float(np.mean([s.score for s in per_seed]))
    return ArenaResult(name, digest, budget, tuple(per_seed), mean)


def run_seed(recipe, budget, seed, *, seconds=SECONDS) -> SeedScore:
    """One seed of ``run``: the recipe trained on ``seed``'s training stream within
    ``budget`` and scored on its evaluation text, the ``SeedScore`` ``run`` would give for
    that seed (a seed table's row; a comparison still needs at least three)."""
    fn, name, _ = load_recipe(recipe)
    seed = _one_seed(seed)
    return _run_seed(fn, name, _budget(budget), seed, seconds)


def _run_seed(fn, name, budget, seed, seconds):
    arena = Arena(budget, training_rng(seed))
    model = _train(fn, arena, name, seed, seconds)
    if arena.meter.overspent:
        raise RecipeError(f"arena: the recipe {name} went on after it overspent its "
                          f"budget of {budget:,} on seed {seed}; expected it to stop "
                          f"within it. Train for fewer steps.")
    if not isinstance(model, CountedModel) or not any(model is m for m in arena.models) \
            or model.meter is not arena.meter:               # not another seed's, re-listed
        raise RecipeError(f"arena: the recipe {name} returned {type(model).__name__} on "
                          f"seed {seed}; expected the model arena.model(layers) made, "
                          f"trained. Return that model.")
    try:
        check_layer_types(model.layers, f"the recipe {name}'s model")
        model.check_untouched()
    except ValueError as exc:
        raise RecipeError(f"{exc} (recipe {name}, seed {seed})") from None
    s = score_model(model, seed, arena.meter.spent)
    if s.score != s.bits - s.bound or s.spent != arena.meter.spent:
        raise RecipeError(f"arena: the scorer returned the score {s.score} on seed {seed} "
                          f"where its bits minus the bound are {s.bits - s.bound}; expected "
                          f"the harness's own score_model. The recipe {name} replaced it: "
                          f"remove that.")
    if s.score < SCORE_FLOOR:
        raise RecipeError(f"arena: the recipe {name} scored {s.score:.4f} bits per character "
                          f"on seed {seed}, below {SCORE_FLOOR} (several times the "
                          f"evaluation text's noise below the window bound), which no model "
                          f"that never saw the evaluation text reaches; expected a score "
                          f"≥ {SCORE_FLOOR}. Train only on arena.windows.")
    return s


def _one_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"arena: expected a seed that is an int ≥ 0, got {seed!r}. "
                         f"Pass e.g. seed=0.")
    return int(seed)


def _budget(budget):
    ok = not isinstance(budget, bool) and isinstance(budget, (int, float, np.integer)) \
        and math.isfinite(budget) and budget >= 1 and float(budget) == int(budget)
    if not ok:
        raise ValueError(f"arena: expected a budget that is a whole number of "
                         f"multiplications ≥ 1, got {budget!r}. Pass e.g. budget=2e9.")
    return int(budget)


def _seeds(seeds):
    try:
        seeds = tuple(seeds)
    except TypeError:
        seeds = (seeds,)
    ok = len(seeds) >= 3 and len(set(seeds)) == len(seeds) and all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in seeds)
    if not ok:
        raise ValueError(f"arena: expected at least 3 different seeds (ints ≥ 0), got "
                         f"{seeds!r}. Pass e.g. seeds=(0, 1, 2, 3, 4).")
    return tuple(int(s) for s in seeds)
