"""Exercises of chapter 22 (post-training): the DPO loss from sequence log-probabilities, an
unbiased policy-gradient estimate on a bandit, and LoRA's forward pass and merge.
"""

from __future__ import annotations

import numpy as np

from ._core import Mistake, Runner, compare, exercise, unpack


# 22.1 ----------------------------------------------------------------------------------------
def _dpo(lw, ll, rw, rl, beta, sign=1.0, ref=True, scale=True, mean=True, minus=True):
    h = ((lw - (rw if ref else 0)) - (ll - (rl if ref else 0))) * (beta if scale else 1.0) * sign
    per_pair = np.logaddexp(0.0, -h) * (1.0 if minus else -1.0)
    return float(per_pair.mean() if mean else per_pair.sum())


@exercise("22.1", "The DPO loss",
          "function dpo(logp_chosen, logp_rejected, ref_chosen, ref_rejected, beta) -> the "
          "mean over pairs of −log σ(β·[(logp_w − ref_w) − (logp_l − ref_l)])")
def dpo(fn):
    run = Runner(fn, "dpo")
    rng = np.random.default_rng(221)
    for n, beta in [(1, 0.1), (4, 0.5), (7, 2.0)]:
        lw, ll = -rng.uniform(5, 30, n), -rng.uniform(5, 30, n)
        rw, rl = lw + rng.normal(0, 3, n), ll + rng.normal(0, 3, n)
        where = f"the DPO loss of {n} pair{'s' * (n > 1)} with beta={beta:g}"
        got = run(lw.copy(), ll.copy(), rw.copy(), rl.copy(), beta)
        wrongs = [(_dpo(lw, ll, rw, rl, beta, sign=-1.0), "the chosen answer's log-ratio comes "
                   "first: h = β·[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))]."),
                  (_dpo(lw, ll, rw, rl, beta, ref=False), "the reference model is missing: "
                   "DPO compares log π − log π_ref, how far each answer moved, not log π itself."),
                  (_dpo(lw, ll, rw, rl, beta, minus=False), "the loss is −log σ(h) (a positive "
                   "number that falls as h grows), not log σ(h)."),
                  (_dpo(lw, ll, rw, rl, 1 / beta), "β multiplies the difference of log-ratios "
                   "(it is the inverse temperature of the Bradley–Terry model), not divides it.")]
        if beta != 1:
            wrongs.append((_dpo(lw, ll, rw, rl, beta, scale=False), "β is missing: "
                           "h = β·[(…) − (…)]."))
        if n > 1:
            wrongs.append((_dpo(lw, ll, rw, rl, beta, mean=False), "the loss is the MEAN over "
                           "the pairs, not the sum."))
        compare(where, got, _dpo(lw, ll, rw, rl, beta), wrongs)
    big = run(np.array([-2000.0]), np.array([-1.0]), np.array([-1.0]), np.array([-1.0]), 1.0)
    compare("the loss of a pair whose chosen answer's log-ratio is −1999 (h = −1999)", big,
            1999.0, [(np.inf, "compute log(1 + e^(−h)) stably, e.g. np.logaddexp(0, -h): "
                              "e^(−h) overflows here.")])
    return ("right: L = mean of log(1 + e^(−h)), h = β·[(log π(y_w) − log π_ref(y_w)) − "
            "(log π(y_l) − log π_ref(y_l))], computed stably.")


# 22.2 ----------------------------------------------------------------------------------------
def _pg(theta, actions, rewards, baseline, minus_pi=True, b=True, mean=True, sign=1.0):
    p = np.exp(theta - theta.max())
    p /= p.sum()
    score = np.eye(len(theta))[actions] - (p if minus_pi else 0.0)        # ∇ log π(a)
    terms = (rewards - (baseline if b else 0.0))[:, None] * score * sign
    return terms.mean(axis=0) if mean else terms.sum(axis=0)


@exercise("22.2", "An unbiased policy-gradient estimate",
          "function policy_gradient(theta, actions, rewards, baseline) -> g (K,): the mean over "
          "samples of (r_i − b)·∇_θ log softmax(θ)[a_i]")
