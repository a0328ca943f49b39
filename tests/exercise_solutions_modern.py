"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 20; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 20.1 · RMSNorm's backward ------------------------------------------------------------------
def rmsnorm_backward(dY, X, gamma, eps):
    r = 1 / np.sqrt((X ** 2).mean(axis=-1, keepdims=True) + eps)     # 1/rms, one per vector
    x_hat = X * r
    g = dY * gamma                                                    # ∂E/∂x̂
    dX = r * (g - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    return dX, (dY * x_hat).reshape(-1, X.shape[-1]).sum(axis=0)


def rmsnorm_backward_constant_rms(dY, X, gamma, eps):
    r = 1 / np.sqrt((X ** 2).mean(axis=-1, keepdims=True) + eps)
    return dY * gamma * r, rmsnorm_backward(dY, X, gamma, eps)[1]


def rmsnorm_backward_with_mean(dY, X, gamma, eps):
    r = 1 / np.sqrt((X ** 2).mean(axis=-1, keepdims=True) + eps)
    x_hat, g = X * r, dY * gamma
    dX = r * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    return dX, rmsnorm_backward(dY, X, gamma, eps)[1]


def rmsnorm_backward_layernorm(dY, X, gamma, eps):
    xc = X - X.mean(axis=-1, keepdims=True)
    s = np.sqrt((xc ** 2).mean(axis=-1, keepdims=True) + eps)
    x_hat, g = xc / s, dY * gamma
    dX = (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) / s
    return dX, rmsnorm_backward(dY, X, gamma, eps)[1]


def rmsnorm_backward_dgamma_from_x(dY, X, gamma, eps):
    return rmsnorm_backward(dY, X, gamma, eps)[0], (dY * X).reshape(-1, X.shape[-1]).sum(axis=0)


def rmsnorm_backward_no_gamma(dY, X, gamma, eps):
    return rmsnorm_backward(dY, X, np.ones_like(gamma), eps)[0], rmsnorm_backward(dY, X, gamma, eps)[1]


RIGHT["20.1"] = rmsnorm_backward
WRONG += [
    ("20.1", rmsnorm_backward_constant_rms, "treats the rms as a constant"),
    ("20.1", rmsnorm_backward_with_mean, "no −mean(g) term"),
    ("20.1", rmsnorm_backward_layernorm, "that is LayerNorm's backward"),
    ("20.1", rmsnorm_backward_dgamma_from_x, "uses the normalised x̂ = x/rms, not x"),
    ("20.1", rmsnorm_backward_no_gamma, "γ is missing"),
]


# 20.2 · RoPE -----------------------------------------------------------------------------------
def rope_rotate(x, t, base):
    d = len(x)
    theta = t * base ** (-np.arange(0, d, 2) / d)                    # one angle per pair
    y = np.empty(d)
    y[0::2] = x[0::2] * np.cos(theta) - x[1::2] * np.sin(theta)
    y[1::2] = x[0::2] * np.sin(theta) + x[1::2] * np.cos(theta)
    return y


def rope_rotate_backwards(x, t, base):
    return rope_rotate(x, -t, base)


def rope_rotate_halves(x, t, base):
    d = len(x)
    theta = t * base ** (-np.arange(0, d, 2) / d)
    a, b = x[:d // 2], x[d // 2:]
    return np.concatenate([a * np.cos(theta) - b * np.sin(theta), a * np.sin(theta) + b * np.cos(theta)])


def rope_rotate_slow_exponent(x, t, base):
    d = len(x)
    theta = t * base ** (-np.arange(d // 2) / d)
    y = np.empty(d)
    y[0::2] = x[0::2] * np.cos(theta) - x[1::2] * np.sin(theta)
    y[1::2] = x[0::2] * np.sin(theta) + x[1::2] * np.cos(theta)
    return y


def rope_rotate_no_position(x, t, base):
    return rope_rotate(x, 1, base)


def rope_rotate_far_positions_shifted(x, t, base):
    # right at the positions compared one by one, stretched beyond: only the shift test sees it
    return rope_rotate(x, t if t < 20 else 1.01 * t, base)


RIGHT["20.2"] = rope_rotate
WRONG += [
    ("20.2", rope_rotate_backwards, "the pairs turn the wrong way"),
    ("20.2", rope_rotate_halves, "two NEIGHBOURING features"),
    ("20.2", rope_rotate_slow_exponent, "not base^(−i/d_head)"),
    ("20.2", rope_rotate_no_position, "t is missing"),
    ("20.2", rope_rotate_far_positions_shifted, "they must be equal (t − s is the same)"),
]


# 20.3 · grouped-query attention ----------------------------------------------------------------
def gqa_scores(Q, K):
    g = Q.shape[0] // K.shape[0]                                      # query heads per kv head
    return Q @ np.repeat(K, g, axis=0).swapaxes(1, 2) / np.sqrt(Q.shape[-1])


def gqa_scores_tiled(Q, K):
    g = Q.shape[0] // K.shape[0]
    return Q @ np.tile(K, (g, 1, 1)).swapaxes(1, 2) / np.sqrt(Q.shape[-1])


def gqa_scores_unscaled(Q, K):
    return gqa_scores(Q, K) * np.sqrt(Q.shape[-1])


RIGHT["20.3"] = gqa_scores
WRONG += [
    ("20.3", gqa_scores_tiled, "CONSECUTIVE query heads share one"),
    ("20.3", gqa_scores_unscaled, "divide the scores by √d_head"),
]
