"""Tests for nnbook/data/language.py, the generated language of chapters 17–18: the text of
default_rng(0) spelled out (a change in NumPy's streams or in the grammar is caught), sentence
probabilities worked by hand from the rules, the parser's −log P equal to the generator's sum,
every sampled sentence accepted with balanced brackets, next-character probabilities that sum
to 1, the exact entropy by hand (max_depth=0) and against a Monte Carlo mean, the longest prefix
the grammar follows (`followed`), and every error."""

import hashlib
import math

import numpy as np
import pytest

from nnbook import data

LANG = data.Language()


def rng(seed=0):
    return np.random.default_rng(seed)


def H(*p):
    """The entropy of a distribution, in nats."""
    return -sum(q * math.log(q) for q in p)


# --------------------------------------------------------------------------
# what it writes


def test_sample_of_seed_0_spelled_out():
    assert LANG.sample(300, rng=rng(0)) == (
        "the cats that some big birds (that the small cats chase) see chase the cats. "
        "some frogs (that a dog chases) like the small frog. "
        "the dog (that sees a big cat (that runs)) jumps. the cat sings. "
        "do the birds (that like the frogs (that like the big dogs)) chase a bird "
        "(that the small frogs (that hear some cats) hear)?")


def test_longer_sample_hashed():
    text = LANG.sample(5000, rng=rng(1))
    assert len(text) == 5039
    assert hashlib.sha256(text.encode()).hexdigest() == \
        "a11d52ceb9332770765d32fdd4a0ba36f2e5c8fb5005010ce564d017aaaa0ce5"


def test_sample_deterministic_whole_sentences():
    a, b, c = (LANG.sample(2000, rng=rng(s)) for s in (7, 7, 8))
    assert a == b and a != c
    assert len(a) >= 2000 and a[-1] in ".!?"
    assert len(a) - len(a[:-1].rstrip(".!?").rsplit(". ", 1)[0]) < 200   # stops soon after 2000
    assert "  " not in a and a == a.strip()


def test_vocab_and_repr():
    assert "".join(LANG.vocab) == " !().?abcdefghijklmnoprstu"
    assert len(LANG.vocab) == 26
    assert "(" not in data.Language(max_depth=0).vocab
    assert repr(LANG) == "Language(max_depth=2, V=26, entropy_per_char=0.3893)"


# --------------------------------------------------------------------------
# probabilities by hand


@pytest.mark.parametrize("sentence, probability", [
    # S → NP[s] VP[s] END 3/8; the 0.6; no adjective 0.7; cat 1/4; no clause 0.6;
    # VP → VI 0.5; runs 1/4; "." 0.7
    ("the cat runs.", 3 / 8 * 0.6 * 0.7 / 4 * 0.6 * 0.5 / 4 * 0.7),
    # "do" 1/8; some 0.4; red 0.1; frogs 1/4; no clause 0.6; VI 0.5, sleep 1/4; "?" is certain
    ("do some red frogs sleep?", 1 / 8 * 0.4 * 0.1 / 4 * 0.6 * 0.5 / 4),
    # a 0.4, dog; "(that" 0.15, REL → VP 0.6, VI 0.5, runs 1/4, ")"; VP → VI 0.5, sleeps; "!" 0.3
    ("a dog (that runs) sleeps!", 3 / 8 * 0.4 * 0.7 / 4 * 0.15 * 0.6 * 0.5 / 4 * 0.5 / 4 * 0.3),
    # the cats; "that" 0.25, REL → NP[s] VT[s] 0.2: a dog (0.4, 0.7, 1/4, no clause at depth 1:
    # 0.6) sees 1/4; VP → VT NP[s] 0.25: chase 1/4, the bird (0.6, 0.7, 1/4, 0.6); "." 0.7
    ("the cats that a dog sees chase the bird.",
     3 / 8 * 0.6 * 0.7 / 4 * 0.25 * 0.2 * 0.4 * 0.7 / 4 * 0.6 / 4 * 0.25 / 4
     * 0.6 * 0.7 / 4 * 0.6 * 0.7),
])
def test_sentence_probability_by_hand(sentence, probability):
    assert LANG.accepts(sentence)
    assert LANG.nll(sentence) == pytest.approx(-math.log(probability), rel=1e-12)
    chars = LANG.nll_chars(sentence)
    assert chars.shape == (len(sentence),) and chars.dtype == np.float64
    assert chars.sum() == pytest.approx(-math.log(probability), rel=1e-12)


