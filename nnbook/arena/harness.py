"""The arena's harness (chapter 37): ``run`` trains a recipe once per seed, each seed in a
process of its own (child.py) on the budget it counts, stops it at a time limit, bounds the
CPU time it used by what its counted multiplications take on this machine, and scores the
model it sends back in bits per character above the exact window bound, on evaluation text
the harness draws from fresh entropy after that process has ended."""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import multiprocessing.resource_tracker  # noqa: F401  (spawn's; imported now, see below)
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..layers import log_softmax
from ..optimizers import AdamW
from ..training import CrossEntropy, Sequential, load_model
from . import child
from .budget import forward_multiplications
from .child import Arena, RecipeError, load_recipe, model_print, recipe_identity
from .guard import SCORE_FLOOR, check_layer_types, refuse_shadowing
from .settings import check_causal, settings
from .spawning import KEY_VARIABLE, resource
from .spawning import children_cpu as _children_cpu, receive as _receive, start as _start
from .spawning import transport as _transport
from .text import VOCAB_SIZE, WINDOW, evaluation_text, fresh_entropy

try:     # imported before any recipe runs, as everything here (tests/test_arena_cli.py)
    from threadpoolctl import threadpool_limits
except ImportError:                              # pragma: no cover  (BLAS threads as they are)
    threadpool_limits = None

__all__ = ["Arena", "RecipeError", "SeedScore", "ArenaResult", "run", "run_seed", "train_seed",
           "step_seconds", "load_recipe", "score_model", "SECONDS", "CPU_FACTOR", "CPU_FREE"]

#: the time limit of one seed's training, seconds (the recipe's process is then killed)
SECONDS = 600
#: a recipe may use this many times the CPU time its counted multiplications take on this
#: machine (timed by the harness on the returned model's own steps, batches of 32) ...
CPU_FACTOR = 3.0
#: ... plus this many seconds (its file's import, its training text, Python's overhead)
CPU_FREE = 1.5
_START = 120                                     # seconds a process may take to start


class SeedScore(NamedTuple):
    """One seed's ``score`` (``bits`` − ``bound``: bits per character above the exact window
    bound), the model's ``bits`` per character, the ``bound``'s mean, the multiplications
    ``spent`` and the ``entropy`` its evaluation text was drawn from (None: the seed's own
    fixed text)."""
    seed: int
    score: float
    bits: float
    bound: float
    spent: int
    entropy: int | None = None


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

    @property
    def entropies(self):
        """Each seed's evaluation draw (None: its own text); ``evaluation=`` replays them."""
        return tuple(s.entropy for s in self.per_seed)


def score_model(model, seed, spent=0, entropy=None) -> SeedScore:
    """Score the layers of ``model`` on ``seed``'s evaluation text (of ``entropy``, or the
    seed's own without one): the mean over every target of −log₂ P(target | window), minus
    the mean exact window bound (``spent``: the multiplications to record beside it). Its
    expectation over the text is about a KL divergence (exactly for windows at a stationary
    place; each text's first window starts a sentence), ≥ 0 and 0 only for the best window
    predictor itself; a finite text can put a model within its noise (about 0.02 bits a
    seed) of the bound a little below 0, no trained model of the arena's budgets comes
    near."""
    ev = evaluation_text(seed, entropy)
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
    return SeedScore(int(seed), bits - bound, bits, bound, int(spent), entropy)


