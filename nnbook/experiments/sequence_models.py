"""Chapter 18's small transformer and Part III's table over seeds: the transformer, the
RNN, the LSTM and the GRU on the generated language with one budget (320 steps of 64
windows of 32 characters), beside the bigram counts, the best window-only model and the
grammar; and what the transformer's samples and next-character probabilities show.

A seed draws the text (81,920 training and 8,000 held-out characters) from
``default_rng(seed)``, every model's initial weights and batch order from
``default_rng(seed)`` again, and the samples from a third ``default_rng(seed)``, as the
notebook does with its ``SEED``: the notebook's run is the first seed of each table.
"""

from __future__ import annotations

import functools

import numpy as np

from ..data import bigram_probs
from ..inference.text import sample_text
from ..explore.sampling import next_char_probs
from ..layers import (GRU, LSTM, RNN, Dense, Embedding, LayerNorm, PositionalEmbedding,
                      TransformerBlock)
from ..training import Adam
from .language_models import train_model, window_data
from .seeds import SeedTable, stored

__all__ = ["data", "transformer", "recurrent", "loss_per_char",
           "judge_samples", "floors_run", "transformer_run", "rnn_run", "lstm_run",
           "gru_run", "part3_table", "SEEDS", "PROMPT", "CLAUSE", "AGREEMENT", "TABLES"]

V, T, D_MODEL, STEPS_PER_EPOCH, EPOCHS, BATCH = 26, 32, 32, 40, 8, 64
SEEDS = (18, 1, 2, 3, 4)
PROMPT = "the cat runs. "                        # every sample starts a new sentence
CLAUSE = "the cats (that a dog sees) "             # what may follow a relative clause
AGREEMENT = "a dog (that the cats see) run"        # next: the s of a singular subject
TAUS = (0.5, 1.0, 1.5)


@functools.lru_cache(maxsize=8)
def data(seed):
    """One seed's text and targets, as a dict: the corpora ``train`` and ``val``, the
    training windows ``x, y`` (2,560 of 32, 40 batches of 64), the held-out ``x_val,
    y_val``, and for each held-out target the grammar's loss ``exact_w`` and the best a
    window-only model can do, ``bound_w``. Shapes: windows (m, 32); losses (250, 32)."""
    return window_data(seed, STEPS_PER_EPOCH * BATCH, 8_000, T)


def transformer(r):
    """The layers of the chapter's model: embeddings and learned positions, two pre-norm
    blocks of 4 heads, a final LayerNorm and the logits."""
    return [
        Embedding(V, D_MODEL, rng=r),
        PositionalEmbedding(T, D_MODEL, rng=r),
        TransformerBlock(D_MODEL, 4, 4 * D_MODEL, rng=r),
        TransformerBlock(D_MODEL, 4, 4 * D_MODEL, rng=r),
        LayerNorm(D_MODEL),
        Dense(D_MODEL, V, rng=r),
    ]


def recurrent(cell):
    """The layers of a recurrent model of the table: an ``Embedding(26, 32)``, ``cell``
    with 64 units over the window, and the logits."""
    return lambda r: [Embedding(V, 32, rng=r), cell(32, 64, return_sequences=True, rng=r),
                      Dense(64, V, rng=r)]


def _train(layers, seed):
    """``(model, history)``: a model of ``layers(r)`` trained on the seed's windows with the
    chapter's budget (``train_model``: Adam, a learning rate falling from 0.01 along a half
    cosine, 8 epochs of 40 steps of 64 windows), the held-out loss after each epoch."""
    return train_model(layers, data(seed), seed, EPOCHS, batch_size=BATCH,
                       optimizer=Adam(lr=0.01), validation=True)


def loss_per_char(model, x, y):
    """−log P of each target under the model. Shapes: x, y (m, T) → (m, T)."""
    z = model.predict(x)
    z = z - z.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]


def judge_samples(language, sentences):
    """``(accepted, n, depth)``: how many sentences the grammar accepts, of how many, and
    the share of their characters it follows before the first mistake."""
    accepted = sum(map(language.accepts, sentences))
    depth = sum(map(language.followed, sentences)) / sum(map(len, sentences))
    return accepted, len(sentences), depth


def _late(nll):
    return float(nll[:, 16:].mean())            # positions t ≥ 16


