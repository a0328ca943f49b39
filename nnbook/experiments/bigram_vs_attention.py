"""Chapter 17's two trained models over seeds: the bigram network (an ``Embedding(V, V)``
read as logits) against the bigram counts, and the small attention model of section 6
against both, with where its heads look.

A seed draws the text (30,000 training and 5,000 held-out characters of the generated
language) from ``default_rng(seed)``, and each network's initial weights and batch order
from a generator of its own, ``default_rng(seed)`` again, as the notebook does with its
``SEED``: the notebook's run is the first seed of the table.
"""

from __future__ import annotations

import numpy as np

from ..data import bigram_probs, char_windows, language_corpus
from ..layers import (Dense, Embedding, MultiHeadAttention, PositionalEmbedding, ReLU)
from ..training import Adam, CrossEntropy, Sequential

__all__ = ["corpus", "bigram_network", "attention_model", "train_attention_model",
           "head_reach", "attention_run", "SEEDS", "TABLES"]

T, D_ATT, SEEDS = 32, 32, (17, 1, 2, 3, 4, 5, 6, 7, 8, 9)


def corpus(seed):
    """``(train, val)``: one seed's training text (30,000 characters) and held-out text
    (5,000), ``Corpus`` objects of the generated language."""
    rng = np.random.default_rng(seed)
    return language_corpus(30_000, rng=rng), language_corpus(5_000, rng=rng)


def bigram_network(V, x, y, seed):
    """The bigram as a network: ``Embedding(V, V)`` whose rows are logits, Adam(0.1), four
    passes over the windows ``x, y`` (m, T) in batches of 32."""
    r = np.random.default_rng(seed)
    net = Sequential([Embedding(V, V, rng=r)])
    net.compile(optimizer=Adam(lr=0.1), loss=CrossEntropy(from_logits=True))
    net.fit(x, y, epochs=4, batch_size=32, verbose=0, rng=r)
    return net


def attention_model(V, r):
    """Section 6's model: embeddings, learned positions, one causal attention of 4 heads
    on d = 32, and a ReLU network to the next character's logits."""
    return Sequential([
        Embedding(V, D_ATT, rng=r),
        PositionalEmbedding(T, D_ATT, rng=r),
        MultiHeadAttention(D_ATT, 4, causal=True, rng=r),
        Dense(D_ATT, 64, rng=r),
        ReLU(),
        Dense(64, V, rng=r),
    ])


def train_attention_model(V, x, y, x_val, y_val, seed, callbacks=()):
    """``(model, history)``: the attention model trained with Adam(0.01) for 8 passes of
    30 steps over the windows, the held-out loss measured after each pass."""
    r = np.random.default_rng(seed)
    model = attention_model(V, r)
    model.compile(optimizer=Adam(lr=0.01), loss=CrossEntropy(from_logits=True))
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0, rng=r,
                        validation_data=(x_val, y_val), callbacks=list(callbacks))
    return model, history


def head_reach(model, x_val):
    """Where each head looks, on the first 64 held-out windows and queries with at least 8
    characters before them: ``(distance, near)``, each head's mean look-back in characters
    and its share of weight on the last three characters (keys t, t − 1, t − 2).
    Shapes: (heads,) each."""
    model.predict(x_val[:64])
    A = model.layers[2].attention_weights                      # (64, heads, T, T)
    back = np.arange(T)[:, None] - np.arange(T)[None, :]        # how far back key s is
    late_q = slice(8, None)
    distance = (A * back).sum(axis=-1)[:, :, late_q].mean(axis=(0, 2))
    near = (A * (back <= 2)).sum(axis=-1)[:, :, late_q].mean(axis=(0, 2))
    return distance, near


def attention_run(seed):
    """One seed of section 2's and section 6's comparisons: the held-out loss of the bigram
    network, of the counts and of the attention model (after 3 and 8 passes), whether
    the attention model's held-out loss fell at every pass (1 or 0), how far the
    network's rows are from the counts', and the reach of its least and most local
    head."""
    train, val = corpus(seed)
    V = len(train.vocab)
    x, y = char_windows(train.ids, T)
    x_val, y_val = char_windows(val.ids, T)
    P = bigram_probs(train.ids, V)
    net = bigram_network(V, x, y, seed)
    net_P = np.exp(net.predict(np.arange(V)[None])[0])
    net_P /= net_P.sum(axis=1, keepdims=True)
    seen = np.bincount(train.ids[:-1], minlength=V) > 500      # characters with many counts
    model, history = train_attention_model(V, x, y, x_val, y_val, seed)
    val_loss = history.history["val_loss"]
    distance, near = head_reach(model, x_val)
    return {
        "bigram counts": -np.log(P[x_val, y_val]).mean(),
        "bigram network": net.evaluate(x_val, y_val),
        "network rows − counts": np.abs(net_P[seen] - P[seen]).max(),
        "attention, pass 3": val_loss[2],
        "attention": model.evaluate(x_val, y_val),
        "fell every pass": float(all(b < a for a, b in zip(val_loss, val_loss[1:]))),
        "last three, least": near.min(),
        "last three, most": near.max(),
        "look-back, least": distance.min(),
        "look-back, most": distance.max(),
    }


TABLES = {"17_attention": (attention_run, SEEDS)}
