"""The arena's baseline recipe (chapter 37): chapter 20's modern model, two blocks of width 32,
trained as chapter 20 trains it (AdamW, batches of 32, 4 epochs, a cosine-decaying rate) on as
many windows as the budget pays for; ``python -m nnbook.arena run nnbook/arena/baseline.py`` runs it."""

from __future__ import annotations

from ..callbacks import LearningRateScheduler
from ..layers import Embedding, RMSNorm, TransformerBlock, Unembedding
from ..schedules import cosine_decay
from ..training import AdamW, CrossEntropy

__all__ = ["recipe", "modern_layers"]


def modern_layers(rng, d_model=32, n_blocks=2, vocab_size=26):
    """Chapter 20's model: a tied embedding, ``n_blocks`` modern blocks (4 heads, 2 key/value
    heads, SwiGLU of 8·d/3, RoPE), a final RMSNorm and the unembedding."""
    emb = Embedding(vocab_size, d_model, rng=rng)
    blocks = [TransformerBlock.modern(d_model, 4, rng=rng) for _ in range(n_blocks)]
    return [emb, *blocks, RMSNorm(d_model), Unembedding(emb)]


def recipe(arena, batch_size=32, lr=0.01, epochs=4):
    """Build chapter 20's model and spend the budget on ``epochs`` passes over as many
    fresh windows as it then pays for."""
    model = arena.model(modern_layers(arena.rng, vocab_size=arena.vocab_size))
    model.compile(optimizer=AdamW(lr=lr, weight_decay=0.01),
                  loss=CrossEntropy(from_logits=True))
    # fit checks the weights with a forward on 8 windows (once, after the last epoch):
    # reserved once an epoch, so a few steps' worth of the budget is left unspent
    per_epoch = arena.left // epochs - arena.step_cost(model, 8)
    steps = per_epoch // arena.step_cost(model, batch_size)            # steps an epoch
    if steps < 1:
        raise ValueError(f"baseline recipe: a budget of {arena.budget:,} multiplications pays "
                         f"for no epoch of steps of {arena.step_cost(model, batch_size):,}; "
                         f"expected at least {epochs}. Raise the budget.")
    x, y = arena.windows(steps * batch_size)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, rng=arena.rng,
              callbacks=[LearningRateScheduler(cosine_decay(lr, epochs))])
    return model
