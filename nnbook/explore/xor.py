"""XOR, the problem one layer cannot solve (chapter 05): a 2 → hidden → 1 network
trained on it (``train_xor``), its decision boundary (``xor_boundary``), the static
figure ``xor_figure`` and the explorable ``xor_training``. animation.py animates the
same training.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import data
from ..layers.activations import Sigmoid, Tanh, sigmoid
from ..layers.dense import Dense
from ..optimizers import SGD
from ..plot.curves import decision_boundary
from ..plot.style import FONT, plain_axes
from ..training.model import Sequential
from ._widgets import LINE, _explorable, _float, _int

__all__ = ["xor_training", "xor_figure", "train_xor", "xor_boundary"]


def train_xor(hidden=4, lr=1.0, epochs=300, *, seed=0, snapshots=None):
    """Train 2 → hidden (tanh) → 1 (sigmoid) with BCE and full-batch SGD on XOR.

    Returns ``(model, losses)``; with ``snapshots`` (a list of epoch numbers) also a
    list of ``(epoch, predict)`` pairs, ``predict`` mapping points (n, 2) → (n, 1)
    with the weights of that moment. Deterministic for a given ``seed``.
    """
    X, y = data.xor()
    rng = np.random.default_rng(seed)
    model = Sequential([Dense(2, hidden, rng=rng), Tanh(), Dense(hidden, 1, rng=rng), Sigmoid()])
    model.compile(optimizer=SGD(lr=lr), loss="binary_crossentropy")
    losses, frames, done = [], [], 0
    for stop in sorted(set(list(snapshots or []) + [epochs])):
        if stop > done:
            h = model.fit(X, y, epochs=stop - done, batch_size=4, shuffle=False, verbose=0)
            losses += list(h.history["loss"])
            done = stop
        if snapshots is not None and stop in snapshots:
            params = [p.copy() for p in (model.layers[0].params["W"], model.layers[0].params["b"],
                                         model.layers[2].params["W"], model.layers[2].params["b"])]
            frames.append((stop, _frozen(*params)))
    return (model, np.array(losses)) if snapshots is None else (model, np.array(losses), frames)


def _frozen(W1, b1, W2, b2):
    return lambda P: sigmoid(np.tanh(P @ W1 + b1) @ W2 + b2)


def xor_boundary(ax, predict, *, title="", legend=True):
    """The XOR points on the class the net predicts everywhere (``nb.plot.decision_boundary``,
    so the colours are the course's class colours)."""
    X, y = data.xor()
    decision_boundary(predict, X, y, ax=ax, resolution=101, padding=0.5, title=title)
    if not legend and ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.set_aspect("equal")
    ax.set_xticks([0, 1])
    ax.set_yticks([0, 1])
    ax.tick_params(labelsize=FONT)
    ax.xaxis.label.set_fontsize(FONT)
    ax.yaxis.label.set_fontsize(FONT)
    ax.title.set_fontsize(FONT + 1)


def xor_figure(hidden=4, lr=1.0, epochs=300, *, seed=0):
    """The boundary after training on XOR (left) and the loss per epoch (right). Chapter 05."""
    model, losses = train_xor(hidden, lr, epochs, seed=seed)
    X, y = data.xor()
    acc = float(np.mean((model.predict(X) > 0.5) == y))
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.4), layout="constrained")
    xor_boundary(a, model.predict, title=f"{hidden} hidden units, α = {lr:g}: accuracy {acc:.0%}")
    b.plot(np.arange(1, len(losses) + 1), losses, color=LINE)
    b.set_xlabel("epoch", fontsize=FONT)
    b.set_ylabel("training loss (BCE)", fontsize=FONT)
    b.set_title(f"loss after {epochs} epochs: {losses[-1]:.3f}", fontsize=FONT + 1)
    plain_axes(b)
    return fig


def xor_training(hidden=4, lr=1.0, epochs=300, seed=0):
    """Train a 2 → hidden → 1 net on XOR and show the boundary; sliders for the hidden size,
    the learning rate, the epochs and the seed of the starting weights (one seed is one
    start: the same settings from another seed can stall). Figure: ``xor_figure``.
    Chapter 05."""
    import ipywidgets as w
    controls = {"hidden": _int(w, "hidden", hidden, 1, 8), "lr": _float(w, "α", lr, 0.1, 3.0, 0.1),
                "epochs": _int(w, "epochs", epochs, 20, 1000, 20), "seed": _int(w, "seed", seed, 0, 19)}
    return _explorable(controls, xor_figure,
                       lambda hidden, lr, epochs, seed: f"{hidden} hidden unit{'s' * (hidden > 1)}, "
                                                        f"α = {lr:g}, {epochs} epochs, seed {seed}")
