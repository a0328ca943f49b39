"""Linear attention and the delta rule in the forms a layer calls instead of its recurrence
(chapter 31): causal (Q Kᵀ ⊙ M) V at once, in chunks of C positions, and DeltaNet's chunked
(WY/UT) form, each the same numbers as the recurrence to round-off. No checks here:
``LinearAttention`` and ``DeltaNet`` check what they pass (chunk ≥ 1; β = sigmoid(·) in
(0, 1), one per position).
"""

from __future__ import annotations

import numpy as np

__all__ = ["masked_linear", "masked_linear_backward", "chunked_linear",
           "chunked_linear_backward", "chunked_delta"]


def masked_linear(q, k, v):
    """Causal linear attention at once: ``O = (Q Kᵀ ⊙ M) V``, M the lower triangle
    (diagonal included), no softmax.

    Shapes: q, k (…, T, d_k), v (…, T, d_v) → O (…, T, d_v).
    """
    A = np.tril(q @ k.swapaxes(-1, -2))                       # (…, T, T)
    O = A @ v
    if not np.isfinite(O).all():     # 0 · NaN is NaN: a later v's NaN must not reach back
        O = _row_by_row(A, v)
    return O


def _row_by_row(A, v):
    """``A @ v`` for a lower-triangular A, each row t from the positions ≤ t only, so a NaN
    or inf at position s reaches the outputs from s on, as in the recurrence."""
    O = np.empty(A.shape[:-1] + (v.shape[-1],), np.result_type(A, v))
    for t in range(A.shape[-2]):
        O[..., t, :] = (A[..., t, None, :t + 1] @ v[..., :t + 1, :])[..., 0, :]
    return O


def masked_linear_backward(q, k, v, dO):
    """∂E/∂q, ∂E/∂k, ∂E/∂v of ``masked_linear`` from ∂E/∂O: with A = M ⊙ Q Kᵀ,
    ``∂E/∂V = Aᵀ ∂E/∂O``, ``∂E/∂A = M ⊙ ∂E/∂O Vᵀ``, ``∂E/∂Q = ∂E/∂A K``,
    ``∂E/∂K = ∂E/∂Aᵀ Q``.

    Shapes: as ``masked_linear``'s arrays, dO (…, T, d_v).
    """
    A = np.tril(q @ k.swapaxes(-1, -2))
    dA = np.tril(dO @ v.swapaxes(-1, -2))
    return dA @ k, dA.swapaxes(-1, -2) @ q, A.swapaxes(-1, -2) @ dO


def chunked_linear(q, k, v, chunk, S0=None):
    """Causal linear attention in chunks of ``chunk`` positions: each chunk c reads the
    state S of the chunks before it and masks only inside itself,
    ``O_c = Q_c Sᵀ + (Q_c K_cᵀ ⊙ M) V_c``, then ``S ← S + V_cᵀ K_c``.

    Shapes: q, k (…, T, d_k), v (…, T, d_v), S0 (…, d_v, d_k) or None (zeros)
        → O (…, T, d_v), S (…, d_v, d_k) the state after the last position.
    """
    T = q.shape[-2]
    S, O = _state_and_outputs(q, v, S0)
    for c in range(0, T, chunk):
        Q, K, V = q[..., c:c + chunk, :], k[..., c:c + chunk, :], v[..., c:c + chunk, :]
        O[..., c:c + chunk, :] = Q @ S.swapaxes(-1, -2) + masked_linear(Q, K, V)
        S = S + V.swapaxes(-1, -2) @ K                            # (…, d_v, d_k)
    return O, S


