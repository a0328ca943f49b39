"""Learning-rate schedules (chapter 11): callables ``schedule(epoch, lr) -> float``
that ``callbacks.LearningRateScheduler`` calls at the start of every epoch
(epochs count from 0). Each one depends only on the epoch; ``lr`` is accepted
for Keras' signature and ignored.
"""

from __future__ import annotations

import math
import numbers

from ..optimizers.hyperparams import positive

__all__ = ["step_decay", "exponential_decay", "cosine_decay"]


def _epoch(owner, epoch) -> int:
    if isinstance(epoch, bool) or not float(epoch).is_integer() or epoch < 0:
        raise ValueError(f"{owner}: expected an epoch number ≥ 0 (counted from 0), got {epoch!r}.")
    return int(epoch)


class _Schedule:
    """A schedule with a readable repr; subclasses define ``value(epoch)``."""

    def __call__(self, epoch, lr=None) -> float:
        return self.value(_epoch(repr(self), epoch))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class step_decay(_Schedule):
    """``lr = initial_lr · drop^⌊epoch / every⌋``: multiply by ``drop`` every ``every`` epochs.

    ``step_decay(0.1, drop=0.5, every=10)`` gives 0.1 for epochs 0–9, 0.05 for 10–19, …
    """

    def __init__(self, initial_lr, drop=0.5, every=10):
        self.initial_lr = positive("step_decay", "initial_lr", initial_lr)
        self.drop = positive("step_decay", "drop", drop)
        if self.drop > 1:
            raise ValueError(f"step_decay: expected 0 < drop ≤ 1, got {drop!r}.")
        if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
            raise ValueError(f"step_decay: expected every to be an integer ≥ 1, got {every!r}.")
        self.every = int(every)                  # np.int64(10) too, as everywhere else

    def value(self, epoch):
        return self.initial_lr * self.drop ** (epoch // self.every)


class exponential_decay(_Schedule):
    """``lr = initial_lr · rate^epoch``: a smooth step decay, ``rate`` in (0, 1]."""

    def __init__(self, initial_lr, rate=0.9):
        self.initial_lr = positive("exponential_decay", "initial_lr", initial_lr)
        self.rate = positive("exponential_decay", "rate", rate)
        if self.rate > 1:
            raise ValueError(f"exponential_decay: expected 0 < rate ≤ 1, got {rate!r}.")

    def value(self, epoch):
        return self.initial_lr * self.rate ** epoch


class cosine_decay(_Schedule):
    """``lr = min_lr + (initial_lr − min_lr) · (1 + cos(π · t / epochs)) / 2``, t = min(epoch, epochs).

    Half a cosine from ``initial_lr`` at epoch 0 down to ``min_lr`` at epoch
    ``epochs`` (and after it), Loshchilov & Hutter's SGDR without restarts.

    ``warmup_steps = w`` > 0 (as language-model courses schedule it): a linear warm-up
    from 0, ``lr = initial_lr · t / w`` for t < w, then the half cosine from ``initial_lr``
    at t = w to ``min_lr`` at t = ``epochs``: ``π · (t − w) / (epochs − w)`` in place of
    ``π · t / epochs``. The schedule counts whatever it is called with, epochs or steps.
    """

    warmup_steps = 0          # a class attribute: the repr shows it only when it is set

    def __init__(self, initial_lr, epochs, min_lr=0.0, warmup_steps=0):
        self.initial_lr = positive("cosine_decay", "initial_lr", initial_lr)
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
            raise ValueError(f"cosine_decay: expected epochs to be an integer ≥ 1 (the epoch at "
                             f"which lr reaches min_lr), got {epochs!r}.")
        self.epochs = epochs = int(epochs)       # np.int64(10) too, as everywhere else
        self.min_lr = positive("cosine_decay", "min_lr", min_lr, allow_zero=True)
        if self.min_lr >= self.initial_lr:
            raise ValueError(f"cosine_decay: expected min_lr < initial_lr, got min_lr={min_lr!r}, "
                             f"initial_lr={initial_lr!r}.")
        if (isinstance(warmup_steps, bool) or not isinstance(warmup_steps, numbers.Integral)
                or not 0 <= warmup_steps < epochs):
            raise ValueError(f"cosine_decay: expected warmup_steps to be an integer in [0, "
                             f"epochs) = [0, {epochs}) (the cosine follows the warm-up), got "
                             f"{warmup_steps!r}.")
        if warmup_steps:
            self.warmup_steps = int(warmup_steps)

    def value(self, epoch):
        w = self.warmup_steps
        if epoch < w:
            return self.initial_lr * epoch / w
        t = min(epoch, self.epochs) - w
        return self.min_lr + (self.initial_lr - self.min_lr) * (
            1 + math.cos(math.pi * t / (self.epochs - w))) / 2


