"""Chapter 20's ablation table and its rematch with the LSTM, over seeds: the modern block,
each of its parts swapped back, chapter 18's block in the same setup, and the untied modern
model against chapter 16's LSTM on the targets that need long memory, with windows of 16
and of 32 characters.

A seed draws the training and held-out text of the generated language and every model's
initialisation and batch order, exactly as the notebook's sections 7 and 8 do with their
``SEED``; the notebook's own run is the first seed of each table.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np

from ..layers import (LSTM, Dense, Embedding, LayerNorm, PositionalEmbedding, RMSNorm,
                      TransformerBlock, Unembedding)
from ..layers.activations import softmax
from .language_models import train_model, window_data

__all__ = ["setup", "modern", "lstm", "loss_per_char", "target_sets",
           "ablation", "ablation_parts", "ablation_swaps", "rematch", "rematch_32", "stored_ablation",
           "VARIANTS", "VERB_STEMS", "TABLES"]

V, D_MODEL, STEPS_PER_EPOCH, EPOCHS, BATCH = 26, 32, 50, 4, 32
SEEDS = (20, 21, 22, 23, 24, 25, 26)
BITS = 1 / math.log(2)
#: the verbs' stems: the character after one says whether the verb agrees with a singular
#: subject ("s") or a plural one (a space, a bracket or a final mark)
VERB_STEMS = ("run", "sleep", "sing", "jump", "see", "like", "chase", "hear")


def setup(seed, T=16):
    """The data of one seed: training windows of ``T`` characters (50 batches of 32), the
    held-out windows, and on the held-out targets the grammar's loss and the best loss of
    any model that reads only the window (nats, (m, T))."""
    return {"T": T, **window_data(seed, STEPS_PER_EPOCH * BATCH, 6_000, T)}


def modern(T, norm="rmsnorm", prenorm=True, pos="rope", ffn="swiglu", kv=2, tied=True,
           emb_std=None):
    """The layers (a function of the generator) of a two-block model of width 32: the
    modern block by default, each keyword swapping one part back. ``emb_std``: the
    Embedding's ``std`` (None: the library's start, 0.02 once tied; 1.0: the N(0, 1) start
    the tied models had before issue 42, which chapter 24 compares with)."""
    def layers(r):
        emb = Embedding(V, D_MODEL, std=emb_std, rng=r)
        out = [emb]
        if pos == "learned":
            # at the token vectors' scale: 0.02 beside a tied embedding's default start
            pos_std = Embedding.TIED_STD if tied and emb_std is None else emb_std
            out.append(PositionalEmbedding(T, D_MODEL, std=pos_std, rng=r))
        d_ff = 4 * D_MODEL if ffn == "relu" else 2 * 4 * D_MODEL // 3
        out += [TransformerBlock(D_MODEL, 4, d_ff, norm=norm, ffn=ffn, rope=pos == "rope",
                                 n_kv_heads=kv, prenorm=prenorm, rng=r) for _ in range(2)]
        if norm != "none":  # the final norm, of the blocks' kind
            out.append((RMSNorm if norm == "rmsnorm" else LayerNorm)(D_MODEL))
        out.append(Unembedding(emb) if tied else Dense(D_MODEL, V, rng=r))
        return out
    return layers


def lstm(r):
    """Chapter 16's LSTM model."""
    return [Embedding(V, 32, rng=r), LSTM(32, 64, return_sequences=True, rng=r),
            Dense(64, V, rng=r)]


def loss_per_char(model, x_val, y_val):
    """−log P of each held-out target, nats, (m, T)."""
    p = softmax(model.predict(x_val))
    return -np.log(np.take_along_axis(p, y_val[..., None], axis=-1)[..., 0])


def target_sets(val, y_val):
    """Boolean masks (m, T) of the held-out targets: every target, the closing brackets, the
    final marks, and the character after a verb's stem (its agreement with the subject)."""
    vocab, T = list(val.language.vocab), y_val.shape[1]
    after_stem = np.zeros(len(val.text), dtype=bool)
    for found in re.finditer(r"\b(?:%s)(?=[s .!?)])" % "|".join(VERB_STEMS), val.text):
        after_stem[found.end()] = True
    index = np.arange(len(y_val))[:, None] * T + np.arange(T) + 1  # text index of y_val
    return {"all": np.ones(y_val.shape, dtype=bool),
            ")": y_val == vocab.index(")"),
            ". ! ?": np.isin(y_val, [vocab.index(c) for c in ".!?"]),
            "agreement": after_stem[index]}