def test_text_probability_is_the_product_of_its_sentences():
    a, b = "the cat runs.", "do some red frogs sleep?"
    assert LANG.nll(a + " " + b) == pytest.approx(LANG.nll(a) + LANG.nll(b), rel=1e-12)
    chars = LANG.nll_chars(a + " " + b)
    assert chars[len(a)] == 0.0                     # the space after a sentence is certain


def test_parser_equals_generator_on_samples():
    r = rng(3)
    for _ in range(1500):
        sentence, nll = LANG.sample_sentence(rng=r)
        assert LANG.accepts(sentence), sentence
        assert LANG.nll(sentence) == pytest.approx(nll, rel=1e-9, abs=1e-9), sentence


@pytest.mark.parametrize("prefix", ["", "the", "the cat", "the cats (that a dog", "do the big",
                                    "the cat runs.", "a bird that the frogs (that"])
def test_next_character_probabilities_sum_to_one(prefix):
    total = 0.0
    for c in LANG.vocab:
        try:
            total += math.exp(-LANG.nll_chars(prefix + c)[-1])
        except ValueError:
            pass                                     # a character the grammar cannot write next
    assert total == pytest.approx(1.0, abs=1e-12)


# --------------------------------------------------------------------------
# structure of what it writes


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_samples_accepted_balanced_and_bounded(depth):
    lang = data.Language(max_depth=depth)
    text = lang.sample(20_000, rng=rng(depth))
    sentences = lang.sentences(text)
    assert " ".join(sentences) == text
    deepest = 0
    for s in sentences:
        assert lang.accepts(s), s
        level = np.cumsum([(c == "(") - (c == ")") for c in s])
        assert level.min() >= 0 and level[-1] == 0, s      # every bracket closes, in order
        deepest = max(deepest, level.max())
        assert s.endswith("?") == s.startswith("do"), s     # questions, and only they, end in ?
        assert sum(s.count(e) for e in ".!?") == 1
    assert deepest == depth                                 # reached, never passed
    if depth == 0:
        assert "that" not in text


def _followed_one_by_one(sentence):
    k = 0
    while k < len(sentence):
        try:
            LANG.nll_chars(sentence[:k + 1])
        except ValueError:
            break
        k += 1
    return k


@pytest.mark.parametrize("sentence", ["the cats (that a dog sees) run.",
                                      "the cats (that a dog sees) runs.",
                                      "the cat (that runs sleeps.", "xyz", "",
                                      "does the cat (that the dogs (that run) see) sleeps?"])
def test_followed_is_the_longest_prefix_the_grammar_parses(sentence):
    expected = _followed_one_by_one(sentence)
    assert LANG.followed(sentence) == expected
    assert (expected == len(sentence)) == (LANG.accepts(sentence) or sentence == "")


def test_followed_stops_at_the_first_mistake():
    assert LANG.followed("the cats (that a dog sees) runs.") == len("the cats (that a dog sees) run")
    assert LANG.followed("xyz") == 0


def test_agreement_across_brackets():
    assert LANG.accepts("the cats (that a dog sees) run.")
    assert not LANG.accepts("the cats (that a dog sees) runs.")
    assert not LANG.accepts("the cats (that a dog see) run.")
    assert LANG.accepts("does the cat (that the dogs (that run) see) sleep?")
    assert not LANG.accepts("does the cat (that the dogs (that run) see) sleeps?")
    assert not LANG.accepts("the cat (that runs sleeps.")           # a bracket left open
    assert not LANG.accepts("the cat runs")                          # no final mark
    assert not LANG.accepts("the cat runs. the dog runs.")           # two sentences
    assert not LANG.accepts("a cats run.") and not LANG.accepts("some cat runs.")


def test_accepts_keeps_its_answers():
    # the answers are kept by sentence: asked again, the same; a fresh Language (nothing
    # kept) agrees; what is not a string is still refused, and not kept
    lang = data.Language()
    sentences = ["the cats (that a dog sees) run.", "the cats (that a dog sees) runs.", ""]
    first = [lang.accepts(s) for s in sentences]
    assert first == [True, False, False]
    assert [lang.accepts(s) for s in sentences] == first
    assert [data.Language().accepts(s) for s in sentences] == first
    assert set(lang._accepted) == set(sentences)
    with pytest.raises(ValueError, match="expected a string, got int"):
        lang.accepts(3)
    assert len(lang._accepted) == 3


