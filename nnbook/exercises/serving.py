"""Exercises of chapter 23 (serving): a ragged batch padded on the left with its key mask
and each row's positions, the distribution speculative decoding draws from after a
refusal, and the tokens one target forward adds on average.
"""

from __future__ import annotations

import numpy as np

from ._core import Mistake, Runner, as_array, compare, exercise, unpack


# 23.1 ----------------------------------------------------------------------------------------
def _pad(prompts, right=False, from_slot=False):
    T = max(len(p) for p in prompts)
    ids = np.zeros((len(prompts), T))
    mask = np.zeros((len(prompts), T), dtype=bool)
    pos = np.zeros((len(prompts), T))
    for r, p in enumerate(prompts):
        a = 0 if right else T - len(p)
        ids[r, a:a + len(p)], mask[r, a:a + len(p)] = p, True
        pos[r, a:a + len(p)] = np.arange(a, a + len(p)) if from_slot else np.arange(len(p))
    return ids, mask, pos


@exercise("23.1", "Pad a ragged batch on the left",
          "function pad_batch(prompts) -> (ids, mask, positions): prompts a list of 1-D int "
          "arrays; ids (m, T) with T the longest prompt, each row right-aligned after 0s; mask "
          "(m, T) True at real tokens; positions (m, T): a real token's position counted from "
          "its row's first token, 0 at padding")
def pad_batch(fn):
    run = Runner(fn, "pad_batch")
    rng = np.random.default_rng(231)
    for lengths in [(3, 1, 5), (2, 2), (1, 6, 4, 2)]:
        prompts = [rng.integers(1, 9, n) for n in lengths]
        got = unpack(run([p.copy() for p in prompts]), ("ids", "mask", "positions"),
                     "pad_batch")
        ids, mask, pos = _pad(prompts)
        where = f"for prompts of lengths {list(lengths)}"
        compare(f"ids {where}", as_array(got[0], "ids"), ids, rtol=0, atol=0, wrongs=[
            (_pad(prompts, right=True)[0], "pad on the LEFT: the last real token of every "
                                           "row must sit in the last column, where the "
                                           "next token is read.")])
        compare(f"mask {where}", as_array(got[1], "mask"), mask, rtol=0, atol=0, wrongs=[
            (~mask, "the mask is True where a key may be read: at the real tokens.")])
        compare(f"positions {where}", as_array(got[2], "positions"), pos, rtol=0, atol=0,
                wrongs=[(_pad(prompts, from_slot=True)[2],
                         "count each row's positions from its own first token, not from "
                         "the first column: a padded row must see the positions it would "
                         "see alone.")])
    return ("right: the rows end together, the padding is masked, and each row keeps the "
            "positions it has alone, so its logits do not change.")


# 23.2 ----------------------------------------------------------------------------------------
@exercise("23.2", "The distribution after a refusal",
          "function residual(p, q) -> r: p, q (V,) the target's and the draft's "
          "distributions; r (V,) the distribution speculative decoding draws from when it "
          "refuses the draft's token")
def residual(fn):
    run = Runner(fn, "residual")
    rng = np.random.default_rng(232)
    for V in (4, 9, 17):
        p, q = rng.dirichlet(np.ones(V), size=2)
        got = as_array(run(p.copy(), q.copy()), "r")
        want = np.maximum(p - q, 0) / np.maximum(p - q, 0).sum()
        compare(f"r for V = {V}", got, want, wrongs=[
            (np.maximum(p - q, 0), "normalise: divide max(0, p − q) by its sum."),
            (p, "drawing from p after a refusal counts the kept tokens twice: draw from "
                "max(0, p − q), what p has that q did not already give."),
            (np.abs(p - q) / np.abs(p - q).sum(), "only where p exceeds q: max(0, p − q), "
                                                  "not |p − q|.")])
    return ("right: min(p, q) comes from the kept drafts, and the refusals (probability "
            "1 − Σ min(p, q)) bring exactly max(0, p − q): together p.")


# 23.3 ----------------------------------------------------------------------------------------
@exercise("23.3", "Tokens per target forward",
          "function tokens_per_forward(alpha, k) -> float: each draft kept with probability "
          "alpha (independently), k drafts a round; the expected number of tokens one "
          "target forward adds")
def tokens_per_forward(fn):
    run = Runner(fn, "tokens_per_forward")
    for alpha, k in [(0.5, 4), (0.8, 2), (0.0, 3), (0.9, 8), (1.0, 5)]:
        got = as_array(run(alpha, k), "tokens_per_forward")
        if got.size != 1:
            raise Mistake(f"tokens_per_forward({alpha}, {k}) returned shape {got.shape}; "
                          f"return one number, the expected tokens per target forward.")
        got = float(got.ravel()[0])
        want = float(sum(alpha ** i for i in range(k + 1)))
        where = f"for alpha = {alpha}, k = {k}"
        compare(f"tokens {where}", got, want, wrongs=[
            (float(sum(alpha ** i for i in range(1, k + 1))), "count the target's own "
             "token too: every round adds one token besides the drafts it keeps."),
            (alpha * k + 1, "a draft is read only if every draft before it was kept: "
                            "the i-th is kept with probability alpha^i, not alpha."),
            (float(sum(alpha ** i for i in range(k))), "the sum runs over i = 0 … k: "
                                                       "k drafts, then the target's token.")])
    return ("right: 1 + α + … + α^k = (1 − α^(k+1)) / (1 − α): the rounds stop at the first "
            "refusal, and all k kept earns one token more.")
