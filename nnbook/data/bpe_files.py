"""A ``BPETokenizer``'s files (bpe.py, chapter 19): its own JSON (``save``, ``load``) and
other tokenizers', read offline with their ids kept: the common ``vocab.json`` +
``merges.txt`` form (GPT-2's, and Hugging Face ``tokenizers``' byte-level BPE: tokens
spelled in GPT-2's printable-byte alphabet) through ``read_files``, tiktoken's rank files
through ``read_tiktoken``. ``BPETokenizer`` inherits ``from_files``, ``from_tiktoken``,
``save``, ``load`` and those tokenizers' patterns (``GPT2_PATTERN``, ``GPT4_PATTERN``) from
``_TokenizerFiles`` here.
"""

from __future__ import annotations

import base64
import binascii
import json
import numbers
from pathlib import Path

from .bpe_specials import checked_specials as _checked_specials
from .bpe_specials import pieces_re as _pieces_re

__all__ = ["byte_alphabet", "read_files", "read_tiktoken"]

_FORMAT = "nnbook.BPETokenizer"


class _TokenizerFiles:
    """What ``BPETokenizer`` (bpe.py) inherits for files: GPT-2's and GPT-4's
    pre-tokenisation patterns, ``from_files`` and ``from_tiktoken`` (other tokenizers'
    files, their numbering kept through ``renumber``), and ``save`` and ``load`` (its own
    JSON). Chapter 19."""

    #: GPT-2's pre-tokenisation written for ``re`` (letters, digits, other marks, each with
    #: one leading space; runs of spaces): it covers every character, so nothing is lost.
    GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"""

    #: GPT-4's pre-tokenisation (tiktoken's ``cl100k_base``) written for ``re``: contractions
    #: in any case; letters with one leading mark that is not a letter, digit or newline;
    #: digits in groups of at most three; other marks with one leading space and the
    #: newlines after them; newlines with the spaces before them; runs of spaces. As in
    #: ``GPT2_PATTERN``, ``\p{L}`` is ``[^\W\d_]`` and ``\p{N}`` is ``\d`` (the same chunks on
    #: text without unusual number characters such as ``½``); it covers every character.
    GPT4_PATTERN = (r"""'(?i:[sdmt]|ll|ve|re)|(?:[^\r\n\w]|_)?[^\W\d_]+|\d{1,3}"""
                    r"""| ?(?:[^\s\w]|_)+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+""")

    # ------------------------------------------------------------------ other tokenizers
    @classmethod
    def from_files(cls, vocab_json, merges_txt, *, pattern=GPT2_PATTERN, special_tokens=()):
        """A byte-level tokenizer saved as ``vocab.json`` + ``merges.txt`` (GPT-2's form, and
        Hugging Face ``tokenizers``'): tokens spelled in GPT-2's printable-byte alphabet
        (``bpe_files.byte_alphabet``: the space is ``Ġ``), each with the id the vocabulary
        gives it, so ``encode`` returns the files' ids (GPT-2's ``" the"`` is 262).

        ``merges.txt`` holds one merge a line, ``"Ġ t"``, in rank order (a first line
        ``#version…`` is skipped); every token of ``vocab.json`` must be a byte, a merge's
        result or one of ``special_tokens``. ``pattern`` is GPT-2's pre-tokenisation
        (``GPT2_PATTERN``: Python's ``re`` has no ``\\p{L}``, so letters are ``\\w`` less
        digits and ``_``; the same chunks on text without unusual number characters). A
        malformed file is a ``ValueError`` naming the file and the line."""
        owner = "BPETokenizer.from_files"
        specials = _checked_specials(owner, special_tokens)
        merges, ids, special_ids = read_files(owner, vocab_json, merges_txt, specials)
        tok = cls(merges, pattern=pattern)
        tok.renumber(ids, special_ids)
        return tok

    @classmethod
    def from_tiktoken(cls, rank_file, *, pattern=GPT4_PATTERN, special_tokens=None):
        """A tokenizer read from a tiktoken rank file (``cl100k_base.tiktoken``'s form: one
        token a line, its bytes in base64, a space, its rank), offline: ``encode`` returns
        the file's ranks as ids, as tiktoken does, and ``decode`` takes them back.

        The 256 single bytes must be in the file. A longer token's merge is recovered by
        byte-pair merging its own bytes with the lower-ranked tokens alone (the lowest rank
        first, tiktoken's rule), which must leave exactly two parts. ``special_tokens`` maps
        each special token to its id (``{"<|endoftext|>": 100257}`` for ``cl100k_base``),
        since the rank file does not hold them; ``pattern`` defaults to ``GPT4_PATTERN``
        (``cl100k_base``'s; pass ``GPT2_PATTERN`` for ``gpt2``'s file). A malformed file is a
        ``ValueError`` naming the line."""
        owner = "BPETokenizer.from_tiktoken"
        merges, ids, special_ids = read_tiktoken(owner, rank_file, special_tokens)
        tok = cls(merges, pattern=pattern)
        tok.renumber(ids, special_ids)
        return tok

    def renumber(self, ids, special_ids):
        """Give the token of id i the number ``ids[i]`` and each special token (a dict
        name → id) its own: another numbering of the same vocabulary (``from_files`` reads
        GPT-2's, and a saved tokenizer keeps it)."""
        self._ids = list(ids)
        self.vocab = {ids[i]: spelled for i, spelled in self.vocab.items() if i < len(ids)}
        self.special_tokens = dict(special_ids)
        self.vocab.update({i: tok.encode("utf-8") for tok, i in special_ids.items()})
        self._special_re = _pieces_re(list(special_ids))
        self._cache = {}

    # ------------------------------------------------------------------ saving
    def save(self, path) -> None:
        """Write the tokenizer as JSON (merges, pattern, special tokens): no pickle."""
        state = {"format": _FORMAT, "version": 1, "pattern": self.pattern,
                 "special_tokens": list(self.special_tokens),
                 "merges": [list(pair) for pair in self.merges]}
        if self._ids is not None:                     # from_files: the files' numbering
            state.update(ids=self._ids, special_ids=list(self.special_tokens.values()))
        Path(path).write_text(json.dumps(state, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path) -> "BPETokenizer":
        """Read a tokenizer written by ``save``."""
        try:
            state = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"BPETokenizer.load: cannot read {str(path)!r} as JSON "
                             f"({type(exc).__name__}: {exc}). Pass a file written by "
                             f"tokenizer.save(path).") from None
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise ValueError(f"BPETokenizer.load: {str(path)!r} is not a saved BPETokenizer "
                             f"(no \"format\": {_FORMAT!r}). Pass a file written by "
                             f"tokenizer.save(path).")
        tok = cls([tuple(p) if isinstance(p, list) else p for p in state.get("merges", [])],
                  pattern=state.get("pattern"), special_tokens=state.get("special_tokens", []))
        if state.get("ids") is not None:
            tok.renumber(state["ids"], dict(zip(tok.special_tokens, state["special_ids"])))
        return tok


