"""The conventions of other courses' BPE exercises in nnbook/data/bpe.py (chapter 19):
``train(..., tie=)`` with both published worked examples, and ``encode_iterable`` equal to
``encode`` of the joined text wherever the text is cut (special tokens and chunks across
the cuts), holding back only the last chunk."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnbook import data

# These tests train on texts of a few words with room for more merges than they hold:
# BPETokenizer.train's warning that it stopped early is expected here (and tested in
# tests/test_data_bpe.py with pytest.warns, which sees it all the same).
pytestmark = pytest.mark.filterwarnings("ignore:BPETokenizer.train. stopped after:UserWarning")

BPE = data.BPETokenizer
WORDS = ("low low low low low lower lower widest widest widest newest newest newest newest "
         "newest newest")


def spelled(tok):
    return [(tok.vocab[a].decode(), tok.vocab[b].decode()) for a, b in tok.merges]


def test_first_seen_ties_give_the_published_example():
    tok = BPE.train("aaabdaaabac", 256 + 3)
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert spelled(BPE.train(WORDS, 256 + 2, pattern=r"\S+")) == [("e", "s"), ("es", "t")]


def test_lexicographic_ties_give_the_published_example():
    tok = BPE.train(WORDS, 256 + 6, pattern=r"\S+", tie="lexicographic")
    assert spelled(tok) == [("s", "t"), ("e", "st"), ("o", "w"), ("l", "ow"), ("w", "est"),
                            ("n", "e")]
    assert BPE.train("aaabdaaabac", 259, tie="lexicographic").encode("aaabdaaabac") == [
        258, 100, 258, 97, 99]


def test_lexicographic_compares_bytes_not_ids():
    """Among pairs seen once each, the greatest bytes win ("b a" in "baac", "c b" in
    "acba"), where first-seen takes the first ("b a", "a c")."""
    assert spelled(BPE.train("baac", 257, tie="lexicographic")) == [("b", "a")]
    assert spelled(BPE.train("baac", 257)) == [("b", "a")]
    assert spelled(BPE.train("acba", 257, tie="lexicographic")) == [("c", "b")]
    assert spelled(BPE.train("acba", 257)) == [("a", "c")]


def test_a_bad_tie_rule_is_refused():
    with pytest.raises(ValueError, match=r"BPETokenizer\.train: expected tie='first' .* or "
                                         r"'lexicographic' .*, got 'last'"):
        BPE.train("abc", 257, tie="last")


TEXT = ("Hello  world's 42 cats<|endoftext|>\n\n  it's   here\tnow<|end|>ok 3.14 "
        "naïve 😀 <|endoftext|><|end|>  \n")


def tokenizer(pattern=BPE.GPT2_PATTERN):
    return BPE.train(TEXT * 3, 300, pattern=pattern,
                     special_tokens=["<|endoftext|>", "<|end|>"])


def both_ways(tok, pieces, **special):
    """``(encode_iterable's answer, encode's)`` on the pieces and on their joined text: the
    ids, or the ValueError's message (its owner's name left out) when one refuses."""
    answers = []
    for owner, run in (("encode_iterable", lambda: list(tok.encode_iterable(pieces, **special))),
                       ("encode", lambda: tok.encode("".join(pieces), **special))):
        try:
            answers.append(run())
        except ValueError as exc:
            answers.append(str(exc).replace(f"BPETokenizer.{owner}: ", ""))
    return tuple(answers)


# the refused default, the ids, one allowed and the other refused, nothing refused
SPECIALS = [{}, {"allowed_special": "all"}, {"allowed_special": ["<|end|>"]},
            {"disallowed_special": ()}, {"allowed_special": ["<|end|>"], "disallowed_special": ()}]


@pytest.mark.parametrize("pattern", [BPE.GPT2_PATTERN, r"\S+", None])
def test_encode_iterable_equals_encode_on_lines(pattern):
    tok = tokenizer(pattern)
    lines = (TEXT * 4).splitlines(keepends=True)
    ids, same = both_ways(tok, lines, disallowed_special=())
    assert ids == same and isinstance(ids, list)
    assert list(tok.encode_iterable([])) == []


def test_encode_iterable_passes_allowed_special_on():
    tok = tokenizer()
    lines = (TEXT * 2).splitlines(keepends=True)
    end = tok.special_tokens["<|endoftext|>"]
    for special in SPECIALS:
        ids, same = both_ways(tok, lines, **special)
        assert ids == same
        if special.get("allowed_special") == "all" or "disallowed_special" in special:
            assert (end in ids) == (special.get("allowed_special") == "all")
        else:                     # the first <|endoftext|>, counted in the whole text
            assert ids.startswith(f"the text holds the special token '<|endoftext|>' (at "
                                  f"character {TEXT.index('<|endoftext|>')})"), ids
    with pytest.raises(ValueError, match="allowed_special names"):
        list(tok.encode_iterable(lines, allowed_special=["<|eot|>"]))
    with pytest.raises(ValueError, match="disallowed_special names"):
        list(tok.encode_iterable(lines, disallowed_special=["<|eot|>"]))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(cuts=st.lists(st.integers(0, len(TEXT) * 2), max_size=12),
       special=st.sampled_from(SPECIALS))
def test_encode_iterable_equals_encode_wherever_the_text_is_cut(cuts, special):
    """With the special tokens allowed (their ids), refused (the same error) or not
    disallowed (their text as ordinary bytes)."""
    tok = tokenizer()
    text = TEXT * 2
    places = [0, *sorted(cuts), len(text)]
    pieces = [text[a:b] for a, b in zip(places, places[1:])]
    streamed, whole = both_ways(tok, pieces, **special)
    assert streamed == whole


def test_encode_iterable_holds_back_only_the_last_chunk():
    """Fed a long text a character at a time, the text held back never grows past the
    longest chunk (here a word and its space)."""
    tok = tokenizer()
    held = []
    text = "the cat sat on the mat and the hat " * 200
    ids = tok.encode_iterable(iter(text))
    count = 0
    for _ in ids:
        count += 1
        frame = ids.gi_frame
        if frame is not None:
            held.append(len(frame.f_locals["held"]))
    assert count == len(tok.encode(text))
    longest = max(len(c) for c in re.findall(BPE.GPT2_PATTERN, text))
    assert max(held) <= 2 * longest + len(max(tok.special_tokens, key=len))


def test_encode_iterable_refuses_what_is_not_text():
    with pytest.raises(ValueError, match=r"BPETokenizer\.encode_iterable: expected a str, got "
                                         r"bytes"):
        list(tokenizer().encode_iterable([b"abc"]))


ALPHABET = list("ab ce'sl\n\t.,!9") + ["  ", "\n\n", "'ll", "<|end|>", "<|endoftext|>", "<|e", "😀"]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(parts=st.lists(st.sampled_from(ALPHABET), max_size=40),
       cuts=st.lists(st.integers(0, 200), max_size=8),
       special=st.sampled_from(SPECIALS))
def test_encode_iterable_equals_encode_on_random_text(parts, cuts, special):
    """Runs of spaces and newlines, contractions and special tokens across every cut."""
    tok = tokenizer()
    text = "".join(parts)
    places = [0, *sorted(min(c, len(text)) for c in cuts), len(text)]
    pieces = [text[a:b] for a, b in zip(places, places[1:])]
    streamed, whole = both_ways(tok, pieces, **special)
    assert streamed == whole
