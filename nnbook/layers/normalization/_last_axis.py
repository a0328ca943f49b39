"""What LayerNorm (chapter 18) and RMSNorm (chapter 20) share: each vector of the last axis
divided by its own root mean square (after its mean is taken away, for LayerNorm), then
scaled by γ; every argument and shape check is written here, once.
"""

from __future__ import annotations

import numbers

import numpy as np

from ...spellings import refuse_spellings
from ...validate import float_dtype, positive_int
from ..base import Layer

__all__ = []


class _LastAxisNorm(Layer):
    """``y = γ ⊙ x̂ (+ β)``, x̂ = (x − μ)·r for LayerNorm (``centred``) or x·r for RMSNorm,
    with r = 1/√(⟨(x − μ)²⟩ + ε) and ⟨·⟩ the mean over the last axis of one vector.

    Backward, with g = γ ⊙ ∂E/∂y: ``∂E/∂x = r (g − ⟨g⟩ − x̂ ⟨g ⊙ x̂⟩)``, the ``−⟨g⟩`` term
    only where the mean was taken away. A subclass sets the class attributes below.
    """

    positionwise = True    # each position alone: a model of such layers can cache (base.py)
    centred: bool          # take the mean away first, and add β (LayerNorm)
    eps_example: str       # the default ε as the error messages write it
    eps_added_to: str      # what ε is added to, in words

    def __init__(self, n_features=None, *, eps, dtype=np.float64, rng=None, **keras):
        super().__init__()
        name = type(self).__name__
        refuse_spellings(name, keras, unknown=True)              # Keras' names: nnbook's
        self.n_features = positive_int(name, "n_features", n_features)
        if (isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0
                or not np.isfinite(eps)):
            raise ValueError(f"{name}: expected eps > 0 (a small number such as "
                             f"{self.eps_example}, added to the {self.eps_added_to}), "
                             f"got {eps!r}.")
        self.eps = float(eps)
        dtype = float_dtype(repr(self), dtype)
        n = self.n_features
        self.params = {"gamma": np.ones(n, dtype)}
        if self.centred:
            self.params["beta"] = np.zeros(n, dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._cache = None

    def forward(self, x):
        x = np.asarray(x)
        n, gamma = self.n_features, self.params["gamma"]
        if x.ndim < 2 or x.shape[-1] != n:
            raise ValueError(f"{self!r}: expected input of shape (m, {n}) or (m, …, {n}) "
                             f"(features on the last axis), got {tuple(x.shape)}. "
                             f"{self._check_size}")
        X = x.reshape(-1, n)                                    # (M, n): one vector per row
        if X.dtype != gamma.dtype:                              # the layer's dtype, as Dense
            X = X.astype(gamma.dtype)
        if self.centred:
            X = X - X.mean(axis=1, keepdims=True)               # (M, n): x − μ
        ms = np.einsum("ij,ij->i", X, X)[:, None] / n           # (M, 1): σ², or ⟨x²⟩
        r = 1.0 / np.sqrt(ms + self.eps)                        # (M, 1)
        if self.centred:
            X *= r                                              # x̂, in x − μ's array
            xhat = X
        else:
            xhat = X * r                                        # x̂ (X may be the input)
        self._cache = (xhat, r, x.shape)
        y = xhat * gamma
        if self.centred:
            y += self.params["beta"]
        return y.reshape(x.shape)

    def backward(self, dy, need_dx: bool = True):
        if self._cache is None:
            self._before_forward()
        xhat, r, shape = self._cache
        gamma = self.params["gamma"]
        dy = np.asarray(dy, dtype=gamma.dtype)
        if dy.shape != shape:
            self._bad_dy(dy, shape)
        dY = dy.reshape(-1, self.n_features)                    # (M, n)
        if self.centred:
            np.sum(dY, axis=0, out=self.grads["beta"])          # Σ dy
        np.einsum("ij,ij->j", dY, xhat, out=self.grads["gamma"])  # Σ dy ⊙ x̂
        if not need_dx:
            return None
        g = dY * gamma                                          # (M, n)
        dx = xhat * (np.einsum("ij,ij->i", g, xhat)[:, None] / -self.n_features)
        dx += g
        if self.centred:
            dx -= g.mean(axis=1, keepdims=True)
        dx *= r                                                 # r (g − ⟨g⟩ − x̂⟨g x̂⟩)
        return dx.reshape(shape)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if not shape or shape[-1] not in (self.n_features, None):
            raise ValueError(f"{self!r}: expected samples of shape (…, {self.n_features}) (the "
                             f"features last), got {shape}. {self._check_size}")
        return shape

    @property
    def _check_size(self):
        return (f"Check the previous layer's output size: {type(self).__name__}(n) "
                f"normalises a last axis of n features.")

    def get_config(self):
        return {"n_features": self.n_features, "eps": self.eps}

    def __repr__(self):
        return f"{type(self).__name__}({self.n_features})"
