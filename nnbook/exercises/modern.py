"""Exercises of chapter 20 (the modern block): RMSNorm's backward, rotating a query by RoPE
(and the score that then depends on t − s only), and grouped-query attention's head mapping.
"""

from __future__ import annotations

import numpy as np

from ._core import Mistake, Runner, compare, exercise, unpack


# 20.1 ----------------------------------------------------------------------------------------
def _rmsnorm_backward(dY, X, gamma, eps):
    r = 1 / np.sqrt((X * X).mean(axis=-1, keepdims=True) + eps)
    x_hat = X * r
    g = dY * gamma
    dX = r * (g - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    axes = tuple(range(X.ndim - 1))
    return dX, (dY * x_hat).sum(axis=axes), x_hat, r, g, axes


@exercise("20.1", "RMSNorm's backward",
          "function rmsnorm_backward(dY, X, gamma, eps) -> (dX, dgamma)")
def rmsnorm_backward(fn):
    run = Runner(fn, "rmsnorm_backward")
    rng = np.random.default_rng(201)
    for shape in [(4, 5), (2, 3, 6)]:
        X = rng.normal(loc=0.7, scale=1.5, size=shape)          # a mean ≠ 0: unlike LayerNorm
        gamma = rng.uniform(0.5, 2.0, shape[-1])
        dY = rng.normal(size=shape)
        eps = 1e-6
        dX, dgamma, x_hat, r, g, axes = _rmsnorm_backward(dY, X, gamma, eps)
        got = unpack(run(dY, X, gamma, eps), ("dX", "dgamma"), "rmsnorm_backward")
        where = f"for X of shape {shape}"
        compare(f"dgamma {where}", got[1], dgamma, [
            ((dY * X).sum(axis=axes), "∂E/∂γ = Σ dY · x̂ uses the normalised x̂ = x/rms, not x."),
            ((dY * x_hat).sum(axis=-1), "γ is one number per FEATURE: sum dY · x̂ over every "
                                        "axis but the last."),
            ((dY * x_hat).mean(axis=axes), "∂E/∂γ is the SUM over the samples (and positions), "
                                           "not the mean.")])
        xc = X - X.mean(axis=-1, keepdims=True)
        ln_hat = xc / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps)
        layernorm = (g - g.mean(axis=-1, keepdims=True)
                     - ln_hat * (g * ln_hat).mean(axis=-1, keepdims=True)) \
            / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps)
        compare(f"dX {where}", got[0], dX, [
            (g * r, "that treats the rms as a constant; it depends on every feature of the "
                    "vector: subtract x̂ times the mean of g·x̂ (g = γ ⊙ dY) before scaling by r."),
            (r * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(
                axis=-1, keepdims=True)),
             "RMSNorm has no mean to subtract, so there is no −mean(g) term: "
             "dX = r·(g − x̂·mean(g·x̂))."),
            (layernorm, "that is LayerNorm's backward; RMSNorm divides by the root mean square "
                        "of x itself (no centring): dX = r·(g − x̂·mean(g·x̂)), r = 1/√(⟨x²⟩ + ε)."),
            (r * (dY - x_hat * (dY * x_hat).mean(axis=-1, keepdims=True)),
             "γ is missing: the upstream gradient of x̂ is g = γ ⊙ dY."),
            (r * (g - x_hat * (g * x_hat).sum(axis=-1, keepdims=True)),
             "the rms is a MEAN over the n features: the term is x̂ · mean(g·x̂), not x̂ · sum."),
        ])
    return "right: dX = r·(g − x̂·mean(g·x̂)) with g = γ ⊙ dY, r = 1/√(⟨x²⟩ + ε); ∂E/∂γ = Σ dY·x̂."


