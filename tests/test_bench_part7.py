"""benchmarks/bench_part7.py (chapter 33's mixture of experts and chapter 34's Muon step
against their plain-NumPy floors and PyTorch) compares like with like: each floor computes
nnbook's numbers (the layer's output, ∂E/∂x and every gradient; two Muon steps' weights),
the script runs end to end in its tiny mode (which also checks PyTorch's sides, when it is
installed, against nnbook's before timing), and run_all.py measures it as its part "part7".
Timings are never asserted here."""

import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import bench_part7 as bench  # noqa: E402

import nnbook as nb  # noqa: E402


@pytest.mark.parametrize("dtype", bench.DTYPES)
def test_the_moe_floor_computes_nnbooks_numbers(dtype):
    """A floor that skipped the renormalisation, chose by another order or left the
    router's gradient out would differ from the layer here."""
    layer, x, dy = bench.moe_case(bench.TINY_MOE, dtype)
    assert layer.training                    # a training step's forward, as the floor's
    y = layer.forward(x)
    dx = layer.backward(dy)
    W_router, experts = bench.moe_arrays(layer)
    y2, dx2, g_router, grads = bench.numpy_moe(W_router, experts, x, dy, layer.k)
    assert len(np.unique(layer.chosen)) == layer.n_experts    # every expert had tokens
    tol = bench.TOL[dtype]
    assert y2.dtype == dx2.dtype == dtype
    assert nb.relative_error(y2, y) < tol and nb.relative_error(dx2, dx) < tol
    assert nb.relative_error(g_router, layer.router.grads["W"]) < tol
    for expert, (g1, g3, g2) in zip(layer.experts, grads):
        for name, g in (("W_1", g1), ("W_3", g3), ("W_2", g2)):
            assert nb.relative_error(g, expert.grads[name]) < tol


@pytest.mark.parametrize("dtype", bench.DTYPES)
def test_the_muon_floor_takes_nnbooks_steps(dtype):
    """Three steps (the momentum's part grows after the first) on a square, a wide and a
    tall matrix: the floor's weights are nnbook's Muon's."""
    W, G = bench.muon_case(bench.TINY_MUON, dtype)
    W0 = [w.copy() for w in W]
    floor, bufs = [w.copy() for w in W], [np.zeros_like(g) for g in G]
    opt = nb.Muon(lr=bench.LR, momentum=bench.MOMENTUM)
    for _ in range(3):
        opt.step(tuple(zip(W, G)))
        bench.numpy_muon(floor, G, bufs)
    for w, f, w0 in zip(W, floor, W0):
        assert f.dtype == w.dtype == dtype and np.abs(w - w0).max() > 1e-3
        assert nb.relative_error(f - w0, w - w0) < bench.TOL[dtype]


def test_the_tiny_case_runs():
    rows = bench.main(with_torch=False, tiny=True)
    assert len(rows) == 2 * len(bench.DTYPES)
    assert all(r["nnbook_s"] > 0 and r["numpy_s"] > 0 and r["torch_s"] is None for r in rows)
    assert "| MixtureOfExperts E=4 k=2" in bench.markdown(rows)


def test_run_all_measures_it_as_its_own_part(monkeypatch, tmp_path):
    """``benchmarks/run_all.py --only part7`` runs this benchmark and writes its table as the
    block "part7" of this machine's section (a stand-in for the measurement, the results
    written to a temporary folder)."""
    import run_all

    rows = [{"name": "Muon step, 3 matrices (156 weights), float32", "nnbook_s": 0.002,
             "numpy_s": 0.001, "torch_s": None, "torch_dtype_s": None}]
    calls = []
    monkeypatch.setattr(run_all.bench_part7, "main",
                        lambda with_torch=True: calls.append(with_torch) or rows)
    monkeypatch.setattr(run_all, "HERE", str(tmp_path))
    assert "part7" in run_all.ONLY and run_all.flags().parse_args(["--only", "part7"])
    update = run_all.main_only("part7", False, 0.5, False, str(tmp_path / "results.json"))
    assert calls == [False] and update == {"part7": rows}
    text = (tmp_path / "results.md").read_text()
    assert text.count("<!-- part: part7 -->") == 1
    assert "| Muon step, 3 matrices (156 weights), float32 | 2.00 ms | 1.00 ms | 2.00 | — |" \
        in text
