"""Run every benchmark in one go and print one table of times and ratios.

    python benchmarks/run_all.py [--no-torch]

PyTorch runs in a child process (its threads are idle while NumPy runs) and is
skipped with a note when it is not installed (``pip install torch==2.13.0``).
"""

from __future__ import annotations

import importlib
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import bench_mlp  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with_torch = "--no-torch" not in argv
    rows, version, threads = bench_mlp.main(with_torch=with_torch)
    try:
        bench_conv = importlib.import_module("bench_conv")
    except ImportError:
        bench_conv = None
    if bench_conv is not None:
        conv_rows = bench_conv.main(with_torch=with_torch) if "with_torch" in \
            bench_conv.main.__code__.co_varnames else bench_conv.main()
        rows += conv_rows
    print(f"Machine: {machine()}")
    bench_mlp.print_table(rows, f"nnbook benchmarks (PyTorch {version or 'not installed'}"
                                f"{f', {threads} threads' if threads else ''})")
    return rows


if __name__ == "__main__":
    main()