# 20.2 ----------------------------------------------------------------------------------------
def _rotate(x, t, base, sign=1.0, exponent=2.0, halves=False, use_t=True):
    d = x.shape[-1]
    i = np.arange(d // 2)
    theta = (t if use_t else 1.0) * base ** (-exponent * i / d) * sign
    if halves:
        a, b = x[: d // 2], x[d // 2:]
        return np.concatenate([a * np.cos(theta) - b * np.sin(theta),
                               a * np.sin(theta) + b * np.cos(theta)])
    a, b = x[0::2], x[1::2]
    y = np.empty(d)
    y[0::2] = a * np.cos(theta) - b * np.sin(theta)
    y[1::2] = a * np.sin(theta) + b * np.cos(theta)
    return y


@exercise("20.2", "Rotate a query by RoPE",
          "function rope_rotate(x, t, base) -> y: x (d_head,) at position t, pairs (2i, 2i+1) "
          "turned by t·base^(−2i/d_head)")
def rope_rotate(fn):
    run = Runner(fn, "rope_rotate")
    rng = np.random.default_rng(202)
    for d, t, base in [(2, 1, 10000.0), (8, 5, 10000.0), (6, 13, 100.0), (4, 0, 10000.0)]:
        x = rng.normal(size=d)
        where = f"rope_rotate(x of shape ({d},), t={t}, base={base:g})"
        wrongs = [(_rotate(x, t, base, sign=-1.0), "the pairs turn the wrong way: "
                   "y[2i] = x[2i]·cos θ − x[2i+1]·sin θ and y[2i+1] = x[2i]·sin θ + x[2i+1]·cos θ."),
                  (_rotate(x, t, base, exponent=1.0), "the frequency of pair i is "
                   "base^(−2i/d_head) (the 2i is the pair's first feature), not base^(−i/d_head).")]
        if d > 2:
            wrongs.append((_rotate(x, t, base, halves=True),
                           "a pair is two NEIGHBOURING features (2i, 2i + 1), not feature i with "
                           "feature i + d/2 (that is another convention, with other weights)."))
        if t not in (0, 1):
            wrongs.append((_rotate(x, t, base, use_t=False), "the angle grows with the "
                           "position: θ = t·base^(−2i/d_head); t is missing."))
        compare(where, run(x, t, base), _rotate(x, t, base), wrongs)
    q, k = rng.normal(size=8), rng.normal(size=8)
    scores = [float(np.dot(np.asarray(run(q, t + c, 10000.0), dtype=float),
                           np.asarray(run(k, s + c, 10000.0), dtype=float)))
              for t, s in [(7, 3)] for c in (0, 5, 40)]
    if max(scores) - min(scores) > 1e-9:
        raise Mistake(f"rotated by rope_rotate, q at t and k at s give the scores {scores} when "
                      f"both positions move by 0, 5 and 40: they must be equal (t − s is the same).")
    return ("right: each pair turns by t·base^(−2i/d_head), so R_t q · R_s k = q · R_(s−t) k "
            "depends on t − s only (checked: shifting both positions leaves the score).")


# 20.3 ----------------------------------------------------------------------------------------
def _gqa_scores(Q, K, group):
    h = Q.shape[0]
    return np.stack([Q[j] @ K[group(j)].T for j in range(h)]) / np.sqrt(Q.shape[-1])


@exercise("20.3", "Grouped-query attention's heads",
          "function gqa_scores(Q, K) -> S: Q (n_heads, T, d_head), K (n_kv_heads, T, d_head), "
          "S (n_heads, T, T) = Q_h K_(kv head of h)ᵀ/√d_head")
def gqa_scores(fn):
    run = Runner(fn, "gqa_scores")
    rng = np.random.default_rng(203)
    for h, k, T, dh in [(4, 2, 3, 2), (6, 3, 4, 3), (4, 1, 2, 4), (3, 3, 3, 2), (8, 2, 2, 2)]:
        Q, K = rng.normal(size=(h, T, dh)), rng.normal(size=(k, T, dh))
        g = h // k
        where = f"gqa_scores(Q of shape {Q.shape}, K of shape {K.shape})"
        wrongs = [(_gqa_scores(Q, K, lambda j: j % k),
                   "query head h reads key head h // (n_heads // n_kv_heads): CONSECUTIVE query "
                   "heads share one (np.repeat(K, g, axis=0)), not every k-th (np.tile, h % k)."),
                  (_gqa_scores(Q, K, lambda j: j // g) * np.sqrt(dh),
                   "divide the scores by √d_head.")]
        if g not in (1, k):
            wrongs.append((_gqa_scores(Q, K, lambda j: min(j // k, k - 1)),
                           "the group size is n_heads // n_kv_heads: head h reads h // g, "
                           "not h // n_kv_heads."))
        compare(where, run(Q, K), _gqa_scores(Q, K, lambda j: j // g), wrongs)
    return ("right: with g = n_heads / n_kv_heads, query head h reads key head h // g "
            "(np.repeat(K, g, axis=0)); k = n_heads is plain multi-head attention, k = 1 "
            "multi-query attention.")