def train_seed(recipe, budget, seed, *, seconds=SECONDS):
    """``(model, spent, cpu)``: ``recipe`` trained on ``seed``'s training stream within
    ``budget`` in a process of its own, the model it returned rebuilt here from its file
    (the library's layer types only, read without unpickling), the multiplications its
    meter counted and the CPU seconds its training took (``nan`` where the platform does
    not tell). The process is killed after ``seconds``; ``RecipeError`` for a broken rule.

    What the process boundary settles: the recipe cannot see, compute or replace the
    evaluation text or the scorer (both live here, and the text is drawn after the process
    ended), and nothing it keeps in memory, in a relative file or a tempfile (each seed
    works in a new, empty folder) reaches the next seed. What it does not: work outside the
    meter (a second model, NumPy at import) is bounded by the process's CPU time less its
    checks (``Meter.checking``, as the process reports it, at most twice the allowance):
    at most ``CPU_FACTOR`` times what the returned model's counted steps take here plus
    ``CPU_FREE`` s, a bound, not a count (a second model cheaper than the slack passes; no
    bound on Windows). A cache at an absolute path survives.
    The model must start as its layers' own initialisation draws from the seed's generator
    (``guard``), each counted step run the library's code on the buffers its last step left
    with no hook, gc callback, signal handler or thread beside it (``check_step``); a check
    replaced in the process and put back before it is looked at, a finalizer in the step,
    or the guards' records changed, pass. A process the recipe starts is refused
    (``processes``); one that C code of its own starts (a C extension of the learner's, a C
    function ctypes calls by its address) fails on Linux (x86-64, ARM64: a seccomp filter),
    and elsewhere is not timed and runs on after the seed. The model file and the count
    read here come from that process: a recipe that writes both itself and exits skips
    every check (tests/test_arena_child.py plants one); only reading it catches that."""
    name = recipe_identity(recipe)[0]
    what, method = _transport(recipe)
    seed, budget = _one_seed(seed), _budget(budget)
    refuse_shadowing(f"before the recipe {name} ran on seed {seed}")   # (guard.py: why)
    ctx = multiprocessing.get_context(method)
    with tempfile.TemporaryDirectory(prefix="nnbook-arena-") as folder:
        path = str(Path(folder) / "model.npz")
        here, there = ctx.Pipe(duplex=False)
        before = _children_cpu()
        proc = ctx.Process(target=child.main, args=(there, what, budget, seed, path),
                           name=f"arena seed {seed}")
        _start(proc, method, folder)
        there.close()
        try:
            start = _receive(here, time.monotonic() + _START, proc)
            done = None if start is None else _receive(here, time.monotonic() + seconds, proc)
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            here.close()
        refuse_shadowing(f"after the recipe {name} ran on seed {seed}")
        if start is None or done is None:
            if proc.exitcode is not None and proc.exitcode < 0 and start is not None:
                raise RecipeError(f"arena: the recipe {name} did not return within {seconds} s "
                                  f"on seed {seed}; expected it to train and return. Train "
                                  f"for fewer steps, or check it for a loop that never ends.")
            raise RecipeError(f"arena: the recipe {name}'s process ended on seed {seed} "
                              f"(exit code {proc.exitcode}) without a model or an error; "
                              f"expected it to return its model. Remove the exit.")
        if done.get("interrupted") is True:             # Ctrl-C in the recipe: stop here
            raise KeyboardInterrupt
        if "error" in done:
            raise RecipeError(str(done["error"]))
        cpu = _children_cpu() - before - float(start.get("cpu", 0.0)) \
            if resource is not None and start.get("one_thread") is True else math.nan
        spent = done.get("spent")
        if not isinstance(spent, int) or not 0 <= spent <= budget:
            raise RecipeError(f"arena: the recipe {name}'s process says it spent {spent!r} of "
                              f"{budget:,} on seed {seed}; expected a count within the "
                              f"budget. Do not touch the meter.")
        try:
            model = load_model(path)
            check_layer_types(model.layers, f"the recipe {name}'s model")
        except (ValueError, OSError) as exc:
            if "NaN" in str(exc) or "inf" in str(exc):
                raise RecipeError(f"arena: the model's weights on seed {seed} are not finite "
                                  f"({exc}); expected a finite model. Lower the learning "
                                  f"rate.") from None
            raise RecipeError(f"arena: the model the recipe {name} returned on seed {seed} "
                              f"cannot be rebuilt from the library's layers ({exc}); "
                              f"expected nnbook's own layer types. Use those.") from None
        try:                           # what is scored, whatever the recipe's process saw
            check_causal(settings(model.layers))
        except ValueError as exc:
            raise RecipeError(f"the model file of seed {seed}: {exc}") from None
        if model_print(model.layers) != done.get("weights"):   # a process left running
            raise RecipeError(f"arena: the model file of seed {seed} holds another model than "
                              f"the recipe {name}'s process trained; expected its own (a "
                              f"process a recipe left running rewrote it). Stop it, and look "
                              f"at the recipes run before.")
        cpu = _check_cpu(name, seed, path, spent, cpu, done.get("checking"))
    return model, spent, cpu


def step_seconds(path, batch_size=32, repeats=8):
    """CPU seconds per counted multiplication of the model saved at ``path``: its fastest of
    ``repeats`` training steps (AdamW) on ``batch_size`` windows, here."""
    model = load_model(path)
    model.compile(optimizer=AdamW(lr=1e-3), loss=CrossEntropy(from_logits=True))
    rng = np.random.default_rng(0)
    x, y = (rng.integers(0, VOCAB_SIZE, (batch_size, WINDOW)) for _ in range(2))
    model.train_step(x, y)                                        # the first one warms up
    times = []
    # one BLAS thread if threadpoolctl is installed (else as it is: a looser bound)
    with threadpool_limits(limits=1) if threadpool_limits else contextlib.nullcontext():
        for _ in range(repeats):
            t = time.process_time()
            model.train_step(x, y)
            times.append(time.process_time() - t)
    return min(times) / (3 * forward_multiplications(model.layers, (batch_size, WINDOW)))


