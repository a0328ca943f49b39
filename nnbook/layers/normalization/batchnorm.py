"""Batch normalisation (chapter 13): normalise each feature (or each channel of
NHWC images) with the batch's mean and variance while training, with running
averages of them in inference, then scale by γ and shift by β.
"""

from __future__ import annotations

import numbers

import numpy as np

from ...spellings import refuse_spellings
from ...validate import float_dtype, positive_int
from ...kernels.aligned import empty_aligned
from ..base import Layer
from ...registry import register_class

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
        momentum: weight of the new batch in the running averages, 0 ≤ momentum ≤ 1, but not in
            [0.9, 1), where it is most likely Keras' convention (a ValueError says so).
        eps: ε > 0, added to the variance.
        dtype: float64 (default) or float32, for γ, β and the running statistics.
        rng: accepted (and unused) like every layer with parameters; γ starts at 1, β at 0.

    Passes over the (M, n) values in training (what bounds this layer: NumPy makes one per
    operation, PyTorch's fused kernel two or three in each direction), float64:
    forward 5 (Σ x; x − μ; Σ (x − μ)²; (x − μ)·γ/σ; + β),
    backward 6 (Σ dy; Σ dy ⊙ (x − μ); then ∂E/∂x in its own array, four passes:
    x̂ ⊙ dγ/M; + dβ/M; dy minus that; · γ/σ). Σ x and Σ dy are a product with a vector of
    ones (the fastest sum); each sum of products is one ``np.einsum("ij,ij->j", a, b)``
    (for each j the sum over i of a_ij·b_ij), which reads both arrays once and writes no
    (M, n) product. float32 makes 6 and 7 passes, in the order float64 made them before
    (``_SAME_ORDER``): (x − μ)² and dy ⊙ (x − μ) written out, then summed with the vector
    of ones, and ∂E/∂x = γ/σ·dy − (x̂ ⊙ γ/σ·dγ/M + γ/σ·dβ/M) with a second work array.
    Chapter 13's stored float32 CNN runs (``nnbook.experiments.batchnorm_effect``) were
    computed in that order, and training turns a change in the last bit into another
    digit right or wrong (seed 1: 441 of 450 right instead of 440). Measured side by side
    on an Intel Xeon (AVX-512), one thread, forward + backward at (256, 512): float64
    1.5× PyTorch's time before, 1.1–1.15× now; float32 1.2× before, 1.1–1.15× now (from
    a cheaper ``empty_aligned`` alone; it would be 1.0–1.1× in the float64 order).

    The work arrays are kept between calls. A per-feature (n,) vector meets the (M, n)
    values as a row of k·n values, the vector repeated k times, and the (M, n) array is
    read as M/k such rows (``_work``): NumPy copies a broadcast whose rows are shorter
    than its buffer (``np.getbufsize()``, 8192 values) through that buffer, and at
    (256, 512) that made each of the six passes with a per-feature vector take
    1.5–1.9× as long as the same operation on two (M, n) arrays (NumPy 1.26 and 2.4
    alike). The arithmetic is the same, value by value. The work arrays, y and ∂E/∂x
    start on a 64-byte boundary (``empty_aligned``): NumPy's own start 16 bytes past one
    as often as not, and these passes then took 1.3× as long (AVX-512, float32 (256, 512)).

    Chapter 13.
    """

    training = False          # the base Layer's default (contract 3), repeated for clarity
    # dtypes that keep the older order of the arithmetic in training (one pass more each
    # way, the same bits as before): see "float32 makes 6 and 7 passes" in the docstring
    _SAME_ORDER = (np.dtype(np.float32),)

    def __init__(self, n_features=None, *, momentum=0.1, eps=1e-5, dtype=np.float64, rng=None,
                 **keras):
        super().__init__()
        refuse_spellings("BatchNorm", keras, unknown=True)       # Keras' names: nnbook's
        self.n_features = positive_int("BatchNorm", "n_features", n_features)
        for name, value, ok in (("momentum", momentum, lambda v: 0 <= v <= 1),
                                ("eps", eps, lambda v: v > 0)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not ok(value):
                bound = "0 ≤ momentum ≤ 1" if name == "momentum" else "eps > 0"
                raise ValueError(f"BatchNorm: expected {bound}, got {value!r}.")
        if 0.9 <= momentum < 1:                      # Keras' BatchNormalization(momentum=0.99)
            raise ValueError(
                f"BatchNorm: momentum={momentum!r} looks like Keras' convention (the weight of "
                f"the old running average). nnbook's momentum is PyTorch's, the weight of the new "
                f"batch: Keras' {momentum!r} is momentum={round(1 - momentum, 12)!r} here. Values "
                f"in [0.9, 1) are refused as ambiguous; 1.0 keeps only the last batch.")
        self.momentum, self.eps = float(momentum), float(eps)
        dtype = float_dtype(repr(self), dtype)
        n = self.n_features
        self.params = {"gamma": np.ones(n, dtype), "beta": np.zeros(n, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.buffers = {"running_mean": np.zeros(n, dtype), "running_var": np.ones(n, dtype)}
        self._cache = None
        self._work_arrays = None                       # work arrays, see _work

    def forward(self, x):
        x = np.asarray(x)
        n = self.n_features
        gamma, beta = self.params["gamma"], self.params["beta"]
        if x.ndim not in (2, 4) or x.shape[-1] != n:
            self._bad_input(x)
        if x.dtype != gamma.dtype:                      # the layer's dtype, as Dense
            x = x.astype(gamma.dtype)
        X = x.reshape(-1, n)                            # (M, n): one row per value of each feature
        M = X.shape[0]
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
        ones, xc, _, V = self._work(X)                  # ones(M), (M, n) work, V (k, n)
        v, rows = V.reshape(-1), (-1, V.size)           # v: V as one row; (M, n) as rows of k·n
        mu = ones @ X                                   # (n,): Σ x, a BLAS product (the fastest sum)
        mu /= M
        V[...] = mu                                     # μ repeated k times
        np.subtract(X.reshape(rows), v, out=xc.reshape(rows))          # (M, n): x − μ
        if X.dtype in self._SAME_ORDER:                 # float32: the order its stored runs used
            y = empty_aligned(X.shape, X.dtype)         # first (x − μ)², then the output
            var = ones @ np.square(xc, out=y)           # (n,): Σ (x − μ)²
        else:
            var = np.einsum("ij,ij->j", xc, xc)         # (n,): Σ (x − μ)², one pass
            y = empty_aligned(X.shape, X.dtype)
        var /= M                                        # biased
        inv = var + self.eps
        np.sqrt(inv, out=inv)
        np.divide(1.0, inv, out=inv)                    # (n,): 1/√(σ² + ε)
        V[...] = gamma * inv
        np.multiply(xc.reshape(rows), v, out=y.reshape(rows))          # (M, n) = γ x̂
        V[...] = beta
        np.add(y.reshape(rows), v, out=y.reshape(rows))                # + β
        self._cache = (True, xc, inv, x.shape)
        mom = self.momentum
        running_mean, running_var = self.buffers["running_mean"], self.buffers["running_var"]
        running_mean *= 1 - mom
        running_mean += mom * mu
        running_var *= 1 - mom
        running_var += (mom * M / (M - 1)) * var
        return y.reshape(x.shape)

    def backward(self, dy, need_dx: bool = True):
        if self._cache is None:
            self._before_forward()
        training, xc, inv, shape = self._cache          # xc: x − μ (training) or x (inference)
        gamma = self.params["gamma"]
        dy = np.asarray(dy, dtype=gamma.dtype)
        if dy.shape != shape:
            self._bad_dy(dy, shape)
        dY = dy.reshape(-1, self.n_features)            # (M, n)
        M = dY.shape[0]
        ones, _, t, V = self._work(dY)                  # t: float32's second work array
        same_order = dY.dtype in self._SAME_ORDER
        v, rows = V.reshape(-1), (-1, V.size)           # as in forward
        dbeta, dgamma = self.grads["beta"], self.grads["gamma"]
        np.matmul(ones, dY, out=dbeta)                                   # Σ dy
        dx = empty_aligned(dY.shape, dY.dtype)          # ∂E/∂x (float32: first dy ⊙ xc)
        if same_order:
            dyx = ones @ np.multiply(dY, xc, out=dx)                     # Σ dy ⊙ xc
        else:
            dyx = np.einsum("ij,ij->j", dY, xc)                          # Σ dy ⊙ xc, one pass
        if not training:                                # xc is x: Σ dy ⊙ (x − μ_run)
            dyx -= self.buffers["running_mean"] * dbeta
        np.multiply(dyx, inv, out=dgamma)                                # Σ dy ⊙ x̂
        if not need_dx:
            return None
        gi = gamma * inv                                                 # (n,)
        if not training:
            return (dY * gi).reshape(shape)
        # γ·inv·(dy − dβ/M − x̂ ⊙ dγ/M),  x̂ = xc·inv
        if same_order:
            V[...] = gi * inv * dgamma / M
            np.multiply(xc.reshape(rows), v, out=t.reshape(rows))
            V[...] = gi * dbeta / M
            np.add(t.reshape(rows), v, out=t.reshape(rows))              # (M, n)
            V[...] = gi
            np.multiply(dY.reshape(rows), v, out=dx.reshape(rows))       # dy·γ/σ
            dx -= t
            return dx.reshape(shape)
        # four passes over the one array dx
        V[...] = inv * dgamma / M
        np.multiply(xc.reshape(rows), v, out=dx.reshape(rows))           # x̂ ⊙ dγ/M
        V[...] = dbeta / M
        np.add(dx.reshape(rows), v, out=dx.reshape(rows))                # + dβ/M
        np.subtract(dY, dx, out=dx)                                      # dy − …
        V[...] = gi
        np.multiply(dx.reshape(rows), v, out=dx.reshape(rows))           # · γ/σ
        return dx.reshape(shape)

    def _work(self, A):
        """For (M, n) ``A``: ones(M), the (M, n) work arrays x − μ and t (float32's x̂
        term; None in float64, which needs none) and V (k, n), where a
        per-feature vector is repeated k times: k the least divisor of M with k·n at least
        NumPy's buffer size, b values, and at most 4b (1 if none). Kept between calls:
        fresh (M, n) arrays each step would cost more than the arithmetic (page faults)."""
        work = self._work_arrays
        if work is None or work[1].shape != A.shape or work[1].dtype != A.dtype:
            (M, n), least = A.shape, -(-np.getbufsize() // A.shape[1])
            k = next((k for k in range(least, 4 * least + 1) if M % k == 0), 1)
            t = empty_aligned(A.shape, A.dtype) if A.dtype in self._SAME_ORDER else None
            work = self._work_arrays = (np.ones(M, A.dtype), empty_aligned(A.shape, A.dtype), t,
                                         empty_aligned((k, n), A.dtype))
        return work

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
