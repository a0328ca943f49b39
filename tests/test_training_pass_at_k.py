"""nnbook/training/pass_at_k.py: the unbiased estimator against every k-subset, by hand,
and its errors."""

import itertools
import math

import numpy as np
import pytest

from nnbook.training.pass_at_k import pass_at_k


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
