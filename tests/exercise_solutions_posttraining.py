"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 22; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 22.1 · The DPO loss ---------------------------------------------------------------------------
def dpo(logp_chosen, logp_rejected, ref_chosen, ref_rejected, beta):
    h = beta * ((logp_chosen - ref_chosen) - (logp_rejected - ref_rejected))
    return float(np.logaddexp(0.0, -h).mean())          # −log σ(h) = log(1 + e^(−h)), stably


def dpo_swapped(lw, ll, rw, rl, beta):
    return dpo(ll, lw, rl, rw, beta)


def dpo_no_reference(lw, ll, rw, rl, beta):
    return dpo(lw, ll, 0 * rw, 0 * rl, beta)


def dpo_log_sigma(lw, ll, rw, rl, beta):
    return -dpo(lw, ll, rw, rl, beta)


def dpo_sum(lw, ll, rw, rl, beta):
    return dpo(lw, ll, rw, rl, beta) * len(lw)


RIGHT["22.1"] = dpo
WRONG += [
    ("22.1", dpo_swapped, "chosen answer's log-ratio comes first"),
    ("22.1", dpo_no_reference, "reference model is missing"),
    ("22.1", dpo_log_sigma, "not log σ(h)"),
    ("22.1", dpo_sum, "MEAN over the pairs"),
]


# 22.2 · An unbiased policy-gradient estimate ----------------------------------------------------
def policy_gradient(theta, actions, rewards, baseline):
    p = np.exp(theta - theta.max())
    p /= p.sum()                                          # π = softmax(θ)
    score = np.eye(len(theta))[actions] - p               # ∇_θ log π(a_i), one row per sample
    return ((rewards - baseline)[:, None] * score).mean(axis=0)


def policy_gradient_no_normaliser(theta, actions, rewards, baseline):
    return ((rewards - baseline)[:, None] * np.eye(len(theta))[actions]).mean(axis=0)


def policy_gradient_descent(theta, actions, rewards, baseline):
    return -policy_gradient(theta, actions, rewards, baseline)


def policy_gradient_no_baseline(theta, actions, rewards, baseline):
    return policy_gradient(theta, actions, rewards, 0.0)


def policy_gradient_sum(theta, actions, rewards, baseline):
    return policy_gradient(theta, actions, rewards, baseline) * len(actions)


RIGHT["22.2"] = policy_gradient
WRONG += [
    ("22.2", policy_gradient_no_normaliser, "onehot(a) − π"),
    ("22.2", policy_gradient_descent, "the sign is flipped"),
    ("22.2", policy_gradient_no_baseline, "subtract the baseline"),
    ("22.2", policy_gradient_sum, "average over the samples"),
]


# 22.3 · LoRA's forward pass and merge ---------------------------------------------------------
def lora(X, W, b, A, B, alpha):
    scale = alpha / A.shape[1]                            # α / r
    return X @ W + b + scale * (X @ A) @ B, W + scale * A @ B


def lora_unscaled(X, W, b, A, B, alpha):
    return X @ W + b + (X @ A) @ B, W + A @ B


def lora_alpha(X, W, b, A, B, alpha):
    return X @ W + b + alpha * (X @ A) @ B, W + alpha * A @ B


def lora_merge_unscaled(X, W, b, A, B, alpha):
    return lora(X, W, b, A, B, alpha)[0], W + A @ B


def lora_merge_with_bias(X, W, b, A, B, alpha):
    Y, Wm = lora(X, W, b, A, B, alpha)
    return Y, Wm + b


RIGHT["22.3"] = lora
WRONG += [
    ("22.3", lora_unscaled, "scaled by α/r"),
    ("22.3", lora_alpha, "not α"),
    ("22.3", lora_merge_unscaled, "carries the same scale"),
    ("22.3", lora_merge_with_bias, "b is not part of the merged weight"),
]
