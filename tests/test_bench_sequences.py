"""benchmarks/bench_sequences.py compares like with like: nnbook's LSTM and causal
MultiHeadAttention, the hand-written NumPy baseline and PyTorch's nn.LSTM /
nn.MultiheadAttention start from the same weights and compute the same output,
∂E/∂x and parameter gradients; the script runs end to end in its tiny mode and
gives its rows. Timings are never asserted here."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import bench_sequences  # noqa: E402
import run_all  # noqa: E402

CASES = [(kind, dtype) for kind in bench_sequences.KINDS for dtype in bench_sequences.DTYPES]


def same(a, b, dtype):
    for key in a:
        assert a[key].shape == b[key].shape and a[key].dtype == np.dtype(dtype), key
        if key == "b_k":                              # exactly 0 in nnbook, round-off elsewhere
            assert not a[key].any() and np.abs(b[key]).max() < (1e-12 if dtype == "float64" else 1e-4)
            continue
        scale = np.abs(b[key]).max()
        assert np.abs(a[key] - b[key]).max() <= (1e-12 if dtype == "float64" else 2e-5) * scale, key


@pytest.mark.parametrize("kind, dtype", CASES)
def test_baseline_and_nnbook_compute_the_same_step(kind, dtype):
    size = bench_sequences.TINY[kind]
    a = bench_sequences.nnbook_step(kind, size, dtype).result()
    b = bench_sequences.numpy_step(kind, size, dtype).result()
    assert set(a) == set(b) and {"y", "dx"} <= set(a)
    same(a, b, dtype)


@pytest.mark.parametrize("kind, dtype", CASES)
def test_torch_computes_the_same_step_on_equal_weights(kind, dtype):
    pytest.importorskip("torch")
    size = bench_sequences.TINY[kind]
    a = bench_sequences.nnbook_step(kind, size, dtype).result()
    c = bench_sequences.torch_step(kind, size, dtype).result()
    assert set(a) == set(c)
    same(a, c, dtype)


def test_the_timed_steps_return_the_input_gradient():
    for kind in bench_sequences.KINDS:
        size = bench_sequences.TINY[kind]
        dx = bench_sequences.nnbook_step(kind, size, "float32")()
        assert dx.shape == bench_sequences.weights(kind, size, "float32")[0].shape
    torch = pytest.importorskip("torch")
    grads = bench_sequences.torch_step("MHA", bench_sequences.TINY["MHA"], "float32")()
    assert all(isinstance(g, torch.Tensor) for g in grads) and len(grads) == 5   # x, 4 parameters


def test_the_script_runs_in_its_tiny_mode_and_gives_every_row():
    rows = bench_sequences.main(with_torch=False, rounds=1, tiny=True, seconds=0.01, modes=("1",))
    assert [r["name"] for r in rows] == [f"{bench_sequences.NAMES[k]} {d}, 1 thread" for k, d in CASES]
    for r in rows:
        assert r["nnbook_s"] > 0 and r["baseline_s"] > 0 and r["nnbook_cpu_1t_s"] >= 0
        assert r["torch_s"] is None and r["meets_target"] is None and r["target"] == "≤ 1.5× torch"
    merged = run_all.merge_suffixed(bench_sequences.main(with_torch=False, rounds=1, tiny=True,
                                                         seconds=0.01, modes=("1", "default")))
    assert [r["name"] for r in merged] == [f"{bench_sequences.NAMES[k]} {d}" for k, d in CASES]
    assert all(r["nnbook_1t_s"] > 0 for r in merged)


def test_torch_reports_its_attention_path():
    pytest.importorskip("torch")
    ops = bench_sequences.torch_attention_ops("float32", bench_sequences.TINY["MHA"])
    assert any("scaled_dot_product" in op for op in ops)
