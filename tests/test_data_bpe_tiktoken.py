"""GPT-4's pre-tokenisation (``BPETokenizer.GPT4_PATTERN``) and a tokenizer read from a
tiktoken rank file (``BPETokenizer.from_tiktoken``, nnbook/data/bpe_files.py), offline:
the rank file is written here from a tokenizer trained here, and its ids are checked
against tiktoken's encoding rule written out below on its own (the lowest-ranked adjacent
pair merged first, one at a time). Decoding takes every id encoding gives, a special token
numbered as cl100k_base's (100257) included (issue 50, items 10 and 21).
"""

import base64
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnbook.data import BPETokenizer as BPE
from nnbook.data.bpe_files import byte_alphabet

# These tests train on texts of a few words with room for more merges than they hold:
# BPETokenizer.train's warning that it stopped early is expected here (and tested in
# tests/test_data_bpe.py with pytest.warns, which sees it all the same).
pytestmark = pytest.mark.filterwarnings("ignore:BPETokenizer.train. stopped after:UserWarning")

END = "<|endoftext|>"

# --------------------------------------------------------------------------
# GPT-4's split pattern, on chunks worked out by hand from cl100k_base's expression
# '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*
# |\s*[\r\n]|\s+(?!\S)|\s+


@pytest.mark.parametrize("text, chunks", [
    ("Hello world", ["Hello", " world"]),
    ("I'M here, you'll", ["I", "'M", " here", ",", " you", "'ll"]),     # any case
    ("12345 67", ["123", "45", " ", "67"]),          # digits in threes, no space taken
    ("$cash _x", ["$cash", " _", "x"]),              # one mark before letters ("_" is one)
    ("a  b", ["a", " ", " b"]),
    ("x\n\ny", ["x", "\n\n", "y"]),
    ("foo!!\n\nbar", ["foo", "!!\n\n", "bar"]),      # marks take the newlines after them
    ("end  \n", ["end", "  \n"]),                    # newlines the spaces before them
    ("\tnaïve 😀", ["\tnaïve", " 😀"]),
])
def test_gpt4_pattern_cuts_as_cl100k_base(text, chunks):
    assert re.findall(BPE.GPT4_PATTERN, text) == chunks
    gpt2 = re.findall(BPE.GPT2_PATTERN, text)
    if text in ("12345 67", "$cash _x", "I'M here, you'll"):
        assert gpt2 != chunks                        # where GPT-2's pattern cuts otherwise


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(list("aZé9_ !'\n\r\t.😀") + ["'S", "  "]), max_size=40))
def test_gpt4_pattern_covers_every_character(parts):
    text = "".join(parts)
    assert "".join(re.findall(BPE.GPT4_PATTERN, text)) == text


# --------------------------------------------------------------------------
# tiktoken rank files

TEXT = ("The cat sat on the mat. THE CAT'S HAT! 12345 cats, 678 hats;\n\n"
        "  naïve café 😀 don't we'll I'VE\tok\r\n"
        "Then the hatter sat on the cat's mat, and the mat sat on nothing at all.\n") * 4


def rank_file(tmp_path, tok, extra_lines=()):
    """``tok``'s vocabulary written as a tiktoken rank file: the bytes ranked in GPT-2's
    printable order (as tiktoken's own files rank them), then each merge's token; the lines
    in reverse, since the file's order carries nothing. Returns (path, {bytes: rank})."""
    spelled = byte_alphabet()                            # GPT-2's order: '!' … then the rest
    order = sorted(range(256), key=lambda b: ord(spelled[b]))
    ranks = {bytes([b]): r for r, b in enumerate(order)}
    ranks.update({tok.vocab[i]: i for i in range(256, 256 + len(tok.merges))})
    lines = [f"{base64.b64encode(t).decode()} {r}" for t, r in ranks.items()]
    path = tmp_path / "small.tiktoken"
    path.write_text("\n".join([*reversed(lines), *extra_lines]) + "\n", encoding="utf-8")
    return path, ranks


def tiktoken_encode(text, ranks, pattern):
    """tiktoken's rule, written out: each chunk's bytes, then the adjacent pair whose joined
    bytes have the lowest rank merged (the leftmost on a tie), one merge at a time."""
    out = []
    for chunk in re.findall(pattern, text):
        parts = [bytes([b]) for b in chunk.encode("utf-8")]
        while len(parts) > 1:
            found = [(ranks.get(a + b, float("inf")), i) for i, (a, b) in
                     enumerate(zip(parts, parts[1:]))]
            best, i = min(found)
            if best == float("inf"):
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        out.extend(ranks[p] for p in parts)
    return out


@pytest.fixture(scope="module")
def trained():
    return BPE.train(TEXT, 420, pattern=BPE.GPT4_PATTERN)


def test_from_tiktoken_encodes_to_the_files_ranks(tmp_path, trained):
    path, ranks = rank_file(tmp_path, trained)
    tok = BPE.from_tiktoken(path, special_tokens={END: 100257})
    assert tok.pattern == BPE.GPT4_PATTERN and tok.vocab_size == trained.vocab_size + 1
    ids = tok.encode(TEXT)
    assert ids == tiktoken_encode(TEXT, ranks, BPE.GPT4_PATTERN)
    assert ids != trained.encode(TEXT)                   # the file's numbering, not nnbook's
    by_rank = {r: t for t, r in ranks.items()}
    assert ids == [ranks[trained.vocab[i]] for i in trained.encode(TEXT)]
    assert tok.decode(ids) == TEXT and b"".join(by_rank[i] for i in ids) == TEXT.encode()


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(list("thecasTHE '!9.\n😀é") + ["cat", " the", "12345"]),
                max_size=30))
