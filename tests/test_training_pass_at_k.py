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


@pytest.mark.parametrize("args, match", [((0, 0, 1), "n .* integer ≥ 1"),
                                         ((5, 2, 6), "1 ≤ k ≤ n = 5"),
                                         ((5, 6, 1), r"in \[0, n = 5\]"),
                                         ((5, 1.5, 1), r"in \[0, n = 5\]")])
def test_errors(args, match):
    with pytest.raises(ValueError, match=match):
        pass_at_k(*args)
