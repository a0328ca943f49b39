"""The unbiased pass@k estimator of chapter 29: from n answers to a prompt, c of them
correct, the probability that k answers drawn without replacement hold at least one correct.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pass_at_k"]


def pass_at_k(n: int, c, k: int):
    """pass@k = 1 − C(n − c, k) / C(n, k) (Chen et al. 2021), computed as the product
    1 − Π_{i=n−c+1}^{n} (1 − k/i), which never forms the large binomials, and exactly 1
    when n − c < k (every k answers then hold a correct one). It is the mean,
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
    cs = cs.astype(np.int64)                                      # int8 counts: no overflow
    values, where = np.unique(cs.reshape(-1), return_inverse=True)
    # n − c < k: every k-subset holds a correct answer, exactly 1 (the product below would
    # reach its zero factor i = k only after the factors i < k had overflowed)
    out = np.array([1.0 if n - int(c) < k else 1.0 - _none_correct(n, int(c), k)
                    for c in values])[where]
    return out.reshape(cs.shape) if cs.ndim else float(out[0])


CHUNK = 1 << 20     # factors multiplied at once: memory stays bounded for any n


def _none_correct(n, c, k):
    """C(n − c, k) / C(n, k) for n − c ≥ k: Π_{i=n−c+1}^{n} (1 − k/i), c factors in (0, 1),
    none of which overflows (an underflow to 0 is the answer to rounding). The same
    ratio is Π_{i=n−k+1}^{n} (1 − c/i): that form when c is above CHUNK and k is smaller."""
    if c > CHUNK and k < c:
        c, k = k, c
    product = 1.0
    for a in range(0, c, CHUNK):                   # one chunk unless c > CHUNK
        i = np.arange(n - min(a + CHUNK, c) + 1, n - a + 1, dtype=np.float64)
        product *= float(np.prod(1.0 - k / i))
        if product == 0.0:
            break
    return product
