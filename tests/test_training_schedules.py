"""Tests of nnbook/training/schedules.py: each schedule against its formula by hand, the
(epoch, lr) signature of LearningRateScheduler, and argument errors."""

import math

import numpy as np
import pytest

from nnbook import schedules


def test_step_decay_by_hand():
    s = schedules.step_decay(0.1, drop=0.5, every=10)
    assert [s(e, 123.0) for e in (0, 9, 10, 19, 20, 35)] == \
        pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125], rel=1e-15)
    assert schedules.step_decay(1.0, drop=0.1, every=1)(3, 0.0) == pytest.approx(1e-3)


def test_exponential_decay_by_hand():
    s = schedules.exponential_decay(0.2, rate=0.5)
    assert [s(e, 0.2) for e in range(4)] == pytest.approx([0.2, 0.1, 0.05, 0.025])


def test_cosine_decay_by_hand():
    s = schedules.cosine_decay(0.1, epochs=4, min_lr=0.01)
    by_hand = [0.01 + 0.09 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    assert [s(e, None) for e in range(5)] == pytest.approx(by_hand, rel=1e-15)
    assert s(0, None) == pytest.approx(0.1) and s(2, None) == pytest.approx(0.055)
    assert s(4, None) == pytest.approx(0.01) and s(100, None) == pytest.approx(0.01)
    values = [schedules.cosine_decay(1.0, 10)(e) for e in range(11)]
    assert np.all(np.diff(values) < 0)                     # falls every epoch, down to 0


def test_schedules_ignore_the_current_lr_and_accept_numpy_ints():
    s = schedules.cosine_decay(0.1, 10)
    assert s(np.int64(3), 5.0) == s(3, 0.001) == s(3)
    assert repr(schedules.step_decay(0.1, 0.5, 10)) == "step_decay(initial_lr=0.1, drop=0.5, every=10)"


def test_errors():
    with pytest.raises(ValueError, match=r"step_decay: expected initial_lr > 0, got 0"):
        schedules.step_decay(0)
    with pytest.raises(ValueError, match=r"step_decay: expected 0 < drop ≤ 1, got 2"):
        schedules.step_decay(0.1, drop=2)
    with pytest.raises(ValueError, match=r"step_decay: expected every to be an integer ≥ 1, got 0"):
        schedules.step_decay(0.1, every=0)
    with pytest.raises(ValueError, match=r"cosine_decay: expected min_lr < initial_lr"):
        schedules.cosine_decay(0.1, 10, min_lr=0.2)
    with pytest.raises(ValueError, match=r"cosine_decay: expected epochs to be an integer ≥ 1"):
        schedules.cosine_decay(0.1, 0)
    with pytest.raises(ValueError, match=r"exponential_decay: expected 0 < rate ≤ 1, got 1.5"):
        schedules.exponential_decay(0.1, rate=1.5)
    with pytest.raises(ValueError, match=r"expected an epoch number ≥ 0 \(counted from 0\), got -1"):
        schedules.step_decay(0.1)(-1, 0.1)


def test_cosine_decay_with_a_linear_warmup():
    """warmup_steps = 4: 0, ¼, ½, ¾ of the rate, then the half cosine over the 8 steps left."""
    s = schedules.cosine_decay(0.4, epochs=12, min_lr=0.04, warmup_steps=4)
    assert [s(t) for t in range(5)] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4], abs=1e-15)
    assert s(8) == pytest.approx(0.04 + 0.36 * (1 + math.cos(math.pi * 4 / 8)) / 2, abs=1e-15)
    assert s(12) == s(30) == pytest.approx(0.04, abs=1e-15)
    assert repr(s) == ("cosine_decay(initial_lr=0.4, epochs=12, min_lr=0.04, "
                       "warmup_steps=4)")
    plain = schedules.cosine_decay(0.4, epochs=12, min_lr=0.04, warmup_steps=0)
    assert repr(plain) == "cosine_decay(initial_lr=0.4, epochs=12, min_lr=0.04)"
    assert [plain(t) for t in range(14)] == [
        0.04 + (0.4 - 0.04) * (1 + math.cos(math.pi * min(t, 12) / 12)) / 2 for t in range(14)]


@pytest.mark.parametrize("warmup", [-1, 12, 13, 1.5, True])
def test_cosine_decay_refuses_a_warmup_outside_the_schedule(warmup):
    with pytest.raises(ValueError, match=r"cosine_decay: expected warmup_steps to be an integer "
                                         r"in \[0, epochs\) = \[0, 12\)"):
        schedules.cosine_decay(0.4, epochs=12, warmup_steps=warmup)


def test_numpy_integers_are_integers():
    """Issue 50.19: np.int64(10) is an integer here as everywhere in nnbook ("expected an
    integer" before); the schedule is the one an int gives, its repr too."""
    n = np.int64(10)
    cosine, plain = schedules.cosine_decay(0.1, n, warmup_steps=np.int64(2)), \
        schedules.cosine_decay(0.1, 10, warmup_steps=2)
    assert [cosine(e) for e in range(12)] == [plain(e) for e in range(12)]
    assert repr(cosine) == repr(plain)
    assert schedules.step_decay(0.1, every=np.int64(3))(7) == schedules.step_decay(0.1, every=3)(7)
    with pytest.raises(ValueError, match=r"cosine_decay: expected epochs to be an integer"):
        schedules.cosine_decay(0.1, np.float64(10.5))
