"""The one timing rule of every benchmark here: the fastest single call.

On a shared machine the minimum is the least disturbed estimate (other programs only ever
add time), and it treats every framework alike. The PyTorch child scripts, which run from a
string in their own interpreter, carry a copy of these few lines.
"""

from __future__ import annotations

import time


def best_time(step, seconds=0.3, least=1, warmup=10, clock=None):
    """The fastest of at least ``least`` single calls of ``step`` over about ``seconds``,
    after ``warmup`` calls. ``clock``: what to time with (``time.perf_counter``, wall
    time, by default; ``time.process_time``, CPU time, leaves out the moments another
    program held the core, which a shared machine has many of)."""
    clock = clock or time.perf_counter
    for _ in range(warmup):
        step()
    best, n, t_end = float("inf"), 0, time.perf_counter() + seconds
    while n < least or time.perf_counter() < t_end:
        t = clock()
        step()
        best = min(best, clock() - t)
        n += 1
    return best


def alternate(steps: dict, rounds=5, seconds=0.1, clock=None) -> dict:
    """``best_time`` of each of ``steps`` (name → callable), taking turns ``rounds`` times
    (in reverse order every other round) and keeping each one's best: a busy moment of
    the machine then falls on all alike, and no step always runs right after the same
    other, so the ratios hold on a loaded machine where the times do not."""
    best = {name: float("inf") for name in steps}
    for r in range(rounds):
        order = list(steps.items())
        for name, step in order if r % 2 == 0 else order[::-1]:   # A B, then B A
            best[name] = min(best[name], best_time(step, seconds, least=3, warmup=2,
                                                   clock=clock))
    return best
