"""Tests for nnbook/inference/text.py: ``sample_text`` draws each character from
softmax(logits / temperature) with one ``rng.random()`` per text, reads at most ``context``
ids, names every bad argument, and is ``nb.generate`` on a text."""

import numpy as np
import pytest

import nnbook as nb
from nnbook import data


class Fixed:
    """A stand-in model: the same logits at every position; records the windows it read."""

    def __init__(self, logits):
        self.logits, self.seen, self.layers = np.asarray(logits, float), [], []

    def forward(self, ids, training=None):
        self.seen.append(ids.shape)
        return np.broadcast_to(self.logits, ids.shape + self.logits.shape[-1:])


@pytest.fixture(scope="module")
def corpus():
    return data.language_corpus(300, rng=np.random.default_rng(0))


def test_characters_follow_the_tempered_softmax(corpus):
    V = len(corpus.vocab)
    z = np.linspace(-1.0, 1.0, V)
    for T in (0.5, 1.0, 2.0):
        out = nb.sample_text(Fixed(z), corpus, 4000, prompt="a", temperature=T,
                               rng=np.random.default_rng(1))
        assert len(out) == 1 and out[0].startswith("a") and len(out[0]) == 4001
        counts = np.bincount(corpus.encode(out[0][1:]), minlength=V) / 4000
        p = np.exp(z / T) / np.exp(z / T).sum()
        assert np.abs(counts - p).max() < 0.02


def test_the_draw_is_the_inverse_cdf_of_one_uniform(corpus):
    V = len(corpus.vocab)
    z = np.zeros(V)
    u = np.random.default_rng(3).random((5, 2))                         # steps × samples
    out = nb.sample_text(Fixed(z), corpus, 5, prompt="ab", n_samples=2,
                           rng=np.random.default_rng(3))
    assert [s[:2] for s in out] == ["ab", "ab"]
    expected = np.minimum((u * V).astype(int), V - 1)                   # uniform p: floor(u·V)
    got = np.array([corpus.encode(s[2:]) for s in out]).T
    assert np.array_equal(got, expected)


def test_context_limits_the_window_and_comes_from_a_positional_embedding(corpus):
    model = Fixed(np.zeros(len(corpus.vocab)))
    nb.sample_text(model, corpus, 6, prompt="abc", context=4, rng=np.random.default_rng(0))
    assert [s[1] for s in model.seen] == [3, 4, 4, 4, 4, 4]
    rng = np.random.default_rng(0)
    V = len(corpus.vocab)
    net = nb.Sequential([nb.Embedding(V, 4, rng=rng), nb.PositionalEmbedding(5, 4, rng=rng),
                         nb.Dense(4, V, rng=rng)])
    out = nb.sample_text(net, corpus, 12, prompt="the ", n_samples=3, rng=np.random.default_rng(7))
    assert len(out) == 3 and all(len(s) == 16 for s in out)             # windows of 5: no error
    again = nb.sample_text(net, corpus, 12, prompt="the ", n_samples=3, rng=np.random.default_rng(7))
    assert again == out                                                 # the same rng, the same texts


@pytest.mark.parametrize("kwargs, match", [
    ({"n_chars": 0}, r"sample_text: expected n_chars to be an integer ≥ 1, got 0"),
    ({"temperature": 0}, r"sample_text: expected a temperature > 0, got 0\. 1 samples"),
    ({"temperature": True}, r"expected a temperature > 0, got True"),
    ({"prompt": ""}, r"expected a prompt of at least one character, got ''\. prompt=' '"),
    ({"prompt": "A"}, r"Corpus.encode: character 'A' at position 0 is not in the vocabulary"),
    ({"n_samples": 0}, r"expected n_samples to be an integer ≥ 1, got 0"),
    ({"context": 0}, r"expected context to be an integer ≥ 1, got 0"),
])
def test_errors(corpus, kwargs, match):
    args = {"n_chars": 3, "prompt": "a"} | kwargs
    with pytest.raises(ValueError, match=match):
        nb.sample_text(Fixed(np.zeros(len(corpus.vocab))), corpus, args.pop("n_chars"), **args)


def test_a_model_that_does_not_give_logits_over_the_vocabulary(corpus):
    with pytest.raises(ValueError, match=r"shape \(1, 3\), expected \(1, 26\) logits .*Dense\(·, 26\)"):
        nb.sample_text(Fixed(np.zeros(3)), corpus, 2, prompt="a")


def test_a_model_that_ends_in_softmax_is_sampled_from_its_own_probabilities(corpus):
    """A Softmax output is p already: a second softmax would flatten 99.98 % to ~10 %."""
    V = len(corpus.vocab)
    rng = np.random.default_rng(0)
    net = nb.Sequential([nb.Embedding(V, 4, rng=rng), nb.Dense(4, V, rng=rng), nb.Softmax()])
    net.layers[1].params["W"][...] = 0.0
    net.layers[1].params["b"][...] = 0.0
    net.layers[1].params["b"][corpus.encode("e")[0]] = 12.0          # p(e) ≈ 0.9998
    out = nb.sample_text(net, corpus, 400, prompt="a", rng=np.random.default_rng(1))
    assert out[0][1:].count("e") >= 395
    z = np.log(net.predict(np.zeros((1, 1), int))[0, -1])             # the model's own p, at T=0.5
    p = np.exp(2 * z) / np.exp(2 * z).sum()
    flat = nb.sample_text(net, corpus, 400, prompt="a", temperature=0.5,
                            rng=np.random.default_rng(2))
    assert flat[0][1:].count("e") >= 400 * p.max() - 5


def test_a_many_to_one_model_is_told_to_return_a_distribution_per_position(corpus):
    V = len(corpus.vocab)
    rng = np.random.default_rng(0)
    net = nb.Sequential([nb.Embedding(V, 4, rng=rng), nb.RNN(4, 5, rng=rng),
                         nb.Dense(5, V, rng=rng)])
    with pytest.raises(ValueError, match=r"sample_text: the model returned shape \(1, 26\) .*"
                                         r"logits per position.*return_sequences=True"):
        nb.sample_text(net, corpus, 3, prompt="ab", rng=np.random.default_rng(0))


def test_a_diverged_model_is_named_not_sampled_as_the_first_character(corpus):
    z = np.full(len(corpus.vocab), np.nan)
    with pytest.raises(ValueError, match=r"sample_text: the model's output is NaN at the last "
                                         r"position \(after the prompt and 0 new tokens\).*"
                                         r"training diverged"):
        nb.sample_text(Fixed(z), corpus, 3, prompt="ab", rng=np.random.default_rng(0))


def test_sample_text_is_generate_on_a_text(corpus):
    """One generator: the same ids as nb.generate with the same rng, window and rules."""
    V = len(corpus.vocab)
    rng = np.random.default_rng(0)
    net = nb.Sequential([nb.Embedding(V, 4, rng=rng), nb.PositionalEmbedding(6, 4, rng=rng),
                         nb.Dense(4, V, rng=rng)])
    for tau in (0.5, 1.0, 1.5):
        texts = nb.sample_text(net, corpus, 20, prompt="the ", temperature=tau, n_samples=3,
                                 rng=np.random.default_rng(5))
        ids = nb.generate(net, np.tile(corpus.encode("the "), (3, 1)), 20, temperature=tau,
                          context=6, rng=np.random.default_rng(5))
        assert texts == [corpus.decode(row) for row in ids]
