"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapters 17–18; exercise_solutions.py merges them into its own."""

import numpy as np


def _softmax_rows(S):
    E = np.exp(S - S.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


# 17.1 -------------------------------------------------------------------------------------
def causal_attention(Q, K, V):
    T, d_k = Q.shape
    S = Q @ K.T / np.sqrt(d_k) + np.triu(np.full((T, T), -np.inf), k=1)
    return _softmax_rows(S) @ V


def causal_attention_mask_below(Q, K, V):
    T, d_k = Q.shape
    return _softmax_rows(Q @ K.T / np.sqrt(d_k) + np.tril(np.full((T, T), -np.inf), k=-1)) @ V


def causal_attention_hides_diagonal(Q, K, V):
    T, d_k = Q.shape
    with np.errstate(invalid="ignore"):                # row 0 is all −∞: NaN
        return _softmax_rows(Q @ K.T / np.sqrt(d_k) + np.triu(np.full((T, T), -np.inf), k=0)) @ V


def causal_attention_unscaled(Q, K, V):
    T = Q.shape[0]
    return _softmax_rows(Q @ K.T + np.triu(np.full((T, T), -np.inf), k=1)) @ V


def causal_attention_zero_mask(Q, K, V):
    T, d_k = Q.shape
    S = Q @ K.T / np.sqrt(d_k)
    S[np.triu_indices(T, 1)] = 0.0
    return _softmax_rows(S) @ V


def causal_attention_no_mask(Q, K, V):
    return _softmax_rows(Q @ K.T / np.sqrt(Q.shape[1])) @ V


# 17.2 -------------------------------------------------------------------------------------
def embedding_grad(ids, dY, vocab_size):
    dW = np.zeros((vocab_size, dY.shape[-1]))
    np.add.at(dW, np.asarray(ids).ravel(), dY.reshape(-1, dY.shape[-1]))
    return dW


def embedding_grad_assign(ids, dY, vocab_size):
    dW = np.zeros((vocab_size, dY.shape[-1]))
    dW[np.asarray(ids).ravel()] = dY.reshape(-1, dY.shape[-1])
    return dW


def embedding_grad_divided(ids, dY, vocab_size):
    return embedding_grad(ids, dY, vocab_size) / np.asarray(ids).size


# 17.3 -------------------------------------------------------------------------------------
def attention_backward(Q, K, V, dO):
    d_k = Q.shape[1]
    A = _softmax_rows(Q @ K.T / np.sqrt(d_k))
    dV = A.T @ dO
    dA = dO @ V.T
    dS = A * (dA - (dA * A).sum(axis=1, keepdims=True))
    return dS @ K / np.sqrt(d_k), dS.T @ Q / np.sqrt(d_k), dV


def attention_backward_no_rowsum(Q, K, V, dO):
    d_k = Q.shape[1]
    A = _softmax_rows(Q @ K.T / np.sqrt(d_k))
    dS = A * (dO @ V.T)
    return dS @ K / np.sqrt(d_k), dS.T @ Q / np.sqrt(d_k), A.T @ dO


def attention_backward_dV_untransposed(Q, K, V, dO):
    dQ, dK, _ = attention_backward(Q, K, V, dO)
    A = _softmax_rows(Q @ K.T / np.sqrt(Q.shape[1]))
    return dQ, dK, A @ dO


def attention_backward_unscaled(Q, K, V, dO):
    dQ, dK, dV = attention_backward(Q, K, V, dO)
    s = np.sqrt(Q.shape[1])
    return dQ * s, dK * s, dV


# 18.1 -------------------------------------------------------------------------------------
def layernorm_backward(dY, X, gamma, eps):
    mu = X.mean(axis=-1, keepdims=True)
    var = X.var(axis=-1, keepdims=True)
    x_hat = (X - mu) / np.sqrt(var + eps)
    g = dY * gamma
    dX = (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) / np.sqrt(var + eps)
    axes = tuple(range(X.ndim - 1))
    return dX, (dY * x_hat).sum(axis=axes), dY.sum(axis=axes)


def layernorm_backward_constant_stats(dY, X, gamma, eps):
    dX, dgamma, dbeta = layernorm_backward(dY, X, gamma, eps)
    return dY * gamma / np.sqrt(X.var(axis=-1, keepdims=True) + eps), dgamma, dbeta


def layernorm_backward_batch_axis(dY, X, gamma, eps):
    if X.ndim != 2:
        return layernorm_backward(dY, X, gamma, eps)
    mu, var = X.mean(axis=0), X.var(axis=0)
    x_hat = (X - mu) / np.sqrt(var + eps)
    m = X.shape[0]
    db, dg = dY.sum(axis=0), (dY * x_hat).sum(axis=0)
    dX = gamma / np.sqrt(var + eps) * (dY - db / m - x_hat * dg / m)
    xh = (X - X.mean(axis=-1, keepdims=True)) / np.sqrt(X.var(axis=-1, keepdims=True) + eps)
    return dX, (dY * xh).sum(axis=0), dY.sum(axis=0)


def layernorm_backward_dbeta_per_sample(dY, X, gamma, eps):
    dX, dgamma, _ = layernorm_backward(dY, X, gamma, eps)
    return dX, dgamma, dY.sum(axis=-1)


# 18.2 -------------------------------------------------------------------------------------
def dependence(attend, T, d):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, d))
    base = attend(x)
    D = np.zeros((T, T), bool)
    for s in range(T):
        x2 = x.copy()
        x2[s] += 1.0
        D[:, s] = np.abs(attend(x2) - base).max(axis=1) > 1e-9
    return D


def dependence_transposed(attend, T, d):
    return dependence(attend, T, d).T


def dependence_exact_equality(attend, T, d):
    return np.ones((T, T), bool)


def dependence_without_diagonal(attend, T, d):
    return dependence(attend, T, d) & ~np.eye(T, dtype=bool)


RIGHT = {"17.1": causal_attention, "17.2": embedding_grad, "17.3": attention_backward,
         "18.1": layernorm_backward, "18.2": dependence}
WRONG = [           # (exercise id, wrong answer, text the feedback must contain)
    ("17.1", causal_attention_mask_below, "the mask is on the wrong side"),
    ("17.1", causal_attention_hides_diagonal, "the mask hides the diagonal too"),
    ("17.1", causal_attention_unscaled, "divide the scores by √d_k"),
    ("17.1", causal_attention_zero_mask, "masked scores set to 0 still get weight"),
    ("17.1", causal_attention_no_mask, "there is no mask"),
    ("17.2", embedding_grad_assign, "must ADD UP"),
    ("17.2", embedding_grad_divided, "don't divide by m·T"),
    ("17.3", attention_backward_no_rowsum, "needs the row sum"),
    ("17.3", attention_backward_dV_untransposed, "dV = Aᵀ dO"),
    ("17.3", attention_backward_unscaled, "divide by √d_k"),
    ("18.1", layernorm_backward_constant_stats, "treats μ and σ² as constants"),
    ("18.1", layernorm_backward_batch_axis, "batch normalisation's statistics"),
    ("18.1", layernorm_backward_dbeta_per_sample, "β is one number per FEATURE"),
    ("18.2", dependence_transposed, "the matrix is transposed"),
    ("18.2", dependence_exact_equality, "every entry is True"),
    ("18.2", dependence_without_diagonal, "the diagonal is missing"),
]
