"""Exercises of chapters 17 (embeddings and attention: causal attention, the embedding's
gradient, attention's backward through the softmax) and 18 (a small transformer: layer
normalisation's backward, and finding the leak of an attention that sees the future).
"""

from __future__ import annotations

import numpy as np

from ._core import Mistake, Runner, compare, exercise, unpack


def _softmax(S):
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def _attention(Q, K, V, mask=None, scale=True):
    S = Q @ K.T / (np.sqrt(Q.shape[1]) if scale else 1.0)
    if mask is not None:
        S = S + mask
    A = _softmax(S)
    return A @ V, A


def _mask(T, k=1):
    return np.triu(np.full((T, T), -np.inf), k=k)


def _qkv(rng, T, d_k, d_v):
    return 1.5 * rng.normal(size=(T, d_k)), 1.5 * rng.normal(size=(T, d_k)), rng.normal(size=(T, d_v))


@exercise("17.1", "Causal attention", "function causal_attention(Q, K, V) -> O")
def causal_attention(fn):
    run = Runner(fn, "causal_attention")
    rng = np.random.default_rng(171)
    for T, d_k, d_v in [(5, 4, 3), (7, 9, 2), (1, 3, 3)]:
        Q, K, V = _qkv(rng, T, d_k, d_v)
        where = f"causal_attention(Q {Q.shape}, K {K.shape}, V {V.shape})"
        wrongs = [
            (_attention(Q, K, V, _mask(T).T)[0], "the mask is on the wrong side: position t may see s ≤ t, so "
                                                 "−∞ goes ABOVE the diagonal (np.triu(…, k=1)), not below."),
            (_attention(Q, K, V)[0], "there is no mask: every position sees the future."),
            (_attention(Q, K, V, _mask(T), scale=False)[0], "divide the scores by √d_k before the softmax."),
            (_softmax(np.where(np.isinf(_mask(T)), 0.0, Q @ K.T / np.sqrt(d_k))) @ V,
             "masked scores set to 0 still get weight e⁰ > 0: set them to −∞ (or add −∞) before the softmax."),
            ((_softmax((Q @ K.T / np.sqrt(d_k) + _mask(T)).T).T) @ V if T > 1 else None,
             "the softmax runs over each ROW (axis=-1: the keys a query looks at), not over the columns."),
        ]
        got = run(Q, K, V)
        with np.errstate(invalid="ignore"):
            hidden = _attention(Q, K, V, _mask(T, 0))[0]       # row 0 sees nothing: NaN
        arr = np.asarray(got, dtype=float) if isinstance(got, np.ndarray) else None
        if T > 1 and arr is not None and arr.shape == hidden.shape and np.isnan(arr[0]).all() \
                and np.allclose(arr[1:], hidden[1:]):
            raise Mistake("the mask hides the diagonal too: position t may see itself (np.triu(…, k=1), "
                          "not k=0); row 0 then sees nothing and becomes NaN.")
        compare(where, got, _attention(Q, K, V, _mask(T))[0],
                [(w, h) for w, h in wrongs if w is not None and np.all(np.isfinite(w))])
    return "right: scores QKᵀ/√d_k, −∞ above the diagonal, a softmax per row, then the weighted values."


@exercise("17.2", "The embedding's gradient", "function embedding_grad(ids, dY, vocab_size) -> dW")
def embedding_grad(fn):
    run = Runner(fn, "embedding_grad")
    rng = np.random.default_rng(172)
    for m, T, d, V in [(2, 5, 3, 6), (3, 4, 2, 5), (1, 6, 4, 8)]:
        ids = rng.integers(0, V - 1, size=(m, T))              # id V − 1 never occurs
        ids[0, :3] = ids[0, 0]                                 # a token repeated three times
        dY = rng.normal(size=(m, T, d))
        dW = np.zeros((V, d))
        np.add.at(dW, ids.ravel(), dY.reshape(-1, d))
        last = np.zeros((V, d))
        last[ids.ravel()] = dY.reshape(-1, d)
        first = np.zeros((V, d))
        first[ids.ravel()[::-1]] = dY.reshape(-1, d)[::-1]
        counts = np.maximum(np.bincount(ids.ravel(), minlength=V), 1)[:, None]
        compare(f"embedding_grad(ids of shape ({m}, {T}), dY of shape ({m}, {T}, {d}), {V})",
                run(ids, dY, V), dW, [
                    (last, "dW[ids] = dY keeps only the last occurrence of a repeated id: the contributions "
                           "must ADD UP (np.add.at(dW, ids, dY), or one-hotᵀ @ dY)."),
                    (first, "dW[ids] = dY keeps only one occurrence of a repeated id: the contributions must "
                            "ADD UP (np.add.at)."),
                    (dW / counts, "that averages over repeated ids; the gradient is their SUM."),
                    (dW / (m * T), "don't divide by m·T: dY already holds ∂E/∂Y, any mean is in it."),
                ])
    return "right: row c of ∂E/∂W is the sum of dY over every position holding token c (a scatter-add)."


