"""benchmarks/bench_linear_attention.py (chapter 31's layers against a torch reference, and a
cached step against a KV cache): its tiny case runs, a row per layer and form and per
context, the KV cache growing with the context while the state stays the same size."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import bench_linear_attention as bench  # noqa: E402


def test_the_tiny_case_runs():
    rows = bench.main(with_torch=False, tiny=True)
    layer_rows = [r for r in rows if "nnbook_s" in r]
    cached = [r for r in rows if "DeltaNet_bytes" in r]
    assert len(layer_rows) == 5 and all(r["nnbook_s"] > 0 and r["torch_s"] is None
                                        for r in layer_rows)
    assert len(cached) == len(bench.TINY_CONTEXTS)
    assert cached[1]["MultiHeadAttention_bytes"] > cached[0]["MultiHeadAttention_bytes"]
    assert cached[1]["DeltaNet_bytes"] == cached[0]["DeltaNet_bytes"]
    assert "| one cached token |" in bench.markdown(rows)
