"""Chapter 04's batch sizes over seeds (section 5): full batch, mini-batches of 32 and one
sample at a time, from one shared start, on section 4's sine task; too slow for eight
seeds inside the notebook, so ``tools/seed_tables.py 04_batch_sizes`` stores the table.
"""

from __future__ import annotations

import numpy as np

from ..layers.activations import Tanh
from ..layers.dense import Dense
from ..optimizers import SGD
from ..training.model import Sequential

__all__ = ["sine_task", "batch_sizes", "TABLES"]


def sine_task(rng, m=200):
    """Chapter 04's regression data: ``x ~ U(-3, 3)``, ``y = sin x + 0.1·noise``.

    Shapes:
        x, y: (m, 1)
    """
    x = rng.uniform(-3, 3, size=(m, 1))
    return x, np.sin(x) + 0.1 * rng.standard_normal((m, 1))


def _sine_net(rng):
    return Sequential([Dense(1, 16, rng=rng), Tanh(), Dense(16, 1, rng=rng)])


def batch_sizes(seed, epochs=50, lr=0.01):
    """One seed of chapter 04, section 5: data, start and shuffles from ``seed``; the
    loss on all samples after ``epochs`` epochs for each batch size, and the ratio of
    the mini-batch loss after 7 epochs (49 updates) to the full-batch loss after 49."""
    rng = np.random.default_rng(seed)
    x, y = sine_task(rng)
    start = _sine_net(rng)
    curves = {}
    for name, batch in [("full batch", len(x)), ("mini-batch", 32), ("one sample", 1)]:
        model = _sine_net(rng)
        for p, p0 in zip(model.params.values(), start.params.values()):
            p[...] = p0                                      # the same start for all three
        model.compile(SGD(lr=lr), "mse")
        losses = [model.evaluate(x, y)]
        for _ in range(epochs):
            model.fit(x, y, epochs=1, batch_size=batch, verbose=0, rng=rng)
            losses.append(model.evaluate(x, y))
        curves[name] = losses
    result = {name: losses[-1] for name, losses in curves.items()}
    result["mini 7 / full 49"] = curves["mini-batch"][7] / curves["full batch"][49]
    return result


TABLES = {"04_batch_sizes": (batch_sizes, range(8))}
