"""Tests for nnbook/data/corpus.py: ``language_corpus`` (its text, vocabulary and ids round
trip, its exact loss per character against the parser), ``char_windows`` and ``bigram_probs``
worked by hand, the language's numbers that chapters 17–18 rely on (the bigram and unigram
losses well above the entropy per character), and every error message."""

import hashlib
import math

import numpy as np
import pytest

from nnbook import data


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.fixture(scope="module")
def corpora():
    """The 100k-character training and held-out corpora of the report's numbers."""
    return (data.language_corpus(100_000, rng=rng(0)), data.language_corpus(100_000, rng=rng(1)))


# --------------------------------------------------------------------------
# language_corpus


def test_corpus_text_ids_and_vocab():
    corpus = data.language_corpus(1000, rng=rng(0))
    lang = data.Language()
    assert corpus.text == lang.sample(1000, rng=rng(0))
    assert len(corpus) == len(corpus.text) >= 1000 and corpus.text[-1] in ".!?"
    assert corpus.vocab == lang.vocab == sorted(corpus.vocab)
    assert corpus.ids.shape == (len(corpus.text),) and corpus.ids.dtype == np.int64
    assert corpus.decode(corpus.ids) == corpus.text
    np.testing.assert_array_equal(corpus.encode(corpus.text), corpus.ids)
    np.testing.assert_array_equal(corpus.encode("the cat."), [24, 13, 10, 0, 8, 6, 24, 4])
    assert corpus.decode([24, 13, 10]) == "the" and corpus.decode(np.array([], int)) == ""
    assert repr(corpus) == f"Corpus({len(corpus)} characters, V=26, nll_per_char=" \
                           f"{corpus.nll_per_char:.4f})"


def test_corpus_nll_is_the_parsers(corpora):
    train, test = corpora
    for corpus in corpora:
        assert corpus.nll_per_char == pytest.approx(
            corpus.language.nll(corpus.text) / len(corpus.text), rel=1e-10)
    assert len(train.text) == 100_059 and len(test.text) == 100_004
    assert hashlib.sha256(train.text.encode()).hexdigest()[:16] == "75890a9787f1c9c2"


def test_corpus_with_another_language():
    lang = data.Language(max_depth=0)
    corpus = data.language_corpus(500, rng=rng(2), language=lang)
    assert corpus.language is lang and "(" not in corpus.text
    assert corpus.vocab == lang.vocab and len(corpus.vocab) == 24


def test_the_languages_numbers(corpora):
    """The numbers chapters 17–18 state: V = 26, the entropy 0.389 nats per character, the
    bigram model (add-1 counts on 100k characters) 1.364 on held-out text, unigram 2.783,
    log V = 3.258."""
    train, test = corpora
    V = len(train.vocab)
    entropy = train.language.entropy_per_char
    assert V == 26 and entropy == pytest.approx(0.3893, abs=1e-4)
    assert abs(test.nll_per_char - entropy) < 0.01
    P = data.bigram_probs(train.ids, V)
    bigram = -np.log(P[test.ids[:-1], test.ids[1:]]).mean()
    unigram_p = (np.bincount(train.ids, minlength=V) + 1) / (len(train.ids) + V)
    unigram = -np.log(unigram_p[test.ids]).mean()
    assert bigram == pytest.approx(1.3637, abs=1e-3)
    assert unigram == pytest.approx(2.7834, abs=1e-3)
    assert entropy + 0.9 < bigram < unigram < math.log(V)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_chars": 0}, r"language_corpus: expected n_chars to be an integer ≥ 1, got 0"),
    ({"rng": 1}, r"language_corpus: expected rng .*default_rng\(1\)"),
    ({"language": "english"}, r"expected language to be a nb.data.Language or None, got str"),
])
def test_language_corpus_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.language_corpus(**({"n_chars": 100} | kwargs))


def test_encode_decode_errors():
    corpus = data.language_corpus(100, rng=rng())
    with pytest.raises(ValueError, match=r"character 'T' at position 0 is not in the vocabulary "
                                         r"' !\(\)\.\?abc"):
        corpus.encode("The cat.")
    with pytest.raises(ValueError, match=r"Corpus.encode: expected a string, got list"):
        corpus.encode(["t"])
    with pytest.raises(ValueError, match=r"Corpus.decode: id 26 is outside \[0, 26\)"):
        corpus.decode([0, 26])
    with pytest.raises(ValueError, match=r"id -1 is outside"):
        corpus.decode([-1])
    with pytest.raises(ValueError, match=r"1-D array of integer ids, got shape \(2, 2\).*one row"):
        corpus.decode(np.zeros((2, 2), int))
    with pytest.raises(ValueError, match=r"got shape \(2,\) and dtype float64"):
        corpus.decode([0.0, 1.0])


# --------------------------------------------------------------------------
# char_windows


