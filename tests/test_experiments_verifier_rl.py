"""nnbook/experiments/verifier_rl.py (chapter 29): ``answers_holding`` by hand and its
errors (the rest is run by the stored table's test and the claims over seeds)."""

import numpy as np
import pytest

from nnbook.experiments.verifier_rl import answers_holding


def test_answers_holding_by_hand():
    p = np.array([0.1, 0.4, 0.2, 0.3])
    assert [answers_holding(p, s) for s in (0.1, 0.4, 0.5, 0.7, 0.71, 1.0)] == [1, 1, 2, 2, 3, 4]
    assert answers_holding(p * 1e-3, 0.5) == 2                 # a share of the mass it has
    assert answers_holding([0.5, 0.5, 0.0], 1.0) == 2


@pytest.mark.parametrize("probs, share, message", [
    ([], 0.5, r"expected probs \(K,\) with K ≥ 1, .* got \[\]"),           # IndexError
    ([0.0, 0.0], 0.5, r"not all 0, got \[0\.0, 0\.0\]"),
    ([0.5, np.nan], 0.5, r"finite and ≥ 0"),
    ([0.6, -0.1], 0.5, r"finite and ≥ 0"),
    ([[0.5, 0.5]], 0.5, r"expected probs \(K,\)"),
    (["a"], 0.5, r"expected probs \(K,\)"),
    ([0.4, 0.3, 0.2, 0.1], 1.5, r"expected share in \(0, 1\] .* got 1\.5\. Pass 0\.5"),  # 4 of 3
    ([0.4, 0.3, 0.2, 0.1], 0, r"got 0\."),
    ([0.4, 0.3, 0.2, 0.1], 50, r"got 50\. Pass 0\.5 for half, not 50"),
    ([0.4, 0.3, 0.2, 0.1], "0.5", r"got '0\.5'"),
])
def test_answers_holding_errors(probs, share, message):
    with pytest.raises(ValueError, match=r"^answers_holding: .*" + message):
        answers_holding(probs, share)
