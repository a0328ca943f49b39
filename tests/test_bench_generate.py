"""benchmarks/bench_generate.py compares like with like: nnbook with and without its KV cache
and the PyTorch generation written in the benchmark (its own KV cache, on the weights
``to_torch`` exports) write the same tokens from the same prompt, and the script runs end to
end in its tiny mode. Timings are never asserted here."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))

import bench_generate  # noqa: E402


def test_the_model_and_prompt_are_what_the_issue_names():
    model, ids = bench_generate.model_and_prompt(bench_generate.SIZE, "float64")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Embedding", "TransformerBlock", "TransformerBlock", "Unembedding"]
    block = model.layers[1]
    assert (block.d_model, block.n_heads, block.n_kv_heads, block.d_ff, block.rope, block.norm,
            block.ffn_kind, block.bias) == (64, 4, 2, 176, True, "rmsnorm", "swiglu", False)
    assert ids.shape == (1, 16) and model.layers[0].vocab_size == 256
    assert bench_generate.SIZE["n_new"] == 256


@pytest.mark.parametrize("dtype", bench_generate.DTYPES)
def test_every_side_writes_the_same_tokens(dtype):
    size = dict(bench_generate.TINY, n_new=12)
    cached = bench_generate.nnbook_generate(size, dtype)()
    full = bench_generate.nnbook_generate(size, dtype, use_cache=False)()
    assert cached.shape == (1, size["prompt"] + 12) and np.array_equal(cached, full)
    pytest.importorskip("torch")
    assert np.array_equal(bench_generate.torch_generate(size, dtype)(), cached)


def test_the_script_runs_in_its_tiny_mode(capsys):
    rows = bench_generate.main(with_torch=False, rounds=1, tiny=True, seconds=0.01)
    assert [r["name"] for r in rows] == [f"{bench_generate.NAME}, {kind}, {dtype}"
                                         for dtype in bench_generate.DTYPES
                                         for kind in ("KV cache", "no cache / KV cache")]
    assert all(r["torch_s"] is None for r in rows)
    assert rows[0]["nnbook_s"] > 0 and rows[1]["value"] > 0 and rows[1]["nnbook_full_s"] > 0
    bench_generate.print_table(rows, "tiny")
    assert "cache speedup" in capsys.readouterr().out
    assert "nnbook without the cache took float64" in bench_generate.note(rows)
