"""The diagram of a masked window and its conditionals (chapter 28), drawn from the cell's
own numbers; reached as ``nb.diagrams.masked_window``: the window's characters with the
masked ones hidden, and under each masked position the most likely characters of its
conditional given every visible one (the exact oracle's, or a model's).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..plot.style import FONT
from ._draw import BACK, SERIES, _box, _canvas

__all__ = ["masked_window"]

MASKED = "#fdebd0"            # a hidden position's box
BAR = 1.2                     # the length of a probability of 1, in units


def _shown(ch):
    """A character as the diagram prints it: a space as ␣, a newline as ↵."""
    return {" ": "␣", "\n": "↵"}.get(ch, ch)


def masked_window(window, mask, conditionals, vocab, *, top=3, ax=None):
    """One box per character of ``window``; a masked one shows ■ and, under it, the ``top``
    most likely characters of its row of ``conditionals`` as bars with their probabilities
    (the true character in red; characters of probability 0 are left out). Rows are in the order of the masked positions, as
    ``nb.data.masked_conditionals`` and ``nb.generative.model_conditionals`` return them.

    Shapes: window a string of T characters, mask (T,) bool, conditionals (n_masked, V)
    with rows summing to 1, vocab V characters. Chapter 28.
    """
    owner = "masked_window"
    if not isinstance(window, str) or not window:
        raise ValueError(f"{owner}: expected window to be a non-empty string, got {window!r}.")
    mk = np.asarray(mask)
    if mk.dtype != bool or mk.shape != (len(window),):
        raise ValueError(f"{owner}: expected mask, a boolean array of one entry per character "
                         f"({len(window)}), got shape {mk.shape} ({mk.dtype}).")
    q = np.asarray(conditionals, dtype=float)
    n = int(mk.sum())
    if q.ndim != 2 or q.shape != (n, len(vocab)):
        raise ValueError(f"{owner}: expected conditionals of shape ({n}, {len(vocab)}): one row "
                         f"per masked position over the vocabulary, got {q.shape}.")
    if n and (not np.all(np.isfinite(q)) or np.any(q < 0)
              or np.max(np.abs(q.sum(axis=1) - 1)) > 1e-6):
        raise ValueError(f"{owner}: each row of conditionals must be a distribution (≥ 0, "
                         f"summing to 1); pass probabilities, not logits.")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"{owner}: expected top, how many characters to show per masked "
                         f"position, to be an integer ≥ 1, got {top!r}.")
    top = min(top, len(vocab))
    T, step = len(window), 2.2
    # as deep as the longest list of bars actually drawn (impossible characters are left
    # out, so a row can show fewer than ``top``): no blank band under the bars
    shown_rows = max([min(top, int(np.count_nonzero(r > 0))) for r in q], default=0)
    depth = 0.6 + max(shown_rows - 1, 0) * 0.55 + 0.35 if shown_rows else 0.0
    new = ax is None
    ax = _canvas(ax, (-1.2, T * step), (-depth - 0.15, 0.85), scale=0.5)
    if new:                        # no title here: the band _canvas keeps for one goes
        fig = ax.figure
        w_in, h_in = fig.get_size_inches()
        fig.set_size_inches(w_in, round(h_in - 0.35, 2))
        ax.set_position([0, 0, 1, 1])
    row = 0
    for t, ch in enumerate(window):
        x = t * step + 0.4
        shown = "■" if mk[t] else _shown(ch)
        _box(ax, (x, 0.3), shown, 0.9, 0.9, fc=MASKED if mk[t] else "#dbe9f6",
             tag="masked" if mk[t] else "visible", rounding=0.05)
        if not mk[t]:
            continue
        order = [v for v in np.argsort(-q[row], kind="stable") if q[row, v] > 0][:top]
        for j, v in enumerate(order):
            y = -0.6 - j * 0.55
            p = float(q[row, v])
            color = BACK if vocab[v] == ch else SERIES[0]
            ax.add_patch(Rectangle((x - 0.45, y - 0.2), BAR * p, 0.4, fc=color, lw=0,
                                   zorder=3, label="truth" if vocab[v] == ch else "bar"))
            ax.text(x - 0.55, y, _shown(vocab[v]), ha="right", va="center", fontsize=FONT - 1)
            ax.text(x - 0.4 + BAR * p, y, f"{p:.2f}", ha="left", va="center",
                    fontsize=FONT - 1)
        row += 1
    return ax
