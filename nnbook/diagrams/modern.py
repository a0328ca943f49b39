"""Diagrams of the modern block (chapter 20), drawn from the cell's own sizes; reached as
``nb.diagrams.<name>``: grouped-query attention's query heads sharing key/value heads, and
rotary position embeddings turning each pair of a head's features by its own angle, and
the modern block beside chapter 18's.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Circle

from ..plot.style import FONT
from ._draw import EDGE, SERIES, _arrow, _box, _canvas

__all__ = ["gqa_heads", "modern_block", "rope_pairs"]


def _count(owner, name, v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{owner}: expected {name} to be an integer ≥ 1, got {v!r}.")
    return int(v)


def gqa_heads(n_heads, n_kv_heads, *, ax=None):
    """Grouped-query attention from its sizes: ``n_heads`` query heads in a row above
    ``n_kv_heads`` key/value heads, each query head joined to the one it reads (query head
    j reads j // (n_heads / n_kv_heads)), a group in one colour. n_kv_heads = n_heads is
    chapter 17's attention, 1 is multi-query attention. Chapter 20."""
    h = _count("gqa_heads", "n_heads", n_heads)
    k = _count("gqa_heads", "n_kv_heads", n_kv_heads)
    if h % k:
        ok = [c for c in range(1, h + 1) if h % c == 0]
        raise ValueError(f"gqa_heads: n_kv_heads={k} does not divide n_heads={h}; each "
                         f"key/value head serves n_heads / n_kv_heads query heads. Use "
                         f"n_kv_heads in {ok}.")
    g = h // k
    width = max(h, 5) * 1.3
    ax = _canvas(ax, (-1.6, width + 0.2), (-0.2, 4.2), scale=0.6)
    qx = (np.arange(h) + 0.5) * width / h
    kx = (np.arange(k) + 0.5) * width / k
    for j in range(h):
        colour = SERIES[(j // g) % len(SERIES)]
        _box(ax, (qx[j], 3.2), f"Q{j}", min(1.0, 0.8 * width / h), 0.7, fc="white",
             ec=colour, lw=2, tag="query head")
        _arrow(ax, (kx[j // g], 1.2), (qx[j], 2.8), color=colour, lw=1.4)
    for i in range(k):
        _box(ax, (kx[i], 0.8), f"K{i} V{i}", min(1.6, 0.85 * width / k), 0.7,
             fc=SERIES[i % len(SERIES)], tag="kv head")
    ax.text(-0.2, 3.2, "queries", ha="right", va="center", fontsize=FONT)
    ax.text(-0.2, 0.8, "keys,\nvalues", ha="right", va="center", fontsize=FONT)
    kind = ("multi-head attention" if k == h else
            "multi-query attention" if k == 1 else "grouped-query attention")
    ax.set_title(f"{kind}: {h} query heads, {k} K/V head{'s' * (k > 1)}", fontsize=FONT)
    return ax


def rope_pairs(d_head, t, *, base=10000.0, ax=None):
    """RoPE at position ``t``: one circle per pair (2i, 2i + 1) of a head's features, the
    arrow turned from the horizontal by the pair's angle θ_i = t·base^(−2i/d_head); pair 0
    turns fastest (one radian a position), the last the slowest. Chapter 20."""
    d = _count("rope_pairs", "d_head", d_head)
    if d % 2:
        raise ValueError(f"rope_pairs: RoPE rotates pairs of features, so d_head must be "
                         f"even, got d_head={d}.")
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
        raise ValueError(f"rope_pairs: expected the position t to be an integer ≥ 0, got "
                         f"{t!r}.")
    n = d // 2
    theta = t * float(base) ** (-np.arange(0, d, 2) / d)
    ax = _canvas(ax, (-1.4, 2.6 * n - 1.2), (-2.2, 1.5), scale=0.55)
    for i in range(n):
        cx = 2.6 * i
        ax.add_patch(Circle((cx, 0), 1.0, fill=False, ec=EDGE, lw=1.0, label="pair"))
        ax.plot([cx, cx + 1.0], [0, 0], color="#bbbbbb", lw=1.0)
        tip = (cx + np.cos(theta[i]), np.sin(theta[i]))
        _arrow(ax, (cx, 0), tip, color=SERIES[i % len(SERIES)], lw=1.8)
        ax.text(cx, -1.35, f"pair {i}: ({2 * i}, {2 * i + 1})", ha="center", va="top",
                fontsize=FONT - 1)
        ax.text(cx, -1.8, f"θ = {theta[i]:.3f} rad", ha="center", va="top",
                fontsize=FONT - 1)
    ax.set_title(f"RoPE at position t = {t}: d_head = {d}, {n} pairs, each turned by "
                 f"t·{base:g}^(−2i/{d})", fontsize=FONT)
    return ax


def modern_block(d_model, n_heads, n_kv_heads, d_ff, *, ax=None):
    """Chapter 18's pre-norm block (LayerNorm, multi-head attention with learned positions
    added before the blocks, a ReLU MLP of 4·d_model) beside the modern block (RMSNorm,
    grouped-query attention with RoPE, SwiGLU of ``d_ff``), from their sizes; the boxes
    that changed are drawn in the modern colour. Chapter 20."""
    d = _count("modern_block", "d_model", d_model)
    h = _count("modern_block", "n_heads", n_heads)
    k = _count("modern_block", "n_kv_heads", n_kv_heads)
    f = _count("modern_block", "d_ff", d_ff)
    if d % h or h % k:
        raise ValueError(f"modern_block: expected n_heads to divide d_model and n_kv_heads "
                         f"to divide n_heads, got d_model={d}, n_heads={h}, "
                         f"n_kv_heads={k}.")
    ax = _canvas(ax, (-0.2, 10.2), (-0.4, 7.6), scale=0.6)
    columns = [(2.5, "GPT-2 (chapter 18)", "white",
                ["LayerNorm", f"MHA: {h} heads", "LayerNorm", f"ReLU MLP {d}→{4 * d}→{d}"]),
               (7.5, "modern (chapter 20)", "#d5f0d5",
                ["RMSNorm", f"GQA + RoPE: {h} Q, {k} K/V heads", "RMSNorm",
                 f"SwiGLU {d}→{f}→{d}"])]
    for cx, title, colour, names in columns:
        ax.text(cx, 7.3, title, ha="center", va="center", fontsize=FONT)
        ys = [6.2, 4.9, 3.0, 1.7]
        for y, name in zip(ys, names):
            _box(ax, (cx, y), name, 4.4, 0.8, fc=colour,
                 tag="changed" if colour != "white" else "box")
        for y0, y1 in ((6.2, 4.9), (3.0, 1.7)):
            _arrow(ax, (cx, y0 - 0.42), (cx, y1 + 0.42))
        for y in (4.9, 1.7):
            _arrow(ax, (cx, y - 0.42), (cx, y - 0.95))
            ax.text(cx + 0.25, y - 1.15, "+ x (residual)", ha="left", va="center",
                    fontsize=FONT - 1)
    ax.set_title(f"one block, d_model = {d}: the same shape, four parts changed",
                 fontsize=FONT)
    return ax
