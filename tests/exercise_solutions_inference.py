"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 21; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 21.1 · One attention step with a KV cache -----------------------------------------------------
def cache_step(q, k_new, v_new, K, V):
    K = np.vstack([K, k_new[None]])                   # the cache grows by the new position
    V = np.vstack([V, v_new[None]])
    s = K @ q / np.sqrt(len(q))                        # one score per cached position
    a = np.exp(s - s.max())
    return (a / a.sum()) @ V, K, V


def cache_step_no_append(q, k_new, v_new, K, V):
    out, K2, V2 = cache_step(q, k_new, v_new, K, V)
    return out, K, V


def cache_step_unscaled(q, k_new, v_new, K, V):
    return cache_step(q * np.sqrt(len(q)), k_new, v_new, K, V)


def cache_step_before_append(q, k_new, v_new, K, V):
    if len(K) == 0:
        return cache_step(q, k_new, v_new, K, V)
    s = K @ q / np.sqrt(len(q))
    a = np.exp(s - s.max())
    return (a / a.sum()) @ V, np.vstack([K, k_new[None]]), np.vstack([V, v_new[None]])


RIGHT["21.1"] = cache_step
WRONG += [
    ("21.1", cache_step_no_append, "append k_new to the cache"),
    ("21.1", cache_step_unscaled, "divide the scores K q by √d"),
    ("21.1", cache_step_before_append, "the new position attends to itself too"),
    ("21.1", lambda q, k, v, K, V: cache_step(q, k, v, K, V)[0], "should return 3 results"),
]


# 21.2 · Top-p ----------------------------------------------------------------------------------
def top_p(probs, p):
    order = np.argsort(-probs, kind="stable")          # most probable first
    before = np.cumsum(probs[order]) - probs[order]     # the mass of the tokens ahead
    keep = np.zeros(len(probs), dtype=bool)
    keep[order] = before < p - 1e-12                    # the first token: before = 0 < p
    q = np.where(keep, probs, 0.0)
    return q / q.sum()


def top_p_not_renormalised(probs, p):
    kept = top_p(probs, p) > 0
    return np.where(kept, probs, 0.0)


def top_p_strict(probs, p):
    order = np.argsort(-probs, kind="stable")
    keep = np.zeros(len(probs), dtype=bool)
    keep[order] = np.cumsum(probs[order]) < p - 1e-12
    keep[order[0]] = True
    q = np.where(keep, probs, 0.0)
    return q / q.sum()


def top_p_no_slack(probs, p):     # compares with p exactly: 0.48 + 0.42 falls short of 0.9
    order = np.argsort(-probs, kind="stable")
    keep = np.zeros(len(probs), dtype=bool)
    keep[order] = np.cumsum(probs[order]) - probs[order] < p
    q = np.where(keep, probs, 0.0)
    return q / q.sum()


RIGHT["21.2"] = top_p
WRONG += [
    ("21.2", top_p_not_renormalised, "divide them by their sum"),
    ("21.2", top_p_strict, "REACH p too"),
    ("21.2", top_p_no_slack, "up to a small slack"),
]


# 21.3 · The memory of a KV cache ---------------------------------------------------------------
def cache_bytes(n_layers, n_heads, n_kv_heads, d_head, T, m, itemsize):
    return 2 * n_layers * n_kv_heads * d_head * T * m * itemsize    # a key and a value


RIGHT["21.3"] = cache_bytes
WRONG += [
    ("21.3", lambda L, h, kv, dh, T, m, b: 2 * L * h * dh * T * m * b, "n_kv_heads, not the"),
    ("21.3", lambda L, h, kv, dh, T, m, b: L * kv * dh * T * m * b, "the factor 2"),
    ("21.3", lambda L, h, kv, dh, T, m, b: 2 * L * kv * dh * T * m, "multiply by itemsize"),
    ("21.3", lambda L, h, kv, dh, T, m, b: 2 * L * kv * dh * T * b, "multiply by m"),
]
