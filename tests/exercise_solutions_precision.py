"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 24; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 24.1 · Round float32 to bfloat16 with the bits --------------------------------------------
def round_bf16(x):
    u = np.asarray(x, dtype=np.float32).view(np.uint32)
    lowest_kept = (u >> 16) & 1                       # ties go to the even neighbour
    return ((u + 0x7FFF + lowest_kept) & 0xFFFF0000).astype(np.uint32).view(np.float32)


def round_bf16_cut(x):
    return (np.asarray(x, dtype=np.float32).view(np.uint32) & 0xFFFF0000).view(np.float32)


def round_bf16_half_up(x):
    u = np.asarray(x, dtype=np.float32).view(np.uint32)
    return ((u + 0x8000) & 0xFFFF0000).astype(np.uint32).view(np.float32)


RIGHT["24.1"] = round_bf16
WRONG += [("24.1", round_bf16_cut, "rounds toward zero"),
          ("24.1", round_bf16_half_up, "goes to the even neighbour")]


# 24.2 · int8 weights per output channel ------------------------------------------------------
def quantise_int8(W):
    scale = np.abs(W).max(axis=0) / 127               # one scale per column
    return np.rint(W / scale), scale


def quantise_int8_128(W):
    scale = np.abs(W).max(axis=0) / 128
    return np.rint(W / scale), scale


def quantise_int8_whole(W):
    scale = np.full(W.shape[1], np.abs(W).max() / 127)
    return np.rint(W / scale), scale


def quantise_int8_floor(W):
    scale = np.abs(W).max(axis=0) / 127
    return np.floor(W / scale), scale


RIGHT["24.2"] = quantise_int8
WRONG += [("24.2", quantise_int8_128, "divide by 127"),
          ("24.2", quantise_int8_whole, "not over the whole matrix"),
          ("24.2", quantise_int8_floor, "not down")]


# 24.3 · Merge two partial softmaxes ----------------------------------------------------------
def merge(m1, l1, acc1, m2, l2, acc2):
    m = np.maximum(m1, m2)
    a, b = np.exp(m1 - m), np.exp(m2 - m)             # both parts to the larger max
    return m, l1 * a + l2 * b, acc1 * a[:, None] + acc2 * b[:, None]


def merge_no_rescale(m1, l1, acc1, m2, l2, acc2):
    return np.maximum(m1, m2), l1 + l2, acc1 + acc2


def merge_normalised(m1, l1, acc1, m2, l2, acc2):
    m, l, acc = merge(m1, l1, acc1, m2, l2, acc2)
    return m, l, acc / l[:, None]


RIGHT["24.3"] = merge
WRONG += [("24.3", merge_no_rescale, "rescale it to the new max first"),
          ("24.3", merge_normalised, "keep acc unnormalised")]