def test_sentences_and_accepted_share():
    text = "the cat runs. the cat run. do the dogs sleep?  a bird (that"
    assert LANG.sentences(text) == ["the cat runs.", "the cat run.", "do the dogs sleep?"]
    assert LANG.accepted_share(text) == pytest.approx(2 / 3)
    assert LANG.sentences("") == []


# --------------------------------------------------------------------------
# the entropy


def test_entropy_by_hand_without_clauses():
    lang = data.Language(max_depth=0)
    h_np = H(0.6, 0.4) + H(0.7, 0.1, 0.1, 0.1) + math.log(4)        # DET, ADJ, N
    h_vp = H(0.5, 0.25, 0.25) + math.log(4) + 0.5 * h_np            # kind, verb, object
    h_s = H(3 / 8, 3 / 8, 1 / 8, 1 / 8) + h_np + h_vp + 0.75 * H(0.7, 0.3)
    assert lang.sentence_entropy == pytest.approx(h_s, rel=1e-12)
    assert lang.entropy_per_char == pytest.approx(h_s / (lang.mean_sentence_length + 1))


def test_entropy_per_char_against_monte_carlo():
    r = rng(11)
    draws = [LANG.sample_sentence(rng=r) for _ in range(8000)]
    nll = np.array([n for _, n in draws])
    length = np.array([len(s) for s, _ in draws])
    se = nll.std() / np.sqrt(len(nll))
    assert abs(nll.mean() - LANG.sentence_entropy) < 4 * se
    assert abs(length.mean() - LANG.mean_sentence_length) < 4 * length.std() / np.sqrt(len(nll))
    assert abs(nll.sum() / (length + 1).sum() - LANG.entropy_per_char) < 0.01
    assert LANG.entropy_per_char == pytest.approx(0.3893, abs=1e-4)
    assert LANG.mean_sentence_length == pytest.approx(35.7985, abs=1e-4)


# --------------------------------------------------------------------------
# errors


@pytest.mark.parametrize("depth, match", [
    (6, r"Language: expected max_depth from 0 to 5, got 6.*2 is the course's language"),
    (-1, r"Language: expected max_depth to be an integer ≥ 0, got -1"),
    ("2", r"max_depth to be an integer ≥ 0, got '2'"),
])
def test_language_bad_depth(depth, match):
    with pytest.raises(ValueError, match=match):
        data.Language(max_depth=depth)


@pytest.mark.parametrize("text, match", [
    ("the cat run.", r"Language.nll: the grammar rejects 'the cat run.' at character 11: "
                     r"after 'the cat run' it expects 's', got '.'\."),
    ("the cats (that run runs.", r"at character 18: after 'the cats \(that run' it expects "
                                 r"'\)', got ' '"),
    ("The cat runs.", r"at character 0: after '' it expects one of 'a', 'd', 's', 't', got 'T'"),
    ("the cat runs", r"'the cat runs' ends inside a sentence: after 'the cat runs' the grammar "
                     r"expects one of '!', '.'\. Pass whole sentences"),
    ("the cat runs. ", r"ends inside a sentence.*expects one of 'a', 'd', 's', 't'"),
    ("", r"Language.nll: got an empty text; expected whole sentences"),
    (["the cat runs."], r"Language.nll: expected a string, got list.*corpus.decode\(ids\)"),
])
def test_nll_errors(text, match):
    with pytest.raises(ValueError, match=match):
        LANG.nll(text)


def test_other_errors():
    with pytest.raises(ValueError, match=r"Language.accepts: expected a string, got ndarray"):
        LANG.accepts(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"Language.nll_chars: the grammar rejects .* got 'x'"):
        LANG.nll_chars("the cat x")
    with pytest.raises(ValueError, match=r"Language.sample: expected n_chars to be an integer ≥ 1"):
        LANG.sample(0, rng=rng())
    with pytest.raises(ValueError, match=r"Language.sample: expected rng .*default_rng\(5\)"):
        LANG.sample(10, rng=5)
    with pytest.raises(ValueError, match=r"holds no complete sentence"):
        LANG.accepted_share("the cat runs")
    with pytest.raises(ValueError, match=r"Language.sentences: expected a string, got int"):
        LANG.sentences(3)
    long = "the cat runs. " * 5 + "the cat x"             # long texts are shown cut
    with pytest.raises(ValueError, match=r"rejects 'the cat runs. the cat runs. the cat runs…' "
                                         r"at character 78: after '…ns. the cat runs. the cat "
                                         r"runs. the cat ' it expects one of"):
        LANG.nll(long)
