"""Tests for nnbook/data/window_bound.py (``Language.window_bound``, chapters 17–18): values
worked by hand from the rules, the stationary prior against the mean sentence length, the
grammar's own loss wherever the window shows the sentence's start, a bound that does not
depend on how long the window is, and its place between the entropy and the bigram."""

import math

import numpy as np
import pytest

from nnbook import data
from nnbook.data.window_bound import _prior

LANG = data.Language()


def test_hand_values():
    # "k" is only ever in "like(s)", "." and "?" are always followed by a space, and a
    # sentence starts with "d" (does, do) with P = 1/8 + 1/8
    text = "the cat likes a dog. does the dog run? a bird runs."
    s = text.index(". ")
    out = LANG.window_bound(text, 2, stride=s)         # the second window is ". d"
    assert out.shape == (3, 2)                         # starts 0, s and 2s
    assert out[1, 0] == pytest.approx(0.0, abs=1e-12)
    assert out[1, 1] == pytest.approx(-math.log(0.25), abs=1e-12)
    k = text.index("k")
    assert LANG.window_bound(text, 1, stride=k)[1, 0] == pytest.approx(0.0, abs=1e-12)
    q = text.index("?")
    assert LANG.window_bound(text, 1, stride=q)[1, 0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_prior_is_a_distribution_over_one_sentence(depth):
    lang = data.Language(depth)
    prior = _prior(lang)
    assert sum(prior.values()) == pytest.approx(1.0, abs=1e-12)
    start = (("MORE",), ("S",))                        # visited once per sentence
    assert 1 / prior[start] == pytest.approx(lang.mean_sentence_length + 1, rel=1e-12)


def test_equals_the_grammar_once_the_window_shows_the_sentence_start():
    text = LANG.sample(3000, rng=np.random.default_rng(1))
    T = 24
    bound, exact = LANG.window_bound(text, T), LANG.nll_chars(text)
    seen = 0
    for k in range(len(bound)):
        piece = text[k * T:k * T + T + 1]
        ends = [i for i in range(T - 1) if piece[i] in ".!?"]
        if ends:                                        # targets after the first ". "
            first = ends[0] + 1                         # the space; its target is next
            got = bound[k, first:]
            want = exact[k * T + first + 1:k * T + T + 1]
            assert np.allclose(got, want, rtol=0, atol=1e-9)
            seen += len(got)
    assert seen > 500


def test_a_position_does_not_depend_on_the_window_length():
    text = LANG.sample(2000, rng=np.random.default_rng(2))
    long, short = LANG.window_bound(text, 32, stride=8), LANG.window_bound(text, 8)
    assert np.allclose(long[:, :8], short[:len(long)], rtol=0, atol=1e-12)


def test_between_the_entropy_and_the_bigram():
    train = data.language_corpus(100_000, rng=np.random.default_rng(3))
    test = data.language_corpus(12_000, rng=np.random.default_rng(4))
    P = data.bigram_probs(train.ids, len(train.vocab))
    bigram = -np.log(P[test.ids[:-1], test.ids[1:]]).mean()
    one, window = LANG.window_bound(test.text, 1), LANG.window_bound(test.text, 32)
    assert abs(one.mean() - bigram) < 0.02             # one character: the bigram's loss
    assert LANG.entropy_per_char + 0.05 < window.mean() < bigram - 0.5
    assert window[:, 16:].mean() < window[:, :16].mean()  # more context, less loss
    assert np.all(window >= 0)


@pytest.mark.parametrize("args, match", [
    (("the cat runs.", 20), "at least window"),
    ((["the cat runs."], 2), "got list"),
    (("the cat runs.", 0), "window"),
    (("the cat run.", 4), "rejects"),
])
def test_errors(args, match):
    with pytest.raises(ValueError, match=match):
        LANG.window_bound(*args)


def test_window_entropy_against_the_bound_and_by_hand():
    # window_entropy(w) is the expectation of window_bound's column w − 1 (w characters
    # read); the depth-0 language keeps it quick. Against a long text's mean, within 4 SE.
    lang = data.Language(0)
    text = lang.sample(8_000, rng=np.random.default_rng(0))
    col = lang.window_bound(text, 3, stride=1)[:, 1]
    exact = data.window_entropy(lang, 2)
    assert abs(col.mean() - exact) < 4 * col.std() / math.sqrt(len(col))
    # zero characters read: the entropy of the characters' frequencies, by counting
    counts = np.array([text.count(c) for c in lang.vocab], dtype=float)
    freq = counts / counts.sum()
    assert data.window_entropy(lang, 0) == pytest.approx(-(freq * np.log(freq)).sum(), abs=0.02)
    # more characters read never hurts, and the whole history is the floor
    h = [data.window_entropy(lang, w) for w in (1, 2, 3)]
    assert h[0] > h[1] > h[2] > lang.entropy_per_char
    with pytest.raises(ValueError, match="window_entropy"):
        data.window_entropy(lang, -1)


@pytest.mark.parametrize("language", [None, "the cat runs.", 3])
def test_window_entropy_wants_a_grammar(language):
    with pytest.raises(ValueError, match="window_entropy: expected language to be a "
                                         "nb.data.Language .* got"):
        data.window_entropy(language, 3)


def test_window_entropy_stops_past_its_cost_limit():
    # the walk counts its strings and stops with the way out named, instead of running on
    with pytest.raises(ValueError, match="window=6 needs more than max_strings=1,000 .*"
                                         "max_strings=None"):
        data.window_entropy(LANG, 6, max_strings=1000)
    assert data.window_entropy(LANG, 2, max_strings=None) == data.window_entropy(LANG, 2)
