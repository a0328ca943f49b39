"""The gated feed-forward layer of chapter 20: ``SwiGLU``, where one linear map, through
SiLU (x·σ(x), the "swish", in activations.py), gates another elementwise before a third
brings the result back to d_model (Shazeer 2020; the feed-forward part of most 2025 models).
"""

from __future__ import annotations

import numpy as np

from ..init import xavier_uniform
from ..registry import register_class
from ..validate import float_dtype, make_rng, positive_int
from .activations import sigmoid
from .base import Layer


__all__ = ["SwiGLU"]


@register_class
class SwiGLU(Layer):
    """``y = (SiLU(x W_1) ⊙ (x W_3)) W_2``, no biases, on the last axis.

    Shapes:
        x: (m, …, d_model)  →  y: (m, …, d_model)
        params["W_1"], ["W_3"]: (d_model, d_ff); params["W_2"]: (d_ff, d_model)

    Three matrices where a ReLU network has two: with d_ff = 2/3 of the ReLU network's
    hidden size, the counts match (3·d·(2/3)·4d = 2·d·4d, biases aside).

    Backward, with h₁ = x W_1, h₃ = x W_3, a = SiLU(h₁), u = a ⊙ h₃ and δ = ∂E/∂y W_2ᵀ:
    ``∂E/∂W_2 = uᵀ ∂E/∂y``, ``∂E/∂h₃ = δ ⊙ a``, ``∂E/∂h₁ = δ ⊙ h₃ ⊙ SiLU'(h₁)``, then
    ``∂E/∂W_1 = xᵀ ∂E/∂h₁``, ``∂E/∂W_3 = xᵀ ∂E/∂h₃`` and
    ``∂E/∂x = ∂E/∂h₁ W_1ᵀ + ∂E/∂h₃ W_3ᵀ``. W_1 and W_3 run as one (d, 2·d_ff) product
    (forward, ∂E/∂W and ∂E/∂x alike). Element-wise passes over the (M, d_ff) arrays:
    forward 6 (σ(h₁)'s four, a, u), backward 6 (SiLU' three, δ ⊙ h₃ in δ's array, · SiLU',
    δ ⊙ a), each written into its place (``out=``, the halves of one ∂E/∂[h₁ | h₃] array). In
    inference (``training`` False, as ``predict`` and a sampler run it) the forward makes
    the same six passes with the same numbers but writes a and u into σ(h₁)'s array and
    keeps only x, as ``SiLU``'s does; a backward after it first computes h₁, h₃, σ(h₁), a
    and u again (a forward's work, the same numbers). ``TransformerBlock`` passes its
    ``training`` on to its SwiGLU.

    Args:
        d_model: the features per position.
        d_ff: the hidden size (often ≈ 8/3·d_model).
        rng: the ``np.random.Generator`` that draws W_1, W_3, W_2 in that order (Xavier/
            Glorot uniform, as ``Dense``). ``None``: a fresh one.
        dtype: float64 (default) or float32.

    ``to_torch`` gives the bridge's ``SwiGLU`` module (three ``nn.Linear(bias=False)``).
    Chapter 20.
    """

    positionwise = True    # each position alone: a model of such layers can cache (base.py)

    def __init__(self, d_model, d_ff, *, rng=None, dtype=np.float64):
        super().__init__()
        self.d_model = positive_int("SwiGLU", "d_model", d_model)
        self.d_ff = positive_int("SwiGLU", "d_ff", d_ff)
        dtype = float_dtype(repr(self), dtype)
        rng = make_rng(rng, repr(self))
        d, f = self.d_model, self.d_ff
        self.params = {"W_1": xavier_uniform((d, f), d, f, rng, dtype),
                       "W_3": xavier_uniform((d, f), d, f, rng, dtype),
                       "W_2": xavier_uniform((f, d), f, d, rng, dtype)}
        self.grads = {k: np.zeros_like(p) for k, p in self.params.items()}
        self._cache = None

    def forward(self, x):
        x = features_last(self, x)
        p, d, f = self.params, self.d_model, self.d_ff
        X = x.reshape(-1, d)                                    # (M, d)
        if X.dtype != p["W_1"].dtype:
            X = X.astype(p["W_1"].dtype)
        if not self.training:                # inference: u in σ(h₁)'s array, X alone kept
            self._cache = (X, x.shape)
            W13, h1, h3, u = self._gate(X)
            np.multiply(h1, u, out=u)                           # a = SiLU(h₁)
            np.multiply(u, h3, out=u)                           # u = a ⊙ h₃
            return (u @ p["W_2"]).reshape(x.shape)
        W13, h1, h3, s = self._gate(X)
        a = h1 * s                                              # SiLU(h₁)
        u = a * h3                                              # (M, f)
        self._cache = (X, W13, h1, h3, s, a, u, x.shape)
        return (u @ p["W_2"]).reshape(x.shape)

    def _gate(self, X):
        """``(W13, h₁, h₃, σ(h₁))`` for the rows X (M, d): [h₁ | h₃] = X [W_1 | W_3], one
        product, and σ(h₁) in a new array (both forwards start here)."""
        p, f = self.params, self.d_ff
        W13 = np.concatenate((p["W_1"], p["W_3"]), axis=1)      # (d, 2f)
        H = X @ W13                                             # (M, 2f): [h₁ | h₃]
        h1, h3 = H[:, :f], H[:, f:]
        return W13, h1, h3, sigmoid(h1)

    def backward(self, dy, need_dx: bool = True):
        if self._cache is None:
            self._before_forward()
        if len(self._cache) == 2:            # after an inference forward: h, σ, a, u again
            X, shape = self._cache
            W13, h1, h3, s = self._gate(X)
            a = h1 * s
            u = a * h3
        else:
            X, W13, h1, h3, s, a, u, shape = self._cache
        p, f = self.params, self.d_ff
        dy = np.asarray(dy, dtype=W13.dtype)
        if dy.shape != shape:
            self._bad_dy(dy, shape)
        dY = dy.reshape(-1, self.d_model)                       # (M, d)
        np.matmul(u.T, dY, out=self.grads["W_2"])               # (f, d)
        delta = dY @ p["W_2"].T                                 # (M, f): ∂E/∂u
        dH = np.empty((len(X), 2 * f), dtype=W13.dtype)
        np.multiply(delta, a, out=dH[:, f:])                    # ∂E/∂h₃ = δ ⊙ a
        silu_grad = 1.0 - s                                     # SiLU'(h₁) = s + a (1 − s)
        silu_grad *= a
        silu_grad += s
        delta *= h3                                             # δ ⊙ h₃, in δ's array
        np.multiply(delta, silu_grad, out=dH[:, :f])            # ∂E/∂h₁ = δ ⊙ h₃ ⊙ SiLU'(h₁)
        dW = X.T @ dH                                           # (d, 2f)
        self.grads["W_1"][...], self.grads["W_3"][...] = dW[:, :f], dW[:, f:]
        if not need_dx:
            return None
        return (dH @ W13.T).reshape(shape)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if not shape or shape[-1] not in (self.d_model, None):
            raise ValueError(f"{self!r}: expected samples of shape (…, {self.d_model}) (the "
                             f"features last), got {shape}. Check the previous layer's output "
                             f"size.")
        return shape

    def get_config(self):
        return {"d_model": self.d_model, "d_ff": self.d_ff}

    def __repr__(self):
        return f"SwiGLU({self.d_model}, d_ff={self.d_ff})"


def features_last(layer, x):
    """``x`` as an array of shape (m, …, layer.d_model), or the ValueError that names
    ``layer`` (the check of ``SwiGLU`` and ``MixtureOfExperts``)."""
    x, d = np.asarray(x), layer.d_model
    if x.ndim < 2 or x.shape[-1] != d:
        raise ValueError(f"{layer!r}: expected input of shape (m, {d}) or (m, …, {d}) "
                         f"(features on the last axis), got {tuple(x.shape)}. Check the "
                         f"previous layer's output size.")
    return x
