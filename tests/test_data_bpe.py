"""Tests for nnbook/data/bpe.py and bpe_merges.py, chapter 19's byte-pair encoding: merges
worked by hand on tiny texts (the tie rule included), the same merges as a naive trainer
that recounts every pair every round (written here) on random texts, decode(encode(s)) == s
on random unicode with emoji, no token across a chunk boundary, special tokens never merged,
saving and loading as JSON (bpe_files.py), and every error message."""

import json
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnbook import data
from nnbook.data.bpe_merges import apply_merges, learn_merges

# These tests train on texts of a few words with room for more merges than they hold:
# BPETokenizer.train's warning that it stopped early is expected here (and tested in
# tests/test_data_bpe.py with pytest.warns, which sees it all the same).
pytestmark = pytest.mark.filterwarnings("ignore:BPETokenizer.train. stopped after:UserWarning")

BPE = data.BPETokenizer
a, b, c, d, x, y = (ord(ch) for ch in "abcdxy")


# --------------------------------------------------------------------------
# the naive reference: recount every pair every round


def merge_naive(ids, pair, new):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def chunks_naive(text, pattern=None, specials=()):
    """The chunks in text order (repeats kept), special tokens cut out."""
    pieces = [text]
    if specials:
        alternatives = "|".join(map(re.escape, sorted(specials, key=len, reverse=True)))
        pieces = re.split(alternatives, text)
    found = []
    for piece in pieces:
        found += re.findall(pattern, piece) if pattern else ([piece] if piece else [])
    return [list(chunk.encode("utf-8")) for chunk in found]


def train_naive(text, vocab_size, pattern=None, specials=()):
    chunks, merges = chunks_naive(text, pattern, specials), []
    for new in range(256, vocab_size - len(specials)):
        counts = {}                           # insertion order = order of first occurrence
        for chunk in chunks:
            for pair in zip(chunk, chunk[1:]):
                counts[pair] = counts.get(pair, 0) + 1
        if not counts:
            break
        best = max(counts, key=counts.get)    # the first of the most frequent
        merges.append(best)
        chunks = [merge_naive(chunk, best, new) for chunk in chunks]
    return merges, chunks


# --------------------------------------------------------------------------
# merges worked by hand


def test_the_classic_example_by_hand():
    # aaabdaaabac: aa ×4 → Z=256; Z a b d Z a b a c: (Z, a) ×2 and (a, b) ×2 tie, (Z, a)
    # comes first → Y=257; Y b d Y b a c: (Y, b) ×2 → X=258; X d X a c.
    tok = BPE.train("aaabdaaabac", 259)
    assert tok.merges == [(a, a), (256, a), (257, b)]
    assert tok.encode("aaabdaaabac") == [258, d, 258, a, c]
    assert tok.vocab[256] == b"aa" and tok.vocab[258] == b"aaab" and tok.vocab_size == 259


def test_overlapping_pairs_are_counted_and_merged_left_to_right():
    # "aaa": (a, a) twice; merged from the left: [aa, a]
    tok = BPE.train("aaa", 257)
    assert tok.merges == [(a, a)] and tok.encode("aaa") == [256, a]
    assert tok.encode("aaaa") == [256, 256] and tok.encode("aaaaa") == [256, 256, a]


def test_ties_go_to_the_first_occurrence_in_the_current_sequence():
    # c a b x y x y a b a b c a c a: (c, a) ×3 and (a, b) ×3 tie, (c, a) first → 256.
    # Now 256 b x y x y a b a b 256 256: (x, y) ×2 and (a, b) ×2 tie. In the ORIGINAL text
    # (a, b) came first (place 1), but that one was eaten by 256: in the current sequence
    # (x, y) is first (place 2, against 6). Then (a, b) ×2 is the only pair seen twice.
    tok = BPE.train("cabxyxyababcaca", 259)
    assert tok.merges == [(c, a), (x, y), (a, b)]


