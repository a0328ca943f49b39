"""Small recipes for the arena's tests (chapter 37): a honest one of a few seconds, and the
cheats and mistakes the harness must refuse; ``honest_seeded`` and ``honest_fresh``, the
honest recipe's run, made once a pytest process for every test that compares with it."""

import functools

import numpy as np

import nnbook as nb

D, STEPS, BATCH = 16, 6, 16
SEEDS = (0, 1, 2)


def tiny_layers(arena):
    """One modern block of width 16, chapter 20's kind."""
    emb = nb.Embedding(arena.vocab_size, D, rng=arena.rng)
    return [emb, nb.TransformerBlock.modern(D, 2, rng=arena.rng), nb.RMSNorm(D),
            nb.Unembedding(emb)]


def tiny_model(arena, lr=0.01):
    model = arena.model(tiny_layers(arena))
    model.compile(optimizer=nb.AdamW(lr=lr), loss=nb.CrossEntropy(from_logits=True))
    return model


def budget_for(steps=STEPS):
    """What ``honest`` needs: its steps and fit's check forward on 8 windows."""
    layers = tiny_layers(type("A", (), {"vocab_size": 26, "rng": np.random.default_rng(0)}))
    f = nb.arena.forward_multiplications(layers, (1, 16))
    return 3 * f * BATCH * steps + f * 8


def honest(arena):
    model = tiny_model(arena)
    x, y = arena.windows(BATCH * STEPS)
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0, rng=arena.rng)
    return model


@functools.cache
def honest_seeded():
    """``honest`` run by ``nb.arena.run`` on ``SEEDS`` and each seed's own text (spawned, as
    the module's function): the scores a cheat's are compared with. Once a process: a seed's
    run costs its new interpreter's import (about 0.7 s of CPU) and its text's window bound
    (about 0.8 s), and the tests of the harness, the guards and the child each made their
    own."""
    return nb.arena.run(honest, budget_for(), SEEDS, evaluation="seed")


@functools.cache
def honest_fresh():
    """``honest``'s run on ``SEEDS`` and fresh evaluation texts, once a process (as above)."""
    return nb.arena.run(honest, budget_for(), SEEDS)


def inside_the_step(frame):
    """True when ``frame`` or one it was called from is the library's
    ``Sequential.train_step`` (nnbook/training/model.py), where the cheats wrote."""
    while frame is not None:
        code = frame.f_code
        if code.co_name == "train_step" and code.co_filename.endswith(
                ("training/model.py", "training\\model.py")):
            return True
        frame = frame.f_back
    return False


def forked(recipe):
    """``recipe`` as a function no module holds, so that the harness runs it in a fork of
    this process (about 0.05 s of CPU a seed) instead of a new interpreter (about 0.7 s):
    for the tests of what the harness does with a recipe's result, not of how it starts it
    (those run the module's functions and files, spawned)."""
    @functools.wraps(recipe)
    def run_here(arena):
        return recipe(arena)
    return run_here


def overspends(arena):
    model = tiny_model(arena)
    x, y = arena.windows(BATCH * STEPS)
    model.fit(x, y, epochs=3, batch_size=BATCH, verbose=0, rng=arena.rng)
    return model


def overspends_quietly(arena):
    """Catches the refusal and returns the model trained so far."""
    model = tiny_model(arena)
    x, y = arena.windows(BATCH * STEPS)
    try:
        model.fit(x, y, epochs=3, batch_size=BATCH, verbose=0, rng=arena.rng)
    except Exception:
        pass
    return model


def never_returns(arena):
    """Loops, swallows the first stop (``except Exception`` would not even see it), and loops
    again: the harness stops it again. (One that swallows every stop in a loop of its own
    cannot be stopped in the harness's process: run untrusted recipes in a process of their
    own.)"""
    try:
        while True:
            sum(range(1000))
    except BaseException:
        pass
    while True:
        sum(range(1000))


def raises(arena):
    raise RuntimeError("oops")


def exits(arena):
    """Ends its own process: no model, no error message."""
    import os
    os._exit(3)


def returns_nan(arena):
    """A model whose output weights start (and stay) NaN: a library initialiser of NaNs."""
    emb = nb.Embedding(26, 4, rng=arena.rng)
    out = nb.Dense(4, 26, init=nb.init.constant(np.nan), rng=arena.rng)
    return arena.model([emb, out])


def reads_the_evaluation_text(arena):
    nb.arena.evaluation_text(0)
    return honest(arena)


def trains_uncounted(arena):
    """Trains the model's layers in a second, uncounted model and returns the counted one."""
    model = tiny_model(arena)
    other = nb.Sequential(model.layers)
    other.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True))
    x, y = arena.windows(BATCH * STEPS)
    other.fit(x, y, epochs=5, batch_size=BATCH, verbose=0, rng=arena.rng)
    return model


def returns_its_own_model(arena):
    model = nb.Sequential(tiny_layers(arena))
    model.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True))
    x, y = arena.windows(BATCH * STEPS)
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0, rng=arena.rng)
    return model


def uniform(arena):
    """Untrained, with every weight of the output 0 (the library's ``zeros`` initialiser):
    the uniform distribution over the 26 characters."""
    emb = nb.Embedding(26, 4, rng=arena.rng)
    return arena.model([emb, nb.Dense(4, 26, init="zeros", rng=arena.rng)])


def pretrained(arena):
    """Cheat M (memorise): weights trained elsewhere, on any budget, put into the layers
    before arena.model (here a stand-in: the built weights scaled)."""
    layers = tiny_layers(arena)
    for layer in layers:
        for w in layer.params.values():
            w *= 0.5
    model = arena.model(layers)
    x, y = arena.windows(BATCH * STEPS)
    model.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True))
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0, rng=arena.rng)
    return model


def initialiser_of_its_own(arena):
    """Cheat M through the constructor: an initialiser that returns any weights it likes."""
    emb = nb.Embedding(26, 4, rng=arena.rng)
    out = nb.Dense(4, 26, init=lambda shape, fan_in, fan_out, rng, dtype: np.ones(shape),
                   rng=arena.rng)
    return arena.model([emb, out])


def draws_before_building(arena):
    """Honest, but draws its windows before building its layers: refused, with the fix."""
    x, y = arena.windows(BATCH * STEPS)
    model = tiny_model(arena)
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0, rng=arena.rng)
    return model
