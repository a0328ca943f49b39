"""nnbook/evaluation/pass_at_k.py: the unbiased estimator against every k-subset, by hand,
and its errors."""

import itertools
import math

import numpy as np
import pytest

from nnbook.evaluation.pass_at_k import pass_at_k


@pytest.mark.parametrize("n, c, k", [(5, 2, 1), (5, 2, 3), (6, 0, 2), (6, 6, 2), (7, 3, 4)])
def test_against_every_subset(n, c, k):
    outcomes = [1] * c + [0] * (n - c)
    subsets = list(itertools.combinations(outcomes, k))
    assert pass_at_k(n, c, k) == pytest.approx(np.mean([any(s) for s in subsets]), abs=1e-14)


def test_by_hand_and_arrays():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)                     # pass@1 = c/n
    assert pass_at_k(4, 1, 2) == pytest.approx(1 - math.comb(3, 2) / math.comb(4, 2))
    out = pass_at_k(10, np.array([[0, 3], [7, 10]]), 4)
    assert out.shape == (2, 2) and out[0, 0] == 0 and out[1, 1] == 1 and out[1, 0] == 1
    # unbiased for 1 − (1 − p)^k, where c/n is not
    p, n, k = 0.2, 6, 3
    expected = sum(math.comb(n, c) * p ** c * (1 - p) ** (n - c) * pass_at_k(n, c, k)
                   for c in range(n + 1))
    assert expected == pytest.approx(1 - (1 - p) ** k, abs=1e-14)


def test_above_c_over_n_for_k_above_1():
    """pass@k > c/n for 1 < k and 0 < c < n; = c/n at k = 1, or when c = 0 or c = n."""
    for n in range(1, 11):
        for c in range(n + 1):
            for k in range(1, n + 1):
                v = pass_at_k(n, c, k)
                if k == 1 or c in (0, n):
                    assert v == pytest.approx(c / n, abs=1e-14), (n, c, k)
                else:
                    assert v > c / n + 1e-12, (n, c, k)


FIX_C = "Count the correct answers among the n of each prompt"


# each message names pass_at_k, what it got, what it expected and the fix
@pytest.mark.parametrize("args, match", [
    ((0, 0, 1), r"pass_at_k: expected n .* integer ≥ 1, got 0\. Pass how many answers"),
    ((5.0, 2, 2), r"integer ≥ 1, got 5\.0\."),
    ((5, 2, 6), r"pass_at_k: expected k an integer with 1 ≤ k ≤ n = 5, got 6\. Draw at least"),
    ((5, 2, 0), "got 0. Draw at least k"),
    ((5, 2, 2.0), "got 2.0. Draw at least k"),
    ((5, 6, 1), r"pass_at_k: expected c .* in \[0, n = 5\], got 6\. " + FIX_C),
    ((5, -1, 1), r"in \[0, n = 5\], got -1\."),
    ((5, 1.5, 1), r"in \[0, n = 5\], got 1\.5\."),
    ((5, float("nan"), 1), r"got nan\."),
    ((5, True, 1), r"got True\."),
    ((5, "2", 1), r"got '2'\."),
    ((5, [[1], [1, 2]], 1), r"got \[\[1\], \[1, 2\]\]\. " + FIX_C),
    ((5, np.arange(20) % 7, 1), r"got an array of dtype int64, shape \(20,\)\. " + FIX_C)])
def test_errors(args, match):
    with pytest.raises(ValueError, match=match):
        pass_at_k(*args)


def _exact(n, c, k):
    """1 − C(n − c, k)/C(n, k) in exact fractions, then rounded once."""
    from fractions import Fraction
    return float(1 - Fraction(math.comb(n - c, k), math.comb(n, k)))


@pytest.mark.parametrize("n, c, k", [(6000, 5999, 1500), (3000, 2999, 1500), (6000, 3000, 2999),
                                     (6000, 4500, 1501), (6000, 10, 1500), (4000, 1, 1),
                                     (5000, 2500, 2500), (5000, 2501, 2500), (2000, 7, 1993)])
def test_exact_at_n_in_the_thousands(n, c, k):
    """The factors i < k of Π(1 − k/i) overflowed before its zero factor at i = k (nan
    and a warning for pass_at_k(6000, 5999, 1500), which is exactly 1)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # no overflow on the way
        got = pass_at_k(n, c, k)
        row = pass_at_k(n, np.array([c, 0, n]), k)
    assert got == pytest.approx(_exact(n, c, k), rel=1e-12, abs=1e-300)
    assert list(row) == [got, 0.0, 1.0]
    if n - c < k:
        assert got == 1.0


def test_every_c_against_fractions_at_n_2000():
    n, cs = 2000, np.arange(0, 2001, 37)
    for k in (1, 40, 999, 1000, 1999, 2000):
        got = pass_at_k(n, cs, k)
        assert np.all(np.isfinite(got))
        assert got == pytest.approx([_exact(n, int(c), k) for c in cs], rel=1e-11, abs=1e-300)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16])
def test_small_integer_counts(dtype):
    """int8/uint8 counts: n − c overflowed the count's dtype (OverflowError)."""
    cs = np.array([0, 5, 100], dtype=dtype)
    assert list(pass_at_k(300, cs, 10)) == list(pass_at_k(300, cs.astype(np.int64), 10))
    assert pass_at_k(300, dtype(100), 10) == pass_at_k(300, 100, 10)


def test_large_n_is_bounded_and_exact():
    # c above the chunk: the k-factor form, memory bounded
    assert pass_at_k(10 ** 12, 3 * 10 ** 6, 5) == pytest.approx(1 - (1 - 3e-6) ** 5, rel=1e-9)
    assert pass_at_k(10 ** 8, 5 * 10 ** 7, 1) == 0.5
