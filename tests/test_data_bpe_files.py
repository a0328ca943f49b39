"""``BPETokenizer.from_files`` (nnbook/data/bpe_files.py, chapter 19): a byte-level tokenizer
saved as a vocabulary and a merges file in GPT-2's form, written here by the tests (GPT-2's
byte alphabet built here on its own, GPT-2's known ids of single bytes), encodes to the
files' ids and decodes back; saving keeps the numbering; malformed files name the line; the
``tokenizers`` package, when installed, is the reference (never downloaded)."""

import json

import pytest

from nnbook import data
from nnbook.data.bpe_files import byte_alphabet

# These tests train on texts of a few words with room for more merges than they hold:
# BPETokenizer.train's warning that it stopped early is expected here (and tested in
# tests/test_data_bpe.py with pytest.warns, which sees it all the same).
pytestmark = pytest.mark.filterwarnings("ignore:BPETokenizer.train. stopped after:UserWarning")

BPE = data.BPETokenizer


def gpt2_bytes():
    """GPT-2's byte → character table, written out again: printable bytes as themselves,
    the others from U+0100 on."""
    table, extra = {}, 0
    for b in range(256):
        if 33 <= b <= 126 or 161 <= b <= 172 or 174 <= b <= 255:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def write(tmp_path, merges, specials=(), version=True, order=None):
    """The vocabulary with GPT-2's numbering of bytes (the alphabet's order: printable
    first), then one id per merge, then the special tokens; the merges in rank order."""
    alphabet = gpt2_bytes()
    printable = [b for b in range(256) if alphabet[b] == chr(b)]
    singles = printable + [b for b in range(256) if b not in printable]
    spelled = [alphabet[b] for b in (order or singles)]
    spelled += [a + b for a, b in merges] + list(specials)
    (tmp_path / "vocab.json").write_text(
        json.dumps({t: i for i, t in enumerate(spelled)}, ensure_ascii=False), "utf-8")
    lines = (["#version: 0.2"] if version else []) + [f"{a} {b}" for a, b in merges]
    (tmp_path / "merges.txt").write_text("\n".join(lines) + "\n", "utf-8")
    return tmp_path / "vocab.json", tmp_path / "merges.txt"


MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("Ġ", "a"), ("i", "n"), ("Ġa", "n"),
          ("Ċ", "Ċ")]


def test_the_alphabet_is_gpt2s():
    assert byte_alphabet() == gpt2_bytes()
    assert byte_alphabet()[32] == "Ġ" and byte_alphabet()[10] == "Ċ"


def test_single_bytes_keep_gpt2s_ids_and_merges_the_files(tmp_path):
    tok = BPE.from_files(*write(tmp_path, MERGES, ["<|endoftext|>"]),
                         special_tokens=["<|endoftext|>"])
    # GPT-2's own ids: "!" 0, "t" 83, the space 220, the newline 198, byte 0 is 188
    assert tok.encode("!t") == [0, 83]
    assert tok.encode(" ") == [220] and tok.encode("\x00") == [188]
    assert tok.encode(" the") == [258] and tok.encode(" an") == [261]
    assert tok.encode("the in\n\n") == [83, 257, 220, 260, 262]
    assert tok.encode("a<|endoftext|>", allowed_special="all") == [64, 263]
    assert tok.vocab_size == 264 and tok.decode([258, 263, 198]) == " the<|endoftext|>\n"


def test_the_same_ids_as_a_trained_tokenizer_renumbered(tmp_path):
    """A tokenizer trained by nnbook, written in GPT-2's form: from_files gives the same
    tokens, each under the files' id."""
    text = "the cat sat on the mat; the hat\n\nsat on the cat. " * 20
    ours = BPE.train(text, 300, pattern=BPE.GPT2_PATTERN)
    alphabet = gpt2_bytes()
    spell = {i: "".join(alphabet[b] for b in ours.vocab[i]) for i in range(ours.vocab_size)}
    merges = [(spell[a], spell[b]) for a, b in ours.merges]
    order = list(range(255, -1, -1))                  # bytes numbered backwards, say
    tok = BPE.from_files(*write(tmp_path, merges, order=order))
    file_id = {t: i for i, t in enumerate([alphabet[b] for b in order]
                                          + [a + b for a, b in merges])}
    sample = "the mat sat; on the cat\n\n the hat."
    assert tok.encode(sample) == [file_id[spell[i]] for i in ours.encode(sample)]
    assert tok.decode(tok.encode(sample)) == sample


