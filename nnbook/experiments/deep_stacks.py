"""Chapter 06's training comparisons over seeds, on the regression task y = sin(πx₁)·x₂:
a steep ReLU network with and without gradient clipping (section 6), and 20-layer plain
and residual stacks (section 7). Too slow for the notebook at eight seeds each, so
``tools/seed_tables.py 06_clipping 06_residual`` stores the tables.
"""

from __future__ import annotations

import numpy as np

from .. import init as _init
from ..layers.activations import ReLU, Sigmoid, Tanh
from ..layers.base import Layer
from ..layers.dense import Dense
from ..optimizers import SGD
from ..training.model import Sequential

__all__ = ["regression_task", "steep_net", "clipping", "residual", "CLIPS", "KINDS", "TABLES"]

CLIPS = {"clipvalue=1": {"clipvalue": 1.0}, "clipnorm=1": {"clipnorm": 1.0},
         "global_clipnorm=5": {"global_clipnorm": 5.0}}
UNCLIPPED, HE_START = "unclipped overflowed", "He start"


def regression_task(rng, m=256):
    """Chapter 06's data: ``x ~ U(-1, 1)²``, ``y = sin(π x₁)·x₂``.

    Shapes:
        X: (m, 2); y: (m, 1)
    """
    X = rng.uniform(-1, 1, size=(m, 2))
    return X, np.sin(np.pi * X[:, :1]) * X[:, 1:]


def steep_net(seed, hidden_init=_init.normal(0.4), depth=12, width=32):
    """ReLU layers drawn 1.6× He's scale (std 0.4 for 32 inputs) and a small output unit."""
    r = np.random.default_rng(seed)
    layers = [Dense(2, width, init=hidden_init, rng=r), ReLU()]
    for _ in range(depth - 1):
        layers += [Dense(width, width, init=hidden_init, rng=r), ReLU()]
    layers.append(Dense(width, 1, init=_init.normal(0.01), rng=r))
    return Sequential(layers)


def _task(seed):
    rng = np.random.default_rng(seed)
    X, y = regression_task(rng)
    net_seed, fit_seed = rng.integers(2**31, size=2)
    return X, y, net_seed, fit_seed


def clipping(seed, epochs=60):
    """One seed of section 6: the final loss over Var(y) of each clipped run and of He's
    start without clipping (``HE_START``), and whether the unclipped steep run overflowed
    (1) or not (0) (``UNCLIPPED``)."""
    X, y, net_seed, fit_seed = _task(seed)
    result = {}
    runs = [(UNCLIPPED, {}, _init.normal(0.4))]
    runs += [(name, clip, _init.normal(0.4)) for name, clip in CLIPS.items()]
    runs.append((HE_START, {}, _init.he_normal))                # He's scale, no clipping
    for name, clip, hidden_init in runs:
        model = steep_net(net_seed, hidden_init)
        model.compile(SGD(0.01, **clip), "mse")
        try:
            history = model.fit(X, y, epochs=epochs, batch_size=32, verbose=0,
                                rng=np.random.default_rng(fit_seed))
        except FloatingPointError:                      # a clipped run would show inf
            result[name] = 1.0 if name == UNCLIPPED else float("inf")
            continue
        if name == UNCLIPPED:
            result[name] = 0.0
        else:
            result[name] = history.history["loss"][-1] / y.var()
    return result


class _ResidualBlock(Layer):
    """y = a + g(a W + b); chapter 06 writes the same block by hand as ``ResidualBlock``."""

    def __init__(self, width, activation, init, rng):
        super().__init__()
        self.dense, self.act = Dense(width, width, init=init, rng=rng), activation()
        self.params, self.grads = self.dense.params, self.dense.grads

    def forward(self, a):
        return a + self.act.forward(self.dense.forward(a))

    def backward(self, dy):
        through_layer = self.dense.backward(self.act.backward(dy))
        self.grads = self.dense.grads
        return dy + through_layer


KINDS = {"sigmoid + Xavier": (Sigmoid, _init.xavier_normal, False),
         "ReLU + He": (ReLU, _init.he_normal, False),
         "tanh plain": (Tanh, _init.normal(0.1), False),          # N(0, 0.1²) weights
         "tanh residual": (Tanh, _init.normal(0.1), True)}


def _twenty_layers(net_seed, activation, init, residual, depth=20, width=32):
    r = np.random.default_rng(net_seed)
    layers = [Dense(2, width, init=init, rng=r), activation()]
    for _ in range(depth - 1):
        layers += ([_ResidualBlock(width, activation, init, r)] if residual
                   else [Dense(width, width, init=init, rng=r), activation()])
    layers.append(Dense(width, 1, init=init, rng=r))
    return Sequential(layers)


def residual(seed, epochs=30):
    """One seed of section 7: each 20-layer kind's loss over its last 5 epochs, over Var(y);
    ``inf`` for a run whose loss overflowed (the residual stack's sums can grow: on some
    seeds it, and on rarer ones ReLU + He, blows up instead of learning)."""
    X, y, net_seed, fit_seed = _task(seed)
    result = {}
    for name, (activation, init, is_residual) in KINDS.items():
        model = _twenty_layers(net_seed, activation, init, is_residual)
        model.compile(SGD(0.01), "mse")
        try:
            history = model.fit(X, y, epochs=epochs, batch_size=32, verbose=0,
                                rng=np.random.default_rng(fit_seed))
        except FloatingPointError:
            result[name] = float("inf")
            continue
        result[name] = float(np.mean(history.history["loss"][-5:])) / y.var()
    return result


TABLES = {"06_clipping": (clipping, range(8)), "06_residual": (residual, range(8))}
