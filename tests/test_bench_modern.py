"""benchmarks/bench_modern.py compares like with like: the nnbook step and the PyTorch step
start from the same weights and compute the same numbers (the block's ∂E/∂x; the LM's
tied embedding after two training steps), and the script runs end to end in its tiny mode. Timings
are never asserted here."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))

import bench_modern  # noqa: E402

CASES = [(kind, dtype) for kind in bench_modern.KINDS for dtype in bench_modern.DTYPES]


@pytest.mark.parametrize("dtype", bench_modern.DTYPES)
def test_the_modern_block_is_what_the_brief_names(dtype):
    model, x, dy = bench_modern.model_and_data("block", bench_modern.SIZES["block"], dtype)
    block = model.layers[0]
    assert x.shape == (16, 64, 64) and x.dtype == dtype
    assert (block.n_heads, block.n_kv_heads, block.rope, block.norm, block.ffn_kind,
            block.causal) == (4, 2, True, "rmsnorm", "swiglu", True)


def test_the_lm_is_what_the_brief_names():
    model, x, y = bench_modern.model_and_data("lm", bench_modern.SIZES["lm"], "float64")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Embedding", "TransformerBlock", "TransformerBlock", "Unembedding"]
    assert x.shape == y.shape == (16, 64) and model.layers[0].vocab_size == 256
    assert type(model.optimizer).__name__ == "AdamW"


@pytest.mark.parametrize("kind, dtype", CASES)
def test_both_sides_compute_the_same_step(kind, dtype):
    torch = pytest.importorskip("torch")
    size = bench_modern.TINY[kind]
    ours = bench_modern.nnbook_step(kind, size, dtype)
    theirs = bench_modern.torch_step(kind, size, dtype)
    tol = 1e-10 if dtype == "float64" else 1e-4
    if kind == "block":
        a, b = ours(), theirs()[0].numpy()
        assert a.dtype == b.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
        return
    W0 = ours.model.layers[0].params["W"].copy()
    for _ in range(2):
        ours()
        theirs()
    W = ours.model.layers[0].params["W"]
    assert np.abs(W - W0).max() > 1e-4                      # the steps moved the weights
    np.testing.assert_allclose(W, theirs.model[0].weight.detach().numpy(), rtol=tol, atol=tol)


def test_the_script_runs_in_its_tiny_mode():
    rows = bench_modern.main(with_torch=False, rounds=1, tiny=True, seconds=0.01)
    assert [r["name"].split(" float")[0] for r in rows[::2]] == [bench_modern.NAMES[k]
                                                                for k in bench_modern.KINDS]
    assert all(r["nnbook_s"] > 0 and r["torch_s"] is None for r in rows)
