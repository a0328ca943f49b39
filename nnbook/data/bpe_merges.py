"""Byte-pair encoding's two loops, written to be fast: ``learn_merges`` (training, with pair
counts updated only next to each merge) and ``apply_merges`` (encoding by rank, each merge
only where its pair sits). ``BPETokenizer`` (bpe.py) is built on them (chapter 19).
"""

from __future__ import annotations

import heapq
import numbers
import warnings
from collections import defaultdict

__all__ = ["learn_merges", "apply_merges", "checked_merges"]

_GONE = -1          # the id of a token merged into its left neighbour, and "no neighbour"


def learn_merges(chunks: dict, n_merges: int, first_id: int = 256, tie: str = "first") -> list:
    """The merges of byte-pair encoding, in order: at every round the most frequent adjacent
    pair (overlaps counted, as ``zip(ids, ids[1:])`` counts them), ties to the pair whose
    first occurrence comes first (``tie="first"``) or, with ``tie="lexicographic"``, to the
    greatest ``(bytes of a, bytes of b)``, merged everywhere from left to right into the
    next id (ids below ``first_id`` are single bytes).

    ``chunks`` maps each distinct chunk (a sequence of ids) to how often it occurs, in the
    order of first appearance (a dict keeps it). No pair crosses from one chunk to the next.
    The chunks are laid end to end in that order, so "first occurrence" is the earliest in
    the text: the first chunk holding the pair, and in it the leftmost place, as merged so far.

    Instead of recounting every round, the counts change only next to each merge: merging
    ``a b`` into ``c`` in ``x a b y`` removes ``(x, a)``, ``(a, b)``, ``(b, y)`` and adds
    ``(x, c)``, ``(c, y)``. A list of places per pair says where to look; a heap of counts
    gives the most frequent pair. Stops early when no pair is left.
    """
    tok, nxt, prv, weight = [], [], [], []           # one linked list over all the chunks
    counts, where = defaultdict(int), defaultdict(list)   # pair → count; pair → places
    for chunk, count in chunks.items():
        start, n = len(tok), len(chunk)
        if n == 0:
            continue
        tok.extend(chunk)
        weight.extend([count] * n)
        prv.extend([_GONE] + list(range(start, start + n - 1)))
        nxt.extend(list(range(start + 1, start + n)) + [_GONE])
        for i, pair in enumerate(zip(chunk, chunk[1:]), start):
            counts[pair] += count
            where[pair].append(i)
    heap = [(-count, pair) for pair, count in counts.items()]  # most frequent on top
    heapq.heapify(heap)
    merges, spelled = [], [bytes([i % 256]) for i in range(first_id)]   # id → its bytes
    if tie == "first":
        best = lambda tied: min(tied, key=lambda p: _first_place(p, where, tok, nxt))  # noqa
    else:
        best = lambda tied: max(tied, key=lambda p: (spelled[p[0]], spelled[p[1]]))    # noqa
    while len(merges) < n_merges:
        pair = _most_frequent(heap, counts, best)
        if pair is None:
            break
        spelled.append(spelled[pair[0]] + spelled[pair[1]])
        created = _merge(pair, first_id + len(merges), tok, nxt, prv, weight, counts, where)
        merges.append(pair)
        for new_pair in created:                     # counts only fall after this round
            if counts[new_pair] > 0:
                heapq.heappush(heap, (-counts[new_pair], new_pair))
    return merges


def _first_place(pair, where, tok, nxt):
    """The leftmost place where ``pair`` still sits (its list may hold stale places)."""
    a, b = pair
    for i in sorted(where[pair]):
        if tok[i] == a and nxt[i] != _GONE and tok[nxt[i]] == b:
            return i
    raise AssertionError(f"pair {pair} has a count but no place")    # never: a bug


def _most_frequent(heap, counts, choose):
    """Pop the most frequent pair; among equal counts, the one ``choose(tied)`` picks.

    A pair's count only falls after the round that created it, so the heap may hold an
    entry above a pair's count: such an entry is put back with the count it has now."""
    while heap:
        top, tied = heap[0][0], set()
        while heap and heap[0][0] == top:             # every entry with this count
            _, pair = heapq.heappop(heap)
            now = counts[pair]
            if now == -top:
                tied.add(pair)
            elif now > 0:                             # fell since: back, with its count
                heapq.heappush(heap, (-now, pair))
        if tied:
            best = choose(tied)
            for pair in tied - {best}:
                heapq.heappush(heap, (top, pair))
            return best
    return None


