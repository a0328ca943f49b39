"""The paired sign-flip test (nnbook/evaluation/paired.py, chapter 37): exact p-values by
hand, no change never accepted, the false-alarm rate under the null, bad input."""

import numpy as np
import pytest

from nnbook.evaluation import paired_test


def test_p_values_by_hand():
    """Catches a two-sided p, a p that leaves the observed pattern out, or ties dropped."""
    t = paired_test([2.0, 3.0, 4.0], [1.0, 1.0, 1.0])      # d = 1, 2, 3: only +++ reaches 2
    assert t.p_value == 1 / 8 and not t.accepted and t.smallest_p == 1 / 8
    t = paired_test([0.0, 2.0, 3.0], [1.0, 0.0, 0.0])      # d = −1, 2, 3: +++ and −++ (4/3)
    assert t.p_value == 2 / 8 and t.mean == pytest.approx(4 / 3)
    t = paired_test([1.0] * 5, [0.5] * 5)                  # every seed better: 1/32 < 0.05
    assert t.p_value == 1 / 32 and t.accepted


def test_no_change_is_never_accepted():
    t = paired_test([1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert t.p_value == 1.0 and not t.accepted


def test_false_alarm_rate_under_the_null():
    """Five seeds, differences symmetric about 0: only "every seed better" passes 0.05, so the
    false-alarm rate is exactly 1/32. 4,000 draws: 125 expected, sd 11; the bounds are 4.5 sd
    (a wrong test that accepts at p ≤ 0.0625 would pass twice as often)."""
    r = np.random.default_rng(37)
    hits = sum(paired_test(r.normal(size=5), np.zeros(5)).accepted for _ in range(4000))
    assert 75 < hits < 175


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"same length.*got shapes \(3,\) and \(2,\)"):
        paired_test([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="expected finite scores"):
        paired_test([1, 2, np.nan], [1, 2, 3])
    with pytest.raises(ValueError, match="expected 0 < alpha < 1, got 5"):
        paired_test([1, 2, 3], [1, 2, 3], alpha=5)
