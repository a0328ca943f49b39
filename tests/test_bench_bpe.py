"""benchmarks/bench_bpe.py runs end to end in its tiny mode: its naive recount trainer and
nb.data.BPETokenizer learn the same merges (asserted inside the benchmark, and here on a
text with ties), and it gives its row. Timings are never asserted here."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import bench_bpe  # noqa: E402
import pytest  # noqa: E402

from nnbook.data import BPETokenizer  # noqa: E402


@pytest.mark.filterwarnings("ignore:BPETokenizer.train. stopped after:UserWarning")  # expected:
def test_the_naive_trainer_of_the_benchmark_agrees_with_the_tokenizer():  # both run out of pairs
    text = "cabxyxyababcaca aaab aaab" * 3
    assert bench_bpe.train_naive(text, 280) == BPETokenizer.train(text, 280).merges


def test_the_tiny_benchmark_gives_its_row(capsys):
    rows = bench_bpe.main(tiny=True, full=True)
    assert len(rows) == 1 and rows[0]["merges"] == bench_bpe.TINY["vocab_size"] - 256
    assert rows[0]["naive_estimated"] is False and rows[0]["nnbook_s"] > 0
    bench_bpe.print_rows(rows)
    assert "same merges" in capsys.readouterr().out