def _backward(Q, K, V, dO):
    _, A = _attention(Q, K, V)
    dA = dO @ V.T
    dS = A * (dA - (dA * A).sum(axis=1, keepdims=True))
    s = np.sqrt(Q.shape[1])
    return dS @ K / s, dS.T @ Q / s, A.T @ dO, A, dA


@exercise("17.3", "Attention's backward through the softmax", "function attention_backward(Q, K, V, dO) -> (dQ, dK, dV)")
def attention_backward(fn):
    run = Runner(fn, "attention_backward")
    rng = np.random.default_rng(173)
    for T, d_k, d_v in [(4, 3, 2), (6, 5, 3)]:
        Q, K, V = _qkv(rng, T, d_k, d_v)
        dO = rng.normal(size=(T, d_v))
        dQ, dK, dV, A, dA = _backward(Q, K, V, dO)
        got = unpack(run(Q, K, V, dO), ("dQ", "dK", "dV"), "attention_backward")
        where = f"for T={T}, d_k={d_k}, d_v={d_v}"
        s = np.sqrt(d_k)
        compare(f"dV {where}", got[2], dV, [
            (A @ dO, "dV = Aᵀ dO (the weights transposed): value s collects from every query that used it."),
            (dO, "dV is Aᵀ dO, not dO itself.")])
        no_rowsum = A * dA
        compare(f"dQ {where}", got[0], dQ, [
            (no_rowsum @ K / s, "the softmax's backward needs the row sum: dS = A ⊙ (dA − rowsum(dA ⊙ A)); "
                                "A ⊙ dA alone treats each weight as if the others did not move."),
            (dA @ K / s, "the softmax is missing: dS = A ⊙ (dA − rowsum(dA ⊙ A)), not dA."),
            (dQ * s, "divide by √d_k: the scores were QKᵀ/√d_k."),
            ((A * (dA - (dA * A).sum(axis=0, keepdims=True))) @ K / s,
             "the row sum runs over each row (axis=1: one query's weights), not over the columns."),
            ((A * (dA - (dA * A).sum(axis=1, keepdims=True))).T @ K / s,
             "dQ = dS K/√d_k (row t of dS belongs to query t); dSᵀ is for dK."),
        ])
        compare(f"dK {where}", got[1], dK, [
            (dQ, "that is dQ; dK = dSᵀ Q/√d_k."),
            ((A * (dA - (dA * A).sum(axis=1, keepdims=True))) @ Q / s, "dK = dSᵀ Q/√d_k: transpose dS."),
            (dK * s, "divide by √d_k: the scores were QKᵀ/√d_k."),
        ])
    return "right: dV = Aᵀ dO, dS = A ⊙ (dO Vᵀ − rowsum), dQ = dS K/√d_k, dK = dSᵀ Q/√d_k."


# chapter 18 ---------------------------------------------------------------------------------

def _layernorm_backward(dY, X, gamma, eps):
    n = X.shape[-1]
    mu = X.mean(axis=-1, keepdims=True)
    var = X.var(axis=-1, keepdims=True)
    x_hat = (X - mu) / np.sqrt(var + eps)
    g = dY * gamma                                             # ∂E/∂x̂
    dX = (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) \
        / np.sqrt(var + eps)
    axes = tuple(range(X.ndim - 1))
    return dX, (dY * x_hat).sum(axis=axes), dY.sum(axis=axes), x_hat, var, g, n


