"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercise of chapter 37; exercise_solutions.py merges them into its own."""

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


RIGHT["37.1"] = recipe
WRONG += [
    ("37.1", baseline, "not past the significance"),
    ("37.1", _twice, "overspent its budget"),
    ("37.1", _peeks, "asked for the evaluation text"),
]
