"""Exercises of chapter 19 (tokens): count the adjacent pairs of a sequence of ids, merge
one pair everywhere, and encode a text by applying learned merges by rank."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..data import BPETokenizer
from ._core import Mistake, Runner, _short, exercise


def _pairs(ids, step=None, wrap=False, ordered=True):
    """Adjacent pair counts, with knobs for the typical mistakes: ``step="pair"`` jumps past
    every pair counted, ``step="same"`` past a pair of equal ids (no overlaps)."""
    seq = list(ids) + (list(ids[:1]) if wrap and len(ids) > 1 else [])
    counts, i = {}, 0
    while i + 1 < len(seq):
        a, b = seq[i], seq[i + 1]
        pair = (a, b) if ordered else (min(a, b), max(a, b))
        counts[pair] = counts.get(pair, 0) + 1
        i += 2 if step == "pair" or (step == "same" and a == b) else 1
    return counts


def _merge(ids, pair, new, from_left=True, first_only=False, keep_second=False, drop_last=False):
    """Merge ``pair`` into ``new`` everywhere, with knobs for the typical mistakes."""
    seq = list(ids) if from_left else list(ids)[::-1]
    want = pair if from_left else pair[::-1]
    out, i, done = [], 0, False
    while i < len(seq):
        if i + 1 < len(seq) and (seq[i], seq[i + 1]) == want and not done:
            out += [new, seq[i + 1]] if keep_second else [new]
            i, done = i + 2, first_only
        elif drop_last and i == len(seq) - 1:
            i += 1
        else:
            out.append(seq[i])
            i += 1
    return out if from_left else out[::-1]


def _as_ids(value, what):
    """The learner's list of ids as a list of Python ints, or a Mistake."""
    if isinstance(value, np.ndarray) and value.ndim == 1 and (value.dtype.kind in "iu"
                                                              or value.size == 0):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise Mistake(f"{what} should return a list of ids, got {type(value).__name__} "
                      f"{_short(value)}.")
    for i in value:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise Mistake(f"{what} should return a list of integer ids, got an element "
                          f"{_short(i)} ({type(i).__name__}).")
    return [int(i) for i in value]


def _diff(got, expected):
    for k, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            return f"id {g} at position {k}, expected {e}"
    return f"{len(got)} ids, expected {len(expected)}"


# --- 19.1 ---------------------------------------------------------------------------------------
_PAIR_CASES = [[97, 98, 99, 97, 98], [97, 97, 97], [5, 5, 5, 5, 6, 5], [1, 2], [7], [],
               [3, 1, 3, 1, 3], [260, 97, 260, 97, 98, 98, 98]]


@exercise("19.1", "Count adjacent pairs", "function count_pairs(ids) -> dict {(a, b): count}")
def count_pairs(fn):
    run = Runner(fn, "count_pairs")
    rng = np.random.default_rng(191)
    cases = _PAIR_CASES + [rng.integers(0, 4, size=n).tolist() for n in (12, 30)]
    for ids in cases:
        got = run(list(ids))
        where = f"count_pairs({_short(ids)})"
        if not isinstance(got, Mapping):
            raise Mistake(f"{where} should return a dict {{(a, b): count}}, got "
                          f"{type(got).__name__} {_short(got)}.")
        counts = {}
        for key, value in got.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise Mistake(f"{where}: every key should be a pair of ids (a, b), got "
                              f"{_short(key)}.")
            if value:
                counts[tuple(int(k) for k in key)] = value
        right = _pairs(ids)
        if counts == right:
            continue
        for wrong, hint in [
            (_pairs(ids, step="same"), "count every place, overlaps included: [a, a, a] holds "
                                       "(a, a) twice (at 0 and at 1), as zip(ids, ids[1:])."),
            (_pairs(ids, step="pair"), "every place i starts a pair, not every second one: "
                                       "step i by 1."),
            (_pairs(ids, wrap=True), "the last id and the first are not neighbours: there are "
                                     "len(ids) − 1 pairs."),
            (_pairs(ids, ordered=False), "(a, b) and (b, a) are different pairs: keep the order."),
            (_pairs(ids[:-1]), "the last pair is missing: the pairs run up to (ids[-2], ids[-1])."),
        ]:
            if counts == wrong and wrong != right:
                raise Mistake(f"{where}: {hint}")
        bad = next(p for p in sorted(set(right) | set(counts)) if counts.get(p) != right.get(p))
        raise Mistake(f"{where}: the pair {bad} is counted {counts.get(bad, 0)!r} times, "
                      f"expected {right.get(bad, 0)}.")
    return "right: one count per place i, for the pair (ids[i], ids[i + 1]), overlaps included."


