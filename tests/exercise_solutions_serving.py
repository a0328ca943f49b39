"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 23; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 23.1 · Pad a ragged batch on the left -----------------------------------------------------
def pad_batch(prompts, right=False, from_slot=False):
    T = max(len(p) for p in prompts)
    ids = np.zeros((len(prompts), T), dtype=int)
    mask = np.zeros((len(prompts), T), dtype=bool)
    positions = np.zeros((len(prompts), T), dtype=int)
    for r, p in enumerate(prompts):
        start = 0 if right else T - len(p)
        ids[r, start:start + len(p)] = p
        mask[r, start:start + len(p)] = True
        positions[r, start:start + len(p)] = (np.arange(start, start + len(p)) if from_slot
                                              else np.arange(len(p)))
    return ids, mask, positions


RIGHT["23.1"] = pad_batch
WRONG += [("23.1", lambda ps: pad_batch(ps, right=True), "pad on the LEFT"),
          ("23.1", lambda ps: pad_batch(ps, from_slot=True), "from its own first token")]


# 23.2 · The distribution after a refusal ---------------------------------------------------
def residual(p, q):
    r = np.maximum(p - q, 0.0)
    return r / r.sum()


RIGHT["23.2"] = residual
WRONG += [("23.2", lambda p, q: np.maximum(p - q, 0.0), "normalise"),
          ("23.2", lambda p, q: p, "counts the kept tokens twice")]


# 23.3 · Tokens per target forward ----------------------------------------------------------
def tokens_per_forward(alpha, k):
    return float(sum(alpha ** i for i in range(k + 1)))


RIGHT["23.3"] = tokens_per_forward
WRONG += [("23.3", lambda a, k: a * k + 1, "alpha^i, not alpha"),
          ("23.3", lambda a, k: float(sum(a ** i for i in range(1, k + 1))),
           "count the target's own token")]
