"""benchmarks/bench_linear_attention.py (chapter 31's layers against a torch reference, and a
cached step against a KV cache): its tiny case runs, a row per layer and form and per
context, the KV cache growing with the context while the state stays the same size; and
benchmarks/run_all.py measures it as its part "linear"."""

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


def test_run_all_measures_it_as_its_own_part(monkeypatch, tmp_path):
    """``benchmarks/run_all.py --only linear`` runs this benchmark and writes its table as
    the block "linear" of this machine's section (here with a stand-in for the measurement,
    and the results written to a temporary folder)."""
    import run_all

    rows = [{"name": "DeltaNet recurrent (2, 9, 8, 2)", "nnbook_s": 0.001, "torch_s": None},
            {"name": "cached step after 8 tokens (d=8, 2 heads)", "MultiHeadAttention_s": 1e-5,
             "MultiHeadAttention_bytes": 256, "DeltaNet_s": 2e-5, "DeltaNet_bytes": 512}]
    calls = []
    monkeypatch.setattr(run_all.bench_linear_attention, "main",
                        lambda with_torch=True: calls.append(with_torch) or rows)
    monkeypatch.setattr(run_all, "HERE", str(tmp_path))
    assert "linear" in run_all.ONLY and run_all.flags().parse_args(["--only", "linear"])
    update = run_all.main_only("linear", False, 0.5, False, str(tmp_path / "results.json"))
    assert calls == [False] and update == {"linear": rows}
    text = (tmp_path / "results.md").read_text()
    assert text.count("<!-- part: linear -->") == 1
    assert "| DeltaNet recurrent (2, 9, 8, 2) | 1.00 ms | — |" in text