def test_from_tiktoken_agrees_with_tiktokens_rule_on_any_text(tmp_path_factory, trained, parts):
    text = "".join(parts)
    path, ranks = rank_file(tmp_path_factory.mktemp("tt"), trained)
    tok = BPE.from_tiktoken(path)
    ids = tok.encode(text)
    assert ids == tiktoken_encode(text, ranks, BPE.GPT4_PATTERN)
    assert tok.decode(ids) == text


def test_a_special_token_numbered_past_the_vocabulary_round_trips(tmp_path, trained):
    """cl100k_base's <|endoftext|> is 100257, far past the file's ranks: decode must take
    the id encode gave (it checked 0 <= id < vocab_size before; issue 50, item 10)."""
    path, _ = rank_file(tmp_path, trained)
    tok = BPE.from_tiktoken(path, special_tokens={END: 100257, "<|fim|>": 100258})
    text = f"the cat{END}sat"
    ids = tok.encode(text, allowed_special="all")
    assert ids.count(100257) == 1 and tok.decode(ids) == text
    assert tok.decode([100258]) == "<|fim|>"
    n = trained.vocab_size
    with pytest.raises(ValueError, match=rf"BPETokenizer\.decode: id {n} at position 1 is out of "
                                         rf"range: this tokenizer's {n + 2} ids run from 0 to "
                                         r"100258, not every number between"):
        tok.decode([0, n])
    tok.save(tmp_path / "tok.json")
    back = BPE.load(tmp_path / "tok.json")
    assert back.encode(text, allowed_special="all") == ids and back.decode(ids) == text


def test_decode_takes_what_encode_gives_after_renumber():
    tok = BPE.train("the cat sat. the cat sat.", 270, special_tokens=[END])
    tok.renumber(list(range(269)), {END: 100257})
    ids = tok.encode(f"the cat{END}", allowed_special=[END])
    assert ids[-1] == 100257 and tok.decode(ids) == f"the cat{END}"


@pytest.mark.parametrize("line, match", [
    ("IQ==", r"line 1: expected a token in base64, a space and its rank \(as 'IQ== 0'\), got 'IQ=='"),
    ("!!! 3", r"line 1: expected a token in base64"),
    ("IQ== x", r"line 1: expected a token in base64"),
    ("IQ== -1", r"line 1: expected a non-empty token and a rank ≥ 0"),
])
def test_a_malformed_line_is_named(tmp_path, line, match):
    path = tmp_path / "bad.tiktoken"
    path.write_text(line + "\n")
    with pytest.raises(ValueError, match=r"BPETokenizer\.from_tiktoken: bad\.tiktoken " + match):
        BPE.from_tiktoken(path)


def test_a_file_that_is_not_a_bpe_rank_file_is_refused(tmp_path, trained):
    path, ranks = rank_file(tmp_path, trained)
    lines = path.read_text().splitlines()               # reversed: the last merge first
    path.write_text("\n".join(lines[1:]) + "\n")
    assert BPE.from_tiktoken(path).vocab_size == trained.vocab_size - 1   # still BPE
    path.write_text("\n".join(ln for ln in lines if ln != f"{base64.b64encode(b'!').decode()} 0"))
    with pytest.raises(ValueError, match=r"small\.tiktoken has no token for byte 33 \(1 bytes "
                                         r"missing\)"):
        BPE.from_tiktoken(path)
    # the longest token ranked below every other merge: the bytes alone cannot make it in one
    longest = max(ranks, key=len)
    moved = {t: (r if len(t) == 1 else 300 if t == longest else r + 1000) for t, r in ranks.items()}
    path.write_text("\n".join(f"{base64.b64encode(t).decode()} {r}" for t, r in moved.items()))
    with pytest.raises(ValueError, match=rf"small\.tiktoken line \d+: token "
                                         rf"{re.escape(repr(longest))} \(rank 300\) is not two "
                                         r"tokens of lower rank merged"):
        BPE.from_tiktoken(path)


def test_repeated_tokens_ranks_and_bad_special_ids_are_refused(tmp_path, trained):
    path, ranks = rank_file(tmp_path, trained)
    text = path.read_text()
    (tmp_path / "twice.tiktoken").write_text(text + f"{base64.b64encode(b'!').decode()} 9000\n")
    n = trained.vocab_size                               # lines; the byte '!' is the last
    with pytest.raises(ValueError, match=rf"twice\.tiktoken line {n + 1}: token b'!' is listed "
                                         rf"twice \(line {n}\)"):
        BPE.from_tiktoken(tmp_path / "twice.tiktoken")
    (tmp_path / "rank.tiktoken").write_text(text + f"{base64.b64encode(b'qqqqq').decode()} 7\n")
    with pytest.raises(ValueError, match=rf"rank\.tiktoken line {n + 1}: rank 7 is given twice"):
        BPE.from_tiktoken(tmp_path / "rank.tiktoken")
    with pytest.raises(ValueError, match=r"special token '<\|endoftext\|>' has id 7, which the "
                                         r"file gives a token"):
        BPE.from_tiktoken(path, special_tokens={END: 7})
    with pytest.raises(ValueError, match=r"expected special_tokens to be a dict of token → id"):
        BPE.from_tiktoken(path, special_tokens=[END])