@exercise("18.1", "Layer normalisation's backward", "function layernorm_backward(dY, X, gamma, eps) -> (dX, dgamma, dbeta)")
def layernorm_backward(fn):
    run = Runner(fn, "layernorm_backward")
    rng = np.random.default_rng(181)
    for shape in [(4, 5), (2, 3, 6)]:
        X = rng.normal(loc=1.0, scale=2.0, size=shape)
        gamma = rng.uniform(0.5, 2.0, shape[-1])
        dY = rng.normal(size=shape)
        eps = 1e-5
        dX, dgamma, dbeta, x_hat, var, g, n = _layernorm_backward(dY, X, gamma, eps)
        got = unpack(run(dY, X, gamma, eps), ("dX", "dgamma", "dbeta"), "layernorm_backward")
        where = f"for X of shape {shape}"
        axes = tuple(range(X.ndim - 1))
        compare(f"dbeta {where}", got[2], dbeta, [
            (dY.sum(axis=-1), "β is one number per FEATURE: sum dY over every axis but the last."),
            (dY.mean(axis=axes), "∂E/∂β is the sum of dY over the samples (and positions), not the mean.")])
        compare(f"dgamma {where}", got[1], dgamma, [
            ((dY * X).sum(axis=axes), "∂E/∂γ = Σ dY · x̂ uses the normalised x̂, not x.")])
        s = 1 / np.sqrt(var + eps)
        bn = None
        if X.ndim == 2:                                        # batch normalisation's statistics, over axis 0
            Xt = X.T
            bn = _layernorm_backward(dY.T, Xt, 1.0, eps)[0].T * gamma
        compare(f"dX {where}", got[0], dX, [
            (g * s, "that treats μ and σ² as constants; they depend on every feature of the sample: "
                    "subtract the mean of g = γ·dY and x̂ times the mean of g·x̂."),
            ((g - g.mean(axis=-1, keepdims=True)) * s, "the term −x̂·mean(g·x̂), which comes through σ², is missing."),
            ((dY - dY.mean(axis=-1, keepdims=True) - x_hat * (dY * x_hat).mean(axis=-1, keepdims=True)) * s,
             "γ is missing: the upstream gradient of x̂ is g = γ ⊙ dY."),
        ] + ([(bn, "those are batch normalisation's statistics (over the samples, axis 0); layer "
                   "normalisation normalises each sample over its FEATURES, the last axis.")] if bn is not None else []))
    return "right: dX = (g − mean(g) − x̂·mean(g·x̂))/√(σ² + ε) per sample, with g = γ ⊙ dY."


def _attend(D, rng, calls):
    """An attention-like map (T, d) → (T, d) with the dependence pattern D[t, s], handed
    over as a plain function: D lives only in its closure (no attribute to read), and
    ``calls`` counts the calls, so an answer that never runs it is not taken as found."""
    W = rng.normal(size=(3, 3))
    allowed = np.array(D, dtype=bool)                         # a copy the checker keeps

    def attend(x):
        x = np.asarray(x, dtype=float)
        if x.ndim != 2:
            raise ValueError(f"attend expects one sequence (T, d), got shape {x.shape}")
        calls.append(1)
        S = x @ W @ x.T / 2
        S = np.where(allowed, S, -np.inf)
        return _softmax(S) @ np.tanh(x) + 0.1 * x

    return attend


def _patterns(T):
    lower = np.tril(np.ones((T, T), bool))
    off_by_one = np.tril(np.ones((T, T), bool), 1)           # sees t + 1 as well: the leak
    full = np.ones((T, T), bool)
    last_sees_all = lower.copy()
    last_sees_all[T // 2] = True                             # one row leaks
    return [lower, off_by_one, full, last_sees_all]


@exercise("18.2", "Find the leak", "function dependence(attend, T, d) -> (T, T) booleans: D[t, s] = output t depends on input s")
def dependence(fn):
    run = Runner(fn, "dependence")
    rng = np.random.default_rng(182)
    T, d = 6, 3
    for D in _patterns(T):
        calls = []
        attend = _attend(D, rng, calls)
        got = run(attend, T, d)
        try:
            got = np.asarray(got)
        except Exception:
            raise Mistake(f"dependence should return a (T, T) array of booleans, got {type(got).__name__}.") from None
        if got.shape != (T, T):
            raise Mistake(f"dependence(attend, T={T}, d={d}) returned shape {got.shape}, expected ({T}, {T}): "
                          f"one row per output position t, one column per input position s.")
        if got.dtype != bool and not np.isin(got, [0, 1]).all():
            raise Mistake("dependence should return booleans (or 0/1): whether output t changes when input s does.")
        got = got.astype(bool)
        if np.array_equal(got, D) and len(calls) >= 2:
            continue
        if np.array_equal(got, D):
            raise Mistake(f"the matrix is right, but attend was called {len(calls)} time(s): the "
                          f"pattern must be found by running it, once on x and once per perturbed "
                          f"input position, not read from somewhere.")
        if np.array_equal(got, D.T):
            raise Mistake("the matrix is transposed: row t is the OUTPUT position, column s the INPUT you changed "
                          "(D[t, s] = True when changing x[s] changes out[t]).")
        if np.array_equal(got, D & ~np.eye(T, dtype=bool)):
            raise Mistake("the diagonal is missing: output t depends on input t itself.")
        if got.all() and not D.all():
            raise Mistake("every entry is True: compare the outputs with a tolerance (np.allclose), or change one "
                          "input position at a time and keep the others fixed.")
        if not got.any():
            raise Mistake("no entry is True: change an input position by a visible amount (e.g. add 1) and "
                          "compare the outputs before and after.")
        bad = np.argwhere(got != D)[0]
        raise Mistake(f"for an attention with this pattern, D[{bad[0]}, {bad[1]}] should be {bool(D[tuple(bad)])}: "
                      f"perturb input {bad[1]} alone and see whether output {bad[0]} moves.")
    return "right: perturbing one input position at a time finds every output that depends on it, and the leak."
