"""Rotary position embeddings (chapter 20): one query at position t and one key at
position s, both rotated by RoPE; their score depends on t − s only. ``rope_score`` is the
explorable, ``rope_score_figure`` its static figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..layers.attention.rope import apply_rope, rope_angles
from ..plot.style import FONT
from ._widgets import _explorable, _int

__all__ = ["rope_score", "rope_score_figure", "rope_scores"]


def rope_scores(q, k, T, base=10000.0):
    """(T, T): S[t, s] = the score of ``q`` rotated to position t and ``k`` to s."""
    q, k = np.asarray(q, dtype=np.float64), np.asarray(k, dtype=np.float64)
    if q.ndim != 1 or q.shape != k.shape or q.size % 2:
        raise ValueError(f"rope_scores: expected q and k of the same shape (d_head,) with "
                         f"d_head even, got {q.shape} and {k.shape}.")
    theta = rope_angles(T, q.size, base)
    cos, sin = np.cos(theta), np.sin(theta)
    Q = apply_rope(np.tile(q, (T, 1)), cos, sin)
    K = apply_rope(np.tile(k, (T, 1)), cos, sin)
    return Q @ K.T


def _pair(d_head, seed):
    r = np.random.default_rng(seed)
    return r.normal(size=d_head), r.normal(size=d_head)


def rope_score_figure(t=12, s=5, d_head=8, T=40, base=10000.0, seed=20):
    """The score of one query (at t) and one key (at s) against the offset t − s, for
    random q and k drawn from ``seed``; the dot marks (t, s), the ring every other pair
    with the same offset (all on the same value). Chapter 20."""
    if not (0 <= t < T and 0 <= s < T):
        raise ValueError(f"rope_score_figure: expected positions 0 ≤ t, s < T={T}, got "
                         f"t={t}, s={s}.")
    q, k = _pair(d_head, seed)
    S = rope_scores(q, k, T, base)
    offsets = np.arange(-T + 1, T)
    curve = [np.diagonal(S, offset=-o)[0] for o in offsets]
    fig, ax = plt.subplots(figsize=(7.0, 3.2), layout="constrained")
    ax.plot(offsets, curve, color="#1f77b4", lw=1.2)
    same = [(a, a - (t - s)) for a in range(T) if 0 <= a - (t - s) < T]
    ax.plot([t - s] * len(same), [S[a, b] for a, b in same], "o", mfc="none",
            color="0.4", ms=9)
    ax.plot([t - s], [S[t, s]], "o", color="#d62728", ms=6)
    ax.set(xlabel="offset t − s", ylabel="score q_t · k_s")
    ax.set_title(f"RoPE: t = {t}, s = {s}, score {S[t, s]:.3f} (as for all "
                 f"{len(same)} pairs with t − s = {t - s})", fontsize=FONT)
    return fig


def rope_score(t=12, s=5, d_head=8, T=40, seed=20):
    """Move the query's position t and the key's s; the score moves only when t − s
    does. Figure: ``rope_score_figure``. Chapter 20."""
    import ipywidgets as w
    controls = {"t": _int(w, "t (query)", t, 0, T - 1),
                "s": _int(w, "s (key)", s, 0, T - 1)}
    q, k = _pair(d_head, seed)
    S = rope_scores(q, k, T)

    def figure(t, s):
        return rope_score_figure(t, s, d_head, T, seed=seed)

    def caption(t, s):
        return f"t = {t}, s = {s}: offset {t - s}, score {S[t, s]:.3f}"
    return _explorable(controls, figure, caption)
