"""Softmax as bars (chapter 09): the logits beside the probabilities they become,
at a temperature T. ``nb.explore.softmax_temperature`` moves T with a slider.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..inference.sampling import apply_temperature
from ..plot.style import FONT, plain_axes

__all__ = ["softmax_bars"]


def softmax_bars(logits, labels=None, *, temperature=1.0, axes=None):
    """Logits z (left) and softmax(z / T) (right) as bars, each bar labelled with its value.

    Shapes:
        logits: (k,)
    Returns the two Axes. Chapter 09.
    """
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size < 2:
        raise ValueError(f"softmax_bars: expected a 1-D array of at least 2 logits, got shape {z.shape}.")
    if not temperature > 0:
        raise ValueError(f"softmax_bars: expected temperature > 0, got {temperature}.")
    labels = [f"class {i}" for i in range(z.size)] if labels is None else list(labels)
    if len(labels) != z.size:
        raise ValueError(f"softmax_bars: {len(labels)} labels for {z.size} logits; pass one per logit.")
    p = apply_temperature(z, temperature)           # the course's one temperature softmax
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8, 3.2), layout="constrained")
    a, b = axes
    pos = np.arange(z.size)
    a.bar(pos, z, color="#5b8db8")
    a.axhline(0, color="black", lw=0.8)
    span = max(np.ptp(z), 1e-9)
    for i, v in enumerate(z):
        a.text(i, v + (0.03 * span if v >= 0 else -0.03 * span), f"{v:.2f}",
               ha="center", va="bottom" if v >= 0 else "top", fontsize=FONT)
    a.set_ylim(min(0, z.min()) - 0.2 * span, max(0, z.max()) + 0.2 * span)
    a.set_title("logits z", fontsize=FONT + 1)
    b.bar(pos, p, color="#e08a3c")
    for i, v in enumerate(p):
        b.text(i, v + 0.02, f"{v:.2f}", ha="center", va="bottom", fontsize=FONT)
    b.set_ylim(0, 1.15)
    t = "" if temperature == 1 else f" / {temperature:g}"
    b.set_title(f"softmax(z{t}): sums to 1", fontsize=FONT + 1)
    for ax in axes:
        ax.set_xticks(pos, labels, fontsize=FONT)
        plain_axes(ax)
    return axes
