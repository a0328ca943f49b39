"""Checks of the numbers that tune training (learning rates, decay rates, fractions) and of
the keyword spellings other libraries use for them, shared by the optimizers and the
learning-rate schedules of chapter 11.
"""

from __future__ import annotations

import math

import numpy as np

from ..spellings import refuse_spellings

__all__ = ["positive", "fraction", "DefaultRate", "resolve_lr"]


def positive(owner, name, value, allow_zero=False) -> float:
    """``value`` as a float, or a ValueError unless it is a finite number > 0 (≥ 0 with
    ``allow_zero``). ``name`` is how the message names it, e.g. ``"a learning rate lr"``."""
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool) \
        and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: expected {name} {bound}, got {value!r}.")
    return float(value)


def fraction(owner, name, value) -> float:
    """``value`` as a float in [0, 1), or a ValueError."""
    if isinstance(value, bool) or not (isinstance(value, (int, float, np.integer, np.floating))
                                       and 0 <= value < 1):
        raise ValueError(f"{owner}: expected 0 ≤ {name} < 1, got {value!r}.")
    return float(value)


class DefaultRate(float):
    """A constructor's default learning rate: an ordinary float that remembers it was
    not typed by the caller, so ``SGD(learning_rate=0.1)`` can tell that ``lr`` was left
    alone, while ``help(SGD)`` still shows ``lr=0.01``."""

    def __repr__(self):
        return repr(float(self))


def resolve_lr(owner, lr, kwargs):
    """The learning rate of ``owner(lr=…, **kwargs)``: ``learning_rate=`` (Keras' spelling)
    stands for ``lr=``; both at once is a ValueError. Other libraries' names for the
    optimizer's arguments (``beta_1=``; the table in nnbook/spellings.py) get a ValueError
    naming nnbook's; any other unknown keyword is the usual TypeError."""
    kwargs = dict(kwargs)
    if "learning_rate" in kwargs:
        rate = kwargs.pop("learning_rate")
        if not isinstance(lr, DefaultRate):
            raise ValueError(f"{owner}: got both lr={lr!r} and learning_rate={rate!r}, which "
                             f"are one argument (learning_rate is Keras' name for lr). "
                             f"Pass only one, e.g. {owner}(lr={rate!r}).")
        lr = rate
    refuse_spellings(owner, kwargs)
    for name in kwargs:
        raise TypeError(f"{owner}() got an unexpected keyword argument {name!r}")
    return lr
