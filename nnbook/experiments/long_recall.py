"""Chapter 16's memory of 100 steps over seeds: the plain RNN and the LSTM of section 5
(``RNN/LSTM(20, 24) → Dense(24, 4) → Softmax``) on ``recall_task``, trained for 10 epochs.

A seed draws the 1,000 training and 500 held-out sequences, both models' initial weights
and their batch order. Each row holds the held-out accuracy after every epoch, and what
the LSTM keeps after the chapter's 5 epochs when either route of its memory is cut.
"""

from __future__ import annotations

import numpy as np

from ..data import recall_task
from .seeds import SeedTable
from ..layers import LSTM, RNN, Dense, Softmax
from ..training import Adam, Sequential

__all__ = ["recall_run", "at_epochs", "curves", "forget_products", "EPOCHS", "TABLES"]

T, N_SYMBOLS, N_DISTRACTORS, HIDDEN, EPOCHS, CUT_EPOCH = 100, 4, 16, 24, 10, 5
CELLS = {"RNN": RNN, "LSTM": LSTM}


def forget_products(lstm, x):
    """Each unit's product of forget gates over steps 2 … T, averaged over the sequences
    ``x`` (m, T, n_in): what the direct path along c alone keeps of step 1. Shapes: (h,)."""
    W_x, W_h, b = lstm.params["W_x"], lstm.params["W_h"], lstm.params["b"]
    n = W_h.shape[0]
    h, c, log_keep = np.zeros((len(x), n)), np.zeros((len(x), n)), np.zeros((len(x), n))
    for t in range(x.shape[1]):
        z = x[:, t] @ W_x + h @ W_h + b
        i, f, o = (1 / (1 + np.exp(-z[:, k * n:(k + 1) * n])) for k in (0, 1, 3))
        c = f * c + i * np.tanh(z[:, 2 * n:3 * n])
        h = o * np.tanh(c)
        if t > 0:
            log_keep += np.log(f)
    return np.exp(log_keep).mean(axis=0)


def _accuracy(model, x, y):
    return float(np.mean(model.predict(x).argmax(axis=1) == y))


def _cut_accuracies(model, lstm, x_held, y_held):
    """Held-out accuracy with W_h = 0 (only the direct path is left) and with a forget
    bias of −30 (f ≈ 0: c_{t-1} does not reach c_t); the weights are restored after."""
    saved = {k: v.copy() for k, v in lstm.params.items()}
    lstm.params["W_h"][...] = 0.0
    no_h = _accuracy(model, x_held, y_held)
    lstm.params["W_h"][...] = saved["W_h"]
    lstm.params["b"][HIDDEN:2 * HIDDEN] = -30.0
    no_c = _accuracy(model, x_held, y_held)
    lstm.params["b"][...] = saved["b"]
    return no_h, no_c


def recall_run(seed, epochs=EPOCHS):
    """Held-out accuracy of both cells after each epoch ("RNN, epoch 1" …), and, after the
    chapter's 5 epochs, the LSTM's accuracy with either route of its memory cut and its
    largest product of forget gates over the 99 steps, on one seed's data and start."""
    rng = np.random.default_rng(seed)
    task = dict(n_symbols=N_SYMBOLS, n_distractors=N_DISTRACTORS, one_hot=True, rng=rng)
    x, y = recall_task(1000, T, **task)
    x_held, y_held = recall_task(500, T, **task)
    row, cut = {}, {}
    for name, cell in CELLS.items():
        model = Sequential([cell(N_SYMBOLS + N_DISTRACTORS, HIDDEN, rng=rng),
                            Dense(HIDDEN, N_SYMBOLS, rng=rng), Softmax()])
        model.compile(Adam(0.005), "crossentropy", metrics=["accuracy"])
        accuracies = []
        for start, stop in ((0, min(CUT_EPOCH, epochs)), (CUT_EPOCH, epochs)):
            if stop > start:
                accuracies += model.fit(x, y, epochs=stop, initial_epoch=start, batch_size=32,
                                        verbose=0, rng=rng, validation_data=(x_held, y_held)
                                        ).history["val_accuracy"]
            if name == "LSTM" and stop == CUT_EPOCH:
                lstm = model.layers[0]
                cuts = _cut_accuracies(model, lstm, x_held, y_held)
                cut["LSTM with W_h = 0"], cut["LSTM with forget bias -30"] = cuts
                cut["LSTM, largest product of f"] = float(
                    forget_products(lstm, x_held[:200]).max())
        for epoch, acc in enumerate(accuracies, start=1):
            row[f"{name}, epoch {epoch}"] = acc
    return {**row, **cut}


def at_epochs(table, epochs=(5, EPOCHS)):
    """The held-out accuracies of both cells after the given epochs, as a smaller table
    with columns like "RNN, 5 epochs"."""
    names = [(f"{cell}, {e} epochs", f"{cell}, epoch {e}") for e in epochs for cell in CELLS]
    values = np.stack([table[old] for _, old in names], axis=1)
    return SeedTable(table.seeds, [new for new, _ in names], values)


def curves(table, cell):
    """One cell's held-out accuracy after each epoch, for every seed. Shapes: (n_seeds, 10)."""
    return np.stack([table[f"{cell}, epoch {e}"] for e in range(1, EPOCHS + 1)], axis=1)


TABLES = {"16_recall": (recall_run, range(20))}