def byte_alphabet() -> dict:
    """``{byte: character}``, GPT-2's spelling of single bytes as printable characters.

    The bytes that print as themselves (``!`` … ``~``, ``¡`` … ``¬``, ``®`` … ``ÿ``) keep
    their character; the other 68 (controls, the space, …) take the characters from
    ``chr(256)`` on, in byte order: the space (byte 32) is ``Ġ``, the newline ``Ċ``.
    """
    kept = [*range(33, 127), *range(161, 173), *range(174, 256)]
    others = [b for b in range(256) if b not in kept]
    return {**{b: chr(b) for b in kept}, **{b: chr(256 + k) for k, b in enumerate(others)}}


def _line_of(text, key):
    """The line of ``text`` where the JSON key ``key`` is written (None if not found)."""
    for spelled in (json.dumps(key, ensure_ascii=False), json.dumps(key)):
        at = text.find(spelled)
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return None


def _read(owner, path):
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{owner}: cannot read {str(path)!r} ({type(exc).__name__}: "
                         f"{exc}). Pass the path of a UTF-8 text file.") from None


def _vocab(owner, path):
    """The vocabulary file as ``{token: id}``, ids checked to be 0 … n − 1, each once."""
    text = _read(owner, path)
    where = f"{owner}: {Path(path).name}"
    try:
        vocab = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where} line {exc.lineno}: not valid JSON ({exc.msg}). Expected "
                         f"one object of token → id, as GPT-2's vocab.json.") from None
    if not isinstance(vocab, dict):
        raise ValueError(f"{where} line 1: expected a JSON object of token → id, got a "
                         f"{type(vocab).__name__}.")
    seen = {}
    for token, i in vocab.items():
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(vocab):
            raise ValueError(f"{where} line {_line_of(text, token)}: token {token!r} has id "
                             f"{i!r}; expected an integer in [0, {len(vocab)}), one per token.")
        if i in seen:
            raise ValueError(f"{where} line {_line_of(text, token)}: tokens {seen[i]!r} and "
                             f"{token!r} both have id {i}; each id must name one token.")
        seen[i] = token
    return vocab, text


