"""Byte-pair encoding step by step (chapter 19): train on a text the learner types, and
watch the sequence after k merges beside the pair counts that choose the next merge.
``bpe_merges`` is the explorable, ``bpe_merges_figure`` its static figure.
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..data import BPETokenizer
from ..diagrams.tokens import shown_bytes, token_boundaries
from ..plot.style import FONT, plain_axes
from ._widgets import LINE, PATH, _explorable, _int

__all__ = ["bpe_merges", "bpe_merges_figure", "bpe_state"]

DEFAULT_TEXT = "the cat and the catlet hear the catling; the cats chase the rat."


def bpe_state(text: str, step: int):
    """Byte-pair encoding of ``text`` (one chunk, no pattern) after ``step`` merges: the
    tokenizer, the ids of the text, and the adjacent pair counts of those ids, most frequent
    first (ties: the first in the text), as a list of ``((a, b), count)``."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"bpe_merges: expected a non-empty text, got {text!r:.40}. Type a "
                         f"sentence.")
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
        raise ValueError(f"bpe_merges: expected step to be an integer ≥ 0, got {step!r}.")
    with warnings.catch_warnings():     # past the last pair the slider shows no new merge:
        warnings.simplefilter("ignore", UserWarning)   # train's 'stopped after' is no news
        tok = BPETokenizer.train(text, 256 + int(step))
    ids = tok.encode(text)
    counts, first = {}, {}
    for k, pair in enumerate(zip(ids, ids[1:])):
        counts[pair] = counts.get(pair, 0) + 1
        first.setdefault(pair, k)
    ranked = sorted(counts.items(), key=lambda pc: (-pc[1], first[pc[0]]))
    return tok, ids, ranked


def bpe_merges_figure(text: str = DEFAULT_TEXT, step: int = 3, *, top: int = 8):
    """The text after ``step`` merges, cut into its tokens (above), and the counts of its
    ``top`` most frequent adjacent pairs (below), the pair merged next in red. Chapter 19."""
    tok, ids, ranked = bpe_state(text, step)
    shown = ranked[:top]
    fig, (a, b) = plt.subplots(2, 1, figsize=(8.4, 4.6), height_ratios=(1, 1.1),
                               layout="constrained")
    token_boundaries([(shown_bytes(tok.vocab[i]), i) for i in ids], ax=a, width=34,
                     title=f"after {len(tok.merges)} merges: {len(text.encode('utf-8'))} "
                           f"bytes → {len(ids)} tokens")
    k = np.arange(len(shown))
    counts = [c for _, c in shown]
    b.bar(k, counts, color=[PATH] + [LINE] * (len(shown) - 1) if shown else LINE)
    labels = [f"{shown_bytes(tok.vocab[x])}+{shown_bytes(tok.vocab[y])}" for (x, y), _ in shown]
    b.set_xticks(k, labels, fontsize=FONT, family="monospace", rotation=20)
    b.set_ylabel("count in the text", fontsize=FONT)
    b.yaxis.set_major_locator(MaxNLocator(integer=True))       # counts are whole numbers
    nxt = (f"next merge: {labels[0]} → id {256 + len(tok.merges)}" if shown and
           shown[0][1] > 0 else "no pair left")
    b.set_title(f"the most frequent adjacent pairs; {nxt}", fontsize=FONT + 1)
    plain_axes(b)
    return fig


def bpe_merges(text: str = DEFAULT_TEXT, step: int = 3, max_steps: int = 30):
    """Type a text and move the slider: the text after k merges and the pair counts that
    choose merge k + 1. Figure: ``bpe_merges_figure``. Chapter 19."""
    import ipywidgets as w

    controls = {"text": w.Text(value=text, description="text", continuous_update=False,
                               layout=w.Layout(width="34em")),
                "step": _int(w, "merges", step, 0, max_steps)}

    def caption(text, step):
        tok, ids, ranked = bpe_state(text, step)
        n = len(text.encode("utf-8"))
        k = len(tok.merges)
        return (f"{k} merge{'s' * (k != 1)}: {n} bytes in {len(ids)} tokens, "
                f"{n / len(ids):.2f} bytes per token; vocabulary {tok.vocab_size}")

    return _explorable(controls, bpe_merges_figure, caption)
