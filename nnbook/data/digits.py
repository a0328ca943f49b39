"""scikit-learn's 8×8 handwritten digits (chapter 10): ``load_digits`` gives all 1797
images (shipped with scikit-learn, no download), and ``digits_split`` the course's fixed
training, validation and test parts, the same in chapters 10 to 13.
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .splits import train_test_split

__all__ = ["load_digits", "digits_split", "DigitsSplit", "COURSE_SEED"]

COURSE_SEED = 10        # chapter 10's seed: digits_split() draws from default_rng(COURSE_SEED)
_TEST_SIZE = 0.25       # of all 1797 digits: ceil(0.25 · 1797) = 450
_VAL_SIZE = 0.2         # of the other 1347: ceil(0.2 · 1347) = 270, leaving 1077 to train on

_DIGITS = None   # (images (1797, 8, 8, 1), labels (1797,)), filled on first use


def _check_flat(owner: str, flat) -> bool:
    if not isinstance(flat, (bool, np.bool_)):
        raise ValueError(
            f"{owner}: expected flat to be True or False, got {flat!r}. Pass flat=True for "
            f"rows of 64 pixels (m, 64), or leave it out for images (m, 8, 8, 1)."
        )
    return bool(flat)


def _read_sklearns_file():
    """(images (1797, 8, 8), labels (1797,)) read with NumPy from the file scikit-learn ships
    (``sklearn/datasets/data/digits.csv.gz``: 64 pixels and the label a row), as its
    ``load_digits`` reads it, without importing scikit-learn, which costs a kernel over a
    second of CPU (chapters 08 to 15 and 27 load the digits in every run); None when
    scikit-learn is not installed or its file is not there or not that shape (the caller
    then asks scikit-learn itself)."""
    spec = importlib.util.find_spec("sklearn")          # finds the package, imports nothing
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    try:
        with gzip.open(path, mode="rt", encoding="utf-8") as f:
            table = np.loadtxt(f, delimiter=",")
    except (OSError, ValueError):
        return None
    if table.shape != (1797, 65):
        return None
    return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)


def load_digits(*, flat: bool = False):
    """scikit-learn's handwritten digits: 1797 gray 8×8 images of 0–9, shipped
    with scikit-learn (no download). Pixels are scaled from 0..16 to [0, 1].

    Shapes:
        images: (1797, 8, 8, 1) float64 (NHWC), or (1797, 64) with ``flat=True``
        labels: (1797,) int64 in 0..9

    Returns fresh copies, so changing them does not change the next call. Chapter 10.
    """
    global _DIGITS
    flat = _check_flat("load_digits", flat)
    if _DIGITS is None and (read := _read_sklearns_file()) is not None:
        _DIGITS = (read[0][..., None] / 16.0, read[1])
    if _DIGITS is None:
        try:
            from sklearn.datasets import load_digits as sk_load_digits
        except ImportError:
            raise ImportError(
                "load_digits needs scikit-learn, which ships the 8×8 digits. Install it with "
                "`pip install scikit-learn` (or `pip install -e \".[course]\"` in the nnbook folder)."
            ) from None
        bunch = sk_load_digits()
        images = np.asarray(bunch.images, dtype=np.float64) / 16.0          # (1797, 8, 8)
        _DIGITS = (images[..., None], np.asarray(bunch.target, dtype=np.int64))
    images, labels = _DIGITS
    images = images.reshape(len(images), -1) if flat else images
    return images.copy(), labels.copy()


class DigitsSplit(NamedTuple):
    """The three parts of the digits, each as images and labels; unpacks as
    ``x_train, y_train, x_val, y_val, x_test, y_test``. Its repr shows the shapes."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self):
        shapes = ", ".join(f"{name} {getattr(self, name).shape}" for name in self._fields)
        return f"DigitsSplit({shapes})"


def digits_split(*, flat: bool = False, rng=None) -> DigitsSplit:
    """Chapter 10's split of the 1797 digits: 1077 training, 270 validation, 450 test, stratified.

    A quarter of the digits, ``ceil(0.25 · 1797) = 450``, is set aside as the test set,
    then a fifth of the other 1347, ``ceil(0.2 · 1347) = 270``, as the validation set:
    two calls of ``train_test_split(..., stratify=True)``, so every part keeps the class
    balance (each digit within one of its share). Pixels are in [0, 1], as ``load_digits``
    gives them.

    Shapes:
        x_train: (1077, 8, 8, 1) float64 (NHWC), or (1077, 64) with ``flat=True``
        y_train: (1077,) int64 in 0..9
        x_val:   (270, 8, 8, 1) or (270, 64);   y_val:  (270,)
        x_test:  (450, 8, 8, 1) or (450, 64);   y_test: (450,)

    Args:
        flat: rows of 64 pixels, read row by row as ``nb.Flatten`` reads an image, instead
            of 8×8×1 images; the same digits in the same order either way.
        rng: ``None`` (the default) gives the course's split, the same in every chapter: it
            draws from a generator of its own, ``np.random.default_rng(10)`` (``COURSE_SEED``,
            chapter 10's seed), so ``digits_split()`` equals
            ``digits_split(rng=np.random.default_rng(10))`` and a notebook's ``rng`` is left
            untouched. Pass a ``np.random.Generator`` for another split; it draws from it.

    Returns:
        a ``DigitsSplit`` (a named tuple): ``split.x_train``, … or
        ``x_train, y_train, x_val, y_val, x_test, y_test = nb.data.digits_split()``.

    Chapter 10; chapters 11, 12 and 13 use the same split.
    """
    flat = _check_flat("digits_split", flat)
    if rng is None:
        rng = np.random.default_rng(COURSE_SEED)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"digits_split: expected rng to be a np.random.Generator, or None for the course's "
            f"split, got {type(rng).__name__} {rng!r}. Leave rng out for chapter 10's split, or pass "
            f"rng=np.random.default_rng(seed) for another one."
        )
    images, labels = load_digits(flat=flat)
    x_rest, x_test, y_rest, y_test = train_test_split(images, labels, _TEST_SIZE, rng=rng)
    x_train, x_val, y_train, y_val = train_test_split(x_rest, y_rest, _VAL_SIZE, rng=rng)
    return DigitsSplit(x_train, y_train, x_val, y_val, x_test, y_test)