def read_files(owner, vocab_json, merges_txt, special_tokens):
    """``(merges, ids, special_ids)`` read from the two files: ``merges`` the ``(id_a,
    id_b)`` pairs in nnbook's numbering (bytes 0–255 by value, merge r → 256 + r);
    ``ids[i]`` the files' id of nnbook's id i; ``special_ids`` ``{token: the files' id}``.
    Every token of the vocabulary must be a byte, a merge's result or a special token."""
    vocab, vocab_text = _vocab(owner, vocab_json)
    internal = {ch: b for b, ch in byte_alphabet().items()}      # spelling → nnbook's id
    ids = []
    for ch, b in sorted(internal.items(), key=lambda item: item[1]):
        if ch not in vocab:
            raise ValueError(f"{owner}: {Path(vocab_json).name} has no token for byte {b} "
                             f"({ch!r} in GPT-2's byte alphabet); a byte-level vocabulary "
                             f"holds all 256.")
        ids.append(vocab[ch])
    merges, name = [], Path(merges_txt).name
    for n, line in enumerate(_read(owner, merges_txt).split("\n"), start=1):
        line = line.rstrip("\r")
        if not line or (n == 1 and line.startswith("#version")):
            continue
        parts = line.split(" ")
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"{owner}: {name} line {n}: expected two tokens separated by "
                             f"one space (as 'Ġ t'), got {line!r:.60}.")
        unknown = [t for t in parts if t not in internal]
        if unknown:
            raise ValueError(f"{owner}: {name} line {n}: {unknown[0]!r} is neither a byte "
                             f"of GPT-2's alphabet nor the result of an earlier merge.")
        joined = parts[0] + parts[1]
        if joined in internal:
            raise ValueError(f"{owner}: {name} line {n}: {joined!r} was already made by an "
                             f"earlier merge (or is a byte); each token is made once.")
        if joined not in vocab:
            raise ValueError(f"{owner}: {name} line {n}: the merged token {joined!r} is not in "
                             f"{Path(vocab_json).name}; the two files do not belong together.")
        internal[joined] = 256 + len(merges)
        merges.append((internal[parts[0]], internal[parts[1]]))
        ids.append(vocab[joined])
    special_ids = {}
    for tok in special_tokens:
        if tok not in vocab:
            raise ValueError(f"{owner}: special token {tok!r} is not in "
                             f"{Path(vocab_json).name}; list only tokens the file has.")
        special_ids[tok] = vocab[tok]
    rest = [t for t in vocab if t not in internal and t not in special_ids]
    if rest:
        raise ValueError(f"{owner}: {Path(vocab_json).name} line {_line_of(vocab_text, rest[0])}"
                         f": {len(rest)} token(s) are neither bytes, merges nor special tokens, "
                         f"first {rest[0]!r}. Pass them as special_tokens=[...] if they are.")
    return merges, ids, special_ids


