"""Argument checks shared by layers, losses and the model, with messages that
say what was received, what was expected, and how to fix it."""

from __future__ import annotations

import numbers

import numpy as np


def positive_int(owner: str, name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise if it is not an integer ≥ minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        shown = (f"an array of shape {value.shape}" if isinstance(value, np.ndarray)
                 and value.ndim else repr(value))
        raise ValueError(f"{owner}: expected {name} to be an integer ≥ {minimum}, got {shown}.")
    return int(value)


def float_dtype(owner: str, dtype) -> np.dtype:
    """Return ``dtype`` as a NumPy floating dtype, or raise."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind != "f":
        raise ValueError(
            f"{owner}: expected a floating dtype such as np.float64 or np.float32, got {dtype!r}."
        )
    if dt not in (np.float32, np.float64):
        raise ValueError(
            f"{owner}: dtype {dt.name} is not supported; nnbook computes in float32 or float64 "
            f"(float16 loses too much precision for gradients). Use dtype=np.float32."
        )
    return dt


def make_rng(rng, owner: str = "") -> np.random.Generator:
    """``None`` gives a fresh generator; a Generator is used as is. ``owner`` names
    the caller in the error."""
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    seed = (f": rng=np.random.default_rng({rng!r})" if isinstance(rng, numbers.Integral)
            else "")
    raise ValueError(
        f"{owner + ': ' if owner else ''}expected rng to be a np.random.Generator or None, "
        f"got {type(rng).__name__}. Create one with np.random.default_rng(seed){seed}."
    )


def as_float_array(owner: str, what: str, x) -> np.ndarray:
    """Convert array-like input to a float array (ints become float64)."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{owner}: could not turn {what} into an array ({exc}). Every item "
                         f"must have the same shape (a ragged list cannot be an array).") from None
    if arr.dtype.kind not in "fiub":
        fix = (f" (e.g. {arr.flat[0].item()!r}). For class names as targets, turn them into "
               f"indices 0…k−1 first: names, y = np.unique(y, return_inverse=True)."
               if arr.dtype.kind in "US" and arr.size else ".")
        raise ValueError(f"{owner}: expected numbers in {what}, got dtype {arr.dtype}{fix}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return arr


def all_finite(*arrays: np.ndarray) -> bool:
    """Whether every entry of the float ``arrays`` is finite: the sum of their sums is (one
    pass over each, no copy), unless a sum overflowed, which the entry-by-entry test then
    settles."""
    total = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for a in arrays:
            total = total + np.add.reduce(a, axis=None)
    return bool(np.isfinite(total)) or all(bool(np.isfinite(a).all()) for a in arrays)


def finite(owner: str, what: str, arr: np.ndarray) -> None:
    """Raise if ``arr`` holds NaN or ±inf, saying where the first one is."""
    if arr.dtype.kind == "f" and not all_finite(arr):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{owner}: {what} contains non-finite values (NaN or inf), the first at index "
            f"{tuple(int(i) for i in bad)}: {arr[tuple(bad)]}. Clean or impute the data first."
        )
