"""Tests for nnbook/data/two_sources.py (``TwoSources``, chapter 32): the share of sentences
per source, the shared vocabulary, each sentence's exact NLL against its grammar, the
filter by NLL per character, the exact per-source entropies against Monte-Carlo, errors."""

import math

import numpy as np
import pytest

from nnbook import data

SRC = data.TwoSources()


def test_vocab_ids_and_sources():
    m = SRC.sample(4000, 0.3, rng=np.random.default_rng(1))
    assert len(m.text) >= 4000 and "".join(SRC.vocab[i] for i in m.ids) == m.text
    assert m.source.shape == m.ids.shape
    # each sentence is accepted by its own grammar, and its stored NLL is that grammar's
    for s, k, nll in zip(m.sentences[:20], m.from_source[:20], m.nll[:20]):
        assert SRC.sources[k].accepts(s)
        assert SRC.sources[k].nll(s) == pytest.approx(nll, abs=1e-9)
    # the characters' sources follow the sentences (a space joins with the sentence before)
    first = len(m.sentences[0]) + 1
    assert (m.source[:first] == m.from_source[0]).all() and m.source[first] == m.from_source[1]


def test_share_is_the_probability_of_source_0():
    m = SRC.sample(60_000, 0.3, rng=np.random.default_rng(2))
    k = len(m.from_source)
    share = np.mean(m.from_source == 0)
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / k)
    assert (SRC.sample(500, 1.0, rng=np.random.default_rng(0)).source == 0).all()
    assert (SRC.sample(500, 0.0, rng=np.random.default_rng(0)).source == 1).all()


def test_entropies_against_monte_carlo():
    # E[nll] / E[len + 1] over sampled sentences → the exact entropy per character
    for k, lang in enumerate(SRC.sources):
        rng = np.random.default_rng(10 + k)
        draws = [lang.sample_sentence(rng=rng) for _ in range(4000)]
        nll = np.array([d[1] for d in draws])
        n = np.array([len(d[0]) + 1 for d in draws])
        ratio = nll.sum() / n.sum()
        # the ratio's standard error by the delta method
        se = np.std(nll - ratio * n) / n.mean() / math.sqrt(len(n))
        assert abs(ratio - SRC.entropy_per_char[k]) < 4 * se
    assert SRC.entropy_per_char[1] > SRC.entropy_per_char[0]


def test_filter_drops_only_hard_sentences_of_source_1():
    t = 0.6
    m = SRC.sample(20_000, 0.5, rng=np.random.default_rng(3), max_nll_per_char=t)
    assert m.dropped > 0
    per_char = np.array([SRC.sentence_nll_per_char(s, k)
                         for s, k in zip(m.sentences, m.from_source)])
    assert (per_char[m.from_source == 1] <= t).all()
    assert (per_char[m.from_source == 0] > t).any()      # source 0 is never filtered


def test_filter_keeps_the_share_of_source_0():
    """Catches a filter that flips the source again after a drop: source 1 would lose every
    sentence it drops to source 0, and share 0.5 with a harsh filter became nearly all
    source 0. A dropped sentence is redrawn from source 1, so the share per sentence holds."""
    m = SRC.sample(20_000, 0.5, rng=np.random.default_rng(11), max_nll_per_char=0.5)
    n = len(m.from_source)
    assert m.dropped > n                               # the filter is harsh here
    assert abs(np.mean(m.from_source == 0) - 0.5) < 3 * math.sqrt(0.25 / n)


def test_window_entropy_6_brackets():
    # the stored floors of a 6-character reader: source 0's recomputed (a second), source
    # 1's between its entropy per character and its 4-character floor (seconds). Equal to
    # round-off: NumPy 2.5 sums the walk's terms in another order (1e-14 apart)
    assert math.isclose(data.two_sources.WINDOW_ENTROPY_6[0],
                        data.window_entropy(SRC.sources[0], 6), rel_tol=1e-12)
    assert SRC.entropy_per_char[1] < data.two_sources.WINDOW_ENTROPY_6[1] < \
        data.window_entropy(SRC.sources[1], 4) - 0.02


@pytest.mark.heavy
def test_window_entropy_6_of_source_1_recomputed():
    # about 20 s: run with NNBOOK_HEAVY=1
    assert data.two_sources.WINDOW_ENTROPY_6[1] == pytest.approx(
        data.window_entropy(SRC.sources[1], 6), abs=1e-12)


@pytest.mark.parametrize("args, kwargs, match", [
    ((100, 1.5), {}, r"TwoSources.sample: expected share.*in \[0, 1\], got 1.5"),
    ((100, True), {}, "expected share.* got True"),
    ((100, "0.5"), {}, "expected share.* got '0.5'"),
    ((100, 0.5), dict(max_nll_per_char="0.5"), "expected max_nll_per_char.* got '0.5'"),
    ((100, 0.5), dict(max_nll_per_char=float("nan")), "max_nll_per_char"),
    ((0, 0.5), {}, "n_chars"),
])
def test_sample_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        SRC.sample(*args, rng=np.random.default_rng(0), **kwargs)


def test_numpy_scalars_are_numbers():
    m = SRC.sample(np.int64(200), np.float32(0.5), rng=np.random.default_rng(0),
                   max_nll_per_char=np.float64(0.9))
    assert len(m) >= 200


def test_errors():
    with pytest.raises(ValueError, match="share"):
        SRC.sample(100, 1.5, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="max_nll_per_char"):
        SRC.sample(100, 0.5, rng=np.random.default_rng(0), max_nll_per_char=-1.0)
    with pytest.raises(ValueError, match="source 0 or 1"):
        SRC.sentence_nll_per_char("the cat runs.", 2)
    with pytest.raises(ValueError, match="source 0 or 1 .* got True"):
        SRC.sentence_nll_per_char("the cat runs.", True)
    with pytest.raises(ValueError, match="Language"):
        data.TwoSources("cats", None)
    with pytest.raises(ValueError, match="neither"):
        SRC.encode("the cat runs #")
