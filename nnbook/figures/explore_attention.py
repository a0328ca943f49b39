"""Explorables of chapters 17–18 (attention, a small transformer); reached as
``nb.explore.<name>``. Built on ``_widgets._explorable`` like explore.py's:
``attention_query`` moves the query position over a sentence and shows where each head of
a trained model looks; ``next_char`` moves the sampling temperature and shows the model's
next-character distribution beside the grammar's exact one. ``*_figure`` are the same
pictures without a kernel.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._widgets import _explorable, _float, _int
from .diagrams_attention import MASKED, WEIGHTS

__all__ = ["attention_query", "attention_query_figure", "attention_of", "next_char", "next_char_figure",
           "next_char_probs"]

FONT = 10


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
    ax.set_xticks(range(T), ["␣" if c == " " else c for c in text], fontsize=FONT)
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


def next_char_probs(model, corpus, prompt, temperature=1.0):
    """The model's distribution of the character after ``prompt`` at ``temperature``,
    softmax(z / temperature), and the grammar's exact one (``corpus.language``; the prompt
    starts a sentence). Shapes: two (V,) arrays over ``corpus.vocab``."""
    if not temperature > 0:
        raise ValueError(f"next_char: expected a temperature > 0, got {temperature!r}.")
    z = np.asarray(model.predict(corpus.encode(prompt)[None]))[0, -1]        # (V,) logits
    z = (z - z.max()) / temperature
    p = np.exp(z) / np.exp(z).sum()
    base = corpus.language.nll_chars(prompt).sum() if prompt else 0.0
    truth = np.zeros(len(corpus.vocab))
    for i, c in enumerate(corpus.vocab):
        try:
            truth[i] = np.exp(base - corpus.language.nll_chars(prompt + c).sum())
        except ValueError:                              # the grammar cannot continue with c
            pass
    return p, truth


def next_char_figure(model, corpus, prompt, temperature=1.0):
    """Bars of the model's next-character probabilities after ``prompt`` at ``temperature``
    (chapter 09's softmax(z / T)) beside the grammar's exact probabilities. Chapter 18."""
    p, truth = next_char_probs(model, corpus, prompt, temperature)
    labels = ["␣" if c == " " else c for c in corpus.vocab]
    k = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    ax.bar(k - 0.2, p, width=0.4, color="#1f77b4", label=f"model, τ = {temperature:g}")
    ax.bar(k + 0.2, truth, width=0.4, color="#7f7f7f", label="the grammar (exact)")
    ax.set_xticks(k, labels, fontsize=FONT)
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(next character)", fontsize=FONT)
    ax.set_title(f"after {prompt[-40:]!r}", fontsize=FONT)
    ax.legend(loc="upper left", fontsize=FONT - 1)
    return fig


def next_char(model, corpus, prompt, temperature=1.0):
    """A temperature slider on a trained model's next-character distribution after
    ``prompt``, beside the grammar's. Figure: ``next_char_figure``. Chapter 18."""
    import ipywidgets as w
    controls = {"temperature": _float(w, "τ", temperature, 0.1, 3.0, 0.1)}

    def figure(temperature):
        return next_char_figure(model, corpus, prompt, temperature)

    def caption(temperature):
        p, truth = next_char_probs(model, corpus, prompt, temperature)
        top = int(np.argmax(p))
        return (f"τ = {temperature:g}: the model's likeliest next character {corpus.vocab[top]!r} "
                f"({p[top]:.2f}; the grammar gives it {truth[top]:.2f}); probability on characters the "
                f"grammar forbids: {p[truth == 0].sum():.3f}")
    return _explorable(controls, figure, caption)
