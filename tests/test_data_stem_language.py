"""Tests for nnbook/data/stem_language.py, chapter 19's language with a lexicon of stems and
affixes: the text of default_rng(0) spelled out (and a longer one hashed), the exact entropy
against an independent enumeration of every sentence of a tiny case (each text's probability
summed, so an ambiguous grammar would show), the parser's −log P equal to the generator's
sum, a lexicon of distinct word forms, entropy per byte, and the errors. Language()'s own
text is pinned in test_data_language.py; here only that it has an entropy per byte too."""

import hashlib
import itertools
import math

import numpy as np
import pytest

from nnbook import data
from nnbook.data.stem_language import zipf

LANG = data.StemLanguage()


def rng(seed=0):
    return np.random.default_rng(seed)


def test_sample_of_seed_0_spelled_out():
    assert LANG.sample(200, rng=rng(0)) == (
        "the catlings (that a yakling oversees) call the dog. some crabkins that a catling "
        "chases overlike the frogs! a batling likes the ants. the doglet sees some smallish "
        "birds that some bees outlike! some beekins (that overpull the calmish birds that the "
        "dogkins follow) help the redish catling.")


def test_longer_sample_hashed():
    text = LANG.sample(20_000, rng=rng(1))
    assert len(text) == 20_024
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == "1e03a03724d47154"


def test_repr_vocab_and_the_lexicon():
    assert repr(LANG) == "StemLanguage(max_depth=2, n_stems=16, V=30, entropy_per_char=0.5630)"
    words = LANG.words()
    assert [len(words[k]) for k in ("N", "VI", "VT", "ADJ")] == [128, 128, 128, 32]
    forms = [w for kind in words.values() for w in kind]
    assert len(set(forms)) == len(forms) == 416                 # every form a different string
    assert {"catlings", "outruns", "overwatches", "quickish", "crab"} <= set(forms)
    assert all(c.isascii() for c in LANG.vocab)
    small = data.StemLanguage(max_depth=0, n_stems=2)
    assert small.words()["ADJ"] == ["big", "bigish", "small", "smallish"]


def test_zipf():
    assert zipf(3) == pytest.approx((6 / 11, 3 / 11, 2 / 11), rel=1e-15)
    assert sum(zipf(16)) == pytest.approx(1.0, abs=1e-15)


def test_every_sampled_sentence_is_accepted_and_the_parser_equals_the_generator():
    words, r = {w for kind in LANG.words().values() for w in kind}, rng(3)
    for _ in range(300):
        sentence, nll = LANG.sample_sentence(rng=r)
        assert LANG.accepts(sentence)
        assert LANG.nll(sentence) == pytest.approx(nll, rel=1e-12)
        assert LANG.nll_chars(sentence).sum() == pytest.approx(nll, rel=1e-12)
        plain = sentence.replace("(", " ").replace(")", " ")
        for word in plain.rstrip(".!?").split():
            assert word in words or word in {"the", "a", "some", "that", "do", "does"}, word


# --------------------------------------------------------------------------
# the entropy against an independent enumeration (max_depth=0, one stem per list)


def alternatives(*pairs):
    return list(pairs)


def then(*parts):
    """Every concatenation of one (text, p) from each part, probabilities multiplied."""
    return [("".join(t for t, _ in combo), math.prod(p for _, p in combo))
            for combo in itertools.product(*parts)]