def _split_in_two(token, rank, ranks):
    """The two tokens that byte-pair merging ``token``'s bytes with the tokens ranked below
    ``rank`` ends in (the lowest-ranked adjacent pair merged first, the leftmost on a tie,
    as tiktoken encodes), or None when it does not end in two."""
    parts = [token[i:i + 1] for i in range(len(token))]
    while len(parts) > 2:
        best, at = rank, None
        for i in range(len(parts) - 1):
            found = ranks.get(parts[i] + parts[i + 1], rank)
            if found < best:
                best, at = found, i
        if at is None:
            return None
        parts[at:at + 2] = [parts[at] + parts[at + 1]]
    return parts if len(parts) == 2 else None


def read_tiktoken(owner, rank_file, special_tokens):
    """``(merges, ids, special_ids)`` from a tiktoken rank file (``<base64 token> <rank>`` a
    line), as ``read_files`` gives them: ``ids[i]`` the file's rank of nnbook's id i (bytes
    by value, merge r → 256 + r, the merges in the order of their tokens' ranks)."""
    name = Path(rank_file).name
    ranks, lines = {}, {}
    for n, line in enumerate(_read(owner, rank_file).split("\n"), start=1):
        line = line.rstrip("\r")
        if not line:
            continue
        parts = line.split()
        try:
            if len(parts) != 2:
                raise ValueError
            token, rank = base64.b64decode(parts[0], validate=True), int(parts[1])
        except (ValueError, binascii.Error):
            raise ValueError(f"{owner}: {name} line {n}: expected a token in base64, a space "
                             f"and its rank (as 'IQ== 0'), got {line!r:.60}.") from None
        if not token or rank < 0:
            raise ValueError(f"{owner}: {name} line {n}: expected a non-empty token and a rank "
                             f"≥ 0, got {line!r:.60}.")
        if token in ranks or rank in lines:
            what = (f"token {token!r} is listed twice (line {lines[ranks[token]]})"
                    if token in ranks else f"rank {rank} is given twice (line {lines[rank]})")
            raise ValueError(f"{owner}: {name} line {n}: {what}; each token and rank once.")
        ranks[token], lines[rank] = rank, n
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        raise ValueError(f"{owner}: {name} has no token for byte {missing[0]} ({len(missing)} "
                         f"bytes missing); a byte-level rank file holds all 256.")
    internal = {bytes([b]): b for b in range(256)}             # bytes → nnbook's id
    ids = [ranks[bytes([b])] for b in range(256)]
    merges = []
    for token, rank in sorted(ranks.items(), key=lambda item: item[1]):
        if len(token) == 1:
            continue
        pair = _split_in_two(token, rank, ranks)
        if pair is None:
            raise ValueError(f"{owner}: {name} line {lines[rank]}: token {token!r} (rank "
                             f"{rank}) is not two tokens of lower rank merged; not a BPE "
                             f"rank file, or its lines were renumbered.")
        internal[token] = 256 + len(merges)
        merges.append((internal[pair[0]], internal[pair[1]]))
        ids.append(rank)
    special_ids = {}
    specials = {} if special_tokens is None else special_tokens
    if not isinstance(specials, dict):
        raise ValueError(f"{owner}: expected special_tokens to be a dict of token → id (as "
                         f"{{'<|endoftext|>': 100257}}), got {type(specials).__name__} "
                         f"{specials!r:.60}: a rank file does not number them.")
    for tok, i in specials.items():
        if not isinstance(tok, str) or not tok:
            raise ValueError(f"{owner}: expected every special token to be a non-empty str, "
                             f"got {type(tok).__name__} {tok!r}.")
        if isinstance(i, bool) or not isinstance(i, numbers.Integral) or i < 0:
            raise ValueError(f"{owner}: special token {tok!r} has id {i!r}; expected an "
                             f"integer ≥ 0.")
        if int(i) in lines or int(i) in special_ids.values():
            raise ValueError(f"{owner}: special token {tok!r} has id {i}, which "
                             f"{'the file gives a token' if int(i) in lines else 'another special token has'}"
                             f"; give it an id of its own (cl100k_base's <|endoftext|> is "
                             f"100257).")
        special_ids[tok] = int(i)
    return merges, ids, special_ids
