"""Chapter 35's three distances (nnbook/evaluation/distillation.py): values by hand, the
identity KL(p‖s) − KL(p‖t) = E_p[log t − log s], zeros in the truth, and the messages."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.evaluation import distillation_distances


def rows(seed, n=7, V=5):
    return nb.softmax(np.random.default_rng(seed).standard_normal((n, V)) * 2)


def test_distances_by_hand_in_bits():
    p = np.array([[0.5, 0.5, 0.0]])
    t = np.array([[0.25, 0.5, 0.25]])
    s = np.array([[0.5, 0.25, 0.25]])
    d = distillation_distances(p, t, s)
    # nats instead of bits (a factor ln 2), or 0 log 0 taken as NaN, fails
    assert d.truth_teacher == pytest.approx(0.5 * 1 + 0.5 * 0, abs=1e-15)
    assert d.truth_student == pytest.approx(0.5 * 0 + 0.5 * 1, abs=1e-15)
    assert d.teacher_student == pytest.approx(0.25 * -1 + 0.5 * 1 + 0, abs=1e-15)


def test_the_identity_holds_and_catches_the_distances_in_the_wrong_order():
    p, t, s = rows(0), rows(1), rows(2)
    p[:, 0] = 0                                   # the grammar forbids a token
    p /= p.sum(axis=1, keepdims=True)
    d = distillation_distances(p, t, s)
    direct = (p * (np.log2(t) - np.log2(s))).sum(axis=1).mean()
    assert d.gap == pytest.approx(direct, rel=1e-12)
    # KL(t ‖ p) or KL(s ‖ p) in place of KL(p ‖ ·) breaks it (and is infinite here)
    assert d.truth_student - d.truth_teacher == pytest.approx(direct, rel=1e-10)
    ref = (t * (np.log2(t) - np.log2(s))).sum(axis=1).mean()
    # KL(s ‖ t) in place of KL(t ‖ s) fails
    assert d.teacher_student == pytest.approx(ref, rel=1e-12)


def test_mass_where_the_model_has_none_is_infinite():
    p, t = np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]])
    d = distillation_distances(p, t, p)
    assert d.truth_teacher == np.inf and d.truth_student == 0.0


def test_messages():
    with pytest.raises(ValueError, match=r"distillation_distances: expected p, teacher and "
                                         r"student of one shape.*Compute all three on the "
                                         r"same positions with models of one vocabulary"):
        distillation_distances(rows(0), rows(1, V=6), rows(2))
    with pytest.raises(ValueError, match=r"expected teacher to be probabilities, but row 0 "
                                         r"sums to 3"):
        distillation_distances(rows(0, n=1, V=3), np.ones((1, 3)), rows(2, n=1, V=3))
    with pytest.raises(ValueError, match=r"student contains non-finite .* at index \(0, 1\)"):
        distillation_distances(rows(0), rows(1), np.where(np.eye(7, 5, 1), np.nan, rows(2)))
    with pytest.raises(ValueError, match=r"expected p of shape \(n, V\)"):
        distillation_distances(np.ones(3) / 3, np.ones(3) / 3, np.ones(3) / 3)


def test_zeros_shared_by_both_distributions_give_no_warning():
    # an exact conditional with impossible characters, compared with itself (or a teacher
    # that is exact): 0 · log 0 is 0, without a RuntimeWarning from 0 · inf
    p = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = distillation_distances(p, p, np.full((2, 3), 1 / 3))
    assert d.truth_teacher == 0.0
