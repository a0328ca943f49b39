"""Chapter 37's arena: chapter 20's model (the arena's baseline) and three ideas of Parts
IV–VII, each a recipe on the same budget of multiplications: Muon's update (chapter 34), a
mixture of experts in the feed-forward place (chapter 33), and a hybrid whose first block
mixes with the delta rule (chapter 31). Every recipe changes one thing of the baseline and
keeps the rest (the sizes, batches of 32, 4 epochs, a cosine rate); each spends the budget
on as many windows as its own step cost pays for, so a dearer step trains on fewer.

A seed is the arena's: it draws the recipe's training text, initialisation and batch order,
and the evaluation text the score is measured on; ``idea_row(seed)`` is one seed of every
recipe, scored on the seed's own fixed evaluation text (``evaluation="seed"``: the table
is reproducible by anyone), ``TABLES["37_arena"]`` their stored table (the notebook
re-runs its first row).
"""

from __future__ import annotations

import numpy as np

from ..arena import Arena, optimizer_multiplications, run_seed
from ..arena.baseline import modern_layers
from ..arena.baseline import recipe as baseline
from ..callbacks import LearningRateScheduler
from ..layers import Embedding, RMSNorm, TransformerBlock, Unembedding
from ..optimizers import AdamW, Muon
from ..schedules import cosine_decay
from ..training import CrossEntropy

__all__ = ["BUDGET", "SEEDS", "RECIPES", "SETUPS", "baseline", "muon", "experts", "hybrid",
           "experts_layers", "hybrid_layers", "train_on_budget", "step_costs", "idea_row",
           "TABLES"]

#: the multiplications every recipe spends: 100 steps of the baseline (about 1 s a seed)
BUDGET = 4_000_000_000
#: the stored table's seeds (ten: the paired test's smallest p is then 1/1024)
SEEDS = tuple(range(370, 380))
BATCH, EPOCHS = 32, 4


def train_on_budget(arena, layers, optimizer, lr):
    """The baseline's schedule for any layers and optimizer: ``EPOCHS`` passes over as many
    fresh windows as the budget pays for at this model's step cost (its update included),
    fit's check forward on 8 windows (run once, at the end) reserved once an epoch, the
    rate decayed by a cosine from ``lr``."""
    model = arena.model(layers)
    model.compile(optimizer=optimizer, loss=CrossEntropy(from_logits=True))
    per_epoch = arena.left // EPOCHS - arena.step_cost(model, 8)
    steps = per_epoch // arena.step_cost(model, BATCH)
    if steps < 1:
        raise ValueError(f"arena_ideas: a budget of {arena.budget:,} pays for no epoch of "
                         f"steps of {arena.step_cost(model, BATCH):,} multiplications; "
                         f"expected at least {EPOCHS}. Raise the budget.")
    x, y = arena.windows(steps * BATCH)
    model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, verbose=0, rng=arena.rng,
              callbacks=[LearningRateScheduler(cosine_decay(lr, EPOCHS))])
    return model


def experts_layers(rng, vocab_size=26):
    """Chapter 33: each block's SwiGLU replaced by 4 experts of the same size, k = 1,
    balanced by the selection bias: the multiplications of one expert and a router per
    token, four times the feed-forward parameters."""
    emb = Embedding(vocab_size, 32, rng=rng)
    blocks = [TransformerBlock.modern(32, 4, ffn="moe", rng=rng,
                                      moe={"n_experts": 4, "k": 1, "balance_rate": 0.01})
              for _ in range(2)]
    return [emb, *blocks, RMSNorm(32), Unembedding(emb)]


def hybrid_layers(rng, vocab_size=26):
    """Chapter 31: the first block mixes with the delta rule (an 8 × 8 state per head, no
    RoPE), the second keeps softmax attention."""
    emb = Embedding(vocab_size, 32, rng=rng)
    blocks = [TransformerBlock.modern(32, 4, mixer="delta", rng=rng),
              TransformerBlock.modern(32, 4, rng=rng)]
    return [emb, *blocks, RMSNorm(32), Unembedding(emb)]


def _adamw():
    return AdamW(lr=0.01, weight_decay=0.01), 0.01


def _muon():
    """Chapter 34's: Muon at its published rate 0.02 on every matrix, AdamW (weight decay
    0.01) on the gains at half that rate."""
    return Muon(lr=0.02, fallback=AdamW(weight_decay=0.01), fallback_lr_ratio=0.5), 0.02


#: name → (the layers, a function of the generator; the optimizer and its rate): each idea
#: changes one thing of the baseline
SETUPS = {"baseline": (modern_layers, _adamw), "Muon": (modern_layers, _muon),
          "experts": (experts_layers, _adamw), "hybrid": (hybrid_layers, _adamw)}


def _recipe(name):
    layers, optimizer = SETUPS[name]

    def recipe(arena):
        return train_on_budget(arena, layers(arena.rng, vocab_size=arena.vocab_size),
                               *optimizer())
    recipe.__name__ = recipe.__qualname__ = name
    recipe.__doc__ = f"The arena's recipe of {name!r} (``SETUPS``)."
    return recipe


muon, experts, hybrid = (_recipe(n) for n in ("Muon", "experts", "hybrid"))


def step_costs(name, batch_size=BATCH):
    """``(forward and backward, the update)``: the multiplications of one step of recipe
    ``name`` on ``batch_size`` windows, its model's two parts apart."""
    layers, optimizer = SETUPS[name]
    arena = Arena(10**15, np.random.default_rng(0))
    model = arena.model(layers(arena.rng))
    model.compile(optimizer=optimizer()[0], loss=CrossEntropy(from_logits=True))
    update = optimizer_multiplications(model.optimizer, [p for p, _ in model.gradient_pairs()])
    return arena.step_cost(model, batch_size) - update, update


#: the recipes of the table, the baseline first
RECIPES = {"baseline": baseline, "Muon": muon, "experts": experts, "hybrid": hybrid}


def idea_row(seed, names=tuple(RECIPES), budget=BUDGET):
    """One seed's row: each recipe's score (bits per character above the window bound) and
    the multiplications it spent (``"<name> spent"``)."""
    row = {}
    for name in names:
        s = run_seed(RECIPES[name], budget, seed, evaluation="seed")
        row[name], row[f"{name} spent"] = s.score, float(s.spent)
    return row


TABLES = {"37_arena": (idea_row, SEEDS)}
