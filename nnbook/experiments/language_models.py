"""How the experiments train a character language model over seeds (chapters 18, 20, 21, 24
and 31): ``train_model``, one ``Sequential`` of a seed's layers fit on its windows with a
cosine-decaying rate, so that every table's models are trained alike.
"""

from __future__ import annotations

import numpy as np

from ..callbacks import LearningRateScheduler
from ..schedules import cosine_decay
from ..training import AdamW, CrossEntropy, Sequential

__all__ = ["train_model"]


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
