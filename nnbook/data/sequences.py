"""Sequence tasks made up by a formula, in the course's layout (m, T, d): a sine wave to predict
one step ahead (chapter 15), the adding problem and a recall task that need a long memory
(chapter 16), and the chance level a model must beat on each. They draw only from ``rng``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..validate import make_rng, positive_int

__all__ = ["sine_wave", "adding_problem", "recall_task", "chance_level"]


def _flag(owner: str, name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: expected {name} to be True or False, got {value!r}.")
    return bool(value)


def _indices(u: np.ndarray, k) -> np.ndarray:
    """Uniform integers in [0, k) from uniform floats u in [0, 1): ``floor(u · k)``, int64.
    (``rng.random`` and this, rather than ``rng.integers``, keep the draws the same on
    every NumPy the course supports.)"""
    return np.minimum(np.floor(u * k), k - 1).astype(np.int64)


# --------------------------------------------------------------------------
# Chapter 15: one step ahead

def sine_wave(m: int, T: int, *, periods=(8.0, 32.0), noise: float = 0.0,
              return_sequences: bool = True, rng=None):
    """Sine waves with a random phase and period, to predict each next value (chapter 15).

    Sample i is the series ``s_i(t) = sin(2π t / P_i + φ_i) + noise · ε_i(t)`` for
    t = 0, 1, …, T, with the phase φ_i uniform in [0, 2π), the period P_i (in steps)
    uniform between ``periods[0]`` and ``periods[1]``, and ε standard normal. The input
    is the first T values, the target the value one step later.

    Shapes:
        x: (m, T, 1) float64, x[i, t, 0] = s_i(t)
        y: (m, T, 1) float64, y[i, t, 0] = s_i(t + 1): for an RNN with
           ``return_sequences=True``, so y[:, :-1] equals x[:, 1:];
           with ``return_sequences=False``, (m, 1): only the value after the last input, s_i(T)

    The baseline "repeat the last value" predicts x itself: its error is
    ``np.mean((x - y) ** 2)`` (``np.mean((x[:, -1] - y) ** 2)`` for a last value only).

    Args:
        m: the number of sequences (≥ 1); T: the steps in each (≥ 1).
        periods: (shortest, longest) period in steps, 2 ≤ shortest ≤ longest.
        noise: the standard deviation of the noise added to the series (≥ 0); the targets
            are the same noisy series, one step later.
        rng: ``np.random.Generator``; ``None`` means a fresh one.
    """
    m = positive_int("sine_wave", "m", m)
    T = positive_int("sine_wave", "T", T)
    try:
        low, high = (float(p) for p in periods)
    except (TypeError, ValueError):
        low = high = float("nan")
    if not 2 <= low <= high < float("inf"):
        raise ValueError(
            f"sine_wave: expected periods to be (shortest, longest) in steps with "
            f"2 ≤ shortest ≤ longest, got {periods!r}. A period under 2 steps cannot be "
            f"sampled; try periods=(8, 32).")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) \
            or not 0 <= noise < float("inf"):
        raise ValueError(f"sine_wave: expected noise to be a number ≥ 0 (a standard "
                         f"deviation), got {noise!r}.")
    last_only = not _flag("sine_wave", "return_sequences", return_sequences)
    rng = make_rng(rng, "sine_wave")
    phase = 2 * np.pi * rng.random(m)                                  # (m,)
    period = low + (high - low) * rng.random(m)                        # (m,)
    t = np.arange(T + 1)                                               # (T + 1,)
    s = np.sin(2 * np.pi * t / period[:, None] + phase[:, None])       # (m, T + 1)
    if noise > 0:
        s = s + noise * rng.standard_normal((m, T + 1))
    x = s[:, :T, None]                                                 # (m, T, 1)
    y = s[:, T:T + 1] if last_only else s[:, 1:, None]                 # (m, 1) or (m, T, 1)
    return x.copy(), y.copy()


# --------------------------------------------------------------------------
# Chapter 16: tasks that need a long memory

def adding_problem(m: int, T: int, *, rng=None):
    """The adding problem (Hochreiter & Schmidhuber, 1997): add the two marked numbers of a
    long sequence (chapter 16).

    Each step carries two channels: a value uniform in [0, 1), and a marker that is 1 at
    exactly two steps, one in the first half ``[0, T // 2)`` and one in the second half
    ``[T // 2, T)``, and 0 elsewhere. The target is the sum of the two marked values, in
    [0, 2). A model must hold the first marked value for up to T − 1 steps.

    Shapes:
        x: (m, T, 2) float64; x[:, :, 0] the values, x[:, :, 1] the markers (two 1s per row)
        y: (m, 1) float64, y[i, 0] = Σ_t x[i, t, 0] · x[i, t, 1]

    Chance level: always answering 1 (the mean of the sum) has a mean squared error of
    Var(a + b) = 2 · 1/12 = 1/6 ≈ 0.167, and no constant does better
    (``chance_level("adding")``).

    Args:
        m: the number of sequences (≥ 1); T: their length (≥ 2, so that each half has a step).
        rng: ``np.random.Generator``; ``None`` means a fresh one.
    """
    m = positive_int("adding_problem", "m", m)
    T = positive_int("adding_problem", "T", T, minimum=2)
    rng = make_rng(rng, "adding_problem")
    values = rng.random((m, T))                                        # (m, T)
    half = T // 2
    first = _indices(rng.random(m), half)                              # (m,) in [0, T//2)
    second = half + _indices(rng.random(m), T - half)                  # (m,) in [T//2, T)
    x = np.zeros((m, T, 2))
    x[:, :, 0] = values
    rows = np.arange(m)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = (values[rows, first] + values[rows, second])[:, None]          # (m, 1)
    return x, y


def recall_task(m: int, T: int, *, n_symbols: int = 4, n_distractors: int = 4,
                one_hot: bool = False, rng=None):
    """Remember the first symbol of a sequence through T − 1 steps of distractors (chapter 16).

    Token ids 0 … n_symbols − 1 are the symbols to remember, n_symbols … V − 1 the
    distractors (V = n_symbols + n_distractors). Step 0 holds a symbol drawn uniformly,
    every later step a distractor drawn uniformly; the target is the symbol of step 0, to
    be read from the state after the last step (many-to-one). The distractors say nothing
    about the target, so a model that has forgotten step 0 is at chance, 1 / n_symbols
    (``chance_level("recall", n_symbols=...)``).

    Shapes:
        x: (m, T) int64 token ids in [0, V) (for an Embedding), or with ``one_hot=True``
           (m, T, V) float64 one-hot rows (for an RNN, LSTM or GRU directly)
        y: (m,) int64 in [0, n_symbols), y = x[:, 0] (the ids)

    Args:
        m: the number of sequences (≥ 1); T: their length (≥ 1; the memory spans T − 1 steps).
        n_symbols: how many symbols to tell apart (≥ 2); n_distractors: how many distractor
            tokens (≥ 1).
        rng: ``np.random.Generator``; ``None`` means a fresh one.
    """
    m = positive_int("recall_task", "m", m)
    T = positive_int("recall_task", "T", T)
    k = positive_int("recall_task", "n_symbols", n_symbols, minimum=2)
    n_d = positive_int("recall_task", "n_distractors", n_distractors)
    as_one_hot = _flag("recall_task", "one_hot", one_hot)
    rng = make_rng(rng, "recall_task")
    y = _indices(rng.random(m), k)                                     # (m,)
    x = np.empty((m, T), dtype=np.int64)
    x[:, 0] = y
    x[:, 1:] = k + _indices(rng.random((m, T - 1)), n_d)               # (m, T - 1)
    if as_one_hot:
        return np.eye(k + n_d)[x], y                                   # (m, T, V)
    return x, y


_TASKS = ("adding", "recall")


def chance_level(task: str, *, n_symbols: int | None = None) -> float:
    """The score of a model that has learnt nothing about the sequence (chapter 16).

    - ``"adding"``: 1/6 ≈ 0.1667, the mean squared error of always answering 1, the
      best constant (the sum of two uniform [0, 1) values has mean 1 and variance 1/6);
      a model must go below it.
    - ``"recall"``: 1 / n_symbols, the accuracy of a guess; a model must go above it.

    The sine wave's baseline is a number of its data, "repeat the last value":
    ``np.mean((x - y) ** 2)`` for ``x, y = sine_wave(...)``.
    """
    key = str(task).lower()
    if key not in _TASKS:
        hint = (" The sine wave's baseline depends on its data: np.mean((x - y) ** 2) "
                "repeats the last value." if key.startswith("sine") else "")
        raise ValueError(f"chance_level: unknown task {task!r}; expected one of "
                         f"{list(_TASKS)}.{hint}")
    if key == "adding":
        if n_symbols is not None:
            raise ValueError(f"chance_level: the adding problem has no symbols, got "
                             f"n_symbols={n_symbols!r}. Call chance_level('adding').")
        return 1 / 6
    if n_symbols is None:
        raise ValueError("chance_level: the recall task's chance level is 1 / n_symbols; "
                         "pass the n_symbols you gave recall_task, e.g. "
                         "chance_level('recall', n_symbols=4).")
    return 1 / positive_int("chance_level", "n_symbols", n_symbols, minimum=2)
