"""Batch normalisation (chapter 13): normalise each feature (or each channel of
NHWC images) with the batch's mean and variance while training, with running
averages of them in inference, then scale by γ and shift by β.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..validate import float_dtype, positive_int
from .base import Layer
from ..registry import register_class

__all__ = ["BatchNorm"]


@register_class
class BatchNorm(Layer):
    """``y = γ · (x − μ) / √(σ² + ε) + β``, per feature (the last axis).

    Shapes:
        x: (m, n) or NHWC images (m, h, w, n)  →  y: the same shape
        params["gamma"], params["beta"]: (n,)
        buffers["running_mean"], buffers["running_var"]: (n,)

    Training (``self.training`` True, set by ``fit``): μ and σ² are the mean and
    the (biased) variance of the batch over all axes but the last, i.e. over
    the M = m (dense) or M = m·h·w (images) values of each feature. The
    running statistics then move towards them:
    ``running_mean ← (1 − momentum)·running_mean + momentum·μ`` and likewise
    ``running_var`` with the unbiased variance σ²·M/(M − 1).
    Inference (``training`` False): μ, σ² are the running statistics.

    Backward in training, with x̂ = (x − μ)/√(σ² + ε) (the compact formula):
    ``∂E/∂β = Σ dy``, ``∂E/∂γ = Σ dy ⊙ x̂`` (sums over the M values), and
    ``∂E/∂x = γ/√(σ² + ε) · (dy − ∂E/∂β / M − x̂ ⊙ ∂E/∂γ / M)``.
    In inference ``∂E/∂x = γ/√(σ² + ε) · dy``.

    Conventions are PyTorch's (``BatchNorm1d``/``BatchNorm2d``): momentum = 0.1,
    eps = 1e-5, an unbiased running variance. Keras writes momentum the other
    way round (its 0.99 is 0.01 here), defaults to ε = 1e-3 and keeps a biased
    running variance.

    Args:
        n_features: the number of features (dense) or channels (images).
        momentum: weight of the new batch in the running averages, 0 ≤ momentum ≤ 1.
        eps: ε > 0, added to the variance.
        dtype: float64 (default) or float32, for γ, β and the running statistics.
        rng: accepted (and unused) like every layer with parameters; γ starts at 1, β at 0.

    Chapter 13.
    """

    training = False          # the base Layer's default (contract 3), repeated for clarity

    def __init__(self, n_features, *, momentum=0.1, eps=1e-5, dtype=np.float64, rng=None):
        super().__init__()
        self.n_features = positive_int("BatchNorm", "n_features", n_features)
        for name, value, ok in (("momentum", momentum, lambda v: 0 <= v <= 1),
                                ("eps", eps, lambda v: v > 0)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not ok(value):
                bound = "0 ≤ momentum ≤ 1" if name == "momentum" else "eps > 0"
                raise ValueError(f"BatchNorm: expected {bound}, got {value!r}.")
        self.momentum, self.eps = float(momentum), float(eps)
        dtype = float_dtype(repr(self), dtype)
        n = self.n_features
        self.params = {"gamma": np.ones(n, dtype), "beta": np.zeros(n, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.buffers = {"running_mean": np.zeros(n, dtype), "running_var": np.ones(n, dtype)}
        self._cache = None
        self._xc = self._t = self._ones = None          # work arrays, see _scratch

    def forward(self, x):
        x = np.asarray(x)
        n = self.n_features
        if x.ndim not in (2, 4) or x.shape[-1] != n:
            self._bad_input(x)
        if x.dtype != self.params["gamma"].dtype:       # the layer's dtype, as Dense
            x = x.astype(self.params["gamma"].dtype)
        X = x.reshape(-1, n)                            # (M, n): one row per value of each feature
        M = X.shape[0]
        gamma, beta = self.params["gamma"], self.params["beta"]
        if not self.training:
            inv = 1.0 / np.sqrt(self.buffers["running_var"] + self.eps)       # (n,)
            scale = gamma * inv
            y = X * scale
            y += beta - self.buffers["running_mean"] * scale
            self._cache = (False, X, inv, x.shape)
            return y.reshape(x.shape)
        if M < 2:
            raise ValueError(f"{self!r}: training needs more than one value per feature to "
                             f"compute a variance, got input of shape {x.shape}. Use a batch "
                             f"of at least 2 samples (or set training = False).")
        ones = self._ones_for(X)
        mu = ones @ X                                   # (n,): Σ x, a BLAS product (the fastest sum)
        mu /= M
        xc = np.subtract(X, mu, out=self._scratch("_xc", X))      # (M, n): x − μ
        sq = np.multiply(xc, xc, out=self._scratch("_t", X))
        var = ones @ sq                                 # (n,)
        var /= M                                        # biased
        inv = 1.0 / np.sqrt(var + self.eps)             # (n,): 1/√(σ² + ε)
        y = np.multiply(xc, gamma * inv)                # (M, n) = γ x̂
        y += beta
        self._cache = (True, xc, inv, x.shape)
        mom = self.momentum
        self.buffers["running_mean"] *= 1 - mom
        self.buffers["running_mean"] += mom * mu
        self.buffers["running_var"] *= 1 - mom
        self.buffers["running_var"] += (mom * M / (M - 1)) * var
        return y.reshape(x.shape)

    def backward(self, dy, need_dx: bool = True):
        if self._cache is None:
            self._before_forward()
        training, xc, inv, shape = self._cache          # xc: x − μ (training) or x (inference)
        dy = np.asarray(dy, dtype=self.params["gamma"].dtype)
        if dy.shape != shape:
            self._bad_dy(dy, shape)
        dY = dy.reshape(-1, self.n_features)            # (M, n)
        M = dY.shape[0]
        gamma = self.params["gamma"]
        ones = self._ones_for(dY)
        dbeta = self.grads["beta"]
        np.matmul(ones, dY, out=dbeta)                                   # Σ dy
        dyx = ones @ np.multiply(dY, xc, out=self._scratch("_t", dY))    # Σ dy ⊙ xc
        if not training:                                # xc is x: Σ dy ⊙ (x − μ_run)
            dyx -= self.buffers["running_mean"] * dbeta
        np.multiply(dyx, inv, out=self.grads["gamma"])                   # Σ dy ⊙ x̂
        if not need_dx:
            return None
        gi = gamma * inv                                                 # (n,)
        if not training:
            return (dY * gi).reshape(shape)
        # γ·inv·(dy − dβ/M − x̂ ⊙ dγ/M),  x̂ = xc·inv
        t = np.multiply(xc, gi * inv * self.grads["gamma"] / M, out=self._t)
        t += gi * dbeta / M                                              # (M, n)
        dx = dY * gi
        dx -= t
        return dx.reshape(shape)

    def _ones_for(self, A):
        """ones(M) for (M, n) ``A``: ``ones @ A`` sums the columns (BLAS, faster than ``A.sum(0)``)."""
        ones = self._ones
        if ones is None or ones.shape[0] != A.shape[0] or ones.dtype != A.dtype:
            ones = self._ones = np.ones(A.shape[0], A.dtype)
        return ones

    def _scratch(self, name, like):
        """A work array of ``like``'s shape and dtype, kept between calls: a fresh
        (M, n) array each step would cost more than the arithmetic (page faults)."""
        buf = getattr(self, name)
        if buf is None or buf.shape != like.shape or buf.dtype != like.dtype:
            buf = np.empty_like(like)
            setattr(self, name, buf)
        return buf

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) not in (1, 3) or shape[-1] not in (self.n_features, None):
            raise ValueError(f"{self!r}: expected samples of shape ({self.n_features},) or "
                             f"(h, w, {self.n_features}), got {shape}. Check the previous layer's "
                             f"output size (the features or channels are the last axis).")
        return shape

    def get_config(self):
        return {"n_features": self.n_features, "momentum": self.momentum, "eps": self.eps}

    def __repr__(self):
        return f"BatchNorm({self.n_features})"

    def _bad_input(self, x):
        raise ValueError(f"{self!r}: expected input of shape (m, {self.n_features}) or NHWC "
                         f"images (m, h, w, {self.n_features}), got {tuple(x.shape)}. Check the "
                         f"previous layer's output size (features or channels are the last axis).")
