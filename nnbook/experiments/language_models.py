"""How the experiments train a character language model over seeds (chapters 18, 20, 21, 24
and 31): ``window_data``, a seed's text cut into windows with the grammar's exact losses
beside them, and ``train_model``, one ``Sequential`` of a seed's layers fit on its windows
with a cosine-decaying rate, so that every table's models are trained alike.
"""

from __future__ import annotations

import numpy as np

from ..callbacks import LearningRateScheduler
from ..schedules import cosine_decay
from ..data import char_windows, language_corpus
from ..training import AdamW, CrossEntropy, Sequential

__all__ = ["window_data", "train_model"]


def window_data(seed, n_train, val_chars, T):
    """One seed's text as windows of ``T`` characters: the corpora ``train`` (``n_train``
    windows' worth) and ``val`` (``val_chars`` characters), drawn in that order from
    ``default_rng(seed)``; the training windows ``x, y`` (n_train, T), the held-out ``x_val,
    y_val``, and for each held-out target the grammar's loss ``exact_w`` and the best loss
    of any model that reads only the window, ``bound_w`` (nats, (len(x_val), T))."""
    rng = np.random.default_rng(seed)
    train = language_corpus(n_train * T, rng=rng)
    val = language_corpus(val_chars, rng=rng)
    x, y = char_windows(train.ids, T)
    x_val, y_val = char_windows(val.ids, T)
    exact = val.language.nll_chars(val.text)
    return {"train": train, "val": val, "x": x[:n_train], "y": y[:n_train],
            "x_val": x_val, "y_val": y_val,
            "exact_w": exact[np.arange(len(x_val))[:, None] * T + np.arange(T) + 1],
            "bound_w": val.language.window_bound(val.text, T)}


def train_model(layers, data, seed, epochs, *, batch_size=32, optimizer=None, lr=0.01,
                validation=False, callbacks=()):
    """``(model, history)``: a ``Sequential`` of ``layers(r)``, ``r = default_rng(seed)``,
    fit on ``data["x"]``, ``data["y"]`` for ``epochs`` epochs of ``batch_size`` windows in
    an order drawn from the same ``r``, by ``optimizer`` (None: ``AdamW(lr,
    weight_decay=0.01)``) on the cross-entropy from logits, the rate falling from ``lr``
    along a half cosine (``callbacks`` run after that schedule). With ``validation``, the
    history holds the loss on ``data["x_val"]``, ``data["y_val"]`` after each epoch."""
    r = np.random.default_rng(seed)
    model = Sequential(layers(r))
    model.compile(optimizer=optimizer or AdamW(lr=lr, weight_decay=0.01),
                  loss=CrossEntropy(from_logits=True))
    schedule = LearningRateScheduler(cosine_decay(lr, epochs))
    val = (data["x_val"], data["y_val"]) if validation else None
    history = model.fit(data["x"], data["y"], epochs=epochs, batch_size=batch_size, verbose=0,
                        rng=r, validation_data=val, callbacks=[schedule, *callbacks])
    return model, history