def _check_cpu(name, seed, path, spent, cpu, checking):
    """The CPU time less the checks (at most twice the steps' allowance), refused past it."""
    if not math.isfinite(cpu) or cpu <= CPU_FREE:
        return cpu
    steps = CPU_FACTOR * step_seconds(path) * spent
    cpu -= min(2 * steps, checking if isinstance(checking, float) and checking > 0 else 0.0)
    if cpu > (allowed := CPU_FREE + steps):
        raise RecipeError(f"arena: the recipe {name} used {cpu:.1f} s of CPU on seed {seed}, more "
                          f"than the {allowed:.1f} s its {spent:,} counted multiplications "
                          f"allow here ({CPU_FACTOR:g} × what its model's steps take on this "
                          f"machine, + {CPU_FREE:g} s): work the meter did not count (a second "
                          f"model trained, weights computed by hand). Train only the model "
                          f"arena.model made, through fit.")
    return cpu


def _score(model, name, seed, spent, evaluation):
    """The parent's score of a returned model, on a text drawn now (``evaluation``)."""
    entropy = fresh_entropy() if evaluation == "fresh" else evaluation
    s = score_model(model, seed, spent, entropy)
    if s.score < SCORE_FLOOR:
        raise RecipeError(f"arena: the recipe {name} scored {s.score:.4f} bits per character "
                          f"on seed {seed}, below {SCORE_FLOOR} (several times the text's "
                          f"noise below the window bound), which no causal model that never "
                          f"saw the evaluation text reaches; expected a score ≥ {SCORE_FLOOR}. "
                          f"Build attention with causal=True; train only on arena.windows.")
    return s


def _evaluations(evaluation, n):
    """One evaluation per seed: "fresh", None (the seed's own text) or a recorded int."""
    if evaluation == "fresh":
        return ["fresh"] * n
    if evaluation == "seed":
        return [None] * n
    try:
        draws = list(evaluation)
    except TypeError:
        draws = None
    if draws is None or len(draws) != n or not all(
            d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool)
                          and d >= 0) for d in draws):
        raise ValueError(f"arena: expected evaluation='fresh', 'seed' or one recorded "
                         f"entropy (an int ≥ 0) per seed, got {evaluation!r} for {n} seeds. "
                         f"Pass a row's entropies.")
    return [None if d is None else int(d) for d in draws]


def run(recipe, budget, seeds=(0, 1, 2), *, seconds=SECONDS, progress=None,
        evaluation="fresh") -> ArenaResult:
    """Run ``recipe`` once per seed on ``budget`` multiplications and score what it returns.

    Each seed's recipe runs in a process of its own (``train_seed``) with a new ``Arena``
    (its generator from the seed's training stream), which counts every forward, backward
    and Muon update and refuses the one that would pass the budget; the process is killed
    after ``seconds`` and its CPU time bounded (``CPU_FACTOR``). Only then does this process draw
    the seed's evaluation text and score the model (``score_model``). ``evaluation``:
    "fresh" (a draw from the operating system's entropy after training: nobody can know
    the text in advance, and a seed's score moves with it by the text's noise, about 0.02
    bits), "seed" (each seed's own fixed text: reproducible and public, the chapter's
    stored table) or the entropies a run recorded (``ArenaResult.entropies``: the same
    text again). ``progress``: a function given one line per seed. A recipe whose only
    randomness is ``arena.rng`` gives the same scores on the same seeds and evaluation
    texts on any machine (to about 1e-13); one that draws from another generator does not.
    """
    name, digest = recipe_identity(recipe)
    budget, seeds = _budget(budget), _seeds(seeds)
    per_seed = []
    for seed, draw in zip(seeds, _evaluations(evaluation, len(seeds))):
        model, spent, _ = train_seed(recipe, budget, seed, seconds=seconds)
        s = _score(model, name, seed, spent, draw)
        per_seed.append(s)
        if progress is not None:
            progress(f"seed {seed}: {s.score:.4f} bits/char above the window bound "
                     f"({s.bits:.4f} − {s.bound:.4f}), {s.spent:,} of {budget:,} "
                     f"multiplications")
    mean = float(np.mean([s.score for s in per_seed]))
    return ArenaResult(name, digest, budget, tuple(per_seed), mean)


def run_seed(recipe, budget, seed, *, seconds=SECONDS, evaluation="fresh") -> SeedScore:
    """One seed of ``run``: the recipe trained on ``seed``'s training stream within
    ``budget`` (in a process of its own) and scored on an evaluation text (``evaluation``:
    "fresh", "seed" or a recorded entropy), the ``SeedScore`` ``run`` would give for that
    seed and text (a seed table's row, with "seed"; a comparison still needs ≥ 3 seeds)."""
    draw = _evaluations([evaluation] if not isinstance(evaluation, str) else evaluation, 1)[0]
    model, spent, _ = train_seed(recipe, budget, seed, seconds=seconds)
    return _score(model, recipe_identity(recipe)[0], _one_seed(seed), spent, draw)


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