# --- 19.2 ---------------------------------------------------------------------------------------
_MERGE_CASES = [([97, 98, 99, 97, 98], (97, 98), 256), ([97, 97, 97], (97, 97), 256),
                ([97, 97, 97, 97, 97], (97, 97), 300), ([1, 2, 3], (2, 3), 256),
                ([1, 2, 3], (3, 1), 256), ([], (1, 2), 256), ([4], (4, 4), 257),
                ([9, 8, 9, 8, 9, 8, 1], (9, 8), 258), ([2, 1, 2, 1], (1, 2), 259)]


@exercise("19.2", "Apply one merge", "function merge(ids, pair, new_id) -> list of ids")
def merge(fn):
    run = Runner(fn, "merge")
    for ids, pair, new in _MERGE_CASES:
        where = f"merge({_short(ids)}, {pair}, {new})"
        got = _as_ids(run(list(ids), tuple(pair), new), where)
        right = _merge(ids, pair, new)
        if got == right:
            continue
        for wrong, hint in [
            (_merge(ids, pair, new, from_left=False), "merge from the left: in [a, a, a] the "
                                                      "first two become one, [new, a]."),
            (_merge(ids, pair, new, first_only=True), "merge every occurrence, not only the "
                                                      "first."),
            (_merge(ids, pair, new, keep_second=True), "the pair's two ids become ONE new id: "
                                                       "skip the second (i += 2)."),
            (_merge(ids, pair, new, drop_last=True), "the last id is lost: when no pair starts "
                                                     "at the last place, keep that id."),
        ]:
            if got == wrong and wrong != right:
                raise Mistake(f"{where}: {hint}")
        raise Mistake(f"{where} returned {_diff(got, right)}.")
    return "right: left to right, each (a, b) becomes new_id and the scan skips past it."


# --- 19.3 ---------------------------------------------------------------------------------------
def _encode(text, merges, *, by="rank", first_id=256, chars=False, once=False):
    """Encoding with knobs for the typical mistakes."""
    ids = [ord(c) for c in text] if chars else list(text.encode("utf-8"))
    ranks = {tuple(p): r for r, p in enumerate(merges)}
    while True:
        present = [p for p in zip(ids, ids[1:]) if p in ranks]
        if not present:
            return ids
        if by == "rank":
            pair = min(present, key=ranks.get)
        elif by == "last":
            pair = max(present, key=ranks.get)
        else:                                          # the first in the text
            pair = present[0]
        ids = _merge(ids, pair, first_id + ranks[pair])
        if once:
            return ids


_BY_HAND = ["abc", "cabcab", "abcabc"]
_TEXTS = ["the cat sat on the mat", "thesis", "aaaaa", "café au lait", "🐍 hiss", "", "ab",
          "the theme of the thesis"]


@exercise("19.3", "Encode by rank", "function encode(text, merges) -> list of ids")
def encode(fn):
    run = Runner(fn, "encode")
    train = "the cat sat on the mat; the hat is on the cat. café, café! aaaa 🐍🐍 hiss"
    learned = BPETokenizer.train(train, 300).merges
    cd_ab_bc = [(99, 100), (97, 98), (98, 99)]        # the latest first ≠ the first in the text
    bc_ab = [(98, 99), (97, 98), (97, 256), (99, 97)]   # the lowest rank ≠ the first in the text
    cases = ([("abcd", cd_ab_bc)] + [(t, bc_ab) for t in _BY_HAND]
             + [(t, learned) for t in _TEXTS])
    for text, merges in cases:
        where = f"encode({text!r}, {'merges' if merges is learned else merges})"
        got = _as_ids(run(text, [tuple(p) for p in merges]), where)
        right = BPETokenizer(merges).encode(text)
        if got == right:
            continue
        for wrong, hint in [
            (_encode(text, merges, by="first"), "not the first pair of the text that is a merge: "
                                                "the merge with the LOWEST rank (learned first)."),
            (_encode(text, merges, by="last"), "lowest rank first: merges apply in the order "
                                               "they were learned, not the latest first."),
            (_encode(text, merges, chars=True), "start from the UTF-8 bytes, "
                                                "list(text.encode('utf-8')), not the characters: "
                                                "'é' is two bytes."),
            (_encode(text, merges, first_id=255), "merge r (counting from 0) makes id 256 + r."),
            (_encode(text, merges, first_id=257), "merge r (counting from 0) makes id 256 + r."),
            (_encode(text, merges, once=True), "one merge is not the end: repeat until no pair "
                                               "of the sequence is a merge."),
        ]:
            if got == wrong and wrong != right:
                raise Mistake(f"{where}: {hint}")
        raise Mistake(f"{where} returned {_diff(got, right)}.")
    return ("right: the bytes, then again and again the pair of lowest rank merged everywhere "
            "(the same as replaying every merge in order).")
