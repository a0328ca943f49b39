"""Exercises of chapter 21 (inference): one attention step with a KV cache, top-p on a given
distribution, and the memory of the cache.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, check_number_function, compare, exercise, unpack


# 21.1 ----------------------------------------------------------------------------------------
def _softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _cache_step(q, k_new, v_new, K, V, scale=True, append=True):
    K2 = np.vstack([K, k_new[None]]) if append else K
    V2 = np.vstack([V, v_new[None]]) if append else V
    s = K2 @ q / (np.sqrt(q.size) if scale else 1.0)
    return _softmax(s) @ V2, K2, V2


@exercise("21.1", "One attention step with a KV cache",
          "function cache_step(q, k_new, v_new, K, V) -> (out, K, V): q, k_new, v_new (d,), "
          "K, V (L, d) the cache; out (d,) attends over L + 1 positions")
def cache_step(fn):
    run = Runner(fn, "cache_step")
    rng = np.random.default_rng(211)
    for L, d in [(0, 4), (3, 4), (6, 8), (1, 2)]:
        q, k_new, v_new = rng.normal(size=(3, d))
        K, V = rng.normal(size=(L, d)), rng.normal(size=(L, d))
        out, K2, V2 = _cache_step(q, k_new, v_new, K, V)
        got = unpack(run(q, k_new, v_new, K, V), ("out", "K", "V"), "cache_step")
        where = f"with {L} cached positions, d = {d}"
        compare(f"K {where}", got[1], K2, [(K, "append k_new to the cache: K grows by one "
                                               "row, np.vstack([K, k_new]).")])
        compare(f"V {where}", got[2], V2, [(V, "append v_new to the cache: V grows by one "
                                               "row, np.vstack([V, v_new]).")])
        wrongs = [(_cache_step(q, k_new, v_new, K, V, scale=False)[0],
                   "divide the scores K q by √d before the softmax.")]
        if L:
            wrongs.append((_cache_step(q, k_new, v_new, K, V, append=False)[0],
                           "the new position attends to itself too: append k_new and v_new "
                           "first, then attend over all L + 1 positions."))
            wrongs.append((v_new, "the output weighs every cached value by its softmax "
                                  "weight, not only the new one."))
        compare(f"out {where}", got[0], out, wrongs)
    return ("right: append k and v, then one query attends over the whole cache; nothing "
            "earlier is recomputed.")


# 21.2 ----------------------------------------------------------------------------------------
def _top_p(p, top, strict=False, skip_first=False, renorm=True, slack=1e-12):
    order = np.argsort(-p, kind="stable")
    sp = p[order]
    before = np.concatenate([[0.0], np.cumsum(sp)[:-1]])   # the mass of the tokens ahead
    keep_sorted = before < top - slack
    if strict:                               # keeps the tokens whose running sum stays below p
        keep_sorted = np.cumsum(sp) < top - 1e-12
    if not skip_first:
        keep_sorted[0] = True
    keep = np.zeros(p.size, bool)
    keep[order] = keep_sorted
    out = np.where(keep, p, 0.0)
    return out / out.sum() if renorm else out


def _other_tie(got, probs, expected):
    """Whether ``got`` is ``expected`` with a tie at the cut broken the other way: the same
    number of kept tokens, holding the same probabilities, renormalised (the task states
    no tie rule, so either side of a tie is a right answer)."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    if got.shape != probs.shape or not np.isfinite(got).all():
        return False
    kept, ref = got > 0, expected > 0
    return (kept.sum() == ref.sum()
            and np.allclose(np.sort(probs[kept]), np.sort(probs[ref]), rtol=0, atol=1e-12)
            and np.allclose(got[kept], probs[kept] / probs[kept].sum(), rtol=1e-6, atol=1e-9))


@exercise("21.2", "Top-p on a given distribution",
          "function top_p(probs, p) -> q: probs (V,) sums to 1; keep the smallest set of most "
          "probable tokens whose mass reaches p, zero the rest, renormalise (equal "
          "probabilities at the cut may be kept either way)")
def top_p(fn):
    run = Runner(fn, "top_p")
    rng = np.random.default_rng(212)
    cases = [(np.array([0.1, 0.5, 0.2, 0.15, 0.05]), 0.75),
             (np.array([0.05, 0.6, 0.35]), 0.5),
             (np.array([0.25, 0.25, 0.25, 0.25]), 0.6),
             (rng.dirichlet(np.ones(12)), 0.9),
             (np.array([0.4, 0.3, 0.2, 0.1]), 0.7),
             # sums equal to p up to round-off: in floating point 0.7 + 0.2 and
             # 0.48 + 0.42 are both 0.8999999999999999, below 0.9
             (np.array([0.7, 0.2, 0.1]), 0.9), (np.array([0.48, 0.42, 0.1]), 0.9)]
    for probs, top in cases:
        where = f"top_p(probs={np.round(probs, 3).tolist()}, p={top})"
        got, expected = run(probs, top), _top_p(probs, top)
        if _other_tie(got, probs, expected):
            continue
        compare(where, got, expected, [
            (_top_p(probs, top, renorm=False), "the kept probabilities must sum to 1 again: "
                                               "divide them by their sum."),
            (_top_p(probs, top, strict=True), "keep the token that makes the running sum "
                                              "REACH p too: a token is kept when the tokens "
                                              "before it (sorted) hold less than p."),
            (_top_p(probs, top, slack=0), "in floating point a running sum can fall just "
                                          "short of p (0.7 + 0.2 is 0.8999999999999999): "
                                          "compare it with p up to a small slack (p - 1e-12), "
                                          "as top_p_filter does, or a set whose mass equals p "
                                          "is not seen to reach it."),
        ])
    return ("right: sorted from the most probable down, a token is kept while the tokens "
            "before it hold less than p; then renormalise.")


# 21.3 ----------------------------------------------------------------------------------------
def _memory(n_layers, n_heads, n_kv_heads, d_head, T, m, itemsize, kv=True, two=True):
    heads = n_kv_heads if kv else n_heads
    return (2 if two else 1) * n_layers * heads * d_head * T * m * itemsize


@exercise("21.3", "The memory of a KV cache",
          "function cache_bytes(n_layers, n_heads, n_kv_heads, d_head, T, m, itemsize) -> "
          "the bytes the cache holds for m texts of T positions")
def cache_bytes(fn):
    run = Runner(fn, "cache_bytes")
    cases = [(2, 4, 2, 8, 102, 8, 8), (32, 32, 8, 128, 8192, 1, 2), (1, 6, 6, 4, 10, 3, 4),
             (12, 12, 1, 64, 1024, 2, 4), (4, 8, 4, 16, 7, 5, 8)]
    check_number_function(run, cases, _memory, [
        (lambda *c: _memory(*c, kv=False), "the cache holds the KEY/VALUE heads: "
                                           "n_kv_heads, not the n_heads query heads."),
        (lambda *c: _memory(*c, two=False), "a key AND a value per position: the factor 2 "
                                            "is missing."),
        (lambda *c: _memory(*c) // c[6], "count bytes: multiply by itemsize, the bytes "
                                         "of one number."),
        (lambda *c: _memory(*c) // c[5], "each of the m texts has its own cache: "
                                         "multiply by m."),
    ], lambda c: f"(n_layers={c[0]}, n_heads={c[1]}, n_kv_heads={c[2]}, d_head={c[3]}, "
                 f"T={c[4]}, m={c[5]}, itemsize={c[6]})")
    return ("right: 2 · n_layers · n_kv_heads · d_head · T · m · itemsize; grouped-query "
            "attention divides it by n_heads / n_kv_heads.")
