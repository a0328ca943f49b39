"""Chapter 37's research arena (``nb.arena``): a recipe trained on a budget counted in
multiplications, each seed in a process of its own, scored in bits per character above the
exact window bound on evaluation text the harness draws after training (from fresh
entropy, recorded), over at least three seeds, and a leaderboard of signed rows that
``verify`` measures again.

- budget.py: ``forward_multiplications`` (a model's count, forward; a training step costs
  three forwards), ``optimizer_multiplications`` (an update's: Muon's Newton–Schulz) and
  ``CountedModel``, the ``Sequential`` that spends them on a ``Meter``;
- text.py: ``training_rng`` (a seed's training stream), ``evaluation_text`` (its
  evaluation stream and an entropy, with the exact window bound of every target) and
  ``fresh_entropy``;
- child.py: the recipe's process: ``Arena`` (what a recipe gets), ``load_recipe``,
  ``RecipeError``; processes.py: ``refuse``, its audit hook refusing any process the
  recipe starts (one the harness would not time);
- harness.py: ``run`` (a recipe over seeds), ``run_seed`` (one seed), ``train_seed`` (one
  seed's process: the model back, its time limit ``SECONDS``, its CPU bound
  ``CPU_FACTOR``, ``CPU_FREE``, ``step_seconds``), ``score_model``;
- guard.py: the checks inside the recipe's process (the library's own layer types, the
  starting weights those layers' own initialisation draws, nothing the counting relies on
  replaced) and ``SCORE_FLOOR``; library.py: every counted step's code the library's
  (``check_step``: an optimizer of nnbook's own classes, no method or function replaced;
  budget.py's ``check_untouched``: its buffers as the last counted step left them);
- leaderboard.py: ``submit``, ``read_board``, ``show``, ``verify``, ``row_digest``,
  ``key_file`` (scores stored to ``DIGITS`` decimals, a change accepted past ``ALPHA`` by
  ``nb.evaluation.paired_test``, ``VERIFY_TOLERANCE``); rows.py: the key, a row's
  signature (bound to the line before it) and fields;
- baseline.py: the baseline recipe, chapter 20's model; __main__.py: ``python -m
  nnbook.arena run|submit|show|verify``.

A recipe is a function ``recipe(arena)`` (or a file that defines one) that builds its model
with ``arena.model(layers)``, trains it through ``fit`` on ``arena.windows(n)`` and returns
it; the budget counts the model's products (forward, backward) and the optimizer's (Muon's
Newton–Schulz), elementwise work (norms, activations, Adam's update) in none of them;
what the process boundary settles and what it does not is in ``harness.train_seed``."""

from .budget import (BACKWARD_FACTOR, BudgetExceeded, CountedModel, Meter,
                     forward_multiplications, layer_multiplications,
                     optimizer_multiplications)
from .guard import SCORE_FLOOR
from .harness import (CPU_FACTOR, CPU_FREE, SECONDS, Arena, ArenaResult, RecipeError,
                      SeedScore, load_recipe, run, run_seed, score_model, step_seconds,
                      train_seed)
from .leaderboard import (ALPHA, DIGITS, VERIFY_TOLERANCE, key_file, read_board, row_digest,
                          show, submit, verify)
from .text import EVAL_CHARS, VOCAB_SIZE, WINDOW, evaluation_text, fresh_entropy, training_rng

__all__ = ["run", "run_seed", "train_seed", "step_seconds", "CPU_FACTOR", "CPU_FREE",
           "fresh_entropy", "Arena", "ArenaResult", "SeedScore", "RecipeError", "score_model",
           "load_recipe", "SECONDS", "SCORE_FLOOR", "forward_multiplications", "layer_multiplications",
           "optimizer_multiplications",
           "CountedModel", "Meter", "BudgetExceeded", "BACKWARD_FACTOR", "submit",
           "read_board", "show", "verify", "row_digest", "key_file", "VERIFY_TOLERANCE", "DIGITS", "ALPHA", "WINDOW",
           "EVAL_CHARS", "VOCAB_SIZE", "evaluation_text", "training_rng"]
