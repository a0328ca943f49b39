"""``LoRA`` (chapter 22): low-rank adaptation of a ``Dense``, y = x W + b + (α/r)·x A B, with
W and b frozen and only A (n_in, r) and B (r, n_out) trained; ``merge`` folds A B back into
a plain ``Dense``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..registry import register_class
from ..validate import float_dtype, make_rng, positive_int
from .base import Layer
from .dense import Dense

__all__ = ["LoRA"]


@register_class
class LoRA(Layer):
    """A ``Dense`` with a trainable low-rank correction: ``y = x W + b + (α/r)·(x A) B``.

    Shapes:
        x: (m, n_in) → y: (m, n_out); or (m, …, n_in) → (m, …, n_out), as ``Dense``
        params["W"] (n_in, n_out), params["b"] (n_out,): the wrapped Dense's arrays
            (shared, not copied), frozen: ``frozen_params = ("W", "b")``
        params["A"] (n_in, r): normal draws with variance 1/n_in (Hu et al. 2021 draw A
            at random); params["B"] (r, n_out): zeros, so at the start the output is the
            Dense's exactly

    Args:
        dense: the ``Dense`` to adapt (or the dict ``{"n_in": …, "n_out": …}`` that
            ``get_config`` saves, which ``load_model`` uses).
        rank: r ≥ 1, the rank of the correction A B.
        alpha: the scale's numerator (α > 0); ``None``: α = r, a scale of 1.
        rng: the ``np.random.Generator`` that draws A (``None``: a fresh one).

    Every gradient is computed (so finite differences check them all); ``fit`` skips W and
    b. The trainable count is r·(n_in + n_out) against the Dense's n_in·n_out + n_out.
    """

    positionwise = True    # each position alone: a model of such layers can cache (base.py)

    frozen_params = ("W", "b")

    def __init__(self, dense, rank: int = None, *, alpha=None, rng=None, dtype=None):
        super().__init__()
        if isinstance(dense, dict):                   # load_model: the saved config
            dense = Dense(dense.get("n_in"), dense.get("n_out"), rng=rng,
                          dtype=np.float64 if dtype is None else dtype)
        if not isinstance(dense, Dense):
            raise ValueError(f"LoRA: expected a Dense layer to wrap, got {dense!r}. Pass the "
                             f"Dense itself, e.g. LoRA(model.layers[0], rank=4).")
        self.dense, self.rank = dense, positive_int("LoRA", "rank", rank)
        if alpha is not None and (isinstance(alpha, bool) or not isinstance(
                alpha, numbers.Real) or not np.isfinite(alpha) or alpha <= 0):
            raise ValueError(f"LoRA: alpha must be a positive number or None (α = rank), got "
                             f"{alpha!r}. The output adds (alpha/rank)·x A B.")
        self.alpha = float(self.rank if alpha is None else alpha)
        self.scale = self.alpha / self.rank
        W = dense.params["W"]
        dtype = W.dtype if dtype is None else float_dtype("LoRA", dtype)
        if dtype != W.dtype:
            raise ValueError(f"LoRA: dtype {np.dtype(dtype)} differs from the Dense's "
                             f"{W.dtype}; leave dtype out to follow the Dense.")
        rng = make_rng(rng, "LoRA")
        n_in, n_out = W.shape
        A = rng.standard_normal((n_in, self.rank)) / np.sqrt(n_in)
        self.params = {"W": W, "b": dense.params["b"], "A": A.astype(dtype),
                       "B": np.zeros((self.rank, n_out), dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x = self._h = self._shape = None

    def forward(self, x):
        x = np.asarray(x)
        p = self.params
        n_in = p["W"].shape[0]
        if x.ndim < 2 or x.shape[-1] != n_in:
            raise ValueError(f"{self!r}: expected input of shape (m, {n_in}) or (m, …, {n_in}), "
                             f"got {tuple(x.shape)}. Give the last axis {n_in} features.")
        self._shape = x.shape
        rows = x.reshape(-1, n_in).astype(p["W"].dtype, copy=False)   # (M, n_in)
        self._x, self._h = rows, rows @ p["A"]                         # h: (M, r)
        y = rows @ p["W"] + p["b"] + self.scale * (self._h @ p["B"])   # (M, n_out)
        return y.reshape(x.shape[:-1] + (y.shape[-1],))

    def backward(self, dy, need_dx: bool = True):
        if self._x is None:
            self._before_forward()
        p, g = self.params, self.grads
        expected = self._shape[:-1] + (p["W"].shape[1],)
        dy = np.asarray(dy, dtype=p["W"].dtype)
        if dy.shape != expected:
            self._bad_dy(dy, expected)
        dy = dy.reshape(-1, expected[-1])                             # (M, n_out)
        dh = self.scale * (dy @ p["B"].T)                             # (M, r)
        np.matmul(self._h.T, dy, out=g["B"])                          # (r, n_out) …
        g["B"] *= self.scale                                          # … times α/r
        np.matmul(self._x.T, dh, out=g["A"])                          # (n_in, r)
        np.matmul(self._x.T, dy, out=g["W"])                          # frozen, still exact
        np.sum(dy, axis=0, out=g["b"])
        if not need_dx:
            return None
        return (dy @ p["W"].T + dh @ p["A"].T).reshape(self._shape)

    def merge(self) -> Dense:
        """A plain ``Dense`` with W + (α/r)·A B and b: the same outputs, no extra cost."""
        W = self.params["W"]
        merged = Dense(W.shape[0], W.shape[1], dtype=W.dtype, rng=np.random.default_rng(0))
        merged.params["W"][...] = W + self.scale * (self.params["A"] @ self.params["B"])
        merged.params["b"][...] = self.params["b"]
        return merged

    def output_shape(self, input_shape):
        return self.dense.output_shape(input_shape)

    def get_config(self):
        n_in, n_out = self.params["W"].shape
        return {"dense": {"n_in": int(n_in), "n_out": int(n_out)}, "rank": self.rank,
                "alpha": self.alpha}

    def __repr__(self):
        n_in, n_out = self.params["W"].shape
        return f"LoRA({n_in} → {n_out}, rank={self.rank}, alpha={self.alpha:g})"
