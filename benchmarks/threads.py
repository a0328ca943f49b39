"""The two thread settings every benchmark ratio is reported with: one thread
each (BLAS, OpenMP and ``torch.set_num_threads(1)``), and the default counts.
On a shared 2-core machine two-thread timings swing by up to 2× between runs,
one-thread timings repeat within a few per cent.
"""

from __future__ import annotations

import os

MODES = (1, None)          # one thread each, then the defaults
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def child_env(threads: int | None, **extra) -> dict:
    """The environment of a fresh child process: with ``threads`` set in every
    BLAS/OpenMP variable (read when NumPy or torch is imported, so it must be
    set before), or the parent's own environment for the default counts."""
    env = dict(os.environ, **extra)
    if threads is not None:
        env.update({name: str(threads) for name in THREAD_VARS})
    return env


def torch_threads(threads: int | None) -> int:
    """What to pass to ``torch.set_num_threads``: 1, or as many as the machine has cores."""
    return threads or os.cpu_count() or 1


def label(threads: int | None) -> str:
    return "1 thread" if threads == 1 else "default threads"
