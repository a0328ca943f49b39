"""Exercises of chapter 24 (fewer bits, less memory): rounding float32 to bfloat16 with
integer operations on the bits, int8 quantisation per output channel, and merging two
partial results of the online softmax.
"""

from __future__ import annotations

import numpy as np

from ..precision import dequantise, to_bfloat16
from ._core import Mistake, Runner, as_array, compare, exercise, unpack


# 24.1 ----------------------------------------------------------------------------------------
def _bits_cases():
    rng = np.random.default_rng(241)
    upper = rng.integers(0, 2 ** 15, 400).astype(np.uint32) << 16
    low = np.array([0x0000, 0x7FFF, 0x8000, 0x8001, 0x18000 & 0xFFFF, 0x1234], np.uint32)
    x = (upper[:, None] | low[None, :]).ravel().view(np.float32)
    x = np.concatenate([x, rng.standard_normal(200).astype(np.float32), -x[:50]])
    return x[np.isfinite(x)]


@exercise("24.1", "Round float32 to bfloat16 with the bits",
          "function round_bf16(x) -> float32 array: x float32; the nearest bfloat16 value of "
          "each entry, ties to even, as float32 (no NaN or inf in the inputs)")
def round_bf16(fn):
    run = Runner(fn, "round_bf16")
    x = _bits_cases()
    got = as_array(run(x.copy()), "round_bf16(x)").astype(np.float32)
    want = to_bfloat16(x)
    u = x.view(np.uint32)
    cut = (u & 0xFFFF0000).view(np.float32)
    half_up = ((u + 0x8000) & 0xFFFF0000).view(np.float32)
    if got.shape != want.shape:
        raise Mistake(f"round_bf16 returned shape {got.shape}, expected {want.shape}.")
    if np.array_equal(got.view(np.uint32), want.view(np.uint32)):
        return ("right: add 0x7FFF plus the lowest kept bit, then clear the lower 16 bits; "
                "a carry into the exponent is the next binade, as it should be.")
    for wrong, hint in ((cut, "cutting off the lower 16 bits rounds toward zero; round to "
                              "the nearest value: add 0x7FFF + (lowest kept bit) first."),
                        (half_up, "a tie (lower 16 bits exactly 0x8000) goes to the even "
                                  "neighbour, not always up: add 0x7FFF + ((u >> 16) & 1).")):
        if np.array_equal(got.view(np.uint32), wrong.view(np.uint32)):
            raise Mistake(f"round_bf16: {hint}")
    compare("round_bf16(x)", got, want, rtol=0, atol=0)
    raise Mistake("round_bf16: some values differ from the nearest bfloat16 value.")


# 24.2 ----------------------------------------------------------------------------------------
@exercise("24.2", "int8 weights per output channel",
          "function quantise_int8(W) -> (codes, scale): W (n_in, n_out); codes integers in "
          "[-127, 127] of W's shape, scale (n_out,) with scale = max|W[:, j]| / 127")
def quantise_int8(fn):
    run = Runner(fn, "quantise_int8")
    rng = np.random.default_rng(242)
    for shape in [(8, 3), (5, 6), (16, 1)]:
        W = rng.standard_normal(shape) * rng.uniform(0.1, 3.0, shape[1])
        codes, scale = unpack(run(W.copy()), ("codes", "scale"), "quantise_int8")
        exact = np.abs(W).max(axis=0) / 127
        want_codes, s = np.rint(W / exact), exact
        where = f"for W of shape {shape}"
        compare(f"scale {where}", np.ravel(scale), exact, rtol=1e-6, atol=0, wrongs=[
            (np.abs(W).max(axis=0) / 128, "divide by 127, the largest code, so that ±127 "
                                          "covers ±max|W| (and the codes stay symmetric)."),
            (np.abs(W).max(axis=1)[:shape[1]] / 127 if shape[0] >= shape[1] else -1,
             "one scale per output channel: the max over each column (axis 0), not each "
             "row."),
            (np.full(shape[1], np.abs(W).max() / 127), "one scale per output channel: the "
             "max over each column, not over the whole matrix.")])
        codes = as_array(codes, f"codes {where}")
        compare(f"codes {where}", codes, want_codes, rtol=0, atol=0, wrongs=[
            (np.floor(W / s), "round to the nearest integer (np.rint), not down."),
            (np.trunc(W / s), "round to the nearest integer (np.rint), not toward zero.")])
        scale = as_array(scale, f"scale {where}").ravel()
        if np.any(np.abs(W - dequantise(codes, scale[None])) > scale / 2 * (1 + 1e-9)):
            raise Mistake(f"|W − codes·scale| exceeds scale/2 {where}.")
    return "right: each column's largest weight maps to ±127, and every error is ≤ scale/2."


# 24.3 ----------------------------------------------------------------------------------------
def _merge(a, b, rescale=True):
    (m1, l1, o1), (m2, l2, o2) = a, b
    m = np.maximum(m1, m2)
    f1, f2 = (np.exp(m1 - m), np.exp(m2 - m)) if rescale else (1.0, 1.0)
    return m, l1 * f1 + l2 * f2, o1 * f1[..., None] + o2 * f2[..., None] if rescale \
        else o1 + o2


@exercise("24.3", "Merge two partial softmaxes",
          "function merge(m1, l1, acc1, m2, l2, acc2) -> (m, l, acc): each part's running "
          "max m (T,), sum l = Σ exp(s − m) (T,) and acc = Σ exp(s − m) v (T, d), over two "
          "blocks of keys; return the state over both")
def merge(fn):
    run = Runner(fn, "merge")
    rng = np.random.default_rng(243)
    for T, d, n1, n2 in [(3, 2, 4, 5), (5, 4, 1, 7), (2, 3, 6, 6)]:
        parts = []
        for n in (n1, n2):
            s = rng.standard_normal((T, n)) * 4 + rng.uniform(-5, 5)
            v = rng.standard_normal((n, d))
            m = s.max(axis=1)
            e = np.exp(s - m[:, None])
            parts.append((m, e.sum(axis=1), e @ v))
        got = unpack(run(*parts[0], *parts[1]), ("m", "l", "acc"), "merge")
        m, l, acc = _merge(*parts)
        where = f"with T = {T}, d = {d}"
        compare(f"m {where}", got[0], m)
        compare(f"l {where}", got[1], l, wrongs=[
            (parts[0][1] + parts[1][1], "each part's sum was taken with its own max: "
             "rescale it to the new max first, l = l1·exp(m1 − m) + l2·exp(m2 − m).")])
        compare(f"acc {where}", got[2], acc, wrongs=[
            (_merge(*parts, rescale=False)[2], "rescale each acc by exp(m_i − m) too, as "
                                               "the sums."),
            (acc / l[:, None], "keep acc unnormalised; divide by l only at the very end.")])
    return ("right: both parts are rescaled to the larger max, then added; acc / l is the "
            "softmax-weighted average over both blocks, and no score was read twice.")