def test_ties_across_chunks_go_to_the_chunk_that_comes_first_in_the_text():
    # four chunks, each pair twice: the first chunk of the text decides
    assert BPE.train("xy ab ab xy", 258, pattern=r"\w+").merges == [(x, y), (a, b)]
    assert BPE.train("ab xy xy ab", 258, pattern=r"\w+").merges == [(a, b), (x, y)]
    # inside the first chunk "dab", (d, a) comes before (a, b): both twice
    assert BPE.train("dab xy dab xy", 257, pattern=r"\w+").merges == [(d, a)]


def test_no_pair_crosses_a_chunk_and_training_stops_when_no_pair_is_left():
    with pytest.warns(UserWarning, match="stopped after 0 of the 44 merges"):
        assert BPE.train("", 300).merges == [] and BPE.train("", 300).encode("") == []
    assert BPE.train("abab", 258).merges == [(a, b), (256, 256)]
    with pytest.warns(UserWarning, match="1 of the 44 merges asked for, so vocab_size is 257, "
                                         "not 300: every chunk of the text is one token"):
        tok = BPE.train("abab", 300, pattern="ab")    # chunks ab, ab: never (b, a)
    assert tok.merges == [(a, b)] and tok.vocab_size == 257


def test_training_that_stops_early_says_why_and_one_that_does_not_is_silent():
    """A tokenizer asked for more merges than its text holds used to stop without a word
    (README's Part IV example got 1,162 of 1,536 tokens): it warns, with the reason and the
    fix; asking for what it learned is silent."""
    text = "the cat sat on the mat; the dog sat on the log. " * 20
    with pytest.warns(UserWarning) as caught:
        tok = BPE.train(text, 400, pattern=BPE.GPT2_PATTERN)
    message = str(caught[0].message)
    assert f"so vocab_size is {tok.vocab_size}, not 400" in message, message
    assert "distinct chunks" in message and "train on more text" in message, message
    assert caught[0].filename == __file__, "the warning points at the caller's line"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert BPE.train(text, tok.vocab_size, pattern=BPE.GPT2_PATTERN).merges == tok.merges


def test_identical_chunks_counted_once_give_the_naive_merges():
    text = "the cat, the cat; the dog " * 5 + "cats"
    for pattern in (None, BPE.GPT2_PATTERN):
        assert BPE.train(text, 290, pattern=pattern).merges == train_naive(text, 290, pattern)[0]


def test_vocab_holds_the_bytes_of_every_id():
    tok = BPE.train("hello hello", 260, special_tokens=["<|end|>"])
    assert isinstance(tok.vocab, dict) and len(tok.vocab) == tok.vocab_size == 260
    assert all(isinstance(k, int) and isinstance(v, bytes) for k, v in tok.vocab.items())
    assert tok.vocab[ord("h")] == b"h" and tok.vocab[256] == b"he"
    assert tok.vocab[259] == b"<|end|>" and tok.special_tokens == {"<|end|>": 259}
    assert "vocab_size=260" in repr(tok) and "merges=3" in repr(tok)


# --------------------------------------------------------------------------
# against the naive trainer, on random texts

TEXTS = st.text(alphabet="abc d", max_size=80)
PATTERNS = st.sampled_from([None, r"\S+|\s+", r"\w+", BPE.GPT2_PATTERN])


@settings(max_examples=150)
@given(TEXTS, st.integers(256, 300), PATTERNS)
def test_same_merges_and_sequence_as_the_naive_trainer(text, vocab_size, pattern):
    tok = BPE.train(text, vocab_size, pattern=pattern)
    merges, chunks = train_naive(text, vocab_size, pattern)
    assert tok.merges == merges
    # encoding the training text gives exactly the training's final sequence
    assert tok.encode(text) == [i for chunk in chunks for i in chunk]


@settings(max_examples=60)
@given(st.lists(st.sampled_from(["ab", "ba", "a", "<e>", "<e", "aa", " "]), max_size=30),
       st.integers(258, 280))
def test_special_tokens_are_cut_out_before_training_and_never_merged(parts, vocab_size):
    text = "".join(parts)
    tok = BPE.train(text, vocab_size, special_tokens=["<e>"])
    assert tok.merges == train_naive(text, vocab_size, specials=["<e>"])[0]
    ids = tok.encode(text, allowed_special="all")
    special = tok.special_tokens["<e>"]
    assert special == 256 + len(tok.merges) == tok.vocab_size - 1
    assert ids.count(special) == text.count("<e>")
    assert all(b"<e>" not in tok.vocab[i] for i in range(256, special))
    assert tok.decode(ids) == text


