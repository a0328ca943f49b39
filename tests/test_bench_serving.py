"""benchmarks/bench_serving.py compares like with like: nnbook's batched cached generation
and the PyTorch one written in the benchmark (its own KV cache for a batch, on the weights
``to_torch`` exports) write the same tokens; the bigram draft is a language model of the
right vocabulary. Timings are never asserted here."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))

import bench_generate  # noqa: E402
import bench_serving  # noqa: E402


def test_both_sides_write_the_same_batch():
    size = dict(bench_generate.TINY, n_new=10)
    ours = bench_serving.nnbook_batched(size)()
    assert ours.shape == (bench_serving.BATCH, size["prompt"] + 10)
    pytest.importorskip("torch")
    assert np.array_equal(bench_serving.torch_batched(size)(), ours)


def test_the_bigram_draft_reads_and_writes_the_corpus_tokens():
    import nnbook as nb
    corpus = nb.data.language_corpus(2_000, rng=np.random.default_rng(0),
                                     language=nb.data.Language(max_depth=0))
    V = len(corpus.vocab)
    draft = bench_serving.bigram_draft(corpus, V, np.random.default_rng(1))
    p = np.exp(draft.predict(corpus.ids[None, :5])[0])
    assert p.shape == (5, V) and np.allclose(p.sum(axis=1), 1)
