"""Where attention looks (chapter 17): ``attention_of`` reads a trained model's weights
for a text, ``attention_query_figure`` shows where each head looks from one position,
and the explorable ``attention_query`` moves that position over the text.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..diagrams.attention import MASKED, WEIGHTS, shown_tokens
from ..plot.style import FONT
from ._widgets import _explorable, _int

__all__ = ["attention_query", "attention_query_figure", "attention_of"]


def attention_of(model, corpus, text):
    """The attention weights a trained model gives ``text``: one (n_heads, T, T) array per
    attention layer (``MultiHeadAttention`` or ``TransformerBlock``), in order.

    Shapes: text of T characters → list of (n_heads, T, T)."""
    ids = corpus.encode(text)[None]                                  # (1, T)
    model.predict(ids)
    found = [np.array(layer.attention_weights[0]) for layer in getattr(model, "layers", ())
             if getattr(layer, "attention_weights", None) is not None]
    if not found:
        raise ValueError("attention_of: the model has no attention layer (MultiHeadAttention "
                         "or TransformerBlock) whose weights could be shown.")
    return found


def _query_args(weights, text, query, block):
    if not 0 <= block < len(weights):
        raise ValueError(f"attention_query: block {block} does not exist; the model has "
                         f"{len(weights)} attention layer(s), 0 … {len(weights) - 1}.")
    T = len(text)
    query = T - 1 if query is None else query
    if not 0 <= query < T:
        raise ValueError(f"attention_query: query {query} is outside the text's {T} positions, "
                         f"0 … {T - 1}.")
    return query


def attention_query_figure(model, corpus, text, query=None, block=0):
    """Where each head of attention layer ``block`` looks from position ``query`` of
    ``text``: one row per head, one column per character, the shade the weight (the scale
    of ``nb.diagrams.attention_matrix``); positions after the query are gray (causal).
    ``query=None`` takes the last character. Chapter 17."""
    weights = attention_of(model, corpus, text)
    query = _query_args(weights, text, query, block)
    A = weights[block][:, query, :]                                  # (n_heads, T)
    h, T = A.shape
    fig, ax = plt.subplots(figsize=(min(12.0, 1.6 + 0.3 * T), 1.5 + 0.35 * h), layout="constrained")
    later = np.zeros_like(A, bool)
    later[:, query + 1:] = True
    cmap = plt.get_cmap(WEIGHTS).with_extremes(bad=MASKED)
    image = ax.imshow(np.ma.masked_where(later & (A == 0), A), cmap=cmap, vmin=0, vmax=1,
                      aspect="auto")
    ax.set_xticks(range(T), shown_tokens(text), fontsize=FONT)
    ax.get_xticklabels()[query].set_color("#c0392b")
    ax.get_xticklabels()[query].set_fontweight("bold")
    ax.set_yticks(range(h), [f"head {k + 1}" for k in range(h)], fontsize=FONT)
    ax.tick_params(length=0)
    ax.axvline(query, color="#c0392b", lw=1.2)
    fig.colorbar(image, ax=ax, label="weight", shrink=0.9)
    ax.set_title(f"layer {block + 1}: where position {query} ({text[query]!r}) looks; red: the "
                 f"query, gray: later positions", fontsize=FONT)
    return fig


def attention_query(model, corpus, text, query=None, block=0):
    """A slider for the query position (and the layer) over ``text``: the weights each head
    of a trained model gives every earlier character. Figure: ``attention_query_figure``.
    Chapter 17."""
    import ipywidgets as w
    weights = attention_of(model, corpus, text)
    query = _query_args(weights, text, query, block)
    controls = {"query": _int(w, "query", query, 0, len(text) - 1)}
    if len(weights) > 1:
        controls["block"] = _int(w, "layer", block, 0, len(weights) - 1)

    def figure(query, block=block):
        return attention_query_figure(model, corpus, text, query, block)

    def caption(query, block=block):
        A = weights[block][:, query, :]
        tops = ", ".join(f"head {k + 1} → {int(np.argmax(row))} ({text[int(np.argmax(row))]!r}, "
                         f"{row.max():.2f})" for k, row in enumerate(A))
        return f"query {query} ({text[query]!r}), layer {block + 1}: {tops}"
    return _explorable(controls, figure, caption)
