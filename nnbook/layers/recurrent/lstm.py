"""The long short-term memory layer (chapter 16): gates that decide what the cell
state c_t keeps, adds and shows, so that a gradient can travel along c over
many steps; forward and backpropagation through time written gate by gate.
"""

from __future__ import annotations

import numpy as np

from ...registry import register_class
from .rnn import _Recurrent

__all__ = ["LSTM"]


@register_class
class LSTM(_Recurrent):
    """LSTM: ``c_t = f ⊙ c_{t−1} + i ⊙ g``, ``h_t = o ⊙ tanh(c_t)``, ``h_0 = c_0 = 0``.

    The four gate blocks, in PyTorch's order i, f, g, o, come from one product::

        [i | f | g | o] = [σ | σ | tanh | σ](x_t W_x + h_{t−1} W_h + b)

    i (input) scales what the candidate g adds, f (forget) what c keeps, o
    (output) what h shows of tanh(c).

    Shapes:
        x: (m, T, n_in)  →  y: (m, T, h) with ``return_sequences=True``,
                            else the last state h_T: (m, h)
        params["W_x"]: (n_in, 4h),  params["W_h"]: (h, 4h),  params["b"]: (4h,),
        columns in blocks of h: i, f, g, o

    Backward, per step from t = T down to 1 (δ· = ∂E/∂·; σ' = σ(1 − σ), tanh' = 1 − tanh²):
    δh_t = the output's gradient at t + δz_{t+1} W_hᵀ;
    δc_t = δc_{t+1} ⊙ f_{t+1} + δh_t ⊙ o ⊙ (1 − tanh² c_t);
    δz = [δc_t ⊙ g ⊙ i', δc_t ⊙ c_{t−1} ⊙ f', δc_t ⊙ i ⊙ g', δh_t ⊙ tanh c_t ⊙ o'],
    and the weight gradients sum over the steps. Along the cell path alone,
    ∂c_t/∂c_{t−1} = f_t: with f near 1 the gradient passes nearly unchanged
    (the gates' own dependence on h_{t−1} adds further terms).

    The forget block of ``b`` starts at 1 (Jozefowicz et al. 2015, Keras'
    ``unit_forget_bias``): f ≈ σ(1) ≈ 0.73 at the start, so c and its gradient
    are kept over more steps before training has learnt what to forget.

    PyTorch: ``torch.nn.LSTM(n_in, h, batch_first=True)`` with
    ``weight_ih_l0 = W_xᵀ``, ``weight_hh_l0 = W_hᵀ`` and ``bias_ih_l0 + bias_hh_l0 = b``
    (the two biases always add up, so nnbook keeps one).

    Passes over memory besides the products (x_t W_x for every step is one product): per
    step forward + h W_h and tanh over the four gates, two in place that turn three of
    them into σ's, then five on (m, h) (f ⊙ c, i ⊙ g, +, tanh c, o ⊙ tanh c); per step
    backward six (δc's two, δz for i, f, g and for o, δc ⊙ f, + the output's δh), after
    13 for all steps at once (σ', tanh'). Every array is a kept work array or a view.

    Args:
        n_in: features per time step; n_hidden: the size h of h_t and c_t.
        return_sequences: return every h_t (many-to-many) or only h_T (many-to-one).
        rng: the ``np.random.Generator`` that draws W_x (Xavier uniform), then W_h
            (an orthogonal (h, h) block per gate).
        dtype: float64 (default) or float32.

    Chapter 16.
    """

    gates = 4
    order = (0, 1, 3, 2)           # inside: i, f, o (the sigmoids), then g
    n_sigmoid = 3

    def _biases(self, dtype):
        h = self.n_hidden
        b = np.zeros(4 * h, dtype)
        b[h:2 * h] = 1.0                                             # forget bias 1
        return {"b": b}

    def forward(self, x):
        xt = self._time_major(x)                                     # (T, m, n_in)
        T, m, _ = xt.shape
        h, p, dt, work = self.n_hidden, self.params, xt.dtype, self._work
        # A[t, k]: gate k (i, f, o, g) of step t, one contiguous (m, h) block
        A = np.matmul(xt[:, None], self._gate_major(p["W_x"]),      # (T, 4, m, h): s ⊙ x_t W_x
                      out=work("A", (T, 4, m, h), dt))
        A += np.repeat(self._gate_major(p["b"][None]), m, axis=1)    # + s ⊙ b, every step at once
        W_h = self._gate_major(p["W_h"])                             # (4, h, h)
        H = work("H", (T + 1, m, h), dt)                             # H[t] = h_t
        C = work("C", (T + 1, m, h), dt)                             # C[t] = c_t
        H[0] = C[0] = 0
        TC = work("TC", (T, m, h), dt)                               # TC[t − 1] = tanh(c_t)
        hw, ig = np.empty((4, m, h), dt), np.empty((m, h), dt)
        steps = self._views("forward", (A, H, C, TC), lambda: [
            (A[t], A[t, :3], *A[t], H[t], C[t], C[t + 1], TC[t], H[t + 1]) for t in range(T)])
        tanh, mul = np.tanh, np.multiply
        half = np.array(0.5, dt)                 # ½ made once: a Python 0.5 is converted each call
        for t, (a, sig, i, f, o, g, h_prev, c_prev, c, tc, h_t) in enumerate(steps):
            if t:                                                    # (h_0 = 0 adds nothing)
                a += np.matmul(h_prev, W_h, hw)                      # s ⊙ z_t, (4, m, h)
            tanh(a, a)
            sig *= half
            sig += half                                              # i, f, o = σ(z); g = tanh(z)
            if t:
                mul(f, c_prev, c)                                    # c_t = f ⊙ c_{t−1} …
                c += mul(i, g, ig)                                   # … + i ⊙ g
            else:
                mul(i, g, c)                                         # (c_0 = 0)
            tanh(c, tc)
            mul(o, tc, h_t)                                          # h_t = o ⊙ tanh(c_t)
        self._cache = (xt, A, H, C, TC)
        return self._output(H)

    def backward(self, dy, need_dx: bool = True):
        dy = self._dy(dy)                                            # (T, m, h) or (m, h)
        xt, A, H, C, TC = self._cache
        T, m, _ = xt.shape
        h, seq, dt, work = self.n_hidden, self.return_sequences, A.dtype, self._work
        i, f, o, g = A.transpose(1, 0, 2, 3)                         # (T, m, h) each
        # what does not depend on the recurrence, for all steps at once, in place:
        # Q_t[i, f, g, o] = [g ⊙ σ'(i), c_{t−1} ⊙ σ'(f), i ⊙ tanh'(g), tanh(c_t) ⊙ σ'(o)]
        # (δz = δc_t ⊙ Q_t for i, f, g; δh_t ⊙ Q_t for o), P_t = o ⊙ tanh'(c_t)
        Q = work("Q", (T, 4, m, h), dt)
        P = work("P", (T, m, h), dt)
        size = np.setbufsize(max(16, min(np.getbufsize(), m * h // 16 * 16)))
        try:              # each gate's (T, m, h) block is T runs of m·h values: see _Recurrent
            np.subtract(1, A[:, :2], out=Q[:, :2])
            Q[:, :2] *= A[:, :2]                                     # σ' = σ(1 − σ) for i, f
            Q[:, 0] *= g
            Q[:, 1] *= C[:-1]
            np.subtract(1, o, out=Q[:, 3])
            Q[:, 3] *= o                                             # σ'(o)
            Q[:, 3] *= TC
            np.multiply(g, g, out=Q[:, 2])
            np.subtract(1, Q[:, 2], out=Q[:, 2])
            Q[:, 2] *= i                                             # i ⊙ tanh'(g)
            np.multiply(TC, TC, out=P)
            np.subtract(1, P, out=P)
            P *= o                                                   # o ⊙ tanh'(c_t): δh_t → δc_t
        finally:
            np.setbufsize(size)
        dZ = work("dZ", (T, m, 4 * h), dt)                           # δz_t, columns i, f, g, o
        dZ4 = dZ.reshape(T, m, 4, h)
        W_hT = np.ascontiguousarray(self.params["W_h"].T)            # (4h, h)
        dh = np.array(dy[-1] if seq else dy)                         # δh_T (m, h)
        dc, tmp = np.zeros((m, h), dt), np.empty((m, h), dt)
        steps = self._views("backward", (Q, P, dZ, A), lambda: [
            (Q[t, :3], Q[t, 3], P[t], dZ4[t, :, :3].transpose(1, 0, 2), dZ4[t, :, 3], dZ[t],
             f[t]) for t in range(T)])
        mul = np.multiply
        for t in range(T - 1, -1, -1):
            Q_t, Qo_t, P_t, dz_ifg, dz_o, dz, f_t = steps[t]
            dc += mul(dh, P_t, tmp)                                  # δc_t
            mul(dc, Q_t, dz_ifg)                                     # δz for i, f, g
            mul(dh, Qo_t, dz_o)                                      # δz for o
            if t:
                dc *= f_t                                            # δc_{t−1} along the cell path
                np.matmul(dz, W_hT, dh)                              # δh_{t−1} through W_h …
                if seq:
                    dh += dy[t - 1]                                  # … plus the output's at t − 1
        np.sum(dZ.reshape(-1, 4 * h), axis=0, out=self.grads["b"])
        return self._finish(xt, H, dZ, dZ, need_dx)
