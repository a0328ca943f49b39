"""Chapter 11's digits runs from a seed: chapter 10's dense network on its fixed split,
trained from one start with plain SGD, momentum, SGD at lr/(1 − μ) and Adam, then with
momentum under a constant, a step and a cosine schedule. Ten seeds are stored (about
2 s each); the notebook shows them beside its own run."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..callbacks import LearningRateScheduler
from ..data import digits_split
from ..layers import Dense, Flatten, ReLU, Softmax
from ..schedules import cosine_decay, step_decay
from ..training import SGD, Adam, Sequential

__all__ = ["TARGET", "epochs_to_reach", "optimizer_runs", "schedule_runs", "epochs_to_target",
           "final_validation", "final_training_loss", "validation_spread", "TABLES"]

TARGET = 0.1                     # the training loss section 6 times the optimizers to
LR0, SCHEDULE_EPOCHS = 0.05, 20  # section 7


def epochs_to_reach(loss, target=TARGET):
    """The first epoch (from 1) whose mean training loss is below ``target``; one more
    than the number of epochs if none is."""
    loss = np.asarray(loss)
    return int(np.argmax(loss < target)) + 1 if np.any(loss < target) else len(loss) + 1


def _start(seed):
    rng = np.random.default_rng(seed)
    net = Sequential([Flatten(), Dense(64, 128, init="he_normal", rng=rng), ReLU(),
                      Dense(128, 10, rng=rng), Softmax()], input_shape=(8, 8, 1))
    return net, net.get_weights(), rng


@lru_cache(maxsize=16)
def optimizer_runs(seed):
    """Section 6 from one start: 30 epochs of batches of 16 with each optimizer. Returns
    ``{name: (training losses, validation losses)}``."""
    X_train, y_train, X_val, y_val, _, _ = digits_split()
    net, start, rng = _start(seed)
    runs = {"SGD 0.03": SGD(lr=0.03), "momentum": SGD(lr=0.03, momentum=0.9),
            "SGD 0.3": SGD(lr=0.3), "Adam": Adam(lr=0.002)}
    histories = {}
    for name, optimizer in runs.items():
        net.set_weights(start)
        net.compile(optimizer=optimizer, loss="crossentropy")
        h = net.fit(X_train, y_train, epochs=30, batch_size=16, verbose=0, rng=rng,
                    validation_data=(X_val, y_val)).history
        histories[name] = (tuple(h["loss"]), tuple(h["val_loss"]))
    return histories


@lru_cache(maxsize=16)
def schedule_runs(seed):
    """Section 7 from one start: SGD with momentum 0.9 from lr 0.05, 20 epochs, under a
    constant rate, step decay (halve every 5) and cosine decay. Returns
    ``{name: (training losses, validation losses)}``."""
    X_train, y_train, X_val, y_val, _, _ = digits_split()
    net, start, rng = _start(seed)
    schedules = {"constant": lambda epoch, lr: LR0,
                 "step": step_decay(LR0, drop=0.5, every=5),
                 "cosine": cosine_decay(LR0, epochs=SCHEDULE_EPOCHS)}
    histories = {}
    for name, schedule in schedules.items():
        net.set_weights(start)
        net.compile(optimizer=SGD(lr=LR0, momentum=0.9), loss="crossentropy")
        h = net.fit(X_train, y_train, epochs=SCHEDULE_EPOCHS, batch_size=16, verbose=0,
                    rng=rng, validation_data=(X_val, y_val),
                    callbacks=[LearningRateScheduler(schedule)]).history
        histories[name] = (tuple(h["loss"]), tuple(h["val_loss"]))
    return histories


def epochs_to_target(seed):
    """The epoch at which each optimizer's training loss first falls below 0.1 (31: not
    within the 30 epochs)."""
    return {name: epochs_to_reach(loss) for name, (loss, _) in optimizer_runs(seed).items()}


def final_validation(seed):
    """Each optimizer's validation loss after 30 epochs."""
    return {name: val[-1] for name, (_, val) in optimizer_runs(seed).items()}


def final_training_loss(seed):
    """Each schedule's training loss after 20 epochs."""
    return {name: loss[-1] for name, (loss, _) in schedule_runs(seed).items()}


def validation_spread(seed):
    """Each schedule's spread (standard deviation) of the validation loss over the last 5
    epochs."""
    return {name: float(np.std(val[-5:])) for name, (_, val) in schedule_runs(seed).items()}


_SEEDS = tuple(range(1, 11))
TABLES = {
    "11_epochs_to_target": (epochs_to_target, _SEEDS),
    "11_final_validation": (final_validation, _SEEDS),
    "11_final_training_loss": (final_training_loss, _SEEDS),
    "11_validation_spread": (validation_spread, _SEEDS),
}
