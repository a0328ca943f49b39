"""Tests for nnbook/data/digits.py: ``load_digits`` (shapes, scaling, copies, the message
without scikit-learn) and ``digits_split``, chapter 10's fixed split, with facts one can
check by hand: ceil(0.25 · 1797) = 450 test digits, ceil(0.2 · 1347) = 270 validation
digits, 1077 left; each class within one digit of its share; the same split every call."""

import builtins
import importlib.util
import math

import numpy as np
import pytest

from nnbook import data



@pytest.fixture(autouse=True)
def needs_sklearn(request):
    """The 8×8 digits ship with scikit-learn: without it only the message is tested."""
    if importlib.util.find_spec("sklearn") is None and "without_sklearn" not in request.node.name:
        pytest.skip("the 8×8 digits ship with scikit-learn")


# the class counts of the 1797 digits, and of the course's parts (largest remainders:
# 0.25 · 178 = 44.5 → 45, 0.25 · 182 = 45.5 → 46, 0.25 · 177 = 44.25 → 44, …)
COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
TEST_COUNTS = [45, 46, 44, 46, 45, 46, 45, 45, 43, 45]
VAL_COUNTS = [27, 27, 27, 28, 27, 27, 27, 27, 26, 27]


def rows(x, y):
    """Each digit as one row (its 64 pixels and its label), sorted: a multiset one can compare."""
    r = np.column_stack([x.reshape(len(x), -1), y])
    return r[np.lexsort(r.T[::-1])]


# --------------------------------------------------------------------------
# load_digits


def test_load_digits_shapes_and_range():
    images, labels = data.load_digits()
    assert images.shape == (1797, 8, 8, 1) and images.dtype == np.float64
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    np.testing.assert_array_equal(np.bincount(labels), COUNTS)
    flat, labels2 = data.load_digits(flat=True)
    assert flat.shape == (1797, 64)
    np.testing.assert_array_equal(flat, images.reshape(1797, 64))
    np.testing.assert_array_equal(labels, labels2)


def test_load_digits_pixels_are_sixteenths():
    images, _ = data.load_digits()
    np.testing.assert_array_equal(images * 16, np.round(images * 16))       # 0..16 divided by 16


def test_load_digits_returns_copies():
    images, labels = data.load_digits()
    images[...] = -1
    labels[...] = -1
    again, labels2 = data.load_digits()
    assert again.min() == 0.0 and labels2.min() == 0