def _merge(pair, new, tok, nxt, prv, weight, counts, where):
    """Merge every occurrence of ``pair`` into ``new``, left to right; update the counts of
    the pairs around each one and return the pairs created (they all hold ``new``)."""
    a, b = pair
    created = set()
    for i in sorted(where.pop(pair)):              # a place twice is harmless: skipped
        j = nxt[i]
        if j == _GONE or tok[i] != a or tok[j] != b:  # gone, e.g. the 2nd of "a a a"
            continue
        p, n, w = prv[i], nxt[j], weight[i]
        if p != _GONE:                                # (x, a) becomes (x, new)
            left = (tok[p], new)
            counts[(tok[p], a)] -= w
            counts[left] += w
            where[left].append(p)
            created.add(left)
        if n != _GONE:                                # (b, y) becomes (new, y)
            right = (new, tok[n])
            counts[(b, tok[n])] -= w
            counts[right] += w
            where[right].append(i)
            created.add(right)
            prv[n] = i
        tok[i], tok[j], nxt[i] = new, _GONE, n
    counts[pair] = 0
    return created


def apply_merges(ids, ranks: dict, first_id: int = 256) -> list:
    """Encode one chunk: apply the merges by rank, lowest first, each everywhere from left
    to right (``ranks`` maps a pair to its merge's index; merge r makes id first_id + r).

    The merges present are replayed in order, each only at the places where its pair sits:
    a list of places per pair, kept up to date as in ``learn_merges`` (only pairs that are
    merges are listed). A merge only creates pairs that hold its new id, learned later, so
    no merge comes back; the cost is that of the merges made, not n × merges.
    """
    tok = list(ids)
    n = len(tok)
    nxt = list(range(1, n)) + [_GONE]
    prv = [_GONE] + list(range(n - 1))
    where = defaultdict(list)                         # pair → places, for pairs in ranks
    for i, pair in enumerate(zip(tok, tok[1:])):
        if pair in ranks:
            where[pair].append(i)
    while where:
        pair = min(where, key=ranks.__getitem__)      # the lowest rank still present
        a, b, new = pair[0], pair[1], first_id + ranks[pair]
        for i in sorted(where.pop(pair)):
            j = nxt[i]
            if j == _GONE or tok[i] != a or tok[j] != b:
                continue                              # gone, e.g. the 2nd of "a a a"
            p, k = prv[i], nxt[j]
            tok[i], tok[j], nxt[i] = new, _GONE, k
            if k != _GONE:
                prv[k] = i
                if (new, tok[k]) in ranks:
                    where[(new, tok[k])].append(i)
            if p != _GONE and (tok[p], new) in ranks:
                where[(tok[p], new)].append(p)
    return [t for t in tok if t != _GONE] if n else []


def checked_merges(merges) -> list:
    """``merges`` as a list of ``(int, int)`` pairs, each id below 256 + its index, or a
    ``ValueError`` naming the first that is not (``BPETokenizer``'s constructor)."""
    owner = "BPETokenizer"
    try:
        pairs = [tuple(pair) for pair in merges]
    except TypeError:
        raise ValueError(f"{owner}: expected merges to be a list of (id_a, id_b) pairs, got "
                         f"{type(merges).__name__} {merges!r:.60}.") from None
    for r, pair in enumerate(pairs):
        ok = len(pair) == 2 and all(isinstance(i, numbers.Integral) and not isinstance(i, bool)
                                    and 0 <= i < 256 + r for i in pair)
        if not ok:
            raise ValueError(f"{owner}: merge {r} is {pair!r}; expected two integer ids "
                             f"below {256 + r} (the bytes and the ids of earlier merges). "
                             f"Pass the .merges of a trained tokenizer.")
    return [(int(a), int(b)) for a, b in pairs]


def warn_stopped_early(owner, learned, asked, vocab_size, n_chunks, pattern):
    """Say that training learned fewer merges than ``vocab_size`` asked for, and why: every
    distinct chunk of the text became one token, so no pair is left to merge."""
    cut = (f"the pattern cut the text into {n_chunks} distinct chunks, and no merge "
           f"crosses from one chunk to the next" if pattern is not None else f"without a pattern the chunks are the text's {n_chunks} distinct "
           f"piece(s) between special tokens")
    warnings.warn(
        f"{owner}: stopped after {learned} of the {asked} merges asked for, so vocab_size is "
        f"{vocab_size - asked + learned}, not {vocab_size}: every chunk of the text is one token "
        f"already and no pair is left to merge ({cut}). For more merges, train on more "
        f"text (or ask for vocab_size={vocab_size - asked + learned} to silence this).",
        UserWarning, stacklevel=3)
