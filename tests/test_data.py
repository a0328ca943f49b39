"""Tests for nnbook.data's generated sets (generated.py), ``train_test_split`` (splits.py)
and ``one_hot`` (labels.py): hand-written values, shapes, determinism, stratified splits,
one-hot encoding; that the package shows its names and modules, and that the IDX/MNIST
reader (tested in test_data_idx.py) is still reachable as ``nb.data.read_idx``/``nb.data.load_mnist``.
The digits are tested in test_data_digits.py."""

import importlib
import math
import pkgutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnbook import data

# --------------------------------------------------------------------------
# Logic gates


def test_xor_values_and_shapes():
    X, y = data.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [[0], [1], [1], [0]])
    assert X.dtype == np.float64 and y.shape == (4, 1)


@pytest.mark.parametrize("name, column", [
    ("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0]),
    ("nand", [1, 1, 1, 0]), ("AND", [0, 0, 0, 1]),
])
def test_logic_gates(name, column):
    X, y = data.logic_gate(name)
    np.testing.assert_array_equal(X, data.xor()[0])
    np.testing.assert_array_equal(y[:, 0], column)


def test_logic_gate_unknown_name():
    with pytest.raises(ValueError, match=r"unknown gate 'nor'.*'and'"):
        data.logic_gate("nor")


def test_gates_are_fresh_arrays():
    X, y = data.xor()
    X[0, 0] = 5
    assert data.xor()[0][0, 0] == 0


# --------------------------------------------------------------------------
# Point clouds


def test_spirals_shapes_range_and_balance():
    X, labels = data.spirals(50, 4, noise=0.1, rng=np.random.default_rng(0))
    assert X.shape == (200, 2) and X.dtype == np.float64
    assert labels.shape == (200,) and labels.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(labels), [50] * 4)
    assert np.abs(X).max() <= 1.0 + 1e-12


def test_spirals_deterministic_given_seed():
    a = data.spirals(rng=np.random.default_rng(3))
    b = data.spirals(rng=np.random.default_rng(3))
    c = data.spirals(rng=np.random.default_rng(4))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_spirals_without_noise_lie_on_arms():
    X, labels = data.spirals(20, 2, noise=0.0, rng=np.random.default_rng(0))
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[:20], np.linspace(0.05, 1.0, 20))
    # two arms half a turn apart: one is the other rotated by π
    np.testing.assert_allclose(X[20:], -X[:20], atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_per_class": 0}, r"n_per_class to be an integer ≥ 1, got 0"),
    ({"n_classes": 1.5}, r"n_classes to be an integer ≥ 1, got 1.5"),
    ({"noise": -1}, r"noise ≥ 0, got -1"),
])
def test_spirals_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.spirals(**kwargs)


def test_spirals_bad_rng():
    with pytest.raises(ValueError, match="np.random.default_rng"):
        data.spirals(rng=42)


def test_blobs_default_two_separable_classes():
    X, labels = data.blobs(rng=np.random.default_rng(0))
    assert X.shape == (100, 2) and labels.shape == (100,) and labels.dtype == np.int64
    # the line x1 + x2 = 0 separates the two default clouds
    np.testing.assert_array_equal((X.sum(axis=1) > 0).astype(int), labels)


def test_blobs_centers_and_std():
    X, labels = data.blobs(2000, centers=[(0, 0, 0), (5, 5, 5), (-5, 0, 5)], std=[0.1, 1.0, 0.0],
                           rng=np.random.default_rng(1))
    assert X.shape == (6000, 3)
    np.testing.assert_allclose(X[labels == 1].mean(axis=0), [5, 5, 5], atol=0.1)
    np.testing.assert_allclose(X[labels == 0].std(axis=0), 0.1, rtol=0.1)
    np.testing.assert_array_equal(X[labels == 2], np.tile([-5.0, 0.0, 5.0], (2000, 1)))


@pytest.mark.parametrize("kwargs, match", [
    ({"centers": [1, 2]}, r"centers of shape \(k, d\), got \(2,\)"),
    ({"std": -0.5}, r"std to be a number ≥ 0 or one per class \(2 values\), got -0.5"),
    ({"std": [0.1, 0.2, 0.3]}, r"one per class \(2 values\)"),
])
def test_blobs_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.blobs(**kwargs)


# --------------------------------------------------------------------------
# train_test_split


