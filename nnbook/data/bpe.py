"""``BPETokenizer``: byte-level byte-pair encoding, trained on a text, then encoding text to
ids and decoding ids to text (chapter 19). The fast loops live in bpe_merges.py, the special
tokens' rules in bpe_specials.py, its files (``save``, ``load``, ``from_files``,
``from_tiktoken``, GPT-2's and GPT-4's patterns) in bpe_files.py; this module holds the rest.
"""

from __future__ import annotations

import numbers
import re

import numpy as np

from .bpe_files import _TokenizerFiles
from .bpe_merges import apply_merges, checked_merges as _checked_merges, learn_merges
from .bpe_merges import warn_stopped_early
from .bpe_specials import allowed_re, disallowed_re, refuse_disallowed
from .bpe_specials import checked_specials as _checked_specials, once as _once
from .bpe_specials import pieces as _pieces, pieces_re as _pieces_re, shifted as _shifted

__all__ = ["BPETokenizer"]

class BPETokenizer(_TokenizerFiles):
    """Byte-level byte-pair encoding (BPE): ids 0–255 are the bytes of UTF-8, and each merge
    of two ids into one adds the next id (256, 257, …).

    Training (``BPETokenizer.train``): the text becomes its UTF-8 bytes; at every round the
    most frequent adjacent pair is merged everywhere (left to right, so ``a a a`` gives
    ``aa a``). Counts include overlaps (``a a a`` holds the pair ``(a, a)`` twice). Ties go
    to the pair whose first occurrence comes first in the current sequence: the text as
    merged so far, read from the start. With ``pattern``, the text is first cut into chunks
    by ``re.findall(pattern, text)`` and no pair crosses a chunk boundary; the chunks stay
    in the order of the text, so "first occurrence" is still the earliest place in the
    text (the first chunk that holds the pair, and its leftmost place there). Identical
    chunks are counted once, with their multiplicity; that changes no merge. Training stops
    early if no pair is left (every chunk one token): ``vocab_size`` is then smaller.
    Encoding cuts the text with the same pattern; characters that no match covers are
    dropped, as ``re.findall`` drops them, so for ``decode(encode(s)) == s`` use a pattern
    that covers every character, such as ``GPT2_PATTERN``.

    Special tokens (strings such as ``"<|endoftext|>"``) get the ids after the merges, in
    the order given, and are never split or merged: ``train`` cuts them out of the text
    before counting (so no pair crosses one either). In ``encode``, as in tiktoken, a
    special token's text is its id only where ``allowed_special`` names it (or is
    ``"all"``): every literal occurrence (the longest first where two start at the same
    place) gets its id and the text between is encoded as usual. Text that holds any other
    special token's text is a ``ValueError`` naming both fixes, unless
    ``disallowed_special=()`` says to encode it as ordinary bytes (untrusted text: a user
    who types ``<|endoftext|>`` then cannot end a document). Never spelled out silently: a
    corpus whose end markers became bytes would train a model that never sees its end token.

    Encoding applies the merges by rank, lowest first, each everywhere from left to right:
    on the training text this gives exactly the training's sequence. Decoding joins the
    bytes of the ids and decodes them as UTF-8, replacing invalid bytes by "�" (a token
    may end inside a character), never raising.

    Shapes:
        encode(text, allowed_special=(), disallowed_special="all") → list of n ids (ints in
        [0, vocab_size), or the numbering ``from_files`` / ``from_tiktoken`` read);
        decode(ids): n ids → str

    Args (of the constructor; ``train`` and ``load`` call it):
        merges: the ``(id_a, id_b)`` pairs in merge order, each id below 256 + its index.
        pattern, special_tokens: as for ``train``.

    Attributes:
        merges: list of ``(id_a, id_b)`` in merge order; merge r made id 256 + r.
        vocab: ``dict[int, bytes]``, the bytes of every id (special tokens: their UTF-8).
        vocab_size: ``len(vocab)`` = 256 + merges + special tokens.
        pattern: the regular expression, or None (the whole text is one chunk).
        special_tokens: ``dict[str, int]``.

    Chapter 19 (tokens).
    """

    def __init__(self, merges=(), *, pattern=None, special_tokens=()):
        self.merges = _checked_merges(merges)
        self.pattern = pattern
        self._split = _compiled("BPETokenizer", pattern)
        specials = _checked_specials("BPETokenizer", special_tokens)
        self.vocab = {i: bytes([i]) for i in range(256)}
        for new, (a, b) in enumerate(self.merges, start=256):
            self.vocab[new] = self.vocab[a] + self.vocab[b]
        first = len(self.vocab)
        self.special_tokens = {tok: first + k for k, tok in enumerate(specials)}
        for tok, i in self.special_tokens.items():
            self.vocab[i] = tok.encode("utf-8")
        self._special_re = _pieces_re(specials)
        self._ranks = {pair: r for r, pair in enumerate(self.merges)}
        self._cache = {}                              # chunk → its ids (words repeat)
        self._ids = None                              # from_files: its numbering of the ids

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def __repr__(self):
        return (f"BPETokenizer(vocab_size={self.vocab_size}, merges={len(self.merges)}, "
                f"special_tokens={list(self.special_tokens)}, pattern={self.pattern!r})")

    # ------------------------------------------------------------------ training
    @classmethod
    def train(cls, text, vocab_size, *, pattern=None, special_tokens=(), tie="first"):
        """Learn ``vocab_size − 256 − len(special_tokens)`` merges from ``text`` (see the
        class) and return the tokenizer. ``vocab_size`` counts the 256 bytes, the merges
        and the special tokens, as the size of a model's embedding table.

        ``tie``: which of the most frequent pairs is merged when several are: ``"first"``
        (the default) the one that occurs first in the text, ``"lexicographic"`` the
        greatest ``(bytes of a, bytes of b)`` (as other courses' BPE exercises, which pick
        ``max`` over equal counts): ``"aaabdaaabac"`` with three first-seen merges encodes
        to ``[258, 100, 258, 97, 99]``; on whitespace-split words (``pattern=r"\\S+"``) of
        "low" ×5, "lower" ×2, "widest" ×3, "newest" ×6 lexicographic ties merge ``s t``,
        ``e st``, ``o w``, ``l ow``, ``w est``, ``n e`` first."""
        owner = "BPETokenizer.train"
        _check_text(owner, text)
        if tie not in ("first", "lexicographic"):
            raise ValueError(f"{owner}: expected tie='first' (the pair seen first) or "
                             f"'lexicographic' (the greatest pair of bytes), got {tie!r}.")
        specials = _checked_specials(owner, special_tokens)
        smallest = 256 + len(specials)
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, numbers.Integral):
            raise ValueError(f"{owner}: expected vocab_size to be an integer ≥ {smallest}, got "
                             f"{type(vocab_size).__name__} {vocab_size!r}. Pass e.g. "
                             f"vocab_size=512.")
        if vocab_size < smallest:
            raise ValueError(f"{owner}: expected vocab_size ≥ {smallest} (256 bytes + "
                             f"{len(specials)} special tokens), got {vocab_size}. The 256 "
                             f"byte ids always exist; ask for more to learn merges.")
        split = _compiled(owner, pattern)
        chunks = {}                                   # distinct chunk → count, in text order
        for piece, is_special in _pieces(text, specials):
            if not is_special:
                for chunk in (split.findall(piece) if split else [piece]):
                    key = chunk.encode("utf-8")
                    chunks[key] = chunks.get(key, 0) + 1
        asked = int(vocab_size) - smallest
        merges = learn_merges(chunks, asked, tie=tie)
        if len(merges) < asked:
            warn_stopped_early(owner, len(merges), asked, int(vocab_size), len(chunks), pattern)
        return cls(merges, pattern=pattern, special_tokens=specials)

    # ------------------------------------------------------------------ encoding
    def encode(self, text, *, allowed_special=(), disallowed_special="all") -> list:
        """The ids of ``text``: the text cut by ``pattern`` and each chunk's bytes merged by
        rank (lowest first), tiktoken's arguments for special tokens:

        ``allowed_special``: the special tokens (names, or ``"all"``) whose literal text
        becomes their id (the default: none). ``disallowed_special``: the special tokens
        (names, or ``"all"``, the default: every one not allowed) whose text in ``text`` is
        a ``ValueError``; ``disallowed_special=()`` encodes it as ordinary bytes, as
        ``encode_ordinary`` does."""
        _check_text("BPETokenizer.encode", text)
        allowed_special = _once(allowed_special)
        allowed = self._allowed_re(allowed_special)
        self._refuse_disallowed("BPETokenizer.encode", text, allowed_special,
                                self._disallowed_re(allowed_special, disallowed_special))
        return self._encode_pieces(text, allowed)

    def encode_ordinary(self, text) -> list:
        """The ids of ``text`` with every special token's text encoded as ordinary bytes
        (tiktoken's and minbpe's name): ``encode(text, disallowed_special=())``."""
        return self.encode(text, disallowed_special=())

    def _encode_pieces(self, text, allowed) -> list:
        ids = []
        for piece, is_special in _pieces(text, allowed):
            if is_special:
                ids.append(self.special_tokens[piece])
                continue
            for chunk in (self._split.findall(piece) if self._split else [piece]):
                ids.extend(self._encode_chunk(chunk))
        return ids

    def _allowed_re(self, allowed_special):
        return allowed_re(self.special_tokens, self._special_re, allowed_special)

    def _disallowed_re(self, allowed_special, disallowed_special):
        return disallowed_re(self.special_tokens, allowed_special, disallowed_special)

    _refuse_disallowed = staticmethod(refuse_disallowed)

    def encode_iterable(self, texts, *, allowed_special=(), disallowed_special="all"):
        """The ids of the strings of ``texts`` (an open file, a list of lines) joined, one at
        a time, equal to ``encode("".join(texts), allowed_special=..., disallowed_special=...)``
        (a refused special token is a ``ValueError`` when it is reached): the text is
        encoded up to the start of its last chunk so far (and held back wherever a special
        token may begin), each chunk as the whole text cuts it, so memory stays bounded by
        the longest chunk, not the text (for patterns that look at most a chunk ahead, as
        ``GPT2_PATTERN``)."""
        owner, allowed_special = "BPETokenizer.encode_iterable", _once(allowed_special)
        allowed = self._allowed_re(allowed_special)   # a bad value fails before any text
        refused = self._disallowed_re(allowed_special, disallowed_special)
        both = [t for t in self.special_tokens
                if (allowed and allowed.fullmatch(t)) or (refused and refused.fullmatch(t))]
        specials = _pieces_re(both)                   # no chunk may cut through either kind
        held, longest, done = "", max(map(len, self.special_tokens), default=1), 0
        for text in texts:
            _check_text(owner, text)
            held += text
            start, chunks = self._final_part(held, len(held) - longest + 1, specials)
            part = held[:chunks[-1].end() if chunks else start]
            try:
                self._refuse_disallowed(owner, part, allowed_special, refused)
            except ValueError as exc:                 # say where in the whole text
                raise ValueError(_shifted(str(exc), done)) from None
            if start:
                yield from self._encode_pieces(held[:start], allowed)
            for chunk in chunks:                      # as cut in the whole text
                yield from self._encode_chunk(chunk.group())
            done += len(part)
            held = held[len(part):]
        if held:
            try:
                self._refuse_disallowed(owner, held, allowed_special, refused)
            except ValueError as exc:
                raise ValueError(_shifted(str(exc), done)) from None
            yield from self._encode_pieces(held, allowed)

    def _final_part(self, text, limit, specials):
        """What of ``text`` more text cannot change: ``text[:start]``, up to the end of the
        last special token before ``limit`` (of the regex ``specials``), and the chunks
        after it but the last (regex matches; the last may still grow)."""
        start = 0
        for found in (specials.finditer(text) if specials else ()):
            if found.end() > limit:
                limit = found.start()
                break
            start = found.end()
        if self._split is None or limit <= start:
            return start, []
        return start, list(self._split.finditer(text, start, limit))[:-1]

    def _encode_chunk(self, chunk: str) -> list:
        if chunk not in self._cache:
            found = apply_merges(chunk.encode("utf-8"), self._ranks)
            if self._ids is not None:
                found = [self._ids[i] for i in found]
            if len(chunk) > 64:                       # long chunks rarely repeat
                return found
            self._cache[chunk] = found
        return self._cache[chunk]

    def decode(self, ids) -> str:
        """The text of ``ids`` (a list or 1-D array of ints): their bytes joined, decoded as
        UTF-8 with invalid bytes replaced by "�"."""
        ids = self._checked_ids(ids)
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")

    def _checked_ids(self, ids) -> list:
        owner, size = "BPETokenizer.decode", self.vocab_size
        if isinstance(ids, np.ndarray):
            if ids.ndim != 1:
                raise ValueError(f"{owner}: expected a 1-D sequence of ids, got an array of "
                                 f"shape {ids.shape}. Decode one row at a time: "
                                 f"[tok.decode(row) for row in ids].")
            ids = ids.tolist()
        if isinstance(ids, (str, bytes)) or not hasattr(ids, "__iter__"):
            raise ValueError(f"{owner}: expected a list of integer ids, got "
                             f"{type(ids).__name__} {ids!r:.60}. Pass what encode returned.")
        ids = list(ids)
        for k, i in enumerate(ids):
            if isinstance(i, bool) or not isinstance(i, numbers.Integral):
                raise ValueError(f"{owner}: expected integer ids, got {type(i).__name__} "
                                 f"{i!r:.40} at position {k}. Turn the ids into ints first "
                                 f"(e.g. ids.astype(int)).")
            if int(i) not in self.vocab:              # renumbered ids may have gaps
                low, high = min(self.vocab), max(self.vocab)
                if high - low + 1 == size:
                    where = f"this tokenizer's ids run from {low} to {high}"
                else:
                    where = (f"this tokenizer's {size} ids run from {low} to {high}, not "
                             f"every number between")
                raise ValueError(f"{owner}: id {i} at position {k} is out of range: {where}. "
                                 f"Were the ids made by another tokenizer (or a model with a "
                                 f"larger vocabulary)?")
        return [int(i) for i in ids]


# ---------------------------------------------------------------------- checks and helpers
def _check_text(owner, text):
    if not isinstance(text, str):
        fix = (" Decode bytes first: data.decode('utf-8')." if isinstance(text, bytes)
               else " Pass the text itself (join a list of strings with ''.join).")
        raise ValueError(f"{owner}: expected a str, got {type(text).__name__} "
                         f"{text!r:.60}.{fix}")


def _compiled(owner, pattern):
    if pattern is None:
        return None
    if not isinstance(pattern, str):
        raise ValueError(f"{owner}: expected pattern to be a regular expression (str) or None, "
                         f"got {type(pattern).__name__} {pattern!r:.60}.")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{owner}: pattern {pattern!r:.60} is not a valid regular expression "
                         f"({exc}). Try BPETokenizer.GPT2_PATTERN.") from None
    if compiled.groups:
        raise ValueError(f"{owner}: pattern {pattern!r:.60} has {compiled.groups} capturing "
                         f"group(s), so re.findall would return the groups, not the chunks. "
                         f"Write (?:...) instead of (...).")
    return compiled
