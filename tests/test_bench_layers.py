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


@pytest.mark.parametrize("name", bench_layers.OPTIMIZERS)
def test_optimizer_baseline_and_nnbook_take_the_same_steps(name):
    a, b = bench_layers.nnbook_opt_step(name, "26k"), bench_layers.numpy_opt_step(name, "26k")
    for _ in range(3):
        a(), b()
    for pa, pb in zip(a.params, b.params):
        np.testing.assert_allclose(pa, pb, rtol=1e-12, atol=1e-12)
    torch = pytest.importorskip("torch")
    c = bench_layers.torch_opt_step(name, "26k")
    for _ in range(3):
        c()
    with torch.no_grad():
        for pa, pc in zip(a.params, c.params):
            np.testing.assert_allclose(pa, pc.numpy(), rtol=1e-12, atol=1e-12)


def test_torch_step_runs():
    pytest.importorskip("torch")
    for layer in bench_layers.LAYERS:
        bench_layers.torch_step(layer, (8, 4), "float32")()