def chunked_linear_backward(q, k, v, dO, chunk):
    """The backward of ``chunked_linear`` (S0 = 0), chunk by chunk from the last: G, the
    gradient of the state a chunk reads, gathers ``∂E/∂O_cᵀ Q_c`` of every later chunk;
    then ``∂E/∂Q_c = ∂E/∂O_c S``, ``∂E/∂K_c = V_c G``, ``∂E/∂V_c = K_c Gᵀ``, plus the
    masked part inside the chunk (``masked_linear_backward``).

    Shapes: as ``chunked_linear``'s arrays, dO (…, T, d_v) → dq, dk, dv.
    """
    T = q.shape[-2]
    starts = list(range(0, T, chunk))
    states, S = [], np.zeros(q.shape[:-2] + (v.shape[-1], q.shape[-1]), q.dtype)
    for c in starts:                                              # the state each chunk reads
        states.append(S)
        S = S + v[..., c:c + chunk, :].swapaxes(-1, -2) @ k[..., c:c + chunk, :]
    dq, dk, dv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
    G = np.zeros_like(S)                                          # ∂E/∂(state after chunk c)
    for c, S in zip(starts[::-1], states[::-1]):
        sl = (..., slice(c, c + chunk), slice(None))
        Q, K, V, D = q[sl], k[sl], v[sl], dO[sl]
        dQ, dK, dV = masked_linear_backward(Q, K, V, D)
        dq[sl] = dQ + D @ S
        dk[sl] = dK + V @ G
        dv[sl] = dV + K @ G.swapaxes(-1, -2)
        G = G + D.swapaxes(-1, -2) @ Q                            # the state chunk c read
    return dq, dk, dv


def chunked_delta(q, k, v, beta, chunk, S0=None):
    """DeltaNet's recurrence ``S_t = S_{t−1} + β_t (v_t − S_{t−1} k_t) k_tᵀ``, ``o_t = S_t q_t``
    in chunks (the WY/UT form). Inside a chunk that starts from state S, the written
    errors ``e_t = β_t (v_t − S_{t−1} k_t)`` solve the unit lower-triangular system
    ``(I + diag(β) (K Kᵀ ⊙ M₋)) E = diag(β) (V − K Sᵀ)`` (M₋ below the diagonal): with
    ``T = (I + diag(β) (K Kᵀ ⊙ M₋))⁻¹ diag(β)``, ``W = T K`` and ``U = T V``, ``E = U − W Sᵀ``.
    Then ``O_c = Q_c Sᵀ + (Q_c K_cᵀ ⊙ M) E`` and ``S ← S + Eᵀ K_c``.

    Shapes: q, k (…, T, d_k), v (…, T, d_v), beta (…, T), S0 (…, d_v, d_k) or None
        → O (…, T, d_v), S (…, d_v, d_k) the state after the last position.
    """
    T = q.shape[-2]
    S, O = _state_and_outputs(q, v, S0)
    for c in range(0, T, chunk):
        Q, K, V = q[..., c:c + chunk, :], k[..., c:c + chunk, :], v[..., c:c + chunk, :]
        b = beta[..., c:c + chunk, None]                          # (…, C, 1)
        C = K.shape[-2]
        L = np.eye(C, dtype=q.dtype) + b * np.tril(K @ K.swapaxes(-1, -2), -1)
        try:
            W = np.linalg.solve(L, b * K)                         # (…, C, d_k) = T K
            U = np.linalg.solve(L, b * V)                         # (…, C, d_v) = T V
            E = U - W @ S.swapaxes(-1, -2)                        # the written errors
            O_c = Q @ S.swapaxes(-1, -2) + masked_linear(Q, K, E)
        except np.linalg.LinAlgError:                             # an inf in L
            O_c = np.full(Q.shape[:-1] + (V.shape[-1],), np.nan, q.dtype)
        if np.isfinite(O_c).all():
            S = S + E.swapaxes(-1, -2) @ K
        else:            # the solves mix a NaN into every row: the chunk by the recurrence
            O_c, S = _delta_steps(Q, K, V, beta[..., c:c + chunk], S)
        O[..., c:c + chunk, :] = O_c
    return O, S


def _delta_steps(q, k, v, beta, S):
    """The delta rule one position at a time from state S: (O, the state after)."""
    O = np.empty(q.shape[:-1] + (v.shape[-1],), q.dtype)
    for t in range(q.shape[-2]):
        k_t = k[..., t, :]
        u = v[..., t, :] - (S @ k_t[..., None])[..., 0]              # v_t − S k_t
        S = S + beta[..., t, None, None] * u[..., :, None] * k_t[..., None, :]
        O[..., t, :] = (S @ q[..., t, :, None])[..., 0]              # o_t = S_t q_t
    return O, S


def _state_and_outputs(q, v, S0):
    """The state a chunked pass starts from (a copy of S0, or zeros (…, d_v, d_k)) and the
    empty outputs (…, T, d_v) it fills."""
    S = np.zeros(q.shape[:-2] + (v.shape[-1], q.shape[-1]), q.dtype) if S0 is None \
        else S0.copy()
    return S, np.empty(q.shape[:-1] + (v.shape[-1],), q.dtype)
