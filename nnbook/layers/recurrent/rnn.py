"""Recurrent layers (chapter 15): what ``RNN``, ``LSTM`` and ``GRU`` share (sizes,
initial weights, the checks on x and dy, the weight gradients summed over time),
and the plain ``RNN``, ``h_t = tanh(x_t W_x + h_{t−1} W_h + b)``.
"""

from __future__ import annotations

import numpy as np

from ...init import xavier_uniform
from ...registry import register_class
from ...spellings import one_size_message, refuse_spellings
from ...validate import float_dtype, make_rng, positive_int
from ..base import Layer

__all__ = ["RNN", "LAST_STATE_ONLY"]

# what a layer that reads sequences says when it gets one vector per sample (chapter 15)
LAST_STATE_ONLY = ("If the layer before this one is an RNN, LSTM or GRU, give it "
                   "return_sequences=True: without it, it passes on only its last state h_T, "
                   "one vector per sample.")


def _orthogonal(n, rng) -> np.ndarray:
    """A random orthogonal (n, n) matrix, uniform over all of them: Q of a Gaussian
    matrix's QR, each column's sign fixed by R's diagonal."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


class _Recurrent(Layer):
    """The frame of a recurrent layer with ``gates`` blocks of ``n_hidden`` columns.

    ``W_x`` (n_in, gates·h) is Xavier/Glorot uniform over its whole shape, as Keras
    draws it; each (h, h) block of ``W_h`` (h, gates·h) is a random orthogonal matrix
    (Keras' default for recurrent weights): every singular value is 1, so at the
    start the recurrent product neither shrinks nor blows up h over many steps
    (chapter 15's vanishing and exploding gradients). Biases from ``_biases``.
    Inside, for speed: the sequence is time-major, (T, m, ·), and the gates are
    gate-major, (T, gates, m, h), in the order ``order``, sigmoid gates first, so
    that each step's block of each gate is contiguous. One tanh gives them all:
    σ(z) = ½·tanh(z/2) + ½, and the ½ inside is folded into the weights (``_gate_major``).
    One gate of every step, (T, m, h), is then T runs of m·h contiguous values: NumPy
    copies runs shorter than its buffer (``np.getbufsize()``, 8192 values) through that
    buffer, so passes over all steps at once run with a buffer of one run (at m·h = 2048
    they then take about half the time; the arithmetic is the same).
    """

    gates = 1          # blocks of h columns in W_x, W_h and the biases
    order = (0,)       # the blocks' order inside: the sigmoid gates first …
    n_sigmoid = 0      # … this many of them; tanh for the others

    def __init__(self, n_in=None, n_hidden=None, *extra, return_sequences=False, rng=None,
                 dtype=np.float64, **keras):
        super().__init__()
        name = type(self).__name__
        if extra:                                                 # LSTM(1, 2, True)
            raise ValueError(
                f"{name}: got {2 + len(extra)} positional arguments {(n_in, n_hidden) + extra}, "
                f"expected two, {name}(n_in, n_hidden); pass the others by keyword, e.g. "
                f"{name}({n_in!r}, {n_hidden!r}, return_sequences=True).")
        refuse_spellings(name, keras, unknown=True)              # Keras' names: nnbook's
        if n_in is not None and n_hidden is None:                 # Keras' LSTM(32)
            raise ValueError(one_size_message(name, n_in))
        self.n_in = positive_int(name, "n_in", n_in)
        self.n_hidden = h = positive_int(name, "n_hidden", n_hidden)
        if not isinstance(return_sequences, (bool, np.bool_)):
            raise ValueError(
                f"{self!r}: expected return_sequences to be True (every h_t, output (m, T, {h})) "
                f"or False (the last h_T, output (m, {h})), got {return_sequences!r}.")
        self.return_sequences = bool(return_sequences)
        dtype = float_dtype(repr(self), dtype)
        rng = make_rng(rng, repr(self))
        n, k = self.n_in, self.gates * h
        W_x = xavier_uniform((n, k), n, k, rng, dtype)
        W_h = np.concatenate([_orthogonal(h, rng) for _ in range(self.gates)], axis=1)
        self.params = {"W_x": np.ascontiguousarray(W_x, dtype=dtype), "W_h": W_h.astype(dtype),
                       **self._biases(dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._s = np.ones((self.gates, 1, 1), dtype)            # z's factor inside the tanh:
        self._s[:self.n_sigmoid] = 0.5                           # ½ for the sigmoid gates
        self._cache = None
        self._buffers = {}                                       # _work's arrays

    def _biases(self, dtype) -> dict:
        return {"b": np.zeros(self.gates * self.n_hidden, dtype)}

    # what every forward and backward starts and ends with -----------------------------------
    def _work(self, name, shape, dtype) -> np.ndarray:
        """A work array kept from one call to the next: a fresh (T, m, ·) array in every
        call would cost more in page faults than the arithmetic on it."""
        buf = self._buffers.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._buffers[name] = np.empty(shape, dtype)
        return buf

    def _views(self, name, arrays, build) -> list:
        """``build()``: a list of each step's views of the work ``arrays``, kept while those
        arrays are (and the views still view them: a copied layer's copies do not), so a
        loop over T steps does not slice them again in every call."""
        kept = self._buffers.get(name)
        if (kept is None or any(a is not b for a, b in zip(kept[0], arrays))
                or kept[1][0][0].base is not arrays[0]):
            kept = self._buffers[name] = (arrays, build())
        return kept[1]

    def _gate_major(self, W) -> np.ndarray:
        """W (rows, gates·h) as (gates, rows, h) in the inner ``order``, each gate's block
        contiguous and scaled by s (½ for a sigmoid gate): a product with it gives
        s ⊙ z for every gate, each as one contiguous (m, h) block."""
        blocks = W.reshape(-1, self.gates, self.n_hidden)[:, list(self.order)]
        return blocks.transpose(1, 0, 2) * self._s

    def _time_major(self, x) -> np.ndarray:
        """x (m, T, n_in), checked, as a time-major copy (T, m, n_in) in the layer's dtype."""
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != self.n_in or x.shape[1] == 0 or x.dtype.kind not in "fiub":
            self._bad_input(x)
        return np.ascontiguousarray(x.transpose(1, 0, 2), dtype=self.params["W_x"].dtype)

    def _output(self, H) -> np.ndarray:
        """The layer's output from the states H (T+1, m, h): a copy, so that changing it
        cannot change what backward uses."""
        if self.return_sequences:
            return H[1:].transpose(1, 0, 2).copy()                   # (m, T, h)
        return H[-1].copy()                                          # (m, h): h_T

    def _dy(self, dy):
        """dy checked against the last forward: time-major (T, m, h), or (m, h) for h_T only."""
        if self._cache is None:
            self._before_forward()
        T, m = self._cache[0].shape[:2]
        dy = np.asarray(dy, dtype=self.params["W_x"].dtype)
        expected = (m, T, self.n_hidden) if self.return_sequences else (m, self.n_hidden)
        if dy.shape != expected:
            self._bad_dy(dy, expected)
        return np.ascontiguousarray(dy.transpose(1, 0, 2)) if self.return_sequences else dy

    def _finish(self, xt, H, dX, dH, need_dx):
        """Weight gradients summed over time and batch, one product each over all T·m rows:
        ``∂E/∂W_x = Σ_t x_tᵀ dX_t``, ``∂E/∂W_h = Σ_t h_{t−1}ᵀ dH_t`` (dX, dH: ∂E/∂ of the
        pre-activations that x_t W_x and h_{t−1} W_h enter; h_0 = 0 adds nothing);
        returns ∂E/∂x = dX W_xᵀ as (m, T, n_in), or None."""
        T, m, n = xt.shape
        k, h = dX.shape[-1], self.n_hidden
        np.matmul(xt.reshape(T * m, n).T, dX.reshape(T * m, k), out=self.grads["W_x"])
        np.matmul(H[1:T].reshape(-1, h).T, dH[1:].reshape(-1, k), out=self.grads["W_h"])
        if not need_dx:
            return None
        dx = dX.reshape(T * m, k) @ self.params["W_x"].T              # (T·m, n_in)
        return dx.reshape(T, m, n).transpose(1, 0, 2)                 # (m, T, n_in)

    # shapes, saving, messages --------------------------------------------------------------
    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 2 or shape[1] not in (self.n_in, None):
            if len(shape) == 2:
                fix = (f"The previous layer (or the data) gives {shape[1]} features per step: use "
                       f"{type(self).__name__}({shape[1]}, {self.n_hidden}).")
            elif len(shape) == 3 and shape[1] == 1:
                fix = ("If an Embedding comes before this one, give the model input_shape=(T,): "
                       "token ids have no feature axis. Images (h, w, c) read row by row are "
                       "sequences: reshape x to (m, h, w·c).")
            elif len(shape) == 3:
                fix = "Images (h, w, c) read row by row are sequences: reshape x to (m, h, w·c)."
            elif len(shape) == 1:
                fix = f"Each sample must be a sequence of vectors, (T, n_in). {LAST_STATE_ONLY}"
            else:
                fix = "Each sample must be a sequence of vectors, (T, n_in)."
            raise ValueError(f"{self!r}: expected samples of shape (T, {self.n_in}) (time steps, "
                             f"features), got {shape}. {fix}")
        return (shape[0], self.n_hidden) if self.return_sequences else (self.n_hidden,)

    def get_config(self):
        return {"n_in": self.n_in, "n_hidden": self.n_hidden,
                "return_sequences": self.return_sequences}

    def __repr__(self):
        return f"{type(self).__name__}({self.n_in} → {self.n_hidden})"

    def _bad_input(self, x):
        got, n, name = tuple(x.shape), self.n_in, type(self).__name__
        if x.dtype.kind not in "fiub":
            fix = f"Got dtype {x.dtype}: pass numbers."
        elif x.ndim == 2 and x.dtype.kind in "iu" and n != 1:
            fix = ("A 2-D array of integers looks like token ids (m, T): put an "
                   f"Embedding(vocab_size, {n}) before this layer.")
        elif x.ndim == 2 and got[1] == n:
            fix = (f"A 2-D input (m, n_in) is not a batch of sequences. {LAST_STATE_ONLY} "
                   f"For data: use x[None] for one sequence of {got[0]} steps, or x[:, None, :] "
                   f"for {got[0]} sequences of one step.")
        elif x.ndim == 2 and n == 1:
            fix = "A 2-D input (m, T) with one feature per step needs its feature axis: x[:, :, None]."
        elif x.ndim == 2:
            fix = ("A 2-D input (m, d) is not a batch of sequences; a recurrent layer reads "
                   f"(m, T, n_in), one vector per time step. {LAST_STATE_ONLY}")
        elif x.ndim == 4 and got[2] == 1:
            fix = (f"If these are an Embedding's vectors of token ids shaped (m, T, 1), pass the "
                   f"ids as (m, T): ids[..., 0]. Images (m, h, w, c) read row by row are "
                   f"sequences of h steps: x.reshape(m, h, w * c).")
        elif x.ndim == 4:
            fix = (f"Images (m, h, w, c) read row by row are sequences of h steps: "
                   f"x.reshape(m, h, w * c), with {name}(w * c, {self.n_hidden}).")
        elif x.ndim == 3 and got[1] == 0:
            fix = "The sequences have no time steps; give them at least one (T ≥ 1)."
        elif x.ndim == 3:
            fix = (f"Each step has {got[2]} features: check the previous layer's output size "
                   f"(or the data), or build {name}({got[2]}, {self.n_hidden}).")
        else:
            fix = "A batch of sequences is (samples, time steps, features)."
        raise ValueError(f"{self!r}: expected input of shape (m, T, {n}) (samples, time steps, "
                         f"features), got {got}. {fix}")


@register_class
class RNN(_Recurrent):
    """Plain recurrent layer: ``h_t = tanh(x_t W_x + h_{t−1} W_h + b)``, ``h_0 = 0``.

    Shapes:
        x: (m, T, n_in)  →  y: (m, T, h) with ``return_sequences=True``,
                            else the last state h_T: (m, h)
        params["W_x"]: (n_in, h),  params["W_h"]: (h, h),  params["b"]: (h,)

    The same weights at every step: unrolled over T steps it is a T-layer
    network with shared weights. Backpropagation through time: ∂E/∂h_t is the
    output's gradient at t plus ``∂E/∂z_{t+1} W_hᵀ`` from the step after,
    ``∂E/∂z_t = ∂E/∂h_t ⊙ (1 − h_t²)``, and each weight gradient is the sum
    over all steps. PyTorch: ``torch.nn.RNN(n_in, h, batch_first=True)`` with
    ``weight_ih_l0 = W_xᵀ``, ``weight_hh_l0 = W_hᵀ`` and two biases whose sum is ``b``.

    Args:
        n_in: features per time step; n_hidden: the size h of the state.
        return_sequences: return every h_t (many-to-many) or only h_T (many-to-one).
        rng: the ``np.random.Generator`` that draws W_x (Xavier uniform), then W_h
            (orthogonal); ``b`` starts at 0.
        dtype: float64 (default) or float32.

    Chapter 15.
    """

    def forward(self, x):
        xt = self._time_major(x)                                  # (T, m, n_in)
        T, m, n = xt.shape
        h, W_h = self.n_hidden, self.params["W_h"]
        H = self._work("H", (T + 1, m, h), xt.dtype)              # H[t] = h_t
        H[0] = 0                                                  # h_0 = 0
        Z = H[1:]                                                 # (T, m, h), becomes h_1 … h_T
        np.matmul(xt.reshape(T * m, n), self.params["W_x"], out=Z.reshape(T * m, h))
        Z += self.params["b"]                                     # x_t W_x + b, every t at once
        hw = np.empty((m, h), xt.dtype)
        for t in range(T):
            Z[t] += np.matmul(H[t], W_h, out=hw)                  # z_t = x_t W_x + b + h_{t−1} W_h
            np.tanh(Z[t], out=Z[t])                               # h_t, written into H[t + 1]
        self._cache = (xt, H)
        return self._output(H)

    def backward(self, dy, need_dx: bool = True):
        dy = self._dy(dy)                                          # (T, m, h) or (m, h)
        xt, H = self._cache
        T, seq = xt.shape[0], self.return_sequences
        W_hT = np.ascontiguousarray(self.params["W_h"].T)
        dZ = np.square(H[1:], out=self._work("dZ", H[1:].shape, H.dtype))
        np.subtract(1, dZ, out=dZ)                                 # (T, m, h): tanh' = 1 − h_t²
        dh = dy[-1] if seq else dy                                 # ∂E/∂h_T (m, h)
        for t in range(T - 1, -1, -1):
            dZ[t] *= dh                                            # ∂E/∂z_t = ∂E/∂h_t ⊙ (1 − h_t²)
            if t:
                dh = dZ[t] @ W_hT                                  # ∂E/∂h_{t−1} through W_h …
                if seq:
                    dh += dy[t - 1]                                # … plus the output's at t − 1
        np.sum(dZ.reshape(-1, self.n_hidden), axis=0, out=self.grads["b"])
        return self._finish(xt, H, dZ, dZ, need_dx)
