"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercise of chapter 37; exercise_solutions.py merges them into its own."""

import types

import nnbook as nb
from nnbook.arena.baseline import modern_layers
from nnbook.arena.baseline import recipe as baseline

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 37.1 · Beat the baseline within the budget ---------------------------------------------------
def recipe(arena):
    # the same model; smaller batches buy more steps from the same multiplications, and a
    # larger rate makes each count: at 1.2e9 the baseline takes 7 steps an epoch, this 28
    model = arena.model(modern_layers(arena.rng, vocab_size=arena.vocab_size))
    model.compile(optimizer=nb.AdamW(lr=0.02, weight_decay=0.01),
                  loss=nb.CrossEntropy(from_logits=True))
    epochs, batch = 4, 8
    per_epoch = arena.left // epochs - arena.step_cost(model, 8)     # fit's check, paid
    steps = per_epoch // arena.step_cost(model, batch)
    x, y = arena.windows(steps * batch)
    model.fit(x, y, epochs=epochs, batch_size=batch, verbose=0, rng=arena.rng,
              callbacks=[nb.callbacks.LearningRateScheduler(
                  nb.schedules.cosine_decay(0.02, epochs))])
    return model


def _twice(arena):
    model = baseline(arena)                          # the whole budget, then as much again
    x, y = arena.windows(320)
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, rng=arena.rng)
    return model


def _peeks(arena):
    nb.arena.evaluation_text(3701)                   # the evaluation text, during training
    return baseline(arena)


def as_a_learners(fn):
    """A copy of ``fn`` (the same code, globals and name) that no module holds by name. The
    arena runs each seed of a recipe in a process of its own: for a function an importable
    module holds (this file's, the baseline), a new interpreter that imports that module
    (about 1 s of CPU a seed: this file pulls in the other solutions' files); for one it
    cannot import, a fork of this process. A learner's recipe is always the latter (defined
    in the notebook, or in the file the report runs), so the wrong answers are handed over as
    one; the worked solution (RIGHT) stays importable, so that path is graded too."""
    return types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              fn.__closure__)


RIGHT["37.1"] = recipe
WRONG += [
    ("37.1", as_a_learners(baseline), "not past the significance"),
    ("37.1", as_a_learners(_twice), "overspent its budget"),
    ("37.1", as_a_learners(_peeks), "asked for the evaluation text"),
]
