"""Tests for nnbook.metrics: accuracy and confusion matrices computed by hand,
every accepted input form, and the shape errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnbook import metrics
from nnbook.data import one_hot

Y = np.array([0, 1, 2, 2, 1])                        # true labels
P = np.array([0, 2, 2, 1, 1])                        # predicted labels: 3 of 5 right
SCORES = np.array([[0.8, 0.1, 0.1], [0.1, 0.2, 0.7], [0.0, 0.1, 0.9],
                   [0.3, 0.6, 0.1], [0.2, 0.5, 0.3]])  # argmax = P


@pytest.mark.parametrize("y_true", [Y, one_hot(Y, 3), Y.reshape(-1, 1)])
@pytest.mark.parametrize("y_pred", [P, SCORES, one_hot(P, 3)])
def test_accuracy_every_form(y_true, y_pred):
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(0.6)


def test_accuracy_returns_python_float():
    assert type(metrics.accuracy([1, 0], [1, 0])) is float


def test_accuracy_sigmoid_outputs_threshold_half():
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    p = np.array([[0.2], [0.7], [0.5], [0.51]])        # 0.5 is class 0; 0.51 is class 1
    assert metrics.accuracy(y, p) == pytest.approx(0.5)
    assert metrics.accuracy(y.astype(int), p) == pytest.approx(0.5)
    assert metrics.accuracy(y.ravel(), p) == pytest.approx(0.5)


@pytest.mark.parametrize("y_true, y_pred, match", [
    (Y, P[:4], r"y_true has 5 samples \(shape \(5,\)\) but y_pred has 4"),
    (one_hot(Y, 3), np.zeros((5, 4)), r"has 3 classes but y_pred of shape \(5, 4\) has 4"),
    (Y.reshape(-1, 1).astype(float), SCORES, r"has 2 classes but y_pred of shape \(5, 3\) has 3"),
    (Y, np.array([0.1, 0.9, 0.2, 0.3, 0.4]), r"non-integer value.*reshape\(-1, 1\)"),
    (np.array([3, 0]), np.zeros((2, 3)), r"y_true holds label 3, outside \[0, 3\)"),
    (np.zeros((2, 2, 2)), Y[:2], r"\(m,\) labels or \(m, k\).*got \(2, 2, 2\)"),
    ([], [], r"empty"),
    (np.array([-1, 0]), np.array([0, 0]), r"label -1 is outside \[0, k\) \(a negative label\)"),
    (np.array(["a", "b"]), np.array([0, 1]), r"expected numbers in y_true"),
])
def test_accuracy_errors(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        metrics.accuracy(y_true, y_pred)


def test_confusion_matrix_by_hand():
    cm = metrics.confusion_matrix(Y, P)
    expected = [[1, 0, 0],     # true 0: predicted 0
                [0, 1, 1],     # true 1: once 1, once 2
                [0, 1, 1]]     # true 2: once 1, once 2
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64 and cm.sum() == len(Y)
    assert np.trace(cm) / cm.sum() == pytest.approx(metrics.accuracy(Y, P))


def test_confusion_matrix_forms_and_k():
    np.testing.assert_array_equal(metrics.confusion_matrix(one_hot(Y, 3), SCORES),
                                  metrics.confusion_matrix(Y, P))
    cm = metrics.confusion_matrix([0, 0], [0, 0], k=4)
    assert cm.shape == (4, 4) and cm[0, 0] == 2 and cm.sum() == 2
    # k from the score width even when some classes never occur
    assert metrics.confusion_matrix([0, 1], np.eye(5)[:2]).shape == (5, 5)
    binary = metrics.confusion_matrix(np.array([[0], [1], [1]]), np.array([[0.9], [0.8], [0.1]]))
    np.testing.assert_array_equal(binary, [[0, 1], [1, 1]])


@pytest.mark.parametrize("k, match", [
    (2, r"k=2 but the arrays have 3 classes"),
    (0, r"k to be an integer ≥ 1, got 0"),
])
def test_confusion_matrix_bad_k(k, match):
    with pytest.raises(ValueError, match=match):
        metrics.confusion_matrix(Y, SCORES, k=k)


def test_confusion_matrix_label_outside_k():
    with pytest.raises(ValueError, match=r"y_pred holds label 3, outside \[0, 3\)"):
        metrics.confusion_matrix([0, 1], [0, 3], k=3)


@given(st.integers(1, 6).flatmap(lambda k: st.tuples(
    st.just(k),
    st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)), min_size=1, max_size=40))))
def test_accuracy_is_the_confusion_diagonal(case):
    k, pairs = case
    t, p = np.array(pairs).T
    cm = metrics.confusion_matrix(t, p, k=k)
    assert cm.shape == (k, k) and cm.sum() == len(t)
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(t, minlength=k))
    assert metrics.accuracy(t, p) == pytest.approx(np.trace(cm) / len(t))
    assert metrics.accuracy(one_hot(t, k), one_hot(p, k)) == metrics.accuracy(t, p)
