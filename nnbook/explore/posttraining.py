"""Reinforcement learning from a verifier (chapter 22): a run's record step by step, the
share of sampled answers the verifier accepted, their mean length and the KL divergence to
the starting model. ``rl_history`` is the explorable (move the step), ``rl_history_figure``
its static figure; both read the record a training loop kept (a dict of equal-length lists).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT
from ._widgets import _explorable, _int

__all__ = ["rl_history", "rl_history_figure"]

SERIES = ("accepted", "length", "kl")


def _record(owner, history):
    """``history``: a dict with "accepted" (0–1 per step), "length" (characters) and "kl"
    (nats per answer), each a sequence of one number per step, all of one length ≥ 1."""
    if not isinstance(history, dict) or not set(SERIES) <= set(history):
        raise ValueError(f"{owner}: expected a dict with the keys {SERIES} (one number per "
                         f"RL step each), got {type(history).__name__} with keys "
                         f"{sorted(history) if isinstance(history, dict) else None}.")
    rows = {k: np.asarray(history[k], dtype=np.float64) for k in SERIES}
    n = len(rows["accepted"])
    if n == 0 or any(v.shape != (n,) for v in rows.values()):
        raise ValueError(f"{owner}: expected 'accepted', 'length' and 'kl' as 1-D sequences "
                         f"of one equal length ≥ 1, got shapes "
                         f"{ {k: v.shape for k, v in rows.items()} }.")
    return rows, n


def _step(owner, step, n):
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 0 <= step < n:
        raise ValueError(f"{owner}: expected step to be an integer in [0, {n}) (the run has "
                         f"{n} steps), got {step!r}.")
    return int(step)


def _caption(rows, step):
    return (f"step {step}: {rows['accepted'][step]:.0%} accepted, answers of "
            f"{rows['length'][step]:.1f} characters, KL to the start "
            f"{rows['kl'][step]:.2f} nats")


def rl_history_figure(history, step=None):
    """Three panels against the step: the share accepted (and its running mean over 5
    steps), the answers' mean length, and the KL divergence to the starting model; a dot
    marks ``step`` (the last by default). Chapter 22."""
    rows, n = _record("rl_history_figure", history)
    step = n - 1 if step is None else _step("rl_history_figure", step, n)
    x = np.arange(n)
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 2.9), layout="constrained")
    labels = {"accepted": "share accepted", "length": "mean answer length (chars)",
              "kl": "KL to the start (nats)"}
    for ax, key, colour in zip(axes, SERIES, ("#2ca02c", "#1f77b4", "#d62728")):
        ax.plot(x, rows[key], color=colour, lw=1.0, alpha=0.6 if key == "accepted" else 1.0)
        if key == "accepted":
            k = min(5, n)
            smooth = np.convolve(rows[key], np.ones(k) / k, mode="valid")
            ax.plot(x[k - 1:], smooth, color=colour, lw=2.0)
            ax.set_ylim(0, 1)
        ax.plot([step], [rows[key][step]], "o", color="black", ms=5)
        ax.set_xlabel("RL step", fontsize=FONT)
        ax.set_title(labels[key], fontsize=FONT)
    fig.suptitle(_caption(rows, step), fontsize=FONT)
    return fig


def rl_history(history, step=None):
    """Move through an RL run: the caption reads the step's acceptance, answer length and
    KL to the start; the figure marks it on the three curves. Figure:
    ``rl_history_figure``. Chapter 22."""
    import ipywidgets as w
    rows, n = _record("rl_history", history)
    step = n - 1 if step is None else _step("rl_history", step, n)
    controls = {"step": _int(w, "step", step, 0, n - 1)}

    def figure(step):
        return rl_history_figure(history, step)

    def caption(step):
        return _caption(rows, step)
    return _explorable(controls, figure, caption)