def test_special_tokens_longest_first_and_their_ids_follow_the_merges():
    tok = BPE.train("ab ab", 260, special_tokens=["<s>", "<s>>"])
    assert tok.special_tokens == {"<s>": 258, "<s>>": 259}
    assert tok.encode("a<s>>b<s>", allowed_special="all") == [a, 259, b, 258]
    assert tok.encode("<s><s>>", allowed_special=["<s>", "<s>>"]) == [258, 259]
    # only "<s>" allowed: "<s>>" is refused (tiktoken searches the text for the refused
    # tokens first), or with nothing refused it is "<s>" then an ordinary ">"
    with pytest.raises(ValueError, match=r"holds the special token '<s>>' \(at character 0\)"):
        tok.encode("<s>>", allowed_special=["<s>"])
    assert tok.encode("<s>>", allowed_special=["<s>"], disallowed_special=()) == [258, ord(">")]


@pytest.mark.parametrize("allowed, match", [
    ("<|end|>", r"BPETokenizer.encode: expected allowed_special to be 'all' or a list of "
                r"special tokens, got the string '<\|end\|>'. Write "
                r"allowed_special=\['<\|end\|>'\] or allowed_special='all'"),
    ("none", r"got the string 'none'"),
    (3, r"expected allowed_special to be 'all' or a list of special tokens, got int 3"),
    (["<|eot|>"], r"allowed_special names \['<\|eot\|>'\], which this tokenizer does not "
                  r"have; its special tokens are \['<\|end\|>'\]. Train it with"),
    ([["<|end|>"]], r"allowed_special names \[\['<\|end\|>'\]\]"),
])
def test_allowed_special_must_name_the_tokenizers_special_tokens(allowed, match):
    tok = BPE.train("ab", 258, special_tokens=["<|end|>"])
    with pytest.raises(ValueError, match=match):
        tok.encode("a<|end|>", allowed_special=allowed)
    with pytest.raises(ValueError, match="does not have"):
        BPE.train("ab", 258).encode("a", allowed_special=["<|end|>"])


# --------------------------------------------------------------------------
# encode and decode

EMOJI = st.sampled_from(["😀", "👩‍👩‍👧", "🇫🇷", "❤️", "👍🏽", "🐍"])
UNICODE = st.lists(st.one_of(st.text(max_size=6), EMOJI), max_size=12).map("".join)


@settings(max_examples=100)
@given(UNICODE, UNICODE, PATTERNS)
def test_decode_encode_round_trip_on_random_unicode(train_text, text, pattern):
    tok = BPE.train(train_text + "😀😀 é é", 280, pattern=pattern)
    if pattern in (None, BPE.GPT2_PATTERN, r"\S+|\s+"):       # patterns that cover every char
        assert tok.decode(tok.encode(text)) == text
    ids = tok.encode(train_text)
    assert all(isinstance(i, int) and 0 <= i < tok.vocab_size for i in ids)


@given(UNICODE)
def test_the_gpt2_pattern_covers_every_character(text):
    assert "".join(re.findall(BPE.GPT2_PATTERN, text)) == text


@settings(max_examples=60)
@given(st.text(alphabet="ab c.", max_size=60), st.text(alphabet="ab c.", max_size=30))
def test_no_token_spans_a_chunk_boundary(train_text, text):
    pattern = r" ?[^ .]+|\.| +"
    tok = BPE.train(train_text, 290, pattern=pattern)
    chunks = re.findall(pattern, text)
    assert tok.encode(text) == [i for chunk in chunks for i in tok.encode(chunk)]
    for i in range(256, tok.vocab_size):               # every token lies inside a chunk
        piece = tok.vocab[i].decode()
        assert re.fullmatch(pattern, piece), piece


