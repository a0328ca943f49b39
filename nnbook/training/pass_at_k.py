"""The unbiased pass@k estimator of chapter 29: from n answers to a prompt, c of them
correct, the probability that k answers drawn without replacement hold at least one correct.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pass_at_k"]


def pass_at_k(n: int, c, k: int):
    """pass@k = 1 − C(n − c, k) / C(n, k) (Chen et al. 2021), computed as the product
    1 − Π_{i=n−c+1}^{n} (1 − k/i), which never forms the large binomials. It is the mean,
    over every k-subset of the n answers, of "the subset holds a correct one", so it is
    unbiased for 1 − (1 − p)^k; c/n is not (that is pass@1 only).

    Shapes: c an int or an int array (one count per prompt) → a float or an array of its shape.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"pass_at_k: expected n (answers per prompt) an integer ≥ 1, got {n!r}. "
                         f"Pass how many answers were drawn for each prompt, as an int.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"pass_at_k: expected k an integer with 1 ≤ k ≤ n = {n}, got {k!r}. "
                         f"Draw at least k answers per prompt.")
    try:
        cs = np.asarray(c)
    except ValueError:                                            # a ragged list
        cs = np.asarray([0.5])
    if cs.dtype.kind not in "iu" or np.any(cs < 0) or np.any(cs > n):
        shown = repr(c) if cs.size <= 8 else f"an array of dtype {cs.dtype}, shape {cs.shape}"
        raise ValueError(f"pass_at_k: expected c (correct answers) integers in [0, n = {n}], "
                         f"got {shown}. Count the correct answers among the n of each prompt, "
                         f"as ints (e.g. ok.sum(axis=1) of a boolean (prompts, n) array).")
    i = np.arange(1, n + 1, dtype=np.float64)                     # (n,)
    factors = np.where(i[None, :] > n - cs.reshape(-1, 1), 1.0 - k / i[None, :], 1.0)
    out = 1.0 - np.prod(factors, axis=1)
    return out.reshape(cs.shape) if cs.ndim else float(out[0])
