"""Diagrams of post-training (chapter 22), drawn from the cell's own numbers; reached as
``nb.diagrams.<name>``: the targets of a fine-tuning example with the prompt's masked out,
LoRA's two small matrices A·B beside the frozen W, and one step of reinforcement learning
from a verifier (a group of answers, their rewards and advantages).
"""

from __future__ import annotations

import numpy as np

from ..plot.style import FONT
from ._draw import BACK, INPUT, NODE, SERIES, _arrow, _box, _canvas

__all__ = ["sft_targets", "lora_matrices", "rl_step"]

MASKED = "#e6e6e6"


def _count(owner, name, v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{owner}: expected {name} to be an integer ≥ 1, got {v!r}.")
    return int(v)


def _show(c):
    return "␣" if c == " " else c


def sft_targets(prompt, answer, *, ax=None):
    """A fine-tuning example as the model reads it: the input characters (prompt, then
    answer without its last character) in the top row, the target of each position (the
    next character) below. The targets inside the prompt are masked (grey, crossed: the
    loss skips them, ``CrossEntropy(ignore_index=…)``); the answer's are trained (coloured).
    Position t's target is character t + 1, so the first trained target is the answer's
    first character, predicted at the prompt's last position. Chapter 22."""
    if not isinstance(prompt, str) or not isinstance(answer, str) or not prompt or not answer:
        raise ValueError(f"sft_targets: expected a prompt and an answer as non-empty strings, "
                         f"got {prompt!r} and {answer!r}.")
    text = prompt + answer
    n = len(text) - 1                                   # positions: inputs 0..n-1
    cell = 0.62
    ax = _canvas(ax, (-2.6, n * cell + 0.2), (-0.9, 2.3), scale=min(0.5, 9.6 / (n * cell + 2.8)))
    ax.text(-0.3, 1.4, "input", ha="right", va="center", fontsize=FONT)
    ax.text(-0.3, 0.3, "target", ha="right", va="center", fontsize=FONT)
    for t in range(n):
        x = (t + 0.5) * cell
        inside = t < len(prompt) - 1
        _box(ax, (x, 1.4), _show(text[t]), cell * 0.9, 0.7,
             fc=INPUT if t < len(prompt) else NODE, rounding=0.05, tag="input")
        _box(ax, (x, 0.3), _show(text[t + 1]), cell * 0.9, 0.7,
             fc=MASKED if inside else "#d5f0d5", ec="#999999" if inside else "#2c3e50",
             rounding=0.05, tag="masked" if inside else "trained")
        if inside:
            ax.plot([x - cell * 0.4, x + cell * 0.4], [0.0, 0.6], color=BACK, lw=1.0)
        _arrow(ax, (x, 1.02), (x, 0.68), color="#bbbbbb", lw=0.8)
    k = len(prompt) - 1
    ax.text(k * cell / 2, -0.45, f"{k} prompt targets: ignored", ha="center", va="top",
            fontsize=FONT, color="#666666")
    ax.text((k + n) * cell / 2, -0.45, f"{n - k} answer targets: trained", ha="center",
            va="top", fontsize=FONT)
    ax.set_title(f"supervised fine-tuning: prompt {prompt!r}, answer of {len(answer)} "
                 f"characters", fontsize=FONT)
    return ax


def lora_matrices(n_in, n_out, rank, *, alpha=None, ax=None):
    """LoRA from its sizes: the frozen weight W (n_in × n_out) beside the trained
    correction (α/r)·A·B, A (n_in × r) and B (r × n_out), each drawn to scale, with the
    number of parameters each side holds. B starts at zero, so the sum starts at W.
    Chapter 22."""
    n_in = _count("lora_matrices", "n_in", n_in)
    n_out = _count("lora_matrices", "n_out", n_out)
    r = _count("lora_matrices", "rank", rank)
    if r > min(n_in, n_out):
        raise ValueError(f"lora_matrices: rank={r} is larger than min(n_in, n_out) = "
                         f"{min(n_in, n_out)}; a low-rank correction has rank below both.")
    a = float(r if alpha is None else alpha)
    u = 3.2 / max(n_in, n_out)                          # units per row or column
    h, w, rw = n_in * u, n_out * u, max(r * u, 0.12)
    ax = _canvas(ax, (-0.4, w + rw + w + 4.4), (-1.2, h + 1.1), scale=0.75)
    top = h / 2

    def matrix(x0, y0, width, height, colour, label, tag):
        _box(ax, (x0 + width / 2, y0 + height / 2), "", width, height, fc=colour,
             rounding=0.02, tag=tag)
        ax.text(x0 + width / 2, y0 - 0.25, label, ha="center", va="top", fontsize=FONT)

    matrix(0, 0, w, h, MASKED, f"W  {n_in}×{n_out}\nfrozen", "frozen")
    ax.text(w + 0.45, top, "+", ha="center", va="center", fontsize=FONT + 4)
    ax.text(w + 1.25, top, f"{a / r:g}·", ha="center", va="center", fontsize=FONT + 1)
    xa = w + 1.8
    matrix(xa, 0, rw, h, SERIES[0], f"A\n{n_in}×{r}", "trained")
    ax.text(xa + rw + 0.3, top, "·", ha="center", va="center", fontsize=FONT + 4)
    xb = xa + rw + 0.6
    matrix(xb, top - rw / 2, w, rw, SERIES[1], f"B  {r}×{n_out}\n(zeros at the start)",
           "trained")
    ax.set_title(f"LoRA, rank {r}, α = {a:g}: {n_in * n_out + n_out:,} frozen (W, b), "
                 f"{r * (n_in + n_out):,} trained (A, B)", fontsize=FONT)
    return ax


def rl_step(prompt, answers, rewards, advantages, *, ax=None):
    """One step of reinforcement learning from a verifier, from its numbers: the prompt,
    the group of answers the policy sampled for it, each answer's reward from the verifier
    and its advantage (reward minus the group's mean, over the group's spread); the arrow
    back to the policy carries −Σ A_i ∇log π(y_i). Answers with a positive advantage are
    made more likely, the others less. Chapter 22."""
    answers = list(answers)
    r = np.asarray(rewards, dtype=np.float64)
    adv = np.asarray(advantages, dtype=np.float64)
    if not answers or r.shape != (len(answers),) or adv.shape != r.shape:
        raise ValueError(f"rl_step: expected one reward and one advantage per answer, got "
                         f"{len(answers)} answers, rewards of shape {r.shape} and "
                         f"advantages of shape {adv.shape}.")
    g = len(answers)
    shown = [a if len(a) <= 30 else a[:29] + "…" for a in answers]
    shown = [s if s else "(no sentence)" for s in shown]
    row = 0.62
    height = g * row + 0.8
    ax = _canvas(ax, (-0.2, 13.6), (-1.2, height + 0.2), scale=0.6)
    mid = g * row / 2
    _box(ax, (0.9, mid), "policy\nπ", 1.5, 1.1, fc=NODE, tag="policy")
    _box(ax, (2.9, mid), prompt.strip() or prompt, 1.5, 0.7, fc=INPUT, tag="prompt")
    _arrow(ax, (1.65, mid), (2.15, mid))
    ax.text(6.3, g * row + 0.35, f"{g} sampled answers", ha="center", fontsize=FONT)
    ax.text(10.0, g * row + 0.35, "reward", ha="center", fontsize=FONT)
    ax.text(11.9, g * row + 0.35, "advantage", ha="center", fontsize=FONT)
    for i, (s, ri, ai) in enumerate(zip(shown, r, adv)):
        y = (g - i - 0.5) * row
        _arrow(ax, (3.65, mid), (4.0, y), color="#bbbbbb", lw=0.8)
        ax.text(4.1, y, s, ha="left", va="center", fontsize=FONT - 1, family="monospace")
        ax.text(10.0, y, f"{ri:g}", ha="center", va="center", fontsize=FONT,
                color=SERIES[2] if ri > 0 else "#666666")
        ax.text(11.9, y, f"{ai:+.2f}".replace("-", "−"), ha="center", va="center", fontsize=FONT,
                color=SERIES[2] if ai > 0 else BACK if ai < 0 else "#666666")
    ax.annotate("", xy=(0.9, mid - 0.6), xytext=(11.9, -0.35),
                arrowprops=dict(arrowstyle="-|>", color=BACK, lw=1.2,
                                connectionstyle="angle,angleA=180,angleB=90,rad=0"), zorder=2)
    ax.text(6.3, -0.45, "step along +Σ A·∇log π(answer | prompt)", ha="center", va="top",
            fontsize=FONT, color=BACK)
    ax.set_title(f"one RL step: the verifier accepts {int((r > 0).sum())} of {g}",
                 fontsize=FONT)
    return ax