def test_char_windows_by_hand():
    x, y = data.char_windows(np.arange(10), 3)
    np.testing.assert_array_equal(x, [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    np.testing.assert_array_equal(y, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert x.dtype == y.dtype == np.int64
    x, y = data.char_windows([5, 6, 7, 8, 9], 2, stride=1)
    np.testing.assert_array_equal(x, [[5, 6], [6, 7], [7, 8]])
    np.testing.assert_array_equal(y, [[6, 7], [7, 8], [8, 9]])
    x, y = data.char_windows(np.arange(4), 3)                # exactly T + 1 ids: one window
    assert x.shape == y.shape == (1, 3)


def test_char_windows_of_a_corpus():
    corpus = data.language_corpus(5000, rng=rng(4))
    T = 64
    x, y = data.char_windows(corpus.ids, T)
    assert x.shape == ((len(corpus.ids) - T - 1) // T + 1, T)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    np.testing.assert_array_equal(x.reshape(-1), corpus.ids[:x.size])
    assert corpus.decode(y[0]) == corpus.text[1:T + 1]
    x[0, 0] = 99
    assert corpus.ids[0] != 99                                # fresh arrays


@pytest.mark.parametrize("ids, kwargs, match", [
    (np.arange(4), {"T": 4}, r"got 4 ids, too few for one window of T=4 and its target "
                             r"\(T \+ 1 = 5 ids\)"),
    (np.arange(10), {"T": 0}, r"char_windows: expected T to be an integer ≥ 1, got 0"),
    (np.arange(10), {"T": 2, "stride": 0}, r"expected stride to be an integer ≥ 1, got 0"),
    (np.zeros((2, 5), int), {"T": 2}, r"ids as a 1-D integer array \(n,\), got shape \(2, 5\)"),
    ("the cat", {"T": 2}, r"got shape \(\) and dtype <U7.*corpus.encode\(text\)"),
])
def test_char_windows_errors(ids, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.char_windows(ids, **kwargs)


# --------------------------------------------------------------------------
# bigram_probs


def test_bigram_probs_by_hand():
    # pairs of [0, 1, 0, 1, 1]: 0→1 twice, 1→0 once, 1→1 once; add 1 to each of the 4 counts
    P = data.bigram_probs([0, 1, 0, 1, 1], 2)
    np.testing.assert_allclose(P, [[1 / 4, 3 / 4], [2 / 4, 2 / 4]])
    P = data.bigram_probs([0, 1, 0, 1, 1], 3, alpha=0.5)
    np.testing.assert_allclose(P[0], [0.5 / 3.5, 2.5 / 3.5, 0.5 / 3.5])
    np.testing.assert_allclose(P[2], [1 / 3] * 3)            # never seen: uniform
    np.testing.assert_allclose(P.sum(axis=1), 1)


@pytest.mark.parametrize("args, kwargs, match", [
    (([0, 1], 2), {"alpha": 0}, r"bigram_probs: expected alpha > 0, got 0.*probability 0"),
    (([0, 1], 2), {"alpha": True}, r"expected alpha > 0, got True"),
    (([0, 2], 2), {}, r"bigram_probs: id 2 is outside \[0, 2\)\. Pass vocab_size=len"),
    (([0, 1], 0), {}, r"expected vocab_size to be an integer ≥ 1, got 0"),
    (([0.0, 1.0], 2), {}, r"1-D integer array \(n,\), got shape \(2,\) and dtype float64"),
])
def test_bigram_probs_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.bigram_probs(*args, **kwargs)


def test_random_windows_by_hand_and_uniform():
    ids = np.arange(10) * 10                             # ids[i] = 10 i: a window shows its start
    x, y = data.random_windows(ids, 2000, 3, rng=np.random.default_rng(0))
    assert x.shape == y.shape == (2000, 3) and x.dtype == y.dtype == np.int64
    assert np.array_equal(y, x + 10) and np.array_equal(x[:, 1:], x[:, :-1] + 10)
    starts = x[:, 0] // 10
    assert set(starts) == set(range(7))                  # 0 … n − length − 1 = 6: y fits
    counts = np.bincount(starts, minlength=7)
    assert counts.min() > 2000 / 7 * 0.8 and counts.max() < 2000 / 7 * 1.2
    again = data.random_windows(ids, 2000, 3, rng=np.random.default_rng(0))
    assert np.array_equal(again[0], x)
    x1, y1 = data.random_windows(ids[:4], 5, 3, rng=np.random.default_rng(1))
    assert np.array_equal(x1, np.tile([0, 10, 20], (5, 1))) and np.array_equal(y1, x1 + 10)


@pytest.mark.parametrize("ids, batch, length, message", [
    (np.arange(3), 2, 3, r"random_windows: got 3 ids, too few for one window of length=3 and "
                         r"its target \(4 ids\)"),
    (np.arange(10), 0, 3, r"random_windows.*batch_size"),
    (np.arange(10), 2, 0, r"random_windows.*length"),
    (np.ones((2, 5), int), 2, 3, r"random_windows: expected ids as a 1-D integer array"),
    (np.linspace(0, 1, 9), 2, 3, r"random_windows: expected ids as a 1-D integer array"),
])
def test_random_windows_refuses_bad_arguments(ids, batch, length, message):
    with pytest.raises(ValueError, match=message):
        data.random_windows(ids, batch, length, rng=np.random.default_rng(0))


def test_token_windows_is_char_windows_named_for_tokens():
    """Issue 42: Part IV's windows of BPE tokens have a name that says tokens."""
    import nnbook as nb
    ids = np.arange(20) % 7
    for a, b in zip(nb.data.token_windows(ids, 5, stride=3), nb.data.char_windows(ids, 5, stride=3)):
        np.testing.assert_array_equal(a, b)
    assert "token" in nb.data.token_windows.__doc__.splitlines()[0]
    assert "token_windows" in nb.data.char_windows.__doc__
    with pytest.raises(ValueError, match=r"token_windows: got 3 ids, too few"):
        nb.data.token_windows(np.arange(3), 5)
    with pytest.raises(ValueError, match=r"char_windows: got 3 ids, too few"):
        nb.data.char_windows(np.arange(3), 5)
