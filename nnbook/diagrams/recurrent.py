"""Diagrams of the recurrent network of chapter 15, drawn from the cell's own sizes:
its unrolling over time, many-to-one vs many-to-many, and the gradient paths of BPTT.
Reached as ``nb.diagrams.<name>``; the gated cells of chapter 16 are in gated.py.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..plot.style import FONT
from ..validate import positive_int
from ._draw import BACK, EDGE, INPUT, _arrow, _box, _canvas, _sub

__all__ = ["rnn_unrolled", "rnn_outputs", "bptt_paths"]

CELL_W, CELL_H, STEP = 1.3, 0.9, 2.4        # a cell's box and the distance between steps
OUTPUT = "#e8f6e9"                            # outputs and losses


def _check_sizes(owner, **sizes):
    for key, value in sizes.items():
        positive_int(owner, key, value)


def _steps(T, max_steps):
    """The steps drawn: all of 1 … T, or the first few, None (for "…") and the last two."""
    if T <= max_steps:
        return list(range(1, T + 1))
    head = max_steps - 3
    return list(range(1, head + 1)) + [None] + [T - 1, T]


def _hidden_row(ax, steps, y, x0, *, label_w="W_h", back=False, step=STEP):
    """The chain h_0 → cell_1 → … → cell_T at height y; returns {t: x of cell t}."""
    xs = {}
    ax.text(x0 - 0.25, y, "h₀ = 0", ha="right", va="center", fontsize=FONT)
    prev = x0 - 0.2
    for k, t in enumerate(steps):
        x = x0 + step * (k + 0.5)
        if t is None:
            ax.text(x, y, "…", ha="center", va="center", fontsize=14)
            _arrow(ax, (prev, y), (x - 0.3, y))
            prev = x + 0.3
            continue
        _box(ax, (x, y), f"tanh\nh{_sub(t)}" if not back else f"h{_sub(t)}", CELL_W, CELL_H)
        _arrow(ax, (prev, y), (x - CELL_W / 2, y))
        ax.text((prev + x - CELL_W / 2) / 2, y + 0.08, label_w, ha="center", va="bottom",
                fontsize=FONT, color="#1f4e79")
        xs[t] = x
        prev = x + CELL_W / 2
    return xs


def rnn_unrolled(n_in, n_hidden, T=4, *, max_steps=5, ax=None):
    """The recurrent cell folded (a loop through W_h) and unrolled over T steps.

    Every step is the same cell ``h_t = tanh(x_t W_x + h_{t−1} W_h + b)``: the unrolled
    picture is a T-layer network whose layers share W_x (n_in × h), W_h (h × h) and b (h),
    so its parameter count ``n_in·h + h·h + h`` does not depend on T. With more than
    ``max_steps`` steps the middle ones are drawn as "…". Chapter 15.
    """
    _check_sizes("rnn_unrolled", n_in=n_in, n_hidden=n_hidden, T=T, max_steps=max_steps)
    if max_steps < 4:
        raise ValueError(f"rnn_unrolled: expected max_steps ≥ 4 (two first and two last steps), got {max_steps}.")
    steps = _steps(T, max_steps)
    x_left = 4.3                                        # where the unrolled chain starts
    width = x_left + STEP * len(steps) + 0.3
    n_params = n_in * n_hidden + n_hidden * n_hidden + n_hidden
    ax = _canvas(ax, (-0.9, width), (-2.6, 2.0), scale=0.62)
    # folded
    _box(ax, (0.7, 0), "tanh", CELL_W, CELL_H)
    _box(ax, (0.7, -1.55), f"xₜ ({n_in})", w=1.4, h=0.55, fc=INPUT)
    _arrow(ax, (0.7, -1.27), (0.7, -CELL_H / 2))
    ax.text(0.78, -0.9, "W_x", ha="left", va="center", fontsize=FONT, color="#1f4e79")
    _arrow(ax, (0.7, CELL_H / 2), (0.7, 1.55))
    ax.text(0.7, 1.6, f"hₜ ({n_hidden})", ha="center", va="bottom", fontsize=FONT)
    ax.plot([0.7, -0.45, -0.45], [1.0, 1.0, 0.0], color=EDGE, lw=1.0, zorder=2)   # hₜ fed back …
    _arrow(ax, (-0.45, 0.0), (0.7 - CELL_W / 2, 0.0))                              # … as hₜ₋₁
    ax.text(-0.38, 0.5, "W_h", ha="left", va="center", fontsize=FONT, color="#1f4e79")
    ax.text(2.8, 0, "=", ha="center", va="center", fontsize=18)
    # unrolled
    xs = _hidden_row(ax, steps, 0.0, x_left)
    for t, x in xs.items():
        _box(ax, (x, -1.55), f"x{_sub(t)}", w=0.8, h=0.55, fc=INPUT)
        _arrow(ax, (x, -1.27), (x, -CELL_H / 2))
        ax.text(x + 0.06, -0.9, "W_x", ha="left", va="center", fontsize=FONT, color="#1f4e79")
        _arrow(ax, (x, CELL_H / 2), (x, 1.35))
        ax.text(x, 1.4, f"h{_sub(t)}", ha="center", va="bottom", fontsize=FONT)
    ax.set_title(f"RNN({n_in} → {n_hidden}) unrolled over T = {T} steps: one cell, used T times",
                 fontsize=FONT + 1)
    ax.text(width / 2, -2.3, f"the same W_x ({n_in}×{n_hidden}), W_h ({n_hidden}×{n_hidden}) and "
            f"b ({n_hidden}) at every step: {n_in}·{n_hidden} + {n_hidden}·{n_hidden} + {n_hidden} = "
            f"{n_params} parameters, whatever T", ha="center", va="center", fontsize=FONT)
    return ax


def rnn_outputs(T=4, n_hidden=16, n_out=1, *, axes=None):
    """Many-to-one (``return_sequences=False``: only h_T reaches the Dense layer) beside
    many-to-many (``return_sequences=True``: a Dense on every h_t, the same weights at
    every step), with the shapes each passes on. Returns the two Axes. Chapter 15.
    """
    _check_sizes("rnn_outputs", T=T, n_hidden=n_hidden, n_out=n_out)
    steps = _steps(T, 4)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9.6, 2.8))
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.8, wspace=0.08)
    width = 1.2 + STEP * len(steps)
    for ax, seq in zip(axes, (False, True)):
        _canvas(ax, (-0.9, width), (-1.9, 2.9))
        xs = _hidden_row(ax, steps, 0.0, 0.9, label_w="")
        for t, x in xs.items():
            _box(ax, (x, -1.5), f"x{_sub(t)}", w=0.8, h=0.55, fc=INPUT)
            _arrow(ax, (x, -1.22), (x, -CELL_H / 2))
            if seq or t == T:
                _box(ax, (x, 1.3), "Dense", w=1.2, h=0.5, fc=OUTPUT)
                _arrow(ax, (x, CELL_H / 2), (x, 1.05))
                _arrow(ax, (x, 1.55), (x, 2.05))
                ax.text(x, 2.1, f"ŷ{_sub(t)}", ha="center", va="bottom", fontsize=FONT)
        if seq:
            title = (f"many-to-many: return_sequences=True\nRNN → (m, {T}, {n_hidden}), "
                     f"Dense → (m, {T}, {n_out})")
        else:
            title = (f"many-to-one: return_sequences=False\nRNN → h_T (m, {n_hidden}), "
                     f"Dense → (m, {n_out})")
        ax.set_title(title, fontsize=FONT + 1)
    return axes


def bptt_paths(T=4, *, return_sequences=True, max_steps=5, ax=None):
    """The gradient paths of backpropagation through time, in the course's red.

    Each ∂E/∂h_t collects two arrows: the loss's own share at step t (with
    ``return_sequences=True``; only at T otherwise) and the share coming back from
    step t + 1 through W_hᵀ and tanh'; every step then adds its product to ∂E/∂W_h.
    Chapter 15.
    """
    _check_sizes("bptt_paths", T=T, max_steps=max_steps)
    steps = _steps(T, max_steps)
    step = 3.0
    width = 1.2 + step * len(steps) + 0.6
    ax = _canvas(ax, (-1.0, width), (-2.4, 2.2), scale=0.62)
    xs = _hidden_row(ax, steps, 0.0, 0.9, label_w="", back=True, step=step)
    for t, x in xs.items():
        if return_sequences or t == T:
            _box(ax, (x, 1.75), f"E{_sub(t)}", w=0.8, h=0.5, fc=OUTPUT)
            _arrow(ax, (x - 0.15, CELL_H / 2), (x - 0.15, 1.5))
            _arrow(ax, (x + 0.15, 1.5), (x + 0.15, CELL_H / 2), color=BACK, lw=1.6)
            ax.text(x + 0.22, 1.0, f"∂E{_sub(t)}/∂h{_sub(t)}", ha="left", va="center",
                    fontsize=FONT, color=BACK)
    for k in range(len(steps) - 1):                     # step k + 1 hands its share to step k
        x_a, x_b = 0.9 + step * (k + 0.5), 0.9 + step * (k + 1.5)
        right = x_a + (0.3 if steps[k] is None else CELL_W / 2)
        left = x_b - (0.3 if steps[k + 1] is None else CELL_W / 2)
        _arrow(ax, (left, -0.32), (right, -0.32), color=BACK, lw=1.6)
        ax.text((right + left) / 2, -0.4, "W_hᵀ", ha="center", va="top", fontsize=FONT, color=BACK)
    ax.text(width / 2 - 0.5, -1.35,
            "δzₜ = δhₜ ⊙ (1 − hₜ²),   δhₜ = ∂Eₜ/∂hₜ + δzₜ₊₁ W_hᵀ",
            ha="center", va="center", fontsize=FONT, color=BACK)
    ax.text(width / 2 - 0.5, -2.0,
            "∂E/∂W_h = Σₜ hₜ₋₁ᵀ δzₜ,   ∂E/∂W_x = Σₜ xₜᵀ δzₜ,   ∂E/∂b = Σₜ δzₜ",
            ha="center", va="center", fontsize=FONT, color=BACK)
    kind = "every step" if return_sequences else "the last step only"
    ax.set_title(f"Backpropagation through time over T = {T} steps (a loss at {kind})", fontsize=FONT + 1)
    return ax
