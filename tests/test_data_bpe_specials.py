"""Special tokens in ``BPETokenizer.encode`` (nnbook/data/bpe_specials.py, chapter 19), as
tiktoken: the id where ``allowed_special`` names the token, ordinary bytes with
``disallowed_special=()`` (or ``encode_ordinary``), and by default a ValueError naming both
fixes, never the token spelled out silently (issue 50, item 8). Streaming
(``encode_iterable``) gives the same answers: tests/test_data_bpe_conventions.py.
"""

import pytest

from nnbook.data import BPETokenizer as BPE

# These tests train on texts of a few words with room for more merges than they hold:
# BPETokenizer.train's warning that it stopped early is expected here (and tested in
# tests/test_data_bpe.py with pytest.warns, which sees it all the same).
pytestmark = pytest.mark.filterwarnings("ignore:BPETokenizer.train. stopped after:UserWarning")


ENCODE_REFUSES = (r"BPETokenizer\.encode: the text holds the special token '<\|end\|>' \(at "
                  r"character 13\), which is not allowed\. Pass allowed_special=\[{}'<\|end\|>'"
                  r"\] \(or 'all'\) to encode it as its id .*, or disallowed_special=\(\) to "
                  r"encode it as ordinary text")


def test_special_text_is_refused_unless_allowed_or_not_disallowed():
    """tiktoken's three answers: the id (allowed), ordinary bytes (disallowed_special=()),
    and by default a ValueError naming both fixes; never spelled out silently (issue 50)."""
    tok = BPE.train("hi <|end|> hi", 270, pattern=BPE.GPT2_PATTERN,
                    special_tokens=["<|end|>", "<|pad|>"])
    end, pad = tok.special_tokens["<|end|>"], tok.special_tokens["<|pad|>"]
    typed = "a user types <|end|> here"
    for allowed, shown in (((), ""), ([], ""), (["<|pad|>"], r"'<\|pad\|>', ")):
        with pytest.raises(ValueError, match=ENCODE_REFUSES.format(shown)):
            tok.encode(typed, allowed_special=allowed)
    with pytest.raises(ValueError, match=r"holds the special token '<\|end\|>'"):
        tok.encode(typed, disallowed_special=["<|end|>"])
    plain = tok.encode(typed, disallowed_special=())   # untrusted text: ordinary bytes
    assert end not in plain and pad not in plain and tok.decode(plain) == typed
    assert plain == BPE(tok.merges, pattern=tok.pattern).encode(typed)
    assert plain == tok.encode_ordinary(typed) == tok.encode(typed, disallowed_special=["<|pad|>"])
    for allowed in ("all", ["<|end|>"], ("<|end|>", "<|pad|>"), {"<|end|>"},
                    (t for t in ["<|end|>"])):
        ids = tok.encode(typed, allowed_special=allowed)
        assert ids.count(end) == 1 and tok.decode(ids) == typed
    assert end not in tok.encode(typed, allowed_special=["<|pad|>"], disallowed_special=())
    assert tok.encode("no marker here") == tok.encode_ordinary("no marker here")


@pytest.mark.parametrize("disallowed, match", [
    ("<|end|>", r"expected disallowed_special to be 'all' or a list of special tokens \(\(\) "
                r"for none\), got the string '<\|end\|>'\. Write "
                r"disallowed_special=\['<\|end\|>'\], 'all' or \(\)"),
    (None, r"expected disallowed_special to be 'all' .*, got NoneType None"),
    (["<|eot|>"], r"disallowed_special names \['<\|eot\|>'\], which this tokenizer does not "
                  r"have; its special tokens are \['<\|end\|>'\]\. List only those, or pass"),
])
def test_disallowed_special_must_name_the_tokenizers_special_tokens(disallowed, match):
    tok = BPE.train("ab", 258, special_tokens=["<|end|>"])
    with pytest.raises(ValueError, match=r"BPETokenizer\.encode: " + match):
        tok.encode("ab", disallowed_special=disallowed)
