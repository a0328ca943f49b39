"""The gated recurrent unit (chapter 16): the LSTM's smaller cousin, with no cell
state; an update gate mixes the old state with a candidate, a reset gate decides
how much of the old state the candidate sees. PyTorch's equations.
"""

from __future__ import annotations

import numpy as np

from ...registry import register_class
from .rnn import _Recurrent

__all__ = ["GRU"]


@register_class
class GRU(_Recurrent):
    """GRU: ``h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}``, ``h_0 = 0``, with (PyTorch's equations)::

        r = σ(x_t W_xr + b_xr + h_{t−1} W_hr + b_hr)          reset gate
        z = σ(x_t W_xz + b_xz + h_{t−1} W_hz + b_hz)          update gate
        n = tanh(x_t W_xn + b_xn + r ⊙ (h_{t−1} W_hn + b_hn))  candidate

    The reset gate multiplies h_{t−1} W_hn + b_hn, after the product (PyTorch,
    cuDNN, Keras' ``reset_after=True``); the original paper applies it before,
    to h_{t−1}. That is why there are two biases: b_hn sits inside r ⊙ (…).

    Shapes:
        x: (m, T, n_in)  →  y: (m, T, h) with ``return_sequences=True``,
                            else the last state h_T: (m, h)
        params["W_x"]: (n_in, 3h),  params["W_h"]: (h, 3h),
        params["b_x"]: (3h,),  params["b_h"]: (3h,),  columns in blocks of h: r, z, n

    Backward, per step from t = T down to 1 (δ· = ∂E/∂·, a· the pre-activations):
    δh_t = the output's gradient at t + δh_t's share from step t + 1;
    δa_n = δh_t ⊙ (1 − z) ⊙ (1 − n²), δa_z = δh_t ⊙ (h_{t−1} − n) ⊙ z(1 − z),
    δa_r = δa_n ⊙ (h_{t−1} W_hn + b_hn) ⊙ r(1 − r); x's side of the products gets
    [δa_r, δa_z, δa_n], h's side [δa_r, δa_z, r ⊙ δa_n], and
    δh_{t−1} = [δa_r, δa_z, r ⊙ δa_n] W_hᵀ + δh_t ⊙ z.

    PyTorch: ``torch.nn.GRU(n_in, h, batch_first=True)`` with ``weight_ih_l0 = W_xᵀ``,
    ``weight_hh_l0 = W_hᵀ``, ``bias_ih_l0 = b_x``, ``bias_hh_l0 = b_h``.

    Args:
        n_in: features per time step; n_hidden: the size h of the state.
        return_sequences: return every h_t (many-to-many) or only h_T (many-to-one).
        rng: the ``np.random.Generator`` that draws W_x (Xavier uniform), then W_h
            (an orthogonal (h, h) block per gate); both biases start at 0.
        dtype: float64 (default) or float32.

    Chapter 16.
    """

    gates = 3
    order = (0, 1, 2)              # inside as outside: r, z (the sigmoids), then n
    n_sigmoid = 2

    def _biases(self, dtype):
        return {"b_x": np.zeros(3 * self.n_hidden, dtype), "b_h": np.zeros(3 * self.n_hidden, dtype)}

    def forward(self, x):
        xt = self._time_major(x)                                     # (T, m, n_in)
        T, m, _ = xt.shape
        h, p, dt, work = self.n_hidden, self.params, xt.dtype, self._work
        # A[t, k]: gate k (r, z, n) of step t, one contiguous (m, h) block
        A = np.matmul(xt[:, None], self._gate_major(p["W_x"]),      # (T, 3, m, h): s ⊙ x_t W_x
                      out=work("A", (T, 3, m, h), dt))
        b = p["b_x"].copy()
        b[:2 * h] += p["b_h"][:2 * h]                                # b_hr, b_hz add outside r ⊙ (…)
        A += np.repeat(self._gate_major(b[None]), m, axis=1)         # every step at once
        W_h, b_hn = self._gate_major(p["W_h"]), p["b_h"][2 * h:]     # (3, h, h), (h,)
        H = work("H", (T + 1, m, h), dt)                             # H[t] = h_t
        H[0] = 0
        HN = work("HN", (T, m, h), dt)                               # h_{t−1} W_hn + b_hn
        hw, tmp = np.empty((3, m, h), dt), np.empty((m, h), dt)
        for t in range(T):
            a = A[t]                                                 # (3, m, h)
            np.matmul(H[t], W_h, hw)
            rz = a[:2]
            rz += hw[:2]
            np.tanh(rz, rz)
            rz *= 0.5
            rz += 0.5                                                # r, z = σ(…) = ½ tanh(…/2) + ½
            r, z, nt = a
            np.add(hw[2], b_hn, HN[t])
            nt += np.multiply(r, HN[t], tmp)                         # + r ⊙ (h_{t−1} W_hn + b_hn)
            np.tanh(nt, nt)                                          # n
            ht = H[t + 1]
            np.subtract(H[t], nt, ht)
            ht *= z
            ht += nt                                                 # h_t = n + z ⊙ (h_{t−1} − n)
        self._cache = (xt, A, H, HN)
        return self._output(H)

    def backward(self, dy, need_dx: bool = True):
        dy = self._dy(dy)                                            # (T, m, h) or (m, h)
        xt, A, H, HN = self._cache
        T, m, _ = xt.shape
        h, seq, dt, work = self.n_hidden, self.return_sequences, A.dtype, self._work
        r, z, nt = A.transpose(1, 0, 2, 3)                           # (T, m, h) each
        # δa_· = δh_t ⊙ K_·, with K computed for all steps at once, in place
        K_n, tmp = work("K_n", (T, m, h), dt), work("tmp", (T, m, h), dt)
        np.multiply(nt, nt, out=K_n)
        np.subtract(1, K_n, out=K_n)
        K_n *= np.subtract(1, z, out=tmp)                            # (1 − z) ⊙ (1 − n²)
        K = work("K", (T, 3, m, h), dt)                              # h's side: [K_r, K_z, r ⊙ K_n]
        for k, gate in enumerate((r, z)):
            np.subtract(1, gate, out=K[:, k])
            K[:, k] *= gate                                          # σ' = σ(1 − σ)
        K[:, 0] *= HN
        K[:, 0] *= K_n                                               # K_r = K_n ⊙ HN ⊙ σ'(r)
        K[:, 1] *= np.subtract(H[:-1], nt, out=tmp)                  # K_z = (h_{t−1} − n) ⊙ σ'(z)
        np.multiply(r, K_n, out=K[:, 2])
        dGH = work("dGH", (T, m, 3 * h), dt)                         # δ(h_{t−1} W_h + b_h)
        dGH3 = dGH.reshape(T, m, 3, h)
        dH = work("dH", (T, m, h), dt)                               # dH[t]: δ of H[t + 1]
        dH[-1] = dy[-1] if seq else dy
        W_hT, zdh = np.ascontiguousarray(self.params["W_h"].T), np.empty((m, h), dt)
        for t in range(T - 1, -1, -1):
            dh = dH[t]
            np.multiply(dh, K[t], dGH3[t].transpose(1, 0, 2))        # (m, 3, h) ← (3, m, h)
            if t:
                np.matmul(dGH[t], W_hT, dH[t - 1])                   # δh_{t−1} through W_h …
                dH[t - 1] += np.multiply(dh, z[t], zdh)              # … and directly, ⊙ z
                if seq:
                    dH[t - 1] += dy[t - 1]                           # … plus the output's
        dGX = work("dGX", (T, m, 3 * h), dt)                         # x's side: r, z the same,
        np.copyto(dGX, dGH)
        np.multiply(dH, K_n, out=dGX[:, :, 2 * h:])                  # n without the r ⊙
        np.sum(dGX.reshape(-1, 3 * h), axis=0, out=self.grads["b_x"])
        np.sum(dGH.reshape(-1, 3 * h), axis=0, out=self.grads["b_h"])
        return self._finish(xt, H, dGX, dGH, need_dx)