def test_decode_replaces_invalid_utf8_and_never_raises():
    tok = BPE.train("é", 257)                            # é = c3 a9, merged into 256
    assert tok.decode([0xC3]) == "\ufffd"                # half a character
    assert tok.decode([0xFF, ord("a")]) == "\ufffda"
    assert tok.decode([256, 0xA9]) == "é\ufffd"
    assert tok.decode(np.array([256, 97])) == "éa" and tok.decode([]) == ""


@settings(max_examples=60)
@given(st.lists(st.integers(0, 120), max_size=40))
def test_apply_merges_equals_replaying_every_merge(ids):
    ids = [i % 3 + a for i in ids]
    merges = learn_merges({bytes(ids): 1, b"abcabc": 2}, 12)
    replayed = list(ids)
    for r, pair in enumerate(merges):
        replayed = merge_naive(replayed, pair, 256 + r)
    assert apply_merges(ids, {p: r for r, p in enumerate(merges)}) == replayed


# --------------------------------------------------------------------------
# saving and loading


def test_save_and_load_round_trip_as_json(tmp_path):
    text = "the cat sat on the mat. the cat sat. 😀"
    tok = BPE.train(text, 300, pattern=BPE.GPT2_PATTERN, special_tokens=["<|end|>"])
    path = tmp_path / "tok.json"
    tok.save(path)
    state = json.loads(path.read_text(encoding="utf-8"))
    assert state["merges"][0] == list(tok.merges[0]) and state["special_tokens"] == ["<|end|>"]
    back = BPE.load(path)
    assert back.merges == tok.merges and back.vocab == tok.vocab
    assert back.pattern == tok.pattern and back.special_tokens == tok.special_tokens
    for allowed in ("all", ()):
        assert back.encode(text + "<|end|>", allowed_special=allowed, disallowed_special=()) \
            == tok.encode(text + "<|end|>", allowed_special=allowed, disallowed_special=())


