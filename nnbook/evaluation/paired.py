"""A paired test over seeds (chapter 37's arena): two recipes scored on the same seeds, and the
exact one-sided sign-flip test of the mean difference, whose false-alarm rate is computed by
counting the 2ⁿ equally likely sign patterns, not guessed."""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

__all__ = ["PairedTest", "paired_test"]


class PairedTest(NamedTuple):
    """``differences`` (before − after, per seed), their ``mean``, the exact one-sided
    ``p_value`` of a mean this large under the null (no difference: each seed's sign a fair
    coin), the ``alpha`` it is judged at, ``accepted`` (p ≤ alpha) and ``smallest_p`` (1/2ⁿ,
    the smallest p n seeds can give)."""
    differences: tuple
    mean: float
    p_value: float
    alpha: float
    accepted: bool
    smallest_p: float


def paired_test(before, after, *, alpha=0.05) -> PairedTest:
    """Is ``after`` lower than ``before`` (scores on the same seeds, lower is better)?

    Under the null hypothesis the difference of each seed is as likely to be d as −d, so the
    2ⁿ patterns of signs are equally likely; ``p_value`` is the share of them whose mean is
    at least the observed one (exact, ties counted). Rejecting at p ≤ ``alpha`` then raises a
    false alarm with probability at most ``alpha``, on any distribution symmetric about 0.
    With n seeds p is at least 1/2ⁿ: 3 seeds can never pass alpha = 0.05 (1/8), 5 can (1/32,
    every seed better).

    Shapes: before, after: (n,) with 1 ≤ n ≤ 20.
    """
    a = np.asarray(before, dtype=np.float64)
    b = np.asarray(after, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape or not 1 <= len(a) <= 20:
        raise ValueError(f"paired_test: expected two score lists of the same length n "
                         f"(1 ≤ n ≤ 20), one score per seed, got shapes {a.shape} and "
                         f"{b.shape}. Score both recipes on the same seeds.")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError(f"paired_test: expected finite scores, got {a.tolist()} and "
                         f"{b.tolist()}. Drop the run that diverged, on both sides.")
    if not 0 < alpha < 1:
        raise ValueError(f"paired_test: expected 0 < alpha < 1, got {alpha!r}. "
                         f"Pass e.g. alpha=0.05.")
    d = a - b                                                      # (n,) > 0: after is better
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=len(d))))   # (2ⁿ, n)
    means = signs @ np.abs(d) / len(d)                             # (2ⁿ,) every sign pattern
    observed = d.mean()
    p = float(np.mean(means >= observed - 1e-12 * max(1.0, abs(observed))))
    return PairedTest(tuple(float(v) for v in d), float(observed), p, float(alpha),
                      bool(p <= alpha and observed > 0), 0.5 ** len(d))
