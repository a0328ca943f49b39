"""DeltaNet (chapter 31): linear attention whose state is written with chapter 01's delta
rule, ``S_t = S_{t−1} + β_t (v_t − S_{t−1} k_t) k_tᵀ``, one Widrow–Hoff step on
½‖S k_t − v_t‖² per token, so a key written again replaces its value instead of adding to
it. The recurrence is the taught form; the chunked (WY/UT) form is
``nnbook.kernels.linear_attention.chunked_delta``.
"""

from __future__ import annotations

import numpy as np

from ...kernels.linear_attention import chunked_delta
from ...registry import register_class
from .linear import LinearAttention

__all__ = ["DeltaNet"]

_EPS = 1e-12          # ‖k‖ = √(Σ k² + ε): a zero key (a zero input) stays finite


def unit_rows(z):
    """``(z / ‖z‖, ‖z‖)`` over the last axis, ‖z‖ = √(Σ z² + 1e-12)."""
    n = np.sqrt((z * z).sum(axis=-1, keepdims=True) + _EPS)
    return z / n, n


def unit_rows_backward(zhat, n, dzhat):
    """∂E/∂z of ``unit_rows`` from ∂E/∂ẑ: ``(∂E/∂ẑ − ẑ (ẑ·∂E/∂ẑ)) / ‖z‖``."""
    return (dzhat - zhat * (zhat * dzhat).sum(axis=-1, keepdims=True)) / n


