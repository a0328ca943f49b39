"""The benchmarks compare like with like: the hand-written NumPy baseline and
nnbook run the same training step from the same weights (benchmarks/bench_mlp.py),
and the conv benchmark's nnbook step runs. Timings are never asserted here."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import bench_mlp  # noqa: E402


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_numpy_baseline_and_nnbook_take_the_same_steps(dtype, rtol):
    nnbook_step = bench_mlp.nnbook_step(16, 8, dtype)
    numpy_step = bench_mlp.numpy_step(16, 8, dtype)
    losses_nb = [nnbook_step() for _ in range(5)]
    losses_np = [float(numpy_step()) for _ in range(5)]
    assert np.allclose(losses_nb, losses_np, rtol=rtol, atol=0)
    assert losses_nb[-1] < losses_nb[0]          # the same batch, so the loss falls


def test_best_time_returns_a_positive_time():
    calls = []
    t = bench_mlp.best_time(lambda: calls.append(1), seconds=0.01)
    assert 0 < t < 0.01 and len(calls) > 10
