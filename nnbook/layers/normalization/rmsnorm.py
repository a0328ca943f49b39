"""Root-mean-square normalisation (chapter 20): layer normalisation without the mean and
without β. Each vector is divided by the root of its mean square and scaled by γ; on
inputs whose features have mean 0 it is chapter 18's ``LayerNorm`` with β = 0.
"""

from __future__ import annotations

import numbers

import numpy as np

from ...registry import register_class
from ...validate import float_dtype, positive_int
from ...spellings import refuse_spellings
from ..base import Layer

__all__ = ["RMSNorm"]


@register_class
class RMSNorm(Layer):
    """``y = γ ⊙ x / √(mean(x²) + ε)``, the mean over the last axis of each vector.

    Shapes:
        x: (m, …, n)  →  y: the same shape, e.g. (m, n) or a sequence (m, T, n)
        params["gamma"]: (n,), starts at 1

    Backward, with r = 1/√(⟨x²⟩ + ε), x̂ = x·r and g = γ ⊙ ∂E/∂y (⟨·⟩ is the mean over
    the n features of one vector): ``∂E/∂γ = Σ ∂E/∂y ⊙ x̂`` (summed over every vector)
    and ``∂E/∂x = r (g − x̂ ⟨g ⊙ x̂⟩)``, LayerNorm's formula without its ``−⟨g⟩`` term,
    which came from the mean.

    Args:
        n_features: n, the length of the last axis.
        eps: ε > 0, added to the mean square (1e-6).
        dtype: float64 (default) or float32.
        rng: accepted (and unused) like every layer with parameters.

    As ``torch.nn.RMSNorm(n, eps=eps)``. Chapter 20.

    Passes over the (M, n) vectors: forward 3 (⟨x²⟩ as one reading ``einsum``, x̂ = x·r,
    γ ⊙ x̂), backward 6 (∂E/∂γ's and ⟨g x̂⟩'s reading ``einsum``, g, x̂·⟨g x̂⟩, + g, ·r);
    the (M, 1) numbers between them are too few to count.
    """

    positionwise = True    # each position alone: a model of such layers can cache (base.py)

    def __init__(self, n_features=None, *, eps=1e-6, dtype=np.float64, rng=None, **keras):
        super().__init__()
        refuse_spellings("RMSNorm", keras, unknown=True)         # Keras' names: nnbook's
        self.n_features = positive_int("RMSNorm", "n_features", n_features)
        if (isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0
                or not np.isfinite(eps)):
            raise ValueError(f"RMSNorm: expected eps > 0 (a small number such as 1e-6, added "
                             f"to the mean square), got {eps!r}.")
        self.eps = float(eps)
        dtype = float_dtype(repr(self), dtype)
        self.params = {"gamma": np.ones(self.n_features, dtype)}
        self.grads = {"gamma": np.zeros(self.n_features, dtype)}
        self._cache = None

    def forward(self, x):
        x = np.asarray(x)
        n, gamma = self.n_features, self.params["gamma"]
        if x.ndim < 2 or x.shape[-1] != n:
            raise ValueError(f"{self!r}: expected input of shape (m, {n}) or (m, …, {n}) "
                             f"(features on the last axis), got {tuple(x.shape)}. Check the "
                             f"previous layer's output size: RMSNorm(n) normalises a last "
                             f"axis of n features.")
        X = x.reshape(-1, n)                                    # (M, n): one vector per row
        if X.dtype != gamma.dtype:                              # the layer's dtype, as Dense
            X = X.astype(gamma.dtype)
        ms = np.einsum("ij,ij->i", X, X)[:, None] / n           # (M, 1): ⟨x²⟩
        r = 1.0 / np.sqrt(ms + self.eps)                        # (M, 1)
        xhat = X * r                                            # x̂
        self._cache = (xhat, r, x.shape)
        return (xhat * gamma).reshape(x.shape)

    def backward(self, dy, need_dx: bool = True):
        if self._cache is None:
            self._before_forward()
        xhat, r, shape = self._cache
        gamma = self.params["gamma"]
        dy = np.asarray(dy, dtype=gamma.dtype)
        if dy.shape != shape:
            self._bad_dy(dy, shape)
        dY = dy.reshape(-1, self.n_features)                    # (M, n)
        np.einsum("ij,ij->j", dY, xhat, out=self.grads["gamma"])  # Σ dy ⊙ x̂
        if not need_dx:
            return None
        g = dY * gamma                                          # (M, n)
        dx = xhat * (np.einsum("ij,ij->i", g, xhat)[:, None] / -self.n_features)
        dx += g
        dx *= r                                                 # r (g − x̂⟨g x̂⟩)
        return dx.reshape(shape)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if not shape or shape[-1] not in (self.n_features, None):
            raise ValueError(f"{self!r}: expected samples of shape (…, {self.n_features}) (the "
                             f"features last), got {shape}. Check the previous layer's output "
                             f"size: RMSNorm(n) normalises a last axis of n features.")
        return shape

    def get_config(self):
        return {"n_features": self.n_features, "eps": self.eps}

    def __repr__(self):
        return f"RMSNorm({self.n_features})"
