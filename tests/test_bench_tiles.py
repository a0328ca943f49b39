"""benchmarks/bench_tiles.py (chapter 24's attention in tiles against plain attention and
PyTorch's SDPA): on its tiny case it checks the three agree before timing, returns one
row per case with every time and peak, and writes a table with the ratios."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import bench_tiles  # noqa: E402


def test_the_tiny_case_runs_and_agrees():
    rows = bench_tiles.main(with_torch=False, tiny=True)
    assert len(rows) == len(bench_tiles.TINY)
    r = rows[0]
    assert r["largest_difference"] < 1e-12 and r["torch_s"] is None
    assert r["plain_s"] > 0 and r["tiles_s"] > 0 and r["plain_peak"] > 0
    table = bench_tiles.markdown(rows)
    assert "| nnbook plain | nnbook tiles | PyTorch SDPA |" in table
    assert table.count("\n| causal attention fwd+bwd") == 1 and "| — |" in table