VARIANTS = {
    "modern block": {},
    "LayerNorm": {"norm": "layernorm"},
    "no norm": {"norm": "none"},
    "post-norm": {"prenorm": False},
    "learned positions": {"pos": "learned"},
    "no positions": {"pos": "none"},
    "ReLU MLP": {"ffn": "relu"},
    "MHA (4 K/V heads)": {"kv": 4},
    "untied output": {"tied": False},
    "tied, N(0, 1) start": {"emb_std": 1.0},
    "chapter 18's block": {"norm": "layernorm", "pos": "learned", "ffn": "relu", "kv": 4,
                           "tied": False},
}


@functools.lru_cache(maxsize=4)
def _data(seed, T):
    return setup(seed, T)


@functools.lru_cache(maxsize=64)
def _nll(seed, name, T=16):
    """``loss_per_char`` of the model ``name`` (a key of ``VARIANTS``, or "LSTM") trained on
    ``setup(seed, T)``, read-only: trained once per process, since the ablation's two
    halves share the data and the rematch's transformer is the ablation's untied model."""
    data = _data(seed, T)
    if name == "LSTM":
        model = train_model(lstm, data, seed, 2 * EPOCHS, batch_size=BATCH)[0]
    else:
        model = train_model(modern(T, **VARIANTS[name]), data, seed, EPOCHS, batch_size=BATCH)[0]
    nll = loss_per_char(model, data["x_val"], data["y_val"])
    nll.setflags(write=False)
    return nll


def _ablation(seed, names, bounds):
    data = _data(seed, 16)
    row = {name: _nll(seed, name).mean() * BITS for name in names}
    if bounds:
        row["best with window"] = data["bound_w"].mean() * BITS
        row["the grammar"] = data["exact_w"].mean() * BITS
    return row


def ablation(seed, names=tuple(VARIANTS)):
    """Bits per held-out character of the variants ``names`` on ``seed``, with the best any
    16-character window allows and the grammar's (the two tables below split it)."""
    return _ablation(seed, list(names), bounds=True)


def ablation_parts(seed):
    """Bits per held-out character: the modern block, its norm and positions swapped."""
    return _ablation(seed, list(VARIANTS)[:6], bounds=True)


def ablation_swaps(seed):
    """Bits per held-out character: the other swaps and chapter 18's block."""
    return _ablation(seed, list(VARIANTS)[6:], bounds=False)


def rematch(seed, T=16):
    """The untied modern model (200 steps) against the LSTM (400 steps, about the same CPU
    time) on windows of ``T``: bits per character of each on every target, and the
    transformer's excess over the LSTM (Δ) on each set of targets, beside the window bound
    and the grammar on the closing brackets and on the agreement targets."""
    data = _data(seed, T)
    nll = {"transformer": _nll(seed, "untied output", T), "LSTM": _nll(seed, "LSTM", T)}
    sets = target_sets(data["val"], data["y_val"])
    row = {"transformer": nll["transformer"].mean() * BITS, "LSTM": nll["LSTM"].mean() * BITS}
    for name, m in sets.items():
        row[f"Δ {name}"] = (nll["transformer"][m] - nll["LSTM"][m]).mean() * BITS
    for name in (")", "agreement"):
        row[f"window {name}"] = data["bound_w"][sets[name]].mean() * BITS
        row[f"grammar {name}"] = data["exact_w"][sets[name]].mean() * BITS
    return row


def rematch_32(seed):
    """``rematch`` with windows of 32 characters (chapter 18's), each step twice the text."""
    return rematch(seed, 32)


TABLES = {
    "20_ablation_parts": (ablation_parts, SEEDS),
    "20_ablation_swaps": (ablation_swaps, SEEDS),
    "20_rematch_16": (rematch, SEEDS),
    "20_rematch_32": (rematch_32, SEEDS),
}


def stored_ablation():
    """The two stored ablation tables side by side, one ``SeedTable``."""
    from .seeds import SeedTable, stored
    a, b = stored("20_ablation_parts"), stored("20_ablation_swaps")
    return SeedTable(a.seeds, a.columns + b.columns, np.hstack([a.values, b.values]))