def policy_gradient(fn):
    run = Runner(fn, "policy_gradient")
    rng = np.random.default_rng(222)
    for K, N, b in [(2, 1, 0.0), (3, 5, 0.5), (5, 40, 1.5)]:
        theta = rng.normal(size=K)
        p = np.exp(theta) / np.exp(theta).sum()
        actions = rng.choice(K, size=N, p=p)
        rewards = rng.normal(1.0, 1.0, size=K)[actions]
        where = f"the estimate from {N} sample{'s' * (N > 1)} of {K} arms, baseline {b:g}"
        wrongs = [(_pg(theta, actions, rewards, b, minus_pi=False), "∇_θ log softmax(θ)[a] is "
                   "onehot(a) − π: the softmax's normaliser adds −π."),
                  (_pg(theta, actions, rewards, b, sign=-1.0), "the sign is flipped: the "
                   "estimate points UP the expected reward, (r − b)·∇ log π(a).")]
        if b:
            wrongs.append((_pg(theta, actions, rewards, b, b=False), "subtract the baseline "
                           "from each reward: (r_i − b)."))
        if N > 1:
            wrongs.append((_pg(theta, actions, rewards, b, mean=False), "average over the "
                           "samples, do not sum."))
        got = unpack(run(theta.copy(), actions.copy(), rewards.copy(), b), ("g",),
                     "policy_gradient")[0]
        compare(where, got, _pg(theta, actions, rewards, b), wrongs)
    # unbiased: averaged over every action weighted by π, it is the exact gradient
    theta, r = np.array([0.3, -0.2, 1.0]), np.array([1.0, 0.0, 2.0])
    p = np.exp(theta) / np.exp(theta).sum()
    exact = p * (r - p @ r)
    mean = sum(p[a] * np.asarray(run(theta.copy(), np.array([a]), r[[a]], 0.7), dtype=float)
               for a in range(3))
    if not np.allclose(mean, exact, atol=1e-9):
        raise Mistake(f"averaged over the actions with their probabilities, your estimate gives "
                      f"{np.round(mean, 4)}, but the gradient of E[r] is π ⊙ (r − E[r]) = "
                      f"{np.round(exact, 4)}.")
    return ("right: g = mean of (r_i − b)·(onehot(a_i) − π); weighted by π it is the exact "
            "gradient π ⊙ (r − E[r]) whatever the baseline (checked): unbiased.")


# 22.3 ----------------------------------------------------------------------------------------
@exercise("22.3", "LoRA's forward pass and merge",
          "function lora(X, W, b, A, B, alpha) -> (Y, W_merged): Y = X W + b + (α/r)·X A B with "
          "r = A's columns; W_merged = W + (α/r)·A B")
def lora(fn):
    run = Runner(fn, "lora")
    rng = np.random.default_rng(223)
    for m, n_in, n_out, r, alpha in [(3, 4, 5, 1, 1.0), (6, 5, 3, 2, 8.0), (2, 7, 6, 3, 1.5)]:
        X, W, b = rng.normal(size=(m, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
        A, B = rng.normal(size=(n_in, r)), rng.normal(size=(r, n_out))
        s = alpha / r
        Y, Wm = X @ W + b + s * X @ A @ B, W + s * A @ B
        got = unpack(run(X.copy(), W.copy(), b.copy(), A.copy(), B.copy(), alpha),
                     ("Y", "W_merged"), "lora")
        where = f"for X {X.shape}, rank {r}, alpha {alpha:g}"
        wrongs_y, wrongs_w = [], []
        if s != 1:
            wrongs_y.append((X @ W + b + X @ A @ B, "the correction is scaled by α/r."))
            wrongs_w.append((W + A @ B, "the merged weight carries the same scale: "
                             "W + (α/r)·A B."))
        if r != 1:
            wrongs_y.append((X @ W + b + alpha * X @ A @ B, "the scale is α/r (r = the rank, "
                             "A's number of columns), not α."))
        compare(f"Y {where}", got[0], Y, wrongs_y)
        compare(f"W_merged {where}", got[1], Wm, wrongs_w +
                [(Wm + b, "b is not part of the merged weight; it stays the bias.")])
        if not np.allclose(X @ np.asarray(got[1], dtype=float) + b, got[0], atol=1e-9):
            raise Mistake("X @ W_merged + b must equal Y.")
    return ("right: Y = X W + b + (α/r)·(X A) B; W + (α/r)·A B gives the same outputs from one "
            "matrix: the adapter costs nothing once merged.")