def test_load_digits_without_sklearn(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    real_find_spec = importlib.util.find_spec

    def no_sklearn_spec(name, *args, **kwargs):   # load_digits looks for sklearn's file first
        return None if name.split(".")[0] == "sklearn" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(data.digits, "_DIGITS", None)
    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    monkeypatch.setattr(importlib.util, "find_spec", no_sklearn_spec)
    with pytest.raises(ImportError, match=r"pip install scikit-learn"):
        data.load_digits()
    with pytest.raises(ImportError, match=r"pip install scikit-learn"):
        data.digits_split()


def test_load_digits_reads_sklearns_file_as_sklearn_does(monkeypatch):
    """The file read with NumPy (no scikit-learn import) gives scikit-learn's own digits,
    bit for bit, and so does the fallback through scikit-learn when the file is not found."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    read = data.digits._read_sklearns_file()
    assert read is not None, "scikit-learn's digits.csv.gz was not found where it ships"
    np.testing.assert_array_equal(read[0], bunch.images)
    np.testing.assert_array_equal(read[1], bunch.target)
    monkeypatch.setattr(data.digits, "_DIGITS", None)
    images, labels = data.load_digits()
    monkeypatch.setattr(data.digits, "_DIGITS", None)
    monkeypatch.setattr(data.digits, "_read_sklearns_file", lambda: None)
    images2, labels2 = data.load_digits()
    assert images.tobytes() == images2.tobytes() and labels.tobytes() == labels2.tobytes()
    assert images.dtype == images2.dtype and labels.dtype == labels2.dtype


def test_load_digits_does_not_import_sklearn():
    """Importing scikit-learn costs a kernel over a second of CPU: load_digits reads its file."""
    import subprocess
    import sys

    code = ("import sys, nnbook.data as d; d.load_digits(); d.digits_split(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# --------------------------------------------------------------------------
# digits_split: sizes, dtypes, scaling


def test_split_sizes_shapes_and_dtypes():
    split = data.digits_split()
    assert (len(split.x_test), len(split.x_val), len(split.x_train)) == (450, 270, 1077)
    assert 450 == math.ceil(0.25 * 1797) and 270 == math.ceil(0.2 * (1797 - 450))
    for x, y, m in [(split.x_train, split.y_train, 1077), (split.x_val, split.y_val, 270),
                    (split.x_test, split.y_test, 450)]:
        assert x.shape == (m, 8, 8, 1) and x.dtype == np.float64
        assert y.shape == (m,) and y.dtype == np.int64
        assert x.min() == 0.0 and x.max() <= 1.0


def test_split_is_a_named_tuple_that_unpacks_in_order():
    split = data.digits_split()
    assert split._fields == ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")
    x_train, y_train, x_val, y_val, x_test, y_test = split
    assert x_train is split.x_train and y_test is split.y_test and x_val is split[2]
    assert repr(split) == ("DigitsSplit(x_train (1077, 8, 8, 1), y_train (1077,), "
                           "x_val (270, 8, 8, 1), y_val (270,), x_test (450, 8, 8, 1), y_test (450,))")


def test_flat_split_is_the_same_digits_as_rows():
    images, flat = data.digits_split(), data.digits_split(flat=True)
    assert flat.x_train.shape == (1077, 64) and flat.x_val.shape == (270, 64)
    assert flat.x_test.shape == (450, 64)
    for a, b in zip(images, flat):
        np.testing.assert_array_equal(a.reshape(len(a), -1) if a.ndim > 1 else a, b)


# --------------------------------------------------------------------------
# digits_split: disjoint, complete, stratified


def test_parts_are_disjoint_and_cover_every_digit():
    x_train, y_train, x_val, y_val, x_test, y_test = data.digits_split()
    together = rows(np.concatenate([x_train, x_val, x_test]), np.concatenate([y_train, y_val, y_test]))
    np.testing.assert_array_equal(together, rows(*data.load_digits()))      # each digit once


def test_parts_are_stratified():
    split = data.digits_split()
    test, val = np.bincount(split.y_test), np.bincount(split.y_val)
    np.testing.assert_array_equal(test, TEST_COUNTS)
    np.testing.assert_array_equal(val, VAL_COUNTS)
    np.testing.assert_array_equal(np.bincount(split.y_train) + val + test, COUNTS)
    assert np.all(np.abs(test - 0.25 * np.array(COUNTS)) < 1)                # a quarter of each class
    assert np.all(np.abs(val - 0.2 * (np.array(COUNTS) - test)) < 1)         # a fifth of the rest


def test_any_generator_gives_a_stratified_split_of_the_same_sizes():
    split = data.digits_split(rng=np.random.default_rng(123))
    np.testing.assert_array_equal(np.bincount(split.y_test), TEST_COUNTS)
    assert (len(split.y_train), len(split.y_val)) == (1077, 270)


# --------------------------------------------------------------------------
# digits_split: where its randomness comes from


def test_default_is_the_course_split_from_seed_10():
    a, b = data.digits_split(), data.digits_split()
    c = data.digits_split(rng=np.random.default_rng(10))
    assert data.digits.COURSE_SEED == 10
    for u, v, w in zip(a, b, c):
        np.testing.assert_array_equal(u, v)
        np.testing.assert_array_equal(u, w)


def test_split_is_two_stratified_train_test_splits():
    rng = np.random.default_rng(10)
    images, labels = data.load_digits()
    x_rest, x_test, y_rest, y_test = data.train_test_split(images, labels, 0.25, rng=rng)
    x_train, x_val, y_train, y_val = data.train_test_split(x_rest, y_rest, 0.2, rng=rng)
    for by_hand, library in zip([x_train, y_train, x_val, y_val, x_test, y_test], data.digits_split()):
        np.testing.assert_array_equal(by_hand, library)


def test_another_generator_gives_another_split_and_is_used():
    rng = np.random.default_rng(10)
    first = data.digits_split(rng=rng)                                      # = the course's split
    second = data.digits_split(rng=rng)                                     # rng has moved on
    assert not np.array_equal(first.y_test, second.y_test)
    again = data.digits_split(rng=np.random.default_rng(7))
    assert not np.array_equal(data.digits_split().x_train, again.x_train)


def test_default_leaves_global_random_state_alone():
    np.random.seed(0)
    expected = np.random.random(3)
    np.random.seed(0)
    data.digits_split()
    np.testing.assert_array_equal(np.random.random(3), expected)


def test_parts_are_fresh_arrays():
    split = data.digits_split()
    split.x_train[...] = -1
    split.y_test[...] = -1
    again = data.digits_split()
    assert again.x_train.min() == 0.0 and again.y_test.min() == 0
    assert data.load_digits()[0].min() == 0.0


# --------------------------------------------------------------------------
# Bad arguments


@pytest.mark.parametrize("kwargs, match", [
    ({"rng": 10}, r"digits_split: expected rng to be a np.random.Generator, or None for the "
                  r"course's split, got int 10\. Leave rng out .* rng=np.random.default_rng\(seed\)"),
    ({"rng": np.random.RandomState(0)}, r"got RandomState"),
    ({"flat": "yes"}, r"digits_split: expected flat to be True or False, got 'yes'\. Pass flat=True"),
    ({"flat": 1}, r"expected flat to be True or False, got 1"),
])
def test_digits_split_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.digits_split(**kwargs)


def test_load_digits_bad_flat():
    with pytest.raises(ValueError, match=r"load_digits: expected flat to be True or False, got None"):
        data.load_digits(flat=None)


def test_arguments_are_keywords_only():
    with pytest.raises(TypeError):
        data.digits_split(True)
