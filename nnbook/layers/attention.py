"""Multi-head self-attention (chapter 17): every position takes a weighted average of the
values of the positions it attends to, ``softmax(Q Kᵀ/√d_head) V``, in several heads at
once, each on its own slice of the features. ``causal=True`` hides the future.
"""

from __future__ import annotations

import math

import numpy as np

from ..init import xavier_uniform
from ..registry import register_class
from ..spellings import refuse_spellings
from ..validate import float_dtype, make_rng, positive_int
from .base import Layer
from .recurrent import LAST_STATE_ONLY

__all__ = ["MultiHeadAttention"]


@register_class
class MultiHeadAttention(Layer):
    """Self-attention: ``y = concat_h(softmax(Q_h K_hᵀ/√d_head) V_h) W_o + b_o``.

    ``Q = x W_q + b_q``, ``K = x W_k + b_k``, ``V = x W_v + b_v``; head h takes the features
    h·d_head … (h + 1)·d_head − 1 of each (d_head = d_model / n_heads), and the heads'
    outputs are put side by side again before ``W_o``.

    Shapes:
        x: (m, T, d_model)  →  y: (m, T, d_model)
        params["W_q"], ["W_k"], ["W_v"], ["W_o"]: (d_model, d_model)
        params["b_q"], ["b_k"], ["b_v"], ["b_o"]: (d_model,)
        attention_weights: (m, n_heads, T, T) after a forward; row t holds the weights
            position t gave every position (each row sums to 1)

    ``causal=True`` lets position t attend to positions ≤ t only (the scores above the
    diagonal are −∞ before the softmax, so their weights are exactly 0): a language
    model then predicts token t + 1 from tokens ≤ t.

    Backward (per head, with A the weights and S = Q Kᵀ/√d_head the scores):
    ``∂E/∂V = Aᵀ ∂E/∂O``, ``∂E/∂A = ∂E/∂O Vᵀ``, the softmax (chapter 09)
    ``∂E/∂S = A ⊙ (∂E/∂A − rowsum(∂E/∂A ⊙ A))``, where the row sum is ``∂E/∂O · O`` for
    each position, then ``∂E/∂Q = ∂E/∂S K/√d_head`` and ``∂E/∂K = ∂E/∂Sᵀ Q/√d_head``.
    Every step is one batched product over all samples and heads. ``∂E/∂b_k`` is exactly 0:
    b_k adds the same q_t·b_k to every score of row t, which the softmax ignores.

    Args:
        d_model: the features per position, d.
        n_heads: the number of heads; must divide d_model.
        causal: True to hide later positions.
        rng: the ``np.random.Generator`` that draws the W's (Xavier/Glorot uniform, each
            (d, d) on its own; biases 0). ``None``: a fresh one.
        dtype: float64 (default) or float32.

    ``to_torch`` gives ``nn.MultiheadAttention(d, n_heads, batch_first=True)`` with
    ``in_proj_weight = [W_qᵀ; W_kᵀ; W_vᵀ]`` and ``out_proj.weight = W_oᵀ``. Chapter 17.
    """

    def __init__(self, d_model=None, n_heads=None, *, causal=False, rng=None, dtype=np.float64,
                 **keras):
        super().__init__()
        refuse_spellings("MultiHeadAttention", keras, unknown=True)   # Keras' names: nnbook's
        self.d_model = positive_int("MultiHeadAttention", "d_model", d_model)
        self.n_heads = positive_int("MultiHeadAttention", "n_heads", n_heads)
        if self.d_model % self.n_heads:
            ok = [h for h in range(1, self.d_model + 1) if self.d_model % h == 0]
            raise ValueError(
                f"MultiHeadAttention: d_model={self.d_model} is not divisible by "
                f"n_heads={self.n_heads}; each head takes d_model / n_heads features. Use "
                f"n_heads in {ok}, or a d_model that is a multiple of {self.n_heads}.")
        if not isinstance(causal, (bool, np.bool_)):
            raise ValueError(f"MultiHeadAttention: expected causal=True or False, got {causal!r}.")
        self.causal = bool(causal)
        self.d_head = self.d_model // self.n_heads
        dtype = float_dtype(repr(self), dtype)
        rng = make_rng(rng, repr(self))
        d = self.d_model
        self.params = {f"W_{n}": xavier_uniform((d, d), d, d, rng, dtype) for n in "qkvo"}
        self.params.update({f"b_{n}": np.zeros(d, dtype) for n in "qkvo"})
        self.grads = {k: np.zeros_like(p) for k, p in self.params.items()}
        self.attention_weights = None
        self._cache = None
        self._masks = {}

    def forward(self, x):
        x = np.asarray(x)
        p, d, h, dh = self.params, self.d_model, self.n_heads, self.d_head
        if x.ndim != 3 or x.shape[2] != d or x.shape[1] == 0:
            self._bad_input(x)
        if x.dtype != p["W_q"].dtype:                            # the layer's dtype, as Dense
            x = x.astype(p["W_q"].dtype)
        m, T = x.shape[:2]
        scale = 1.0 / math.sqrt(dh)
        # Q, K, V in one product; Q's columns scaled by 1/√d_head: S = (Q/√d_head) Kᵀ
        W = np.concatenate((p["W_q"] * scale, p["W_k"], p["W_v"]), axis=1)   # (d, 3d)
        b = np.concatenate((p["b_q"] * scale, p["b_k"], p["b_v"]))
        X = x.reshape(-1, d)                                     # (mT, d)
        qkv = X @ W                                              # (mT, 3d)
        qkv += b
        q, k, v = qkv.reshape(m, T, 3, h, dh).transpose(2, 0, 3, 1, 4)   # each (m, h, T, dh)
        A = q @ k.swapaxes(-1, -2)                               # (m, h, T, T) scores
        if self.causal:
            A += self._mask(T, A.dtype)                          # −∞ above the diagonal
        _softmax_rows(A)                                         # (m, h, T, T) weights
        O = (A @ v).transpose(0, 2, 1, 3).reshape(-1, d)         # (mT, d): heads side by side
        y = O @ p["W_o"]                                         # (mT, d)
        y += p["b_o"]
        self.attention_weights = A
        self._cache = (X, W, q, k, v, A, O, x.shape)
        return y.reshape(x.shape)                                # (m, T, d)

    def backward(self, dy, need_dx: bool = True):
        if self._cache is None:
            self._before_forward()
        X, W, q, k, v, A, O, shape = self._cache
        p, g, d, h, dh = self.params, self.grads, self.d_model, self.n_heads, self.d_head
        dy = np.asarray(dy, dtype=W.dtype)
        if dy.shape != shape:
            self._bad_dy(dy, shape)
        m, T = shape[:2]
        dY = dy.reshape(-1, d)                                   # (mT, d)
        np.matmul(O.T, dY, out=g["W_o"])                         # (d, d) = Oᵀ dY
        np.sum(dY, axis=0, out=g["b_o"])
        dO = dY @ p["W_o"].T                                     # (mT, d)
        D = (dO * O).reshape(m, T, h, dh).sum(axis=-1).transpose(0, 2, 1)   # (m, h, T): ∂E/∂O·O
        dO = dO.reshape(m, T, h, dh).transpose(0, 2, 1, 3)       # (m, h, T, dh)
        dqkv = np.empty((m, T, 3, h, dh), dtype=W.dtype)         # ∂E/∂(Q, K, V), as qkv
        dq, dk, dv = dqkv.transpose(2, 0, 3, 1, 4)               # views, each (m, h, T, dh)
        np.matmul(A.swapaxes(-1, -2), dO, out=dv)                # ∂E/∂V = Aᵀ ∂E/∂O
        dS = dO @ v.swapaxes(-1, -2)                             # (m, h, T, T) = ∂E/∂A
        dS -= D[..., None]
        dS *= A                                                  # ∂E/∂S = A ⊙ (∂E/∂A − ∂E/∂O·O)
        np.matmul(dS, k, out=dq)                                 # ∂E/∂(Q/√d_head)
        np.matmul(dS.swapaxes(-1, -2), q, out=dk)                # ∂E/∂K (q is Q/√d_head)
        dQKV = dqkv.reshape(-1, 3 * d)                           # (mT, 3d)
        dW = X.T @ dQKV                                          # (d, 3d)
        db = dQKV.sum(axis=0)
        scale = 1.0 / math.sqrt(dh)
        np.multiply(dW[:, :d], scale, out=g["W_q"])
        g["W_k"][...], g["W_v"][...] = dW[:, d:2 * d], dW[:, 2 * d:]
        np.multiply(db[:d], scale, out=g["b_q"])
        g["b_k"][...], g["b_v"][...] = 0.0, db[2 * d:]           # b_k: see the docstring
        if not need_dx:
            return None
        return (dQKV @ W.T).reshape(shape)                       # (m, T, d)

    def _mask(self, T, dtype):
        """(T, T): 0 where t' ≤ t, −∞ above the diagonal (kept per T and dtype)."""
        key = (T, np.dtype(dtype))
        if key not in self._masks:
            self._masks[key] = np.triu(np.full((T, T), -np.inf, dtype), 1)
        return self._masks[key]

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 2 or shape[1] not in (self.d_model, None):
            last = f" {LAST_STATE_ONLY}" if len(shape) == 1 else ""
            raise ValueError(f"{self!r}: expected samples of shape (T, {self.d_model}), got "
                             f"{shape}. Attention reads sequences of d_model = {self.d_model} "
                             f"features; check the previous layer's output size.{last}")
        return shape

    def get_config(self):
        return {"d_model": self.d_model, "n_heads": self.n_heads, "causal": self.causal}

    def __repr__(self):
        causal = ", causal" if self.causal else ""
        return f"MultiHeadAttention({self.d_model}, {self.n_heads} heads{causal})"

    def _bad_input(self, x):
        got = tuple(x.shape)
        fix = (f"{LAST_STATE_ONLY} For one sequence, add a batch axis: x[None]." if x.ndim == 2
               and got[-1] == self.d_model else "Check the previous layer's output size (the "
               "features are the last axis).")
        if x.ndim == 3 and got[1] == 0 and got[2] == self.d_model:
            fix = ("The sequences have no positions (T = 0): attention needs at least one "
                   "position to attend to; give them T ≥ 1.")
        raise ValueError(f"{self!r}: expected input of shape (m, T, {self.d_model}), got {got}. "
                         f"{fix}")


def _softmax_rows(S):
    """Softmax over the last axis of ``S``, in place (rows with −∞ entries work)."""
    S -= S.max(axis=-1, keepdims=True)
    np.exp(S, out=S)
    S *= 1.0 / S.sum(axis=-1, keepdims=True)
    return S
