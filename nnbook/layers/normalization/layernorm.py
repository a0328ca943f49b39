"""Layer normalisation (chapter 18): normalise each sample's features (the last axis) with
that sample's own mean and variance, then scale by γ and shift by β. Unlike chapter 13's
batch normalisation, nothing depends on the other samples, so training and inference agree.
"""

from __future__ import annotations

import numbers

import numpy as np

from ...registry import register_class
from ...spellings import refuse_spellings
from ...validate import float_dtype, positive_int
from ..base import Layer

__all__ = ["LayerNorm"]


@register_class
class LayerNorm(Layer):
    """``y = γ ⊙ (x − μ) / √(σ² + ε) + β``, with μ, σ² over the last axis of each vector.

    Shapes:
        x: (m, …, n)  →  y: the same shape, e.g. (m, n) or a sequence (m, T, n)
        params["gamma"], params["beta"]: (n,)

    μ and σ² (the biased variance) are taken over the n features of each vector x[i, t]
    alone, the same in training and inference: no running statistics, and one sample's
    output never depends on the others in the batch.

    Backward, with x̂ = (x − μ)/√(σ² + ε) and g = γ ⊙ ∂E/∂y (the compact form; ⟨·⟩ is the
    mean over the n features of one vector):
    ``∂E/∂β = Σ ∂E/∂y``, ``∂E/∂γ = Σ ∂E/∂y ⊙ x̂`` (sums over every vector), and
    ``∂E/∂x = (g − ⟨g⟩ − x̂ ⟨g ⊙ x̂⟩) / √(σ² + ε)``.

    Args:
        n_features: n, the length of the last axis.
        eps: ε > 0, added to the variance (1e-5, as PyTorch's ``nn.LayerNorm``).
        dtype: float64 (default) or float32.
        rng: accepted (and unused) like every layer with parameters; γ starts at 1, β at 0.

    Chapter 18.
    """

    positionwise = True    # each position alone: a model of such layers can cache (base.py)

    def __init__(self, n_features=None, *, eps=1e-5, dtype=np.float64, rng=None, **keras):
        super().__init__()
        refuse_spellings("LayerNorm", keras, unknown=True)       # Keras' names: nnbook's
        self.n_features = positive_int("LayerNorm", "n_features", n_features)
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
            raise ValueError(f"LayerNorm: expected eps > 0, got {eps!r}.")
        self.eps = float(eps)
        dtype = float_dtype(repr(self), dtype)
        n = self.n_features
        self.params = {"gamma": np.ones(n, dtype), "beta": np.zeros(n, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._cache = None

    def forward(self, x):
        x = np.asarray(x)
        n, gamma = self.n_features, self.params["gamma"]
        if x.ndim < 2 or x.shape[-1] != n:
            self._bad_input(x)
        X = x.reshape(-1, n)                                    # (M, n): one vector per row
        if X.dtype != gamma.dtype:                              # the layer's dtype, as Dense
            X = X.astype(gamma.dtype)
        xhat = X - X.mean(axis=1, keepdims=True)                # (M, n): x − μ
        var = np.einsum("ij,ij->i", xhat, xhat)[:, None] / n    # (M, 1), biased
        inv = 1.0 / np.sqrt(var + self.eps)                     # (M, 1): 1/√(σ² + ε)
        xhat *= inv                                             # x̂
        self._cache = (xhat, inv, x.shape)
        y = xhat * gamma
        y += self.params["beta"]
        return y.reshape(x.shape)

    def backward(self, dy, need_dx: bool = True):
        if self._cache is None:
            self._before_forward()
        xhat, inv, shape = self._cache
        gamma = self.params["gamma"]
        dy = np.asarray(dy, dtype=gamma.dtype)
        if dy.shape != shape:
            self._bad_dy(dy, shape)
        dY = dy.reshape(-1, self.n_features)                    # (M, n)
        np.sum(dY, axis=0, out=self.grads["beta"])              # Σ dy
        np.einsum("ij,ij->j", dY, xhat, out=self.grads["gamma"])  # Σ dy ⊙ x̂
        if not need_dx:
            return None
        g = dY * gamma                                          # (M, n)
        dx = xhat * (np.einsum("ij,ij->i", g, xhat)[:, None] / -self.n_features)
        dx += g
        dx -= g.mean(axis=1, keepdims=True)
        dx *= inv                                               # (g − ⟨g⟩ − x̂⟨g x̂⟩)/√(σ² + ε)
        return dx.reshape(shape)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if not shape or shape[-1] not in (self.n_features, None):
            raise ValueError(f"{self!r}: expected samples of shape (…, {self.n_features}) (the "
                             f"features last), got {shape}. Check the previous layer's output "
                             f"size: LayerNorm(n) normalises a last axis of n features.")
        return shape

    def get_config(self):
        return {"n_features": self.n_features, "eps": self.eps}

    def __repr__(self):
        return f"LayerNorm({self.n_features})"

    def _bad_input(self, x):
        raise ValueError(f"{self!r}: expected input of shape (m, {self.n_features}) or "
                         f"(m, …, {self.n_features}) (features on the last axis), got "
                         f"{tuple(x.shape)}. Check the previous layer's output size: "
                         f"LayerNorm(n) normalises a last axis of n features.")