def floors_run(seed):
    """The lines every model is judged by, on one seed's held-out text (overall and on
    positions t ≥ 16): the bigram counts, the best window-only model and the grammar;
    and the share of its own samples' characters the grammar follows for the bigram."""
    d = data(seed)
    P = bigram_probs(d["train"].ids, V)
    bigram = -np.log(P[d["x_val"], d["y_val"]])
    rng, text = np.random.default_rng(seed), list(PROMPT)
    for _ in range(2000):                         # the bigram's own sample, at τ = 1
        row = np.cumsum(P[d["train"].vocab.index(text[-1])])
        text.append(d["train"].vocab[min(int(np.searchsorted(row, rng.random())), V - 1)])
    language = d["val"].language
    accepted, _, depth = judge_samples(language, language.sentences("".join(text))[1:])
    return {"bigram": bigram.mean(), "bigram, t ≥ 16": _late(bigram),
            "window bound": d["bound_w"].mean(), "window bound, t ≥ 16": _late(d["bound_w"]),
            "grammar": d["exact_w"].mean(), "grammar, t ≥ 16": _late(d["exact_w"]),
            "bigram samples followed": depth, "bigram samples accepted": accepted}


def _network_row(model, history, seed):
    d = data(seed)
    nll = loss_per_char(model, d["x_val"], d["y_val"])
    val_loss = history.history["val_loss"]
    return {"held-out": nll.mean(), "t ≥ 16": _late(nll), "after 40 steps": val_loss[0],
            "fell every epoch": float(all(b < a for a, b in zip(val_loss, val_loss[1:])))}


def transformer_run(seed):
    """The transformer of one seed: its held-out losses, its loss on its own training
    windows at the end, the share of its excess over the grammar (t ≥ 16) at the closing
    marks, its samples judged by the grammar at τ = 0.5, 1, 1.5, the probability it puts
    on characters the grammar forbids after ``CLAUSE``, and its P('s') after
    ``AGREEMENT``."""
    model, history = _train(transformer, seed)
    d = data(seed)
    row = _network_row(model, history, seed)
    row["training loss, last epoch"] = history.history["loss"][-1]
    row["training windows, end"] = loss_per_char(model, d["x"], d["y"]).mean()
    excess = (loss_per_char(model, d["x_val"], d["y_val"]) - d["exact_w"])[:, 16:]
    ends = np.isin(np.array(d["train"].vocab)[d["y_val"][:, 16:]], list(".!?)"))
    row["closing marks: share of targets"] = ends.mean()
    row["closing marks: share of excess"] = excess[ends].sum() / excess.sum()
    language, rng = d["val"].language, np.random.default_rng(seed)
    for tau in TAUS:
        texts = sample_text(model, d["train"], 250, prompt=PROMPT, temperature=tau,
                            n_samples=8, rng=rng)
        sentences = [s for t in texts for s in language.sentences(t)[1:]]
        accepted, n, depth = judge_samples(language, sentences)
        row[f"accepted at τ = {tau}"] = accepted / n
        row[f"followed at τ = {tau}"] = depth
    for tau in (0.5, 1.0, 2.0):
        p, truth = next_char_probs(model, d["train"], CLAUSE, tau)
        row[f"forbidden at τ = {tau}"] = p[truth == 0].sum()
    p, _ = next_char_probs(model, d["train"], AGREEMENT)
    row["P(s) after the clause"] = p[d["train"].vocab.index("s")]
    return row


def rnn_run(seed):
    """The plain RNN of the table on one seed."""
    return _network_row(*_train(recurrent(RNN), seed), seed)


def lstm_run(seed):
    """The LSTM of the table on one seed."""
    return _network_row(*_train(recurrent(LSTM), seed), seed)


def gru_run(seed):
    """The GRU of the table on one seed."""
    return _network_row(*_train(recurrent(GRU), seed), seed)


TABLES = {"18_floors": (floors_run, SEEDS), "18_transformer": (transformer_run, SEEDS),
          "18_rnn": (rnn_run, SEEDS), "18_lstm": (lstm_run, SEEDS),
          "18_gru": (gru_run, SEEDS)}
NETWORKS = {"RNN": "18_rnn", "LSTM": "18_lstm", "GRU": "18_gru",
            "transformer": "18_transformer"}


def part3_table(column="t ≥ 16", tables=None):
    """Part III's table over the stored seeds: one column per network (its ``column``)
    beside the bigram, the window bound and the grammar on the same positions.
    ``tables`` maps a table's name to a ``SeedTable`` (the stored ones by default)."""
    tables = {name: (tables or {}).get(name) or stored(name) for name in TABLES}
    suffix = ", t ≥ 16" if column == "t ≥ 16" else ""
    floors = tables["18_floors"]
    names = ["bigram", *NETWORKS, "window bound", "grammar"]
    values = [floors["bigram" + suffix]]
    values += [tables[NETWORKS[n]][column] for n in NETWORKS]
    values += [floors["window bound" + suffix], floors["grammar" + suffix]]
    return SeedTable(floors.seeds, names, np.stack(values, axis=1))
