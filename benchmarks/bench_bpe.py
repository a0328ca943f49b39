"""Chapter 19's benchmark: training byte-pair encoding to a 1,000-token vocabulary on 1 MB of
the generated language (``nb.data.StemLanguage()``, chapter 19's text, ``default_rng(0)``, no
pre-tokenisation, so the whole text is one sequence), in absolute seconds. Target: ≤ 5 s.

Two trainers learn the same merges: ``nb.data.BPETokenizer.train``, which updates the pair
counts only next to each merge, and the naive loop written below, which recounts every pair
of the text at every round. The naive loop costs about (rounds × text length); on the whole
megabyte it would run for minutes, so it is timed on a prefix (``naive_bytes``, 100 KB by
default) and its time scaled by 1 MB / prefix to estimate the megabyte: the estimate is
marked as such, and likely low (the same number of merges shortens a short text more, so
the later rounds of the prefix are cheaper than those of the megabyte would be). Both
trainers run on the prefix, and their merges are asserted equal; on the whole megabyte the
naive loop runs its first ``check_rounds`` rounds and they are asserted
equal to the fast trainer's first merges. Each trainer is timed once (a run takes seconds).

    python benchmarks/bench_bpe.py [--tiny] [--full] [--json]   # --full: the naive loop on all of it

Pure Python, one thread; on a shared machine the times vary with the load.
"""

from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from nnbook.data import BPETokenizer, StemLanguage  # noqa: E402

TARGET_S = 5.0
SIZES = {"n_bytes": 1_000_000, "vocab_size": 1000, "naive_bytes": 100_000, "check_rounds": 10}
TINY = {"n_bytes": 20_000, "vocab_size": 300, "naive_bytes": 5_000, "check_rounds": 5}


def text_of(n_bytes: int) -> str:
    """The benchmark's text: the generated language, ASCII, so characters are bytes."""
    return StemLanguage().sample(n_bytes, rng=np.random.default_rng(0))[:n_bytes]


def train_naive(text: str, vocab_size: int) -> list:
    """Byte-pair encoding the plain way: at every round count every adjacent pair of the
    whole sequence, merge the most frequent (the first one seen among equals) everywhere."""
    ids, merges = list(text.encode("utf-8")), []
    for new in range(256, vocab_size):
        counts = {}                                   # insertion order = first occurrence
        for pair in zip(ids, ids[1:]):
            counts[pair] = counts.get(pair, 0) + 1
        if not counts:
            break
        best = max(counts, key=counts.get)
        merges.append(best)
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == best:
                out.append(new)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out
    return merges


def timed(fn, *args):
    """``(result, wall-clock seconds, CPU seconds)``: on a busy machine the process's CPU
    time (``time.process_time``) leaves out the time other programs held the core."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - start, time.process_time() - cpu


def main(tiny=False, full=False) -> list:
    """Measure; returns one row: the fast trainer's seconds on the whole text, the naive
    loop's on the prefix and its estimate for the whole text (or its measured time, full)."""
    size = TINY if tiny else SIZES
    n, vocab, n_naive, k = (size[key] for key in ("n_bytes", "vocab_size", "naive_bytes",
                                                  "check_rounds"))
    text = text_of(n)
    tok, fast_s, fast_cpu = timed(BPETokenizer.train, text, vocab)
    prefix = text[:n_naive]
    naive_prefix, naive_prefix_s, naive_prefix_cpu = timed(train_naive, prefix, vocab)
    fast_prefix, fast_prefix_s, _ = timed(BPETokenizer.train, prefix, vocab)
    assert naive_prefix == fast_prefix.merges, "the two trainers disagree on the prefix"
    assert train_naive(text, 256 + k) == tok.merges[:k], "the first merges disagree"
    row = {"name": f"BPE training, vocab {vocab}, {n / 1e6:g} MB of the generated language",
           "nnbook_s": fast_s, "nnbook_cpu_s": fast_cpu, "merges": len(tok.merges),
           "target_s": TARGET_S,
           "naive_prefix_bytes": len(prefix), "naive_prefix_s": naive_prefix_s,
           "nnbook_prefix_s": fast_prefix_s}
    if full:
        naive_all, row["naive_s"], row["naive_cpu_s"] = timed(train_naive, text, vocab)
        assert naive_all == tok.merges, "the two trainers disagree on the whole text"
        row["naive_estimated"] = False
    else:
        scale = n / len(prefix)
        row["naive_s"], row["naive_cpu_s"] = naive_prefix_s * scale, naive_prefix_cpu * scale
        row["naive_estimated"] = True
    row["speedup_cpu"] = row["naive_cpu_s"] / fast_cpu
    return [row]


def print_rows(rows) -> None:
    for r in rows:
        est = "≈" if r["naive_estimated"] else ""
        print(f"{r['name']}: nnbook {r['nnbook_s']:.2f} s wall, {r['nnbook_cpu_s']:.2f} s CPU "
              f"({r['merges']} merges; target ≤ {r['target_s']:g} s); naive recount "
              f"{est}{r['naive_s']:.1f} s wall, {est}{r['naive_cpu_s']:.1f} s CPU "
              f"({r['speedup_cpu']:.0f}× the CPU time)")
        print(f"  on the first {r['naive_prefix_bytes']:,} bytes: nnbook "
              f"{r['nnbook_prefix_s']:.2f} s, naive {r['naive_prefix_s']:.1f} s, same merges"
              + ("; the naive time for the whole text is that × the length ratio"
                 if r["naive_estimated"] else ""))


if __name__ == "__main__":
    found = main(tiny="--tiny" in sys.argv, full="--full" in sys.argv)
    if "--json" in sys.argv:                 # run_all.py reads the row from a child process
        import json
        print(json.dumps(found))
    else:
        print_rows(found)