def test_split_shapes_disjoint_and_complete():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20) % 2
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, 0.25, rng=np.random.default_rng(0))
    assert Xtr.shape == (15, 2) and Xte.shape == (5, 2) and ytr.shape == (15,) and yte.shape == (5,)
    rows_tr, rows_te = set(Xtr[:, 0] // 2), set(Xte[:, 0] // 2)
    assert not rows_tr & rows_te and rows_tr | rows_te == set(range(20))
    # rows stay paired with their labels
    np.testing.assert_array_equal((Xtr[:, 0] // 2) % 2, ytr)
    np.testing.assert_array_equal((Xte[:, 0] // 2) % 2, yte)


def test_split_stratified_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, 0.2, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(np.bincount(yte), [12, 6, 2])
    np.testing.assert_array_equal(np.bincount(ytr), [48, 24, 8])
    assert sorted(np.concatenate([Xtr, Xte])) == list(range(100))


@pytest.mark.parametrize("m, test_size", [(10, 0.25), (97, 0.3), (33, 0.5), (7, 0.1)])
def test_split_total_is_ceil(m, test_size):
    y = np.arange(m) % 3
    _, Xte, _, yte = data.train_test_split(np.zeros((m, 1)), y, test_size,
                                           rng=np.random.default_rng(0))
    assert len(Xte) == len(yte) == math.ceil(test_size * m)


def test_split_stratifies_one_hot_and_binary_targets():
    y = data.one_hot(np.repeat([0, 1], [80, 20]))
    _, _, _, yte = data.train_test_split(np.zeros((100, 1)), y, 0.25, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(yte.sum(axis=0), [20, 5])
    y01 = np.repeat([0.0, 1.0], [80, 20]).reshape(-1, 1)
    _, _, _, yte = data.train_test_split(np.zeros((100, 1)), y01, 0.25, rng=np.random.default_rng(1))
    assert yte.sum() == 5


def test_split_deterministic_given_seed():
    X, y = data.spirals(30, 3, rng=np.random.default_rng(0))
    a = data.train_test_split(X, y, rng=np.random.default_rng(7))
    b = data.train_test_split(X, y, rng=np.random.default_rng(7))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_split_unstratified_and_regression_targets():
    X = np.arange(50.0)
    y = X ** 2                               # not classes: a plain shuffle
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, 0.3, rng=np.random.default_rng(0))
    assert len(Xte) == 15
    np.testing.assert_array_equal(yte, Xte ** 2)
    _, Xte2, _, _ = data.train_test_split(X, np.arange(50) % 2, 0.3, stratify=False,
                                          rng=np.random.default_rng(0))
    assert len(Xte2) == 15


@pytest.mark.parametrize("X, y, kwargs, match", [
    (np.zeros((5, 2)), np.zeros(4), {}, r"X of shape \(5, 2\) and y of shape \(4,\)"),
    (np.zeros((5, 2)), np.zeros(5), {"test_size": 1.0}, r"0 < test_size < 1.*got 1.0"),
    (np.zeros((5, 2)), np.zeros(5), {"test_size": 0}, r"got 0\. For 20% use test_size=0.2"),
    (np.zeros((5, 2)), np.zeros(5), {"test_size": 20}, r"0 < test_size < 1"),
    (np.zeros((1, 2)), np.zeros(1), {}, r"cannot split 1 samples"),
])
def test_split_errors(X, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.train_test_split(X, y, **kwargs)


# --------------------------------------------------------------------------
# one_hot


def test_one_hot_by_hand():
    np.testing.assert_array_equal(data.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    out = data.one_hot(np.array([1, 1, 0]))
    assert out.shape == (3, 2) and out.dtype == np.float64
    np.testing.assert_array_equal(data.one_hot(np.array([[1.0], [0.0]])), [[0, 1], [1, 0]])
    assert data.one_hot([], k=4).shape == (0, 4)


@pytest.mark.parametrize("labels, k, match", [
    ([0, 3], 3, r"label 3 is outside \[0, 3\).*pass the right number of classes k"),
    ([-1, 0], None, r"label -1 is outside"),
    ([0.5, 1.0], None, r"expected integer class labels, got .*0.5"),
    ([[0, 1], [1, 0]], None, r"labels of shape \(m,\), got \(2, 2\)"),
    (["a"], None, r"expected integer class labels"),
    ([], None, r"pass k"),
    ([0], 0, r"k to be an integer ≥ 1, got 0"),
])
def test_one_hot_errors(labels, k, match):
    with pytest.raises(ValueError, match=match):
        data.one_hot(labels, k)


# --------------------------------------------------------------------------
# The IDX/MNIST reader lives in nnbook/data/idx.py (tested in test_data_idx.py)


def test_every_public_name_and_its_module():
    """Each name of ``nb.data.__all__`` is defined in one public module of nnbook/data (the
    module of its idea) and is that module's object: the map is derived from the package,
    so a new data set adds its import and ``__all__`` entry to nnbook/data/__init__.py only
    (its chapter's row names it, tests/test_chapters.py)."""
    modules = {info.name for info in pkgutil.iter_modules(data.__path__)
               if not info.name.startswith("_")}
    for name in data.__all__:
        home = getattr(data, name).__module__
        assert home.rsplit(".", 1)[0] == "nnbook.data" and home.rsplit(".", 1)[1] in modules, (
            f"nb.data.{name} comes from {home}, not from a public module of nnbook/data")
        assert getattr(data, name) is getattr(importlib.import_module(home), name), name
    assert data.one_hot is data.labels.one_hot
    assert data.TwoSources.__module__ == "nnbook.data.two_sources"


def test_idx_reader_is_reexported():
    from nnbook.data import idx
    assert data.read_idx is idx.read_idx and data.load_mnist is idx.load_mnist
    assert {"read_idx", "load_mnist"} <= set(data.__all__)


# --------------------------------------------------------------------------
# Properties of the split, over many class sizes and fractions


@given(counts=st.lists(st.integers(1, 30), min_size=1, max_size=5),
       test_size=st.floats(0.05, 0.95), seed=st.integers(0, 2**32 - 1))
def test_split_properties(counts, test_size, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    m = len(y)
    n_test = math.ceil(test_size * m)
    if m < 2 or n_test >= m:
        with pytest.raises(ValueError, match="cannot split"):
            data.train_test_split(np.arange(m), y, test_size, rng=np.random.default_rng(seed))
        return
    Xtr, Xte, ytr, yte = data.train_test_split(np.arange(m), y, test_size,
                                               rng=np.random.default_rng(seed))
    assert len(Xte) == n_test and len(Xtr) == m - n_test
    assert sorted(np.concatenate([Xtr, Xte]).tolist()) == list(range(m))    # disjoint, complete
    np.testing.assert_array_equal(y[Xte], yte)
    # each class is split in the overall proportion, give or take one sample
    per_class = np.bincount(yte, minlength=len(counts))
    assert np.all(np.abs(per_class - np.array(counts) * n_test / m) < 1)
