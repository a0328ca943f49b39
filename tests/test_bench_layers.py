"""benchmarks/bench_layers.py compares like with like: its NumPy baseline and
nnbook compute the same BatchNorm gradient, and every step returns ∂E/∂x of the
right shape. Timings are never asserted here."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import bench_layers  # noqa: E402


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 1e-3)])
def test_batchnorm_baseline_and_nnbook_give_the_same_gradient(dtype, rtol):
    a = bench_layers.nnbook_step("BatchNorm", (16, 8), dtype)()
    b = bench_layers.numpy_step("BatchNorm", (16, 8), dtype)()
    assert a.dtype == np.dtype(dtype) and a.shape == (16, 8)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12 if dtype == "float64" else 1e-4)


@pytest.mark.parametrize("make", [bench_layers.nnbook_step, bench_layers.numpy_step])
def test_dropout_steps_drop_about_half(make):
    dx = make("Dropout", (64, 32), "float64")()
    assert dx.shape == (64, 32)
    assert 0.4 < np.mean(dx == 0) < 0.6


def test_torch_step_runs():
    pytest.importorskip("torch")
    for layer in bench_layers.LAYERS:
        bench_layers.torch_step(layer, (8, 4), "float32")()