@register_class
class DeltaNet(LinearAttention):
    """DeltaNet: ``S_t = S_{t−1} + β_t (v_t − S_{t−1} k_t) k_tᵀ``, ``o_t = S_t q_t`` per head,
    then ``y = concat_h(o) W_o``.

    DeltaNet is the delta-rule layer of Schlag, Irie and Schmidhuber (2021); as Yang et al.
    (2024) write it: ``q_t`` and ``k_t`` are ``x W_q`` and ``x W_k`` divided by their length
    per head (unit keys: β_t ≤ 1 then never overshoots), and each head has its own writing
    strength ``β_t = sigmoid(x_t W_β)`` per token. With ``S`` as the
    weights, ``k_t`` the input and ``v_t`` the target, the update is chapter 01's delta rule
    with learning rate β_t: ``S_t − S_{t−1} = −β_t ∇_S ½‖S k_t − v_t‖²``. Without the
    correction ``− S_{t−1} k_t`` it would be linear attention's Hebbian write. (Left out
    here: DeltaNet's short convolutions and output norm.)

    Shapes:
        x: (m, T, d_model)  →  y: (m, T, d_model)
        params["W_q"], ["W_k"], ["W_v"], ["W_o"]: (d_model, d_model); ["W_beta"]:
            (d_model, n_heads)
        the state S of each head: (d_head, d_head); ``cache.S``: (m, n_heads, d_head, d_head)

    Backward of the recurrence, from the last position back, with G = ∂E/∂S_t and
    ``u_t = v_t − S_{t−1} k_t`` (the error the step wrote): ``G ← G + ∂E/∂o_t q_tᵀ``,
    ``∂E/∂q_t = S_tᵀ ∂E/∂o_t``, ``∂E/∂β_t = u_tᵀ G k_t``, ``∂E/∂v_t = β_t G k_t``,
    ``∂E/∂k_t = β_t Gᵀ u_t − S_{t−1}ᵀ ∂E/∂v_t``, then ``G ← G − ∂E/∂v_t k_tᵀ`` (the state
    before the step). Then back through the unit lengths and the sigmoid.

    Args:
        d_model, n_heads: as ``LinearAttention``'s.
        form: "recurrent" (default) or "chunked" (the WY/UT form, ``chunk`` positions at a
            time; its backward runs the recurrence's equations on states recomputed by it).
        chunk: the chunk length of ``form="chunked"`` (default 16).
        rng, dtype: as ``LinearAttention``'s.

    ``start_cache()`` keeps the state, as ``LinearAttention``'s. Chapter 31.
    """

    _kinds = ("q", "k", "v", "o", "beta")

    def __init__(self, d_model=None, n_heads=1, *, form="recurrent", chunk=16, rng=None,
                 dtype=np.float64):
        if form == "masked":
            raise ValueError("DeltaNet: form='masked' has no delta-rule counterpart (each "
                             "write depends on the state before it). Use 'recurrent' or "
                             "'chunked'.")
        super().__init__(d_model, n_heads, form=form, chunk=chunk, rng=rng, dtype=dtype)

    def _widths(self):
        return {**super()._widths(), "beta": self.n_heads}

    def _inputs(self, X, m, T):
        """q̂, k̂ (unit per head), v, β (m, n_heads, T), and the lengths ‖q‖, ‖k‖."""
        p = self.params
        q, nq = unit_rows(self._heads(X @ p["W_q"], m, T))
        k, nk = unit_rows(self._heads(X @ p["W_k"], m, T))
        v = self._heads(X @ p["W_v"], m, T)
        beta = 1.0 / (1.0 + np.exp(-(X @ p["W_beta"])))             # (mT, h)
        beta = beta.reshape(m, T, self.n_heads).transpose(0, 2, 1)   # (m, h, T)
        return q, k, v, beta, nq, nk

    def _mix(self, q, k, v, beta, nq, nk):
        if self.form == "chunked":
            return chunked_delta(q, k, v, beta, self.chunk)[0], None
        O, _, states, errors = self._recurrence(q, k, v, beta)
        return O, (states, errors)

    @staticmethod
    def _recurrence(q, k, v, beta, nq=None, nk=None, S0=None):
        """The delta rule over positions: O, the last state, S_{t−1} and u_t of every t."""
        m, h, T, dh = q.shape
        S = np.zeros((m, h, dh, dh), q.dtype) if S0 is None else S0
        O, U = np.empty_like(v), np.empty_like(v)
        before = np.empty((T + 1, m, h, dh, dh), q.dtype)           # S_{t−1}; last: S_T
        for t in range(T):
            k_t = k[:, :, t]
            before[t] = S
            u = v[:, :, t] - (S @ k_t[..., None])[..., 0]           # u_t = v_t − S_{t−1} k_t
            S = S + beta[:, :, t, None, None] * u[..., :, None] * k_t[..., None, :]
            O[:, :, t] = (S @ q[:, :, t, :, None])[..., 0]          # o_t = S_t q_t
            U[:, :, t] = u
        before[T] = S
        return O, S, before, U

    def _mix_backward(self, inputs, saved, dO):
        q, k, v, beta, nq, nk = inputs
        if saved is None:                            # chunked: the states, recomputed
            saved = self._recurrence(q, k, v, beta)[2:]
        before, U = saved
        dq, dk, dv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
        dbeta = np.empty_like(beta)
        G = np.zeros_like(before[0])                                # ∂E/∂S_t
        for t in range(q.shape[2] - 1, -1, -1):
            do, k_t, u, b = dO[:, :, t], k[:, :, t], U[:, :, t], beta[:, :, t, None]
            G += do[..., :, None] * q[:, :, t, None, :]              # + ∂E/∂o_t q_tᵀ
            dq[:, :, t] = (before[t + 1].swapaxes(-1, -2) @ do[..., None])[..., 0]
            Gk = (G @ k_t[..., None])[..., 0]                        # G k_t
            dbeta[:, :, t] = (u * Gk).sum(axis=-1)                   # u_tᵀ G k_t
            du = b * Gk                                              # ∂E/∂u_t = ∂E/∂v_t
            dv[:, :, t] = du
            dk[:, :, t] = (b * (G.swapaxes(-1, -2) @ u[..., None])[..., 0]
                           - (before[t].swapaxes(-1, -2) @ du[..., None])[..., 0])
            G -= du[..., :, None] * k_t[..., None, :]                # ∂E/∂S_{t−1}
        dz = dbeta * beta * (1.0 - beta)                             # through the sigmoid
        return (unit_rows_backward(q, nq, dq), unit_rows_backward(k, nk, dk), dv, dz)

    def _project_back(self, X, inputs, d_in, m, T):
        dX = super()._project_back(X, inputs, d_in[:3], m, T)
        dZ = d_in[3].transpose(0, 2, 1).reshape(m * T, self.n_heads)  # ∂E/∂(x W_β)
        self.grads["W_beta"][...] = X.T @ dZ
        return dX + dZ @ self.params["W_beta"].T

