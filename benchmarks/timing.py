"""The one timing rule of every benchmark here: the fastest single call.

On a shared machine the minimum is the least disturbed estimate (other programs only ever
add time), and it treats every framework alike. The PyTorch child scripts, which run from a
string in their own interpreter, carry a copy of these few lines.
"""

from __future__ import annotations

import time


def best_time(step, seconds=0.3, least=1, warmup=10):
    """The fastest of at least ``least`` single calls of ``step`` over about ``seconds``,
    after ``warmup`` calls."""
    for _ in range(warmup):
        step()
    best, n, t_end = float("inf"), 0, time.perf_counter() + seconds
    while n < least or time.perf_counter() < t_end:
        t = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t)
        n += 1
    return best
