"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 19 (tokens); exercise_solutions.py merges them into its own."""

from collections import Counter


# 19.1 -------------------------------------------------------------------------------------
def count_pairs(ids):
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def count_pairs_counter(ids):                  # the same, shorter
    return Counter(zip(ids, ids[1:]))


def count_pairs_no_overlap(ids):
    counts, i = {}, 0
    while i + 1 < len(ids):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
        i += 2 if ids[i] == ids[i + 1] else 1
    return counts


def count_pairs_every_second(ids):
    return Counter(zip(ids[::2], ids[1::2]))


def count_pairs_wrapping(ids):
    return Counter(zip(ids, ids[1:] + ids[:1])) if len(ids) > 1 else {}


def count_pairs_unordered(ids):
    return Counter(tuple(sorted(p)) for p in zip(ids, ids[1:]))


def count_pairs_last_missing(ids):
    return Counter(zip(ids[:-2], ids[1:-1]))


# 19.2 -------------------------------------------------------------------------------------
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def merge_from_the_right(ids, pair, new_id):
    return merge(ids[::-1], pair[::-1], new_id)[::-1]


def merge_first_only(ids, pair, new_id):
    for i in range(len(ids) - 1):
        if (ids[i], ids[i + 1]) == pair:
            return ids[:i] + [new_id] + ids[i + 2:]
    return ids


def merge_keeping_the_second(ids, pair, new_id):
    out = []
    for i in range(len(ids)):                  # steps by one: the pair's 2nd id stays
        match = i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair
        out.append(new_id if match else ids[i])
    return out


def merge_losing_the_last(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


# 19.3 -------------------------------------------------------------------------------------
def encode(text, merges):
    ids = list(text.encode("utf-8"))
    for rank, pair in enumerate(merges):       # replaying the merges in order is the same
        ids = merge(ids, tuple(pair), 256 + rank)
    return ids


def encode_lowest_rank_loop(text, merges):
    ranks = {tuple(p): r for r, p in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while len(ids) > 1:
        pair = min(zip(ids, ids[1:]), key=lambda p: ranks.get(p, float("inf")))
        if pair not in ranks:
            break
        ids = merge(ids, pair, 256 + ranks[pair])
    return ids


def encode_first_in_text(text, merges):
    ranks = {tuple(p): r for r, p in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while True:
        present = [p for p in zip(ids, ids[1:]) if p in ranks]
        if not present:
            return ids
        ids = merge(ids, present[0], 256 + ranks[present[0]])


def encode_latest_first(text, merges):
    ids = list(text.encode("utf-8"))
    ranks = {tuple(p): r for r, p in enumerate(merges)}
    while True:
        present = [p for p in zip(ids, ids[1:]) if p in ranks]
        if not present:
            return ids
        pair = max(present, key=ranks.get)
        ids = merge(ids, pair, 256 + ranks[pair])


def encode_characters(text, merges):
    ids = [ord(c) for c in text]
    for rank, pair in enumerate(merges):
        ids = merge(ids, tuple(pair), 256 + rank)
    return ids


def encode_ids_from_257(text, merges):
    ranks = {tuple(p): r for r, p in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while True:
        present = [p for p in zip(ids, ids[1:]) if p in ranks]
        if not present:
            return ids
        pair = min(present, key=ranks.get)
        ids = merge(ids, pair, 257 + ranks[pair])


def encode_one_merge(text, merges):
    ranks = {tuple(p): r for r, p in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    present = [p for p in zip(ids, ids[1:]) if p in ranks]
    if not present:
        return ids
    pair = min(present, key=ranks.get)
    return merge(ids, pair, 256 + ranks[pair])


RIGHT = {"19.1": count_pairs, "19.2": merge, "19.3": encode}
ALSO_RIGHT = [("19.1", count_pairs_counter), ("19.3", encode_lowest_rank_loop)]
WRONG = [           # (exercise id, wrong answer, text the feedback must contain)
    ("19.1", count_pairs_no_overlap, "overlaps included"),
    ("19.1", count_pairs_every_second, "not every second one"),
    ("19.1", count_pairs_wrapping, "are not neighbours"),
    ("19.1", count_pairs_unordered, "keep the order"),
    ("19.1", count_pairs_last_missing, "the last pair is missing"),
    ("19.2", merge_from_the_right, "merge from the left"),
    ("19.2", merge_first_only, "not only the first"),
    ("19.2", merge_keeping_the_second, "skip the second"),
    ("19.2", merge_losing_the_last, "the last id is lost"),
    ("19.3", encode_first_in_text, "the merge with the LOWEST rank"),
    ("19.3", encode_latest_first, "lowest rank first"),
    ("19.3", encode_characters, "not the characters"),
    ("19.3", encode_ids_from_257, "makes id 256 + r"),
    ("19.3", encode_one_merge, "repeat until no pair"),
]
