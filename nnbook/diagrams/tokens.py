"""Byte-pair encoding drawn from a tokenizer (chapter 19): ``merge_tree``, how one word's
bytes are merged into its tokens, and ``token_boundaries``, a text cut into its tokens.
"""

from __future__ import annotations

from matplotlib.patches import Rectangle

from ..plot.style import FONT
from ._draw import EDGE, INPUT, NODE, SERIES, _box, _canvas

__all__ = ["merge_tree", "token_boundaries"]   # shown_bytes, merge_steps: their helpers


def shown_bytes(b: bytes) -> str:
    """A token's bytes as readable text: UTF-8 decoded (a piece of a character as its hex),
    a space as "␣", a newline as "⏎"."""
    text = b.decode("utf-8", errors="backslashreplace")
    return text.replace(" ", "␣").replace("\n", "⏎")


def merge_steps(tokenizer, word: str) -> list:
    """How ``tokenizer`` encodes one chunk: the merges by rank, lowest first, each
    everywhere from left to right. Returns the list of steps ``(rank, [(i, j), …])``: the
    merge of rank r joined the nodes at positions i and i + 1 of the sequence before it
    (one pair per occurrence). The sequence starts as the word's UTF-8 bytes."""
    if not isinstance(word, str):
        raise ValueError(f"merge_steps: expected a str, got {type(word).__name__} {word!r:.40}.")
    ranks = {pair: r for r, pair in enumerate(tokenizer.merges)}
    ids, steps = list(word.encode("utf-8")), []
    while True:
        present = [ranks[p] for p in zip(ids, ids[1:]) if p in ranks]
        if not present:
            return steps
        r = min(present)
        pair, out, joined, i = tokenizer.merges[r], [], [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                joined.append(i)
                out.append(256 + r)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        steps.append((r, joined))
        ids = out


def merge_tree(tokenizer, word: str, *, ax=None):
    """The merge tree of ``word``: its UTF-8 bytes at the bottom, each merge of the encoding
    (by rank) a box above the two it joins, labelled with its text and id; the final tokens
    (what ``tokenizer.encode(word)`` returns, without pre-tokenisation) are filled orange.

    Shapes: n bytes at the bottom, one box per merge applied (tests find the boxes by the
    patch labels "byte", "merge" and "token"). Returns the Axes. Chapter 19.
    """
    data = word.encode("utf-8") if isinstance(word, str) else None
    steps = merge_steps(tokenizer, word)
    if not data:
        raise ValueError("merge_tree: expected a non-empty word, got ''. Pass e.g. 'catlings'.")
    # nodes: (x, level, id); the sequence holds node indices
    nodes = [(float(i), 0, b) for i, b in enumerate(data)]
    seq, parents = list(range(len(data))), []
    for r, joined in steps:
        new_seq, i, skip = [], 0, set()
        for j in joined:
            skip.add(j + 1)
        for i, node in enumerate(seq):
            if i in skip:
                continue
            if i in joined:
                a, b = nodes[node], nodes[seq[i + 1]]
                nodes.append(((a[0] + b[0]) / 2, max(a[1], b[1]) + 1, 256 + r))
                parents.append((len(nodes) - 1, node, seq[i + 1]))
                new_seq.append(len(nodes) - 1)
            else:
                new_seq.append(node)
        seq = new_seq
    top = max(level for _, level, _ in nodes)
    n, dy = len(data), 1.3
    ax = _canvas(ax, (-0.7, n - 0.3), (-0.6, top * dy + 1.2), scale=0.75)
    finals = set(seq)
    for k, (x, level, tid) in enumerate(nodes):
        label = f"{shown_bytes(tokenizer.vocab[tid])}\n{tid}"
        width = min(max(0.9, 0.17 * len(label.split(chr(10))[0]) + 0.35),
                    len(tokenizer.vocab[tid]) - 0.08)
        kind = "token" if k in finals else ("byte" if k < n else "merge")
        fill = "#f8c471" if kind == "token" else (INPUT if kind == "byte" else NODE)
        _box(ax, (x, level * dy), label, max(width, 0.9), 0.85, fc=fill, fontsize=FONT,
             tag=kind)
    for p, a, b in parents:
        for child in (a, b):
            ax.plot([nodes[p][0], nodes[child][0]], [nodes[p][1] * dy - 0.42,
                    nodes[child][1] * dy + 0.42], color=EDGE, lw=1.0, zorder=1)
    ax.set_title(f"{word!r}: {n} bytes → {len(seq)} token{'s' * (len(seq) != 1)} after "
                 f"{len(parents)} merge{'s' * (len(parents) != 1)}", fontsize=FONT + 1)
    return ax


def token_boundaries(tokens, *, ax=None, width=40, title=None):
    """A text cut into tokens: each token a box of its characters (a space as "␣"), colours
    alternating, its id below. ``tokens`` is a list of ``(text, id)`` pairs, or a pair
    ``(tokenizer, text)``. Rows wrap after ``width`` characters.

    Shapes: one box per token (patch label "token"). Returns the Axes. Chapter 19.
    """
    if (isinstance(tokens, tuple) and len(tokens) == 2 and hasattr(tokens[0], "encode")
            and isinstance(tokens[1], str)):
        tokenizer, text = tokens
        tokens = [(shown_bytes(tokenizer.vocab[i]), i) for i in tokenizer.encode(text)]
    tokens = [(str(t).replace(" ", "␣"), int(i)) for t, i in tokens]
    if not tokens:
        raise ValueError("token_boundaries: expected at least one token, got none.")
    rows, row, used = [], [], 0
    for t, i in tokens:
        if row and used + len(t) > width:
            rows.append(row)
            row, used = [], 0
        row.append((t, i))
        used += len(t)
    rows.append(row)
    cols = max(max(sum(len(t) for t, _ in r) for r in rows), 6)
    dy = 2.3
    ax = _canvas(ax, (-0.3, cols + 0.3), (-dy * len(rows) + 0.5, 1.0), scale=0.21)
    k = 0
    for r, row in enumerate(rows):
        x, y = 0.0, -dy * r
        for j, (t, i) in enumerate(row):
            ax.add_patch(Rectangle((x + 0.04, y - 0.45), len(t) - 0.08, 1.1, zorder=2,
                                   fc=SERIES[k % 2] + "40", ec=SERIES[k % 2], lw=1.0,
                                   label="token"))
            ax.text(x + len(t) / 2, y + 0.1, t, ha="center", va="center", fontsize=FONT + 1,
                    family="monospace", zorder=3)
            ax.text(x + len(t) / 2, y - 0.8 - 0.55 * (j % 2), str(i), ha="center", va="center",
                    fontsize=FONT - 1, color="#444444", zorder=3)
            x += len(t)
            k += 1
    ax.set_title(title or f"{len(tokens)} tokens", fontsize=FONT + 1)
    return ax
