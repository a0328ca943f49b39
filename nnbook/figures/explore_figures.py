"""The static figures behind the explorables of ``nnbook.explore``: each takes the
explorable's parameters and returns a matplotlib Figure, so a notebook can show the
same picture without a kernel (and nbval compares nothing that moves).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import data, diagnostics, init
from ..layers.activations import Sigmoid, Tanh, sigmoid
from ..layers.dense import Dense
from ..training.model import Sequential
from ..training.optimizers import SGD

__all__ = ["learning_rate_figure", "lr_regime", "sigmoid_figure", "train_xor", "xor_figure",
           "init_depth_figure", "conv_window_figure", "softmax_figure"]

FONT = 10
LINE = "#1f77b4"       # curves
PATH = "#d62728"       # iterates, markers


def _style(ax):
    ax.tick_params(labelsize=FONT)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)


# --- chapter 00: the learning rate on L(w) = a (w − w*)² -----------------------------------

def lr_regime(lr, curvature=1.0):
    """"slow", "good", "oscillating" or "diverging": gradient descent on a(w − w*)²
    multiplies w − w* by r = 1 − 2a·lr each step."""
    r = 1 - 2 * curvature * lr
    if abs(r) > 1:
        return "diverging"
    if r < 0:
        return "oscillating"
    return "good" if r < 0.7 else "slow"


def learning_rate_figure(lr=0.1, *, steps=15, w0=-1.0, w_star=2.0, curvature=1.0):
    """Gradient descent w ← w − lr·L'(w) on L(w) = a(w − w*)²: the path on the loss (left)
    and the loss per step (right). Chapter 00."""
    w = [float(w0)]
    for _ in range(steps):
        w.append(w[-1] - lr * 2 * curvature * (w[-1] - w_star))
    w = np.array(w)
    loss = curvature * (w - w_star) ** 2
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.2), layout="constrained")
    span = max(3.5, min(np.abs(w - w_star).max() * 1.1, 12))
    grid = np.linspace(w_star - span, w_star + span, 200)
    a.plot(grid, curvature * (grid - w_star) ** 2, color=LINE)
    shown = np.abs(w - w_star) <= span
    a.plot(w[shown], loss[shown], "o-", color=PATH, ms=4, lw=1)
    a.set_xlabel("w", fontsize=FONT)
    a.set_ylabel("L(w)", fontsize=FONT)
    a.set_title(f"α = {lr:g}: {lr_regime(lr, curvature)}", fontsize=FONT + 1)
    b.semilogy(np.arange(steps + 1), np.maximum(loss, 1e-16), "o-", color=PATH, ms=3)
    b.set_xlabel("step", fontsize=FONT)
    b.set_ylabel("L (log scale)", fontsize=FONT)
    b.set_title(f"loss after {steps} steps: {loss[-1]:.3g}", fontsize=FONT + 1)
    b.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    for ax in (a, b):
        _style(ax)
    return fig


# --- chapter 01: sigmoid saturation --------------------------------------------------------

def sigmoid_figure(z=0.0):
    """σ(z) and σ'(z) = σ(z)(1 − σ(z)) ≤ ¼, with the point z marked. Chapter 01."""
    grid = np.linspace(-8, 8, 400)
    s, sz = sigmoid(grid), float(sigmoid(z))
    d = sz * (1 - sz)
    fig, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
    ax.plot(grid, s, color=LINE, label="σ(z)")
    ax.plot(grid, s * (1 - s), color="#ff7f0e", label="σ'(z)")
    ax.axhline(0.25, color="gray", lw=0.8, ls="--")
    ax.text(-8, 0.27, "max σ' = ¼", fontsize=FONT, color="gray")
    ax.plot([z, z], [0, sz], color="gray", lw=0.8)
    ax.plot([z], [sz], "o", color=LINE)
    ax.plot([z], [d], "o", color="#ff7f0e")
    ax.set_xlabel("z", fontsize=FONT)
    ax.legend(fontsize=FONT, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    state = "saturated: almost no gradient" if d < 0.01 else ("the steepest point" if abs(z) < 0.5
                                                              else "")
    ax.set_title(f"z = {z:g}: σ = {sz:.3f}, σ' = {d:.4f}" + (f" ({state})" if state else ""),
                 fontsize=FONT + 1)
    _style(ax)
    return fig


# --- chapter 05: XOR ------------------------------------------------------------------------

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
    from .plot import decision_boundary
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
    _style(b)
    return fig


# --- chapter 06: initialisation scale × depth ------------------------------------------------

def init_depth_figure(scale=1.0, depth=10, *, width=64, seed=0):
    """A deep tanh net with W ~ N(0, (scale/√width)²): the spread of each layer's output
    (left) and the gradient norm reaching each Dense layer (right). Chapter 06."""
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(depth):
        layers += [Dense(width, width, init=init.normal(scale / np.sqrt(width)), rng=rng), Tanh()]
    model = Sequential(layers)
    x = rng.normal(size=(128, width))
    y = rng.normal(size=(128, width))
    with np.errstate(all="ignore"):
        std = diagnostics.activation_stats(model, x)["std"][1::2]
        norms = diagnostics.gradient_norms(model, x, y, loss="mse")
    k = np.arange(1, depth + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.2), layout="constrained")
    a.plot(k, std, "o-", color=LINE, ms=4)
    a.set_ylim(0, 1.05)
    a.set_xlabel("layer", fontsize=FONT)
    a.set_ylabel("std of tanh output", fontsize=FONT)
    a.set_title(f"scale {scale:g}, depth {depth}: activations", fontsize=FONT + 1)
    shown = np.maximum(norms, 1e-30)
    b.semilogy(k, shown, "o-", color=PATH, ms=4)
    middle = np.sqrt(shown.min() * shown.max())        # at least 4 decades: a flat profile looks flat
    b.set_ylim(min(shown.min() / 2, middle / 100), max(shown.max() * 2, middle * 100))
    b.set_xlabel("layer", fontsize=FONT)
    b.set_ylabel("‖∂E/∂W‖", fontsize=FONT)
    b.set_title(f"gradients: first/last = {norms[0] / norms[-1]:.2g}", fontsize=FONT + 1)
    for ax in (a, b):
        _style(ax)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    return fig


# --- chapters 07 and 09: the diagrams as figures ---------------------------------------------

def conv_window_figure(n=6, f=3, p=0, s=1):
    """``diagrams_conv.conv_window(n, f, p, s)`` as a Figure. Chapter 07."""
    from .diagrams_conv import conv_window
    return conv_window(n, f, p, s).figure


def softmax_figure(logits=(2.0, 1.0, 0.1), temperature=1.0, labels=None):
    """``diagrams.softmax_bars(logits, temperature=T)`` as a Figure. Chapter 09."""
    from .diagrams import softmax_bars
    return softmax_bars(logits, labels, temperature=temperature)[0].figure
