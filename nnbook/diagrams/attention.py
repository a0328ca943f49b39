"""Diagrams of attention (chapters 17–18: embeddings, attention, the transformer block),
drawn from the cell's own sizes; reached as ``nb.diagrams.<name>``: attention as a weight
matrix between positions (with the causal mask), heads as slices of the features, and the
pre-norm transformer block with its residual paths.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch, Rectangle

from ..plot.style import FONT
from ._draw import EDGE, NODE, SERIES, _arrow, _canvas

__all__ = ["attention_matrix", "causal_mask", "heads", "transformer_block"]

MASKED = "#d0d0d0"                  # positions a query may not see: always this gray
HEAD = SERIES                       # head k's colour
WEIGHTS = "Blues"                   # the colormap of attention weights, on the scale 0…1


def shown_tokens(tokens):
    """The tokens as the axes write them: a space as "␣" (the explorables use this too)."""
    return ["␣" if c == " " else str(c) for c in tokens]


def _labels(tokens, T):
    if tokens is None:
        return [str(t) for t in range(T)]
    tokens = shown_tokens(tokens)
    if len(tokens) != T:
        raise ValueError(f"attention_matrix: got {len(tokens)} tokens for {T} positions; pass one "
                         f"token (e.g. a character) per row of the weights.")
    return tokens


def attention_matrix(weights, tokens=None, *, causal=None, values=None, ax=None, title=None):
    """The (T, T) attention weights as a grid: row t is the query at position t, column s the
    key it looks at, the shade the weight (0…1, one scale for every picture of the course).
    Cells above the diagonal of a causal attention are gray: the mask hid them, weight 0.

    Shapes: weights (T, T), each row summing to 1;  tokens: T labels (characters), or None
    for the positions 0 … T − 1.

    Args:
        causal: gray the masked cells; None: when everything above the diagonal is 0.
        values: write each weight in its cell; None: when T ≤ 8.
    Chapters 17 (a heat map of a trained model's weights) and 18.
    """
    A = np.asarray(weights, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"attention_matrix: expected square weights (T, T), got shape {A.shape}. "
                         f"Pick one sample and one head: layer.attention_weights[i, h].")
    T = A.shape[0]
    labels = _labels(tokens, T)
    if causal is None:
        causal = T > 1 and not np.triu(A, 1).any()
    values = T <= 8 if values is None else values
    if ax is None:
        size = min(7.0, 1.6 + 0.42 * T)
        _, ax = plt.subplots(figsize=(round(size + 0.9, 2), round(size, 2)), layout="constrained")
    shown = np.ma.masked_where(np.triu(np.ones((T, T), bool), 1) & causal, A)
    cmap = plt.get_cmap(WEIGHTS).with_extremes(bad=MASKED)
    image = ax.imshow(shown, cmap=cmap, vmin=0.0, vmax=1.0)
    if values:
        for t in range(T):
            for s in range(T):
                masked = causal and s > t
                ax.text(s, t, "−∞" if masked else f"{A[t, s]:.2f}", ha="center", va="center",
                        fontsize=FONT - 1, color="#555555" if masked or A[t, s] < 0.6 else "white")
    ax.set_xticks(range(T), labels, fontsize=FONT)
    ax.set_yticks(range(T), labels, fontsize=FONT)
    ax.set_xlabel("key position s (what is looked at)", fontsize=FONT)
    ax.set_ylabel("query position t", fontsize=FONT)
    ax.tick_params(length=0)
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="weight a_ts")
    note = "causal: gray cells (s > t) are masked" if causal else "every row sums to 1"
    ax.set_title(title or f"attention weights, T = {T}; {note}", fontsize=FONT)
    return ax


def causal_mask(T, *, ax=None):
    """The causal mask added to the scores before the softmax: 0 where s ≤ t, −∞ above the
    diagonal, so position t sees positions 0 … t only. Chapter 17."""
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"causal_mask: expected T to be an integer ≥ 1, got {T!r}.")
    T = int(T)
    ax = _canvas(ax, (-2.2, T + 0.3), (-1.6, T + 1.4), scale=0.6 if T <= 8 else 4.5 / T)
    for t in range(T):
        for s in range(T):
            masked = s > t
            ax.add_patch(Rectangle((s, T - 1 - t), 1, 1, fc=MASKED if masked else "white",
                                   ec="#555555", lw=0.8))
            if T <= 12:
                ax.text(s + 0.5, T - 0.5 - t, "−∞" if masked else "0", ha="center", va="center",
                        fontsize=FONT, color="#555555" if masked else "black")
        ax.text(-0.2, T - 0.5 - t, f"t={t}", ha="right", va="center", fontsize=FONT)
    for s in range(0, T, max(1, T // 8)):
        ax.text(s + 0.5, T + 0.15, f"{s}", ha="center", va="bottom", fontsize=FONT)
    ax.text(T / 2, T + 0.75, "key position s", ha="center", va="bottom", fontsize=FONT)
    ax.text(T / 2, -0.3, f"row t sees the positions 0 … t; {T * (T - 1) // 2} of {T * T} "
            f"scores masked", ha="center", va="top", fontsize=FONT)
    ax.set_title(f"causal mask M (T = {T}), added to Q Kᵀ/√d_k", fontsize=FONT)
    return ax


def heads(d_model, n_heads, *, ax=None):
    """Multi-head attention as slices of the features: Q, K and V (d_model features each)
    are cut into n_heads slices of d_model/n_heads, head h attends with its own slice, and
    the heads' outputs are put side by side again and mixed by W_o. Chapter 17."""
    for name, v in (("d_model", d_model), ("n_heads", n_heads)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"heads: expected {name} to be an integer ≥ 1, got {v!r}.")
    if d_model % n_heads:
        raise ValueError(f"heads: d_model={d_model} is not divisible by n_heads={n_heads}; each "
                         f"head takes d_model / n_heads features.")
    d, h = int(d_model), int(n_heads)
    dh = d // h
    w = min(0.5, 9.0 / d)                        # width of one feature cell
    width = d * w
    ax = _canvas(ax, (-2.0, width + 0.6), (-0.1, 9.0), scale=min(0.8, 8.5 / (width + 2.6)))

    def row(y, label, alpha=1.0):
        for j in range(d):
            ax.add_patch(Rectangle((j * w, y), w, 0.6, fc=HEAD[(j // dh) % len(HEAD)],
                                   alpha=alpha, ec="white", lw=0.6))
        ax.text(-0.15, y + 0.3, label, ha="right", va="center", fontsize=FONT)

    for k, name in enumerate(("Q = x W_q", "K = x W_k", "V = x W_v")):
        row(7.6 - 0.8 * k, name)
    box_w = width / h
    for j in range(h):
        x0 = j * box_w
        ax.add_patch(FancyBboxPatch((x0 + 0.06, 3.6), box_w - 0.12, 1.4, boxstyle="round,pad=0.02",
                                    fc="white", ec=HEAD[j % len(HEAD)], lw=2))
        label = f"head {j + 1}" if box_w > 1.2 else f"{j + 1}"
        ax.text(x0 + box_w / 2, 4.55, label, ha="center", va="center", fontsize=FONT)
        if box_w > 1.2:
            ax.text(x0 + box_w / 2, 4.0, f"{dh} feature{'s' * (dh > 1)}", ha="center",
                    va="center", fontsize=FONT - 1, color="#555555")
        _arrow(ax, (x0 + box_w / 2, 5.95), (x0 + box_w / 2, 5.05))
        _arrow(ax, (x0 + box_w / 2, 3.55), (x0 + box_w / 2, 2.75))
    row(2.1, "concat")
    ax.add_patch(FancyBboxPatch((0.06, 0.75), width - 0.12, 0.7, boxstyle="round,pad=0.02",
                                fc="white", ec=EDGE, lw=1.2))
    ax.text(width / 2, 1.1, f"× W_o ({d}×{d}) + b_o: mixes the heads", ha="center", va="center",
            fontsize=FONT)
    _arrow(ax, (width / 2, 2.05), (width / 2, 1.5))
    ax.text(width / 2, 0.4, f"output: {d} features per position", ha="center", va="top",
            fontsize=FONT)
    ax.text(width / 2, 8.45, f"head h: softmax(Q_h K_hᵀ/√{dh}) V_h, on its own slice",
            ha="center", va="bottom", fontsize=FONT)
    ax.set_title(f"{h} head{'s' * (h > 1)} on d_model = {d}: each sees {dh} of the features",
                 fontsize=FONT)
    return ax


def transformer_block(d_model, n_heads, d_ff, *, ax=None):
    """The pre-norm transformer block from its sizes: ``y = x + MHA(LN₁(x))``, then
    ``out = y + W₂ ReLU(W₁ LN₂(y) + b₁) + b₂``; the residual paths run around each half,
    and each box shows its parameter count (the block's total in the title). Chapter 18."""
    for name, v in (("d_model", d_model), ("n_heads", n_heads), ("d_ff", d_ff)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"transformer_block: expected {name} to be an integer ≥ 1, got {v!r}.")
    if d_model % n_heads:
        raise ValueError(f"transformer_block: d_model={d_model} is not divisible by n_heads={n_heads}.")
    d, h, f = int(d_model), int(n_heads), int(d_ff)
    counts = {"ln": 2 * d, "mha": 4 * d * d + 4 * d, "ff1": d * f + f, "ff2": f * d + d}
    ax = _canvas(ax, (-3.2, 9.8), (-0.6, 12.6), scale=0.48)
    boxes = [(1.4, "LN₁", f"{counts['ln']} params"),
             (3.0, f"multi-head attention, {h} heads", f"{counts['mha']} params"),
             (6.2, "LN₂", f"{counts['ln']} params"),
             (7.8, f"Dense {d}→{f}, ReLU", f"{counts['ff1']} params"),
             (9.4, f"Dense {f}→{d}", f"{counts['ff2']} params")]
    for y, name, n in boxes:
        ax.add_patch(FancyBboxPatch((0.6, y), 4.8, 0.9, boxstyle="round,pad=0.05", fc=NODE,
                                    ec="#2c3e50", lw=1.2))
        ax.text(3.0, y + 0.58, name, ha="center", va="center", fontsize=FONT)
        ax.text(3.0, y + 0.2, n, ha="center", va="center", fontsize=FONT - 1, color="#555555")
    adds = [4.9, 11.1]
    for y in adds:
        ax.add_patch(plt.Circle((3.0, y), 0.3, fc="white", ec="#2c3e50", lw=1.2))
        ax.text(3.0, y, "+", ha="center", va="center", fontsize=FONT + 2)
    for a, b in [(0.0, 1.4), (2.35, 3.0), (3.95, 4.6), (5.2, 6.2), (7.15, 7.8), (8.75, 9.4),
                 (10.35, 10.8), (11.4, 12.1)]:
        _arrow(ax, (3.0, a), (3.0, b), lw=1.2)
    for (y0, y1), label in [((0.7, 4.9), "x"), ((5.6, 11.1), "y")]:
        ax.plot([3.0, -0.6, -0.6], [y0, y0, y1], color="#c0392b", lw=1.6)
        _arrow(ax, (-0.6, y1), (2.7, y1), color="#c0392b", lw=1.6)
        ax.text(-0.8, (y0 + y1) / 2, f"residual:\n{label} itself", ha="right", va="center",
                fontsize=FONT - 1, color="#c0392b")
    ax.text(3.0, -0.1, f"x: (m, T, {d})", ha="center", va="top", fontsize=FONT)
    ax.text(3.4, 5.4, f"y = x + MHA(LN₁(x)): (m, T, {d})", ha="left", va="center", fontsize=FONT - 1)
    ax.text(3.0, 12.15, f"out: (m, T, {d})", ha="center", va="bottom", fontsize=FONT)
    total = 2 * counts["ln"] + counts["mha"] + counts["ff1"] + counts["ff2"]
    ax.set_title(f"pre-norm block: d = {d}, {h} heads, d_ff = {f}; {total} parameters",
                 fontsize=FONT)
    return ax
