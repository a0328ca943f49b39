"""Diagrams of serving (chapter 23), drawn from the cell's own numbers; reached as
``nb.diagrams.<name>``: a ragged batch with its left padding, key mask and positions
(``ragged_batch``), the rolling cache of a sliding window (``rolling_cache``), and one
round of speculative decoding (``draft_and_verify``).
"""

from __future__ import annotations

import numpy as np

from ..plot.style import FONT
from ._draw import INPUT, NODE, _box, _canvas

__all__ = ["ragged_batch", "rolling_cache", "draft_and_verify"]

PAD = "#eeeeee"          # a padding slot: never read as a key
NEW = "#f5b041"          # written now
KEPT = "#58d68d"         # a draft the target keeps
REFUSED = "#ec7063"      # the first draft the target refuses (and those after it)


def _count(owner, name, v, minimum=1):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{owner}: expected {name} to be an integer ≥ {minimum}, got {v!r}.")
    return int(v)


def ragged_batch(lengths, *, ax=None):
    """Prompts of ``lengths`` tokens as one batch: each row pushed to the right, its first
    slots padding (grey, masked as keys), each real token labelled with its position
    counted from the row's own first token. Chapter 23."""
    if not isinstance(lengths, (list, tuple)) or not lengths:
        raise ValueError(f"ragged_batch: expected a list of prompt lengths, got {lengths!r}.")
    lengths = [_count("ragged_batch", "each length", n) for n in lengths]
    T = max(lengths)
    if T > 24 or len(lengths) > 10:
        raise ValueError(f"ragged_batch: {len(lengths)} rows of up to {T} tokens do not fit "
                         f"in one picture; draw at most 10 rows of 24.")
    ax = _canvas(ax, (-3.2, T + 4.4), (-len(lengths) - 0.2, 1.4), scale=0.55)
    for t in range(T):
        ax.text(t + 0.5, 0.5, str(t), ha="center", va="center", fontsize=FONT - 1)
    ax.text(-0.2, 0.5, "slot", ha="right", va="center", fontsize=FONT - 1)
    for r, n in enumerate(lengths):
        y, pad = -r - 0.5, T - n
        for t in range(T):
            real = t >= pad
            _box(ax, (t + 0.5, y), str(t - pad) if real else "", 0.84, 0.84,
                 fc=INPUT if real else PAD, rounding=0.05, tag="token" if real else "pad",
                 fontsize=FONT - 1)
        ax.text(-0.2, y, f"row {r}", ha="right", va="center", fontsize=FONT - 1)
        ax.text(T + 0.3, y, f"pad {pad}", ha="left", va="center", fontsize=FONT - 1)
    ax.set_title("left padding: grey keys are masked; numbers are each row's positions",
                 fontsize=FONT)
    return ax


def rolling_cache(n_positions, window, *, ax=None):
    """A text of ``n_positions`` read one token a step with a sliding window of W =
    ``window``: row s shows the W slots after position s was written, each labelled with
    the position it holds (slot = position mod W); the slot written at that step is
    orange. Chapter 23."""
    n = _count("rolling_cache", "n_positions", n_positions)
    W = _count("rolling_cache", "window", window)
    if n > 16 or W > 12:
        raise ValueError(f"rolling_cache: {n} positions in {W} slots do not fit in one "
                         f"picture; draw at most 16 positions and 12 slots.")
    ax = _canvas(ax, (-3.4, W + 6.6), (-n - 0.2, 1.4), scale=0.5)
    for j in range(W):
        ax.text(j + 0.5, 0.5, f"slot {j}", ha="center", va="center", fontsize=FONT - 1)
    held = [None] * W
    for s in range(n):
        held[s % W] = s
        y = -s - 0.5
        for j in range(W):
            if held[j] is None:
                _box(ax, (j + 0.5, y), "", 0.84, 0.84, fc=PAD, rounding=0.05, tag="empty")
            else:
                _box(ax, (j + 0.5, y), str(held[j]), 0.84, 0.84, rounding=0.05,
                     fc=NEW if j == s % W else NODE, tag="new" if j == s % W else "held",
                     fontsize=FONT - 1)
        ax.text(-0.2, y, f"after {s}", ha="right", va="center", fontsize=FONT - 1)
        lo = max(0, s - W + 1)
        ax.text(W + 0.3, y, f"reads {lo}…{s}", ha="left", va="center", fontsize=FONT - 1)
    ax.set_title(f"a rolling cache of W = {W} slots: position s goes to slot s mod {W}",
                 fontsize=FONT)
    return ax


def draft_and_verify(n_kept, n_draft, *, ax=None):
    """One round of speculative decoding: the draft writes ``n_draft`` tokens one at a time
    (top row), the target reads them in one forward (middle), and keeps the first
    ``n_kept`` (green); at the first refusal (red) it writes its own token from the
    normalised max(0, p − q), or, when all are kept, one more from its p at the position
    after the drafts (the middle row's last box, tagged "extra", read only then; bottom row:
    the tokens the round adds). Chapter 23."""
    k = _count("draft_and_verify", "n_draft", n_draft)
    a = _count("draft_and_verify", "n_kept", n_kept, minimum=0)
    if a > k or k > 10:
        raise ValueError(f"draft_and_verify: expected 0 ≤ n_kept ≤ n_draft ≤ 10, got "
                         f"n_kept={a}, n_draft={k}.")
    ax = _canvas(ax, (-3.6, k + 5.0), (-3.3, 1.2), scale=0.6)
    for i in range(k):
        _box(ax, (i + 1.5, 0.4), f"x{i + 1}", 0.84, 0.7, fc=INPUT, tag="draft",
             fontsize=FONT - 1)
        fc, tag = (KEPT, "kept") if i < a else (REFUSED, "refused") if i == a else (PAD, "unread")
        _box(ax, (i + 1.5, -1.0), "p/q", 0.84, 0.7, fc=fc, tag=tag, fontsize=FONT - 1)
    _box(ax, (k + 1.5, -1.0), f"p{k + 1}", 0.84, 0.7, fc=NEW if a == k else PAD, tag="extra",
         fontsize=FONT - 1)                   # the target's distribution after the drafts
    added = [f"x{i + 1}" for i in range(a)] + ["y"]
    for i, label in enumerate(added):
        _box(ax, (i + 1.5, -2.4), label, 0.84, 0.7, fc=KEPT if i < a else NEW,
             tag="added", fontsize=FONT - 1)
    for y, text in ((0.4, f"draft: {k} forwards"), (-1.0, "target: 1 forward"),
                    (-2.4, f"adds {a + 1} token{'s' if a else ''}")):
        ax.text(-0.2, y, text, ha="right", va="center", fontsize=FONT - 1)
    ax.set_title(f"draft {k}, keep {a}: " + ("y from max(0, p − q)" if a < k
                                             else "all kept, y from p"), fontsize=FONT)
    return ax