def test_saved_and_loaded_with_the_files_numbering(tmp_path):
    tok = BPE.from_files(*write(tmp_path, MERGES, ["<|endoftext|>"]),
                         special_tokens=["<|endoftext|>"])
    tok.save(tmp_path / "tok.json")
    back = BPE.load(tmp_path / "tok.json")
    sample = "the in an<|endoftext|> the\n\n"
    for allowed in ("all", ()):
        ids = back.encode(sample, allowed_special=allowed, disallowed_special=())
        assert ids == tok.encode(sample, allowed_special=allowed, disallowed_special=())
        assert back.decode(ids) == sample


def test_without_the_version_line(tmp_path):
    tok = BPE.from_files(*write(tmp_path, MERGES, version=False))
    assert tok.encode(" the") == [258]


@pytest.mark.parametrize("vocab_text, merges_text, message", [
    ('{"!": 0,\n "a": }', "", r"from_files: vocab\.json line 2: not valid JSON"),
    ("[1, 2]", "", r"vocab\.json line 1: expected a JSON object of token → id, got a list"),
    ('{"!": 0,\n"x": 5}', "", r"vocab\.json line 2: token 'x' has id 5; expected an integer "
                              r"in \[0, 2\)"),
    ('{"!": 0,\n"x": 0}', "", r"vocab\.json line 2: tokens '!' and 'x' both have id 0"),
    ('{"!": 0,\n"x": true}', "", r"token 'x' has id True"),
    ('{"!": 0, "\\"": 1}', "", r"vocab\.json has no token for byte 0 \('Ā' in GPT-2's byte alphabet\)"),
])
def test_a_malformed_vocab_names_the_line(tmp_path, vocab_text, merges_text, message):
    (tmp_path / "vocab.json").write_text(vocab_text, "utf-8")
    (tmp_path / "merges.txt").write_text(merges_text, "utf-8")
    with pytest.raises(ValueError, match=message):
        BPE.from_files(tmp_path / "vocab.json", tmp_path / "merges.txt")


@pytest.mark.parametrize("line, message", [
    ("Ġt", r"merges\.txt line 3: expected two tokens separated by one space \(as 'Ġ t'\), got "
           r"'Ġt'"),
    ("Ġ  t", r"line 3: expected two tokens"),
    ("Ġ zz", r"merges\.txt line 3: 'zz' is neither a byte of GPT-2's alphabet nor the result "
             r"of an earlier merge"),
    ("Ġ t", r"merges\.txt line 3: 'Ġt' was already made by an earlier merge"),
    ("x y", r"merges\.txt line 3: the merged token 'xy' is not in vocab\.json; the two files "
            r"do not belong together"),
])
def test_a_malformed_merges_file_names_the_line(tmp_path, line, message):
    vocab, merges = write(tmp_path, MERGES[:2])
    merges.write_text("#version: 0.2\nĠ t\n" + line + "\nh e\n", "utf-8")
    with pytest.raises(ValueError, match=message):
        BPE.from_files(vocab, merges)


def test_tokens_the_merges_do_not_make_must_be_special(tmp_path):
    vocab, merges = write(tmp_path, MERGES, ["<|endoftext|>"])
    with pytest.raises(ValueError, match=r"vocab\.json line 1: 1 token\(s\) are neither bytes, "
                                         r"merges nor special tokens, first '<\|endoftext\|>'\. "
                                         r"Pass them as special_tokens"):
        BPE.from_files(vocab, merges)
    with pytest.raises(ValueError, match=r"special token '<\|pad\|>' is not in vocab\.json"):
        BPE.from_files(vocab, merges, special_tokens=["<|endoftext|>", "<|pad|>"])
    with pytest.raises(ValueError, match=r"from_files: cannot read '.*nothing\.txt'"):
        BPE.from_files(vocab, tmp_path / "nothing.txt")


def test_the_tokenizers_package_agrees_when_installed(tmp_path):
    """Hugging Face's byte-level BPE trained here, saved, read back by from_files: the same
    ids on text with contractions, numbers, runs of spaces and newlines, accents, CJK and
    emoji (only if the package is installed; nothing is downloaded)."""
    tokenizers = pytest.importorskip("tokenizers")
    trained = tokenizers.ByteLevelBPETokenizer()
    text = ["the cat's hat sat on the mat, I'll say.\n\n  you've 42 cats", "naïve café 日本 😀",
            "don't  WE'RE\t3.14 _x_ a-b!\n", "a man, a plan, a canal: 1999\n"]
    trained.train_from_iterator(text * 10, vocab_size=330, min_frequency=1,
                                special_tokens=["<|endoftext|>"])
    trained.save_model(str(tmp_path))
    tok = BPE.from_files(tmp_path / "vocab.json", tmp_path / "merges.txt",
                         special_tokens=["<|endoftext|>"])
    for line in text + ["the canal's cat sat,   42 hats\n\n\n😀日本 café"]:
        assert tok.encode(line) == trained.encode(line).ids
