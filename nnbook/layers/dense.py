"""``Dense`` and ``Flatten``, the two shape-changing layers without tricks. Chapter 03 builds
``Dense`` on the layer contract (base.py) and chapter 04 runs it on batches; chapter 17 runs
it on sequences (m, T, n_in), acting on the last axis as Keras' Dense does. Chapter 08 adds
``Flatten``.
"""

from __future__ import annotations

import numpy as np

from ..validate import float_dtype, make_rng, positive_int
from ..init import get_initializer
from ..registry import register_class
from ..spellings import dense_message, refuse_spellings
from ..kernels.aligned import aligned_params
from ..kernels.products import dense_matmul, dense_matmul_t
from .base import Layer, with_work_arrays

__all__ = ["Dense", "Flatten"]


@register_class
class Dense(Layer):
    """Fully connected layer: ``Z = X @ W + b``.

    Shapes:
        x: (m, n_in)  →  y: (m, n_out)
        x: (m, …, n_in)  →  y: (m, …, n_out)   (sequences: the last axis, as in Keras)
        params["W"]: (n_in, n_out),  params["b"]: (n_out,)

    The notes write one sample as a column, ``y = W_notes x + b`` with
    ``W_notes = W.T`` of shape (n_out, n_in); the row form here handles a
    whole batch with one matrix product. On a sequence (m, T, n_in) every
    step is a row of that product: ``y[:, t] = x[:, t] @ W + b``. Backward:
    ``∂E/∂W = Xᵀ ∂E/∂Y``, ``∂E/∂b = Σ_rows ∂E/∂Y``, ``∂E/∂X = ∂E/∂Y Wᵀ``.
    ``forward`` and ``backward`` on a batch are those lines as written; the fast pair
    that a planned step calls (``_affine``, ``_gradients``) and the sequences' rows run
    the same products through ``nnbook.kernels``' ``dense_matmul`` (in blocks of rows on
    many rows: the same values, faster; tests/test_kernels_products.py).

    Args:
        n_in, n_out: input and output sizes (≥ 1).
        init: initialiser name or function for ``W`` (default Xavier/Glorot
            uniform, as in Keras); ``b`` starts at zero.
        rng: the ``np.random.Generator`` that draws ``W`` (``None``: a fresh one).
        dtype: float64 (default) or float32.

    ``forward`` keeps a reference to ``x`` (no copy, for speed): don't change
    ``x`` in place between ``forward`` and ``backward``.

    Chapter 03 (backward), chapter 04 (batches), chapter 17 (sequences).
    """

    positionwise = True    # each position alone: a model of such layers can cache (base.py)

    def __init__(self, n_in: int = None, n_out: int = "missing", *, init="xavier",
                 rng=None, dtype=np.float64, **keras):
        super().__init__()
        missing = isinstance(n_out, str) and n_out == "missing"   # Dense(10), as in Keras
        if keras or missing:
            n_out = None if missing else n_out
            raise ValueError(dense_message(n_in, n_out, keras))
        self.n_in = positive_int("Dense", "n_in", n_in)
        self.n_out = positive_int("Dense", "n_out", n_out)
        dtype = float_dtype(repr(self), dtype)
        self.init = get_initializer(init, repr(self))
        rng = make_rng(rng, repr(self))
        W = np.asarray(self.init((self.n_in, self.n_out), self.n_in, self.n_out, rng, dtype))
        if W.shape != (self.n_in, self.n_out):
            raise ValueError(
                f"{self!r}: init returned shape {W.shape}, expected {(self.n_in, self.n_out)}."
            )
        # W and b = 0, and their zero gradients, on 64-byte boundaries (faster passes)
        self.params, self.grads = aligned_params({"W": W, "b": np.zeros(self.n_out)}, dtype)
        self._x = self._rows = None

    def forward(self, x):
        W = self.params["W"]
        if type(x) is not np.ndarray:
            x = np.asarray(x)
        if x.ndim > 2:                                # (m, …, n_in): sequences, chapter 17
            return self._forward_rows(x)
        if x.ndim != 2 or x.shape[1] != self.n_in:
            self._bad_input(x)
        if x.dtype != W.dtype:                        # float32 layer, float64 data: as Keras
            x = x.astype(W.dtype)
        self._x = x                                   # (m, n_in), kept for backward
        z = x @ W                                     # (m, n_out) = X W
        z += self.params["b"]
        return z

    def backward(self, dy, need_dx: bool = True):
        x, W = self._x, self.params["W"]
        if x is None:
            self._before_forward()
        if type(dy) is not np.ndarray or dy.dtype != W.dtype:
            dy = np.asarray(dy, dtype=W.dtype)
        if dy.ndim > 2:                               # sequences: see _forward_rows
            return self._backward_rows(dy, need_dx)
        if dy.shape != (x.shape[0], self.n_out):
            self._bad_dy(dy, (x.shape[0], self.n_out))
        np.matmul(x.T, dy, out=self.grads["W"])       # (n_in, n_out) = Xᵀ dY
        np.add.reduce(dy, axis=0, out=self.grads["b"])  # (n_out,): summed over the batch
        return dy @ W.T if need_dx else None          # (m, n_in) = dY Wᵀ

    def _affine(self, x, out=None):
        """``forward`` without its checks, for a checked (m, n_in) batch of the layer's dtype
        (the fast pair), into ``out`` when given."""
        self._x = x
        z = dense_matmul(x, self.params["W"], out)
        z += self.params["b"]
        return z

    def _gradients(self, dy, need_dx=True, out=None):
        """``backward`` without its checks, for a checked (m, n_out) ``dy`` of the layer's
        dtype after ``_affine`` (the fast pair), ∂E/∂X into ``out`` when given."""
        x, W = self._x, self.params["W"]
        dense_matmul_t(x, dy, self.grads["W"])
        np.add.reduce(dy, axis=0, out=self.grads["b"])
        return dense_matmul(dy, W.T, out) if need_dx else None

    def _forward_rows(self, x):
        """``forward`` on (m, …, n_in): the vectors along the last axis are the rows of one
        (M, n_in) matrix, M = m·…, so one product serves every step (as Keras' Dense)."""
        if x.shape[-1] != self.n_in:
            self._bad_input(x)
        X = x.reshape(-1, self.n_in)                  # (M, n_in)
        if X.dtype != self.params["W"].dtype:
            X = X.astype(self.params["W"].dtype)
        z = self._affine(X)                           # (M, n_out); keeps the (M, n_in) rows
        self._rows = (x.shape, self._x)
        return z.reshape(x.shape[:-1] + (self.n_out,))             # (m, …, n_out)

    def _backward_rows(self, dy, need_dx):
        """``backward`` for the last forward's (m, …, n_in): ∂E/∂y as (M, n_out) rows."""
        shape, rows = self._rows or (None, None)
        if rows is not self._x:                       # the last forward was not a sequence
            self._bad_dy(dy, (self._x.shape[0], self.n_out))
        dy = np.asarray(dy, dtype=self.params["W"].dtype)
        if dy.shape != shape[:-1] + (self.n_out,):
            self._bad_dy(dy, shape[:-1] + (self.n_out,))
        dx = self._gradients(dy.reshape(-1, self.n_out), need_dx)   # (M, n_in) or None
        return None if dx is None else dx.reshape(shape)           # (m, …, n_in)

    def fast_path(self, input_shape, dtype):
        """``(forward, backward)`` without the per-call checks (base.py), for a batch of
        ``input_shape`` (m, n_in) of this layer's dtype: the products and the bias alone,
        each writing into an array of its own from 64 kB up (``with_work_arrays``). Dense's
        own (a subclass that rewrote ``forward`` or ``backward`` walks with them)."""
        kind = type(self)
        if (len(input_shape) != 2 or dtype != self.params["W"].dtype
                or kind.forward is not Dense.forward or kind.backward is not Dense.backward):
            return None
        shapes = ((input_shape[0], self.n_out), tuple(input_shape))
        return with_work_arrays((self._affine, self._gradients), shapes, dtype)

    def output_shape(self, input_shape):
        got = tuple(input_shape)
        if got == (None,):                            # size unknown (Flatten after Conv2D)
            return (self.n_out,)
        if got and got[-1] in (self.n_in, None):      # (n_in,), or (…, n_in) on the last axis
            return got[:-1] + (self.n_out,)
        if len(got) == 1:
            fix = f"The previous layer gives {got[0]} values: use Dense({got[0]}, {self.n_out})."
        elif len(got) == 2:
            fix = (f"Dense acts on the last axis, and the previous layer gives {got[-1]} "
                   f"features per step: use Dense({got[-1]}, {self.n_out}).")
        else:
            fix = "Add Flatten() before this layer to turn each image into a vector."
        also = f" or (…, {self.n_in})" if len(got) > 1 else ""
        raise ValueError(f"{self!r}: expected samples of shape ({self.n_in},){also}, got {got}. {fix}")

    def get_config(self):
        return {"n_in": self.n_in, "n_out": self.n_out}

    def __repr__(self):
        return f"Dense({self.n_in} → {self.n_out})"

    def _bad_input(self, x):
        got = tuple(x.shape)
        if x.ndim > 2:
            raise ValueError(
                f"{self!r}: expected input of shape (m, {self.n_in}) or (m, …, {self.n_in}) "
                f"(Dense acts on the last axis), got {got}. Add Flatten() before this layer to "
                f"turn each sample into a vector, or give the last axis {self.n_in} features.")
        if x.ndim == 1 and x.shape[0] == self.n_in:
            fix = "A single sample needs a batch axis: use x.reshape(1, -1)."
        else:
            fix = "Check the previous layer's output size (or the data's number of features)."
        raise ValueError(f"{self!r}: expected input of shape (m, {self.n_in}), got {got}. {fix}")


@register_class
class Flatten(Layer):
    """Reshape each sample into a vector, in C order.

    Shapes:
        x: (m, d1, d2, …)  →  y: (m, d1·d2·…)

    NHWC images flatten row by row with the channels last, as in Keras.
    Chapter 08.
    """

    def __init__(self, **keras):
        super().__init__()
        refuse_spellings("Flatten", keras, unknown=True)         # Keras' names: nnbook's
        self._shape = self._dtype = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(
                f"Flatten(): expected a batch of shape (m, …), got {tuple(x.shape)}. "
                f"Add a batch axis with x[None] for a single sample."
            )
        self._shape, self._dtype = x.shape, x.dtype
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_dx: bool = True):
        if self._shape is None:
            self._before_forward()
        dy = np.asarray(dy, dtype=self._dtype if self._dtype.kind == "f" else None)
        m = self._shape[0]
        expected = (m, int(np.prod(self._shape[1:])))
        if dy.shape != expected:
            self._bad_dy(dy, expected)
        return dy.reshape(self._shape) if need_dx else None

    def output_shape(self, input_shape):
        if any(d is None for d in input_shape):
            return (None,)
        return (int(np.prod(input_shape)),)
