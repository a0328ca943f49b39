"""Softmax and its temperature (chapter 09): three logits and T; small T → one-hot,
large T → uniform. ``softmax_temperature`` is the explorable, ``softmax_figure`` its
static figure (``nb.diagrams.softmax_bars``).
"""

from __future__ import annotations

import numpy as np

from ..diagrams.softmax import softmax_bars
from ..inference.sampling import apply_temperature
from ._widgets import _explorable, _float

__all__ = ["softmax_temperature", "softmax_figure"]


def softmax_figure(logits=(2.0, 1.0, 0.1), temperature=1.0, labels=None):
    """``nb.diagrams.softmax_bars(logits, temperature=T)`` as a Figure. Chapter 09."""
    return softmax_bars(logits, labels, temperature=temperature)[0].figure


def softmax_temperature(logits=(2.0, 1.0, 0.1), temperature=1.0):
    """Three logits and a temperature T; the bars show softmax(z / T): small T → one-hot,
    large T → uniform. Figure: ``softmax_figure``. Chapter 09."""
    import ipywidgets as w
    if len(logits) != 3:
        raise ValueError(f"softmax_temperature: expected 3 logits, got {len(logits)}; pass e.g. (2.0, 1.0, 0.1).")
    controls = {f"z{i}": _float(w, f"z{i}", float(v), -5.0, 5.0, 0.1) for i, v in enumerate(logits)}
    controls["T"] = _float(w, "T", temperature, 0.1, 5.0, 0.1)

    def figure(z0, z1, z2, T):
        return softmax_figure((z0, z1, z2), T)

    def caption(z0, z1, z2, T):
        p = apply_temperature(np.array([z0, z1, z2]), T)
        return f"T = {T:g}: probabilities " + ", ".join(f"{v:.3f}" for v in p)
    return _explorable(controls, figure, caption)
