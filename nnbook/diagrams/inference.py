"""Diagrams of inference (chapter 21), drawn from the cell's own numbers; reached as
``nb.diagrams.<name>``: the KV cache filling step by step while a model writes
(``kv_cache``), and the top-p cut on a sorted distribution (``top_p_cut``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..inference.sampling import top_p_filter
from ..plot.style import FONT, plain_axes
from ._draw import NODE, _box, _canvas

__all__ = ["kv_cache", "top_p_cut"]

NEW = "#f5b041"          # a key and value computed at this step
CUT = "#cccccc"          # a token top-p removes
KEPT = "#1f77b4"         # a token top-p keeps


def _count(owner, name, v, minimum=1):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{owner}: expected {name} to be an integer ≥ {minimum}, got {v!r}.")
    return int(v)


def _bytes(n):
    return f"{n:,} bytes"


def _cache_bytes(n_layers, n_positions, n_kv_heads, d_head, itemsize=8, m=1):
    """The bytes a KV cache holds: 2 (keys and values) · layers · positions · key/value
    heads · head size · bytes per number, for each of ``m`` sequences."""
    return 2 * n_layers * n_positions * n_kv_heads * d_head * itemsize * m


def kv_cache(n_prompt, n_new, *, n_layers=1, n_kv_heads=1, d_head=1, itemsize=8, ax=None):
    """The KV cache while a model writes ``n_new`` tokens after a prompt of ``n_prompt``:
    one row per step, one square per position whose key and value the attention reads.
    Step 0 computes the prompt's keys and values (orange) and writes the first new token;
    every later step computes those of one position, the token written last, and reads the
    others from the cache (blue). On the right, what the cache then holds, in bytes, by
    the formula from the model's sizes. Chapter 21."""
    P = _count("kv_cache", "n_prompt", n_prompt)
    n = _count("kv_cache", "n_new", n_new)
    sizes = {k: _count("kv_cache", k, v) for k, v in
             dict(n_layers=n_layers, n_kv_heads=n_kv_heads, d_head=d_head,
                  itemsize=itemsize).items()}
    width = P + n - 1                                      # the last token is never read
    if width > 40:
        raise ValueError(f"kv_cache: n_prompt + n_new − 1 = {width} positions do not fit in "
                         f"one picture; draw at most 40 (e.g. n_prompt=4, n_new=8).")
    ax = _canvas(ax, (-2.6, width + 4.2), (-n - 0.2, 1.6), scale=0.5)
    for t in range(width):
        ax.text(t + 0.5, 0.45, str(t), ha="center", va="center", fontsize=FONT - 1)
    ax.text(-0.2, 0.45, "position", ha="right", va="center", fontsize=FONT - 1)
    for s in range(n):
        y = -s - 0.5
        length = P + s                                     # positions read at step s
        for t in range(length):
            new = t >= P + s - 1 if s else True
            _box(ax, (t + 0.5, y), "", 0.84, 0.84, fc=NEW if new else NODE, rounding=0.05,
                 tag="new" if new else "cached")
        ax.text(-0.2, y, f"step {s}", ha="right", va="center", fontsize=FONT - 1)
        stored = _cache_bytes(sizes["n_layers"], length, sizes["n_kv_heads"], sizes["d_head"],
                             sizes["itemsize"])
        ax.text(width + 0.3, y, f"writes token {P + s}; cache {_bytes(stored)}", ha="left",
                va="center", fontsize=FONT - 1)
    _box(ax, (0.4, 1.2), "", 0.5, 0.4, fc=NEW, rounding=0.05, tag="key")
    ax.text(0.8, 1.2, "computed now", ha="left", va="center", fontsize=FONT - 1)
    _box(ax, (4.4, 1.2), "", 0.5, 0.4, fc=NODE, rounding=0.05, tag="key")
    ax.text(4.8, 1.2, "read from the cache", ha="left", va="center", fontsize=FONT - 1)
    ax.set_title(f"KV cache: {sizes['n_layers']} layer(s) × {sizes['n_kv_heads']} K/V "
                 f"head(s) × d_head {sizes['d_head']} × {sizes['itemsize']} bytes, "
                 f"prompt {P}", fontsize=FONT)
    return ax


def top_p_cut(probs, p, labels=None, *, ax=None):
    """Top-p (nucleus) on a distribution: the probabilities sorted from the largest down as
    bars, their running sum as steps, the line at p; the bars kept (blue) are the smallest
    set whose mass reaches p (``nb.inference.top_p_filter``), the rest (grey) is cut.
    Chapter 21."""
    q = np.asarray(probs, dtype=np.float64)
    if q.ndim != 1 or q.size < 2:
        raise ValueError(f"top_p_cut: expected a 1-D distribution of at least 2 "
                         f"probabilities, got shape {q.shape}.")
    kept = top_p_filter(q, p) > 0                       # checks p and the distribution
    labels = [str(i) for i in range(q.size)] if labels is None else [str(c) for c in labels]
    if len(labels) != q.size:
        raise ValueError(f"top_p_cut: {len(labels)} labels for {q.size} probabilities; pass "
                         f"one per token.")
    order = np.argsort(-q, kind="stable")
    sq, keep = q[order], kept[order]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, min(9.0, 0.45 * q.size + 2.0)), 3.2),
                             layout="constrained")
    k = np.arange(q.size)
    ax.bar(k, sq, color=[KEPT if c else CUT for c in keep], label="probability")
    ax.step(k, np.cumsum(sq), where="mid", color="#d62728", lw=1.4, label="running sum")
    ax.axhline(p, color="#d62728", ls="--", lw=1.0)
    ax.text(q.size - 0.5, p, f"p = {p:g}", ha="right", va="bottom", fontsize=FONT)
    ax.set_xticks(k, [labels[i] for i in order], fontsize=FONT)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("probability (sorted)", fontsize=FONT)
    ax.set_title(f"top-p = {p:g}: keeps {int(keep.sum())} of {q.size} tokens, "
                 f"holding {sq[keep].sum():.3f}", fontsize=FONT)
    plain_axes(ax)
    return ax