def tiny_sentences():
    """All sentences of StemLanguage(max_depth=0, n_stems=1), written from its docstring's
    rules, each text with the sum of the probabilities of its derivations."""
    noun_suffix = [("", .55), ("let", .15), ("ling", .15), ("kin", .15)]
    prefix = [("", .55), ("re", .15), ("out", .15), ("over", .15)]
    adj = alternatives(("", .7), (" big", .3 * .75), (" bigish", .3 * .25))

    def noun(n):
        return [(" cat" + s + ("s" if n == "p" else ""), p) for s, p in noun_suffix]

    def np_(n, lead=""):
        det = [(lead + "the", .6), (lead + ("a" if n == "s" else "some"), .4)]
        return then(det, adj, noun(n))

    def verb(stem, n):
        return [(" " + a + stem + ("s" if n == "s" else ""), p) for a, p in prefix]

    def vp(n):
        return ([(t, .5 * p) for t, p in verb("run", n)]
                + [(t, .25 * p) for t, p in then(verb("see", n), np_("s", " "))]
                + [(t, .25 * p) for t, p in then(verb("see", n), np_("p", " "))])

    end = [(".", .7), ("!", .3)]
    found = {}
    for text, p in ([(t, 3 / 8 * p) for t, p in then(np_("s"), vp("s"), end)]
                    + [(t, 3 / 8 * p) for t, p in then(np_("p"), vp("p"), end)]
                    + [(t, 1 / 8 * p) for t, p in then([("does", 1)], np_("s", " "), vp("p"),
                                                       [("?", 1)])]
                    + [(t, 1 / 8 * p) for t, p in then([("do", 1)], np_("p", " "), vp("p"),
                                                       [("?", 1)])]):
        found[text] = found.get(text, 0.0) + p
    return found


def test_entropy_against_an_independent_enumeration():
    lang = data.StemLanguage(max_depth=0, n_stems=1)
    sentences = tiny_sentences()
    assert len(sentences) == 2 * 2 * 24 * (4 + 4 * 48) + 2 * 24 * (4 + 4 * 48)  # none twice
    assert sum(sentences.values()) == pytest.approx(1.0, abs=1e-12)
    entropy = -sum(p * math.log(p) for p in sentences.values())
    length = sum(p * len(t) for t, p in sentences.items())
    n_bytes = sum(p * len(t.encode("utf-8")) for t, p in sentences.items())
    assert lang.sentence_entropy == pytest.approx(entropy, rel=1e-12)
    assert lang.mean_sentence_length == pytest.approx(length, rel=1e-12)
    assert lang.entropy_per_byte == pytest.approx(entropy / (n_bytes + 1), rel=1e-12)
    for text in list(sentences)[::997]:                      # the parser agrees, text by text
        assert lang.nll(text) == pytest.approx(-math.log(sentences[text]), rel=1e-12)


def test_entropy_per_byte_against_the_mean_of_sampled_text():
    r, nll, n_bytes = rng(5), 0.0, 0
    for _ in range(4000):
        sentence, sentence_nll = LANG.sample_sentence(rng=r)
        nll, n_bytes = nll + sentence_nll, n_bytes + len(sentence.encode("utf-8")) + 1
    assert nll / n_bytes == pytest.approx(LANG.entropy_per_byte, rel=0.02)
    assert LANG.entropy_per_byte == LANG.entropy_per_char > data.Language().entropy_per_char


def test_the_course_language_has_its_entropy_per_byte_too():
    lang = data.Language()
    assert all(c.isascii() for c in lang.vocab)
    assert lang.entropy_per_byte == lang.entropy_per_char == pytest.approx(0.3893, abs=1e-4)


@pytest.mark.parametrize("n_stems, match", [
    (0, r"StemLanguage: expected n_stems to be an integer ≥ 1, got 0"),
    (2.0, r"StemLanguage: expected n_stems to be an integer ≥ 1, got 2.0"),
    (17, r"StemLanguage: expected n_stems from 1 to 16, got 17. Each list holds 16 stems"),
])
def test_bad_n_stems(n_stems, match):
    with pytest.raises(ValueError, match=match):
        data.StemLanguage(n_stems=n_stems)


def test_bad_depth_is_the_languages_error():
    with pytest.raises(ValueError, match=r"Language: expected max_depth from 0 to 5, got 6"):
        data.StemLanguage(max_depth=6)


def test_language_corpus_takes_the_stem_language():
    corpus = data.language_corpus(3000, rng=rng(2), language=LANG)
    assert corpus.vocab == LANG.vocab and len(corpus.text) >= 3000
    assert corpus.nll_per_char == pytest.approx(LANG.nll(corpus.text) / len(corpus.text),
                                                rel=1e-10)
