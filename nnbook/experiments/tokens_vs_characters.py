"""Chapter 19's tokens against characters, over seeds: chapter 18's model (one block) on
BPE tokens and on characters with the same number of steps, on characters again with as
many bytes read as the token model, and the best loss a 32-character window allows.

A seed draws the text (200,000 characters of ``StemLanguage``, 12,000 held out) and the
models' initialisation and batch order, exactly as the notebook's section 6 does with its
``SEED``; its own run is the first seed of each table.
"""

from __future__ import annotations

import math

import numpy as np

from .. import callbacks, schedules
from ..data import BPETokenizer, StemLanguage, char_windows
from ..layers import Dense, Embedding, LayerNorm, PositionalEmbedding, TransformerBlock
from ..training import Adam, CrossEntropy, Sequential

__all__ = ["corpus", "tokens_and_characters", "characters_same_bytes", "window_bound",
           "stored_table", "TABLES"]

T, D_MODEL, BATCH, STEPS_PER_EPOCH, EPOCHS, VOCAB = 32, 32, 32, 40, 8, 600
SEEDS = (19, 20, 21, 22, 23)


def corpus(seed):
    """``(language, text, val_text)``: the training and held-out text of one seed."""
    language, rng = StemLanguage(), np.random.default_rng(seed)
    text = language.sample(200_000, rng=rng)
    return language, text, language.sample(12_000, rng=rng)


def _ids(seed):
    """Both vocabularies' ids of a seed's text, with the bytes each target holds."""
    language, text, val_text = corpus(seed)
    chars = sorted(set(text + val_text))
    tok = BPETokenizer.train(text, VOCAB, pattern=BPETokenizer.GPT2_PATTERN)
    token_bytes = np.array([len(tok.vocab[i]) for i in range(tok.vocab_size)])
    return {
        "characters": (np.array([chars.index(c) for c in text]),
                       np.array([chars.index(c) for c in val_text]), len(chars), None),
        "tokens": (np.array(tok.encode(text)), np.array(tok.encode(val_text)),
                   tok.vocab_size, token_bytes),
    }


def _bits_per_byte(seed, ids, held, V, token_bytes, steps_per_epoch=STEPS_PER_EPOCH):
    """Train the notebook's model on ``ids`` and score it on ``held``: (bits/byte, bytes
    read in one pass over the training windows)."""
    x, y = char_windows(ids[: steps_per_epoch * BATCH * T + 1], T)
    x_val, y_val = char_windows(held, T)
    r = np.random.default_rng(seed)
    model = Sequential([
        Embedding(V, D_MODEL, rng=r), PositionalEmbedding(T, D_MODEL, rng=r),
        TransformerBlock(D_MODEL, 4, 4 * D_MODEL, rng=r),
        LayerNorm(D_MODEL), Dense(D_MODEL, V, rng=r)])
    model.compile(optimizer=Adam(lr=0.01), loss=CrossEntropy(from_logits=True))
    decay = callbacks.LearningRateScheduler(schedules.cosine_decay(0.01, EPOCHS))
    model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, verbose=0, rng=r, callbacks=[decay])
    z = model.predict(x_val)
    z = z - z.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    nats = -np.take_along_axis(log_p, y_val[..., None], axis=-1)[..., 0]
    nbytes = (lambda y_: np.ones_like(y_)) if token_bytes is None else token_bytes.__getitem__
    return nats.sum() / nbytes(y_val).sum() / math.log(2), int(nbytes(y).sum())


def tokens_and_characters(seed):
    """Bits per byte of the model on characters and on tokens, 320 steps each."""
    ids = _ids(seed)
    return {name: _bits_per_byte(seed, *ids[name])[0] for name in ("characters", "tokens")}


def characters_same_bytes(seed):
    """The model on characters, trained on as many bytes as the token model reads: as many
    steps per pass as one pass of the token windows holds bytes ÷ (32 windows × 32)."""
    ids = _ids(seed)
    tok_ids, _, _, token_bytes = ids["tokens"]
    x, y = char_windows(tok_ids[: STEPS_PER_EPOCH * BATCH * T + 1], T)
    steps = round(int(token_bytes[y].sum()) / (BATCH * T))
    bpb, _ = _bits_per_byte(seed, *ids["characters"], steps_per_epoch=steps)
    return {"characters, same bytes": bpb, "steps": EPOCHS * steps}


def window_bound(seed):
    """The best loss of any model that reads only the 32 characters of a held-out window
    (``Language.window_bound``), and the grammar's own loss on the same targets, bits/char."""
    language, _, val_text = corpus(seed)
    bound = language.window_bound(val_text, T)
    m = bound.shape[0]
    exact = language.nll_chars(val_text)[np.arange(m)[:, None] * T + np.arange(T) + 1]
    return {"best 32-character window": bound.mean() / math.log(2),
            "the grammar": exact.mean() / math.log(2)}


TABLES = {
    "19_tokens_characters": (tokens_and_characters, SEEDS),
    "19_characters_same_bytes": (characters_same_bytes, SEEDS),
    "19_window_bound": (window_bound, SEEDS),
}


def stored_table():
    """The three stored tables' bits per byte side by side, one ``SeedTable`` (the seeds
    are the same; the step counts stay in ``stored("19_characters_same_bytes")``)."""
    from .seeds import SeedTable, stored
    parts = [stored(name) for name in TABLES]
    columns = [(p, c) for p in parts for c in p.columns if c != "steps"]
    return SeedTable(parts[0].seeds, [c for _, c in columns],
                     np.stack([p[c] for p, c in columns], axis=1))
