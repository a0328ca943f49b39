"""Reading a byte-level BPE tokenizer saved in the common ``vocab.json`` + ``merges.txt``
form (GPT-2's, and Hugging Face ``tokenizers``' byte-level BPE): tokens are spelled in
GPT-2's printable-byte alphabet, and every byte and merge has the id the files give it.
``BPETokenizer.from_files`` (bpe.py, chapter 19) is built on ``read_files``, and
``BPETokenizer.from_tiktoken`` on ``read_tiktoken`` (tiktoken's rank files).
"""

from __future__ import annotations

import base64
import binascii
import json
import numbers
from pathlib import Path

__all__ = ["byte_alphabet", "read_files", "read_tiktoken"]


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