def test_load_names_a_file_that_is_not_a_tokenizer(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    with pytest.raises(ValueError, match=r"BPETokenizer.load: cannot read .*bad.json.* as JSON"):
        BPE.load(bad)
    bad.write_text('{"merges": []}')
    with pytest.raises(ValueError, match=r"is not a saved BPETokenizer .*tokenizer.save\(path\)"):
        BPE.load(bad)
    bad.write_text('{"format": "nnbook.BPETokenizer", "merges": [[97, 300]]}')
    with pytest.raises(ValueError, match=r"merge 0 is \(97, 300\); expected two integer ids "
                                         r"below 256"):
        BPE.load(bad)


# --------------------------------------------------------------------------
# errors

TOK = BPE.train("abab", 258, special_tokens=["<e>"])


@pytest.mark.parametrize("text, match", [
    (b"abc", r"BPETokenizer.train: expected a str, got bytes b'abc'. Decode bytes first"),
    (["a", "b"], r"expected a str, got list \['a', 'b'\]. Pass the text itself"),
    (None, r"expected a str, got NoneType None"),
])
def test_train_and_encode_want_a_string(text, match):
    with pytest.raises(ValueError, match=match):
        BPE.train(text, 300)
    with pytest.raises(ValueError, match=match.replace("train", "encode")):
        TOK.encode(text)


@pytest.mark.parametrize("vocab_size, match", [
    (255, r"expected vocab_size ≥ 256 \(256 bytes \+ 0 special tokens\), got 255"),
    (300.0, r"expected vocab_size to be an integer ≥ 256, got float 300.0. Pass e.g."),
    ("300", r"expected vocab_size to be an integer ≥ 256, got str '300'"),
    (True, r"expected vocab_size to be an integer ≥ 256, got bool True"),
])
def test_vocab_size_must_be_an_integer_of_at_least_256(vocab_size, match):
    with pytest.raises(ValueError, match="BPETokenizer.train: " + match):
        BPE.train("abc", vocab_size)


def test_vocab_size_makes_room_for_the_special_tokens():
    with pytest.raises(ValueError, match=r"expected vocab_size ≥ 258 \(256 bytes \+ 2 special "
                                         r"tokens\), got 257"):
        BPE.train("abc", 257, special_tokens=["<a>", "<b>"])
    assert BPE.train("abc", 258, special_tokens=["<a>", "<b>"]).merges == []


@pytest.mark.parametrize("specials, match", [
    ([3], r"expected every special token to be a non-empty str, got int 3"),
    ([""], r"expected every special token to be a non-empty str, got str ''"),
    (["<e>", "<e>"], r"special tokens \['<e>'\] appear more than once in \['<e>', '<e>'\]. "
                     r"List each once"),
    ("<e>", r"expected special_tokens to be a list of strings, got the string '<e>'. Write "
            r"special_tokens=\['<e>'\]"),
    ({"<a>", "<b>"}, r"expected special_tokens in an order \(a list\), got a set: their ids "
                     r"follow the order given"),
])
def test_special_tokens_must_be_distinct_non_empty_strings(specials, match):
    with pytest.raises(ValueError, match="BPETokenizer.train: " + match):
        BPE.train("abc", 300, special_tokens=specials)
    with pytest.raises(ValueError, match="BPETokenizer: " + match):
        BPE([], special_tokens=specials)


@pytest.mark.parametrize("pattern, match", [
    (3, r"expected pattern to be a regular expression \(str\) or None, got int 3"),
    ("(", r"pattern '\(' is not a valid regular expression \(.*\). Try BPETokenizer.GPT2_PATTERN"),
    (r"(a)|b", r"pattern '\(a\)\|b' has 1 capturing group\(s\), so re.findall would return "
               r"the groups, not the chunks. Write \(\?:...\) instead of \(...\)"),
])
def test_pattern_must_be_a_regular_expression(pattern, match):
    with pytest.raises(ValueError, match="BPETokenizer.train: " + match):
        BPE.train("abc", 300, pattern=pattern)


@pytest.mark.parametrize("ids, match", [
    ([0, 258], r"id 258 at position 1 is out of range: this tokenizer's ids run from 0 to 257"),
    ([-1], r"id -1 at position 0 is out of range"),
    ([1.0], r"expected integer ids, got float 1.0 at position 0. Turn the ids into ints"),
    ([True], r"expected integer ids, got bool True at position 0"),
    (np.array([97.0]), r"expected integer ids, got float 97.0 at position 0"),
    (np.zeros((2, 3), int), r"expected a 1-D sequence of ids, got an array of shape \(2, 3\). "
                            r"Decode one row at a time"),
    ("ab", r"expected a list of integer ids, got str 'ab'. Pass what encode returned"),
    (5, r"expected a list of integer ids, got int 5"),
])
def test_decode_names_bad_ids(ids, match):
    with pytest.raises(ValueError, match="BPETokenizer.decode: " + match):
        TOK.decode(ids)


def test_decode_accepts_numpy_integers():
    assert TOK.decode([np.int64(256), np.int32(257)]) == "ab<e>"


@pytest.mark.parametrize("merges, match", [
    ([(97, 256)], r"merge 0 is \(97, 256\); expected two integer ids below 256"),
    ([(97,)], r"merge 0 is \(97,\); expected two integer ids"),
    ([(97, 98), (256, 257)], r"merge 1 is \(256, 257\); expected two integer ids below 257"),
    (5, r"expected merges to be a list of \(id_a, id_b\) pairs, got int 5"),
])
def test_the_constructor_checks_the_merges(merges, match):
    with pytest.raises(ValueError, match="BPETokenizer: " + match):
        BPE(merges)


def test_on_the_stem_language_every_word_ends_as_one_token_and_none_spans_a_space():
    text = data.StemLanguage().sample(30_000, rng=np.random.default_rng(0))
    tok = BPE.train(text, 2000, pattern=BPE.GPT2_PATTERN)
    chunks = set(re.findall(BPE.GPT2_PATTERN, text))
    assert tok.vocab_size < 2000                     # stopped: every chunk is one token
    assert all(len(tok.encode(chunk)) == 1 for chunk in chunks)
    assert all(b" " not in tok.vocab[i][1:] for i in range(256, tok.vocab_size))
    small = BPE.train(text, 400, pattern=BPE.GPT2_PATTERN)
    n_chunks = len(re.findall(BPE.GPT2_PATTERN, text))
    assert len(small.encode(text)) > len(tok.encode(text)) == n_chunks
