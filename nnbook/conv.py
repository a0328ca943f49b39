"""The convolution layer ``Conv2D`` and ``output_size``, the notes' formula for
how many positions a window takes. Chapter 07 introduces convolution, padding
and stride; chapter 08 the layer and its backward pass. The three ways of
computing a convolution live in ``nnbook.conv_impl``; ``Conv2D`` uses im2col.
"""

from __future__ import annotations

import numpy as np

from ._validate import float_dtype, make_rng, positive_int
from .conv_impl import col2im, copies_by_tap, im2col, output_size
from .init import get_initializer
from .layers import Layer

__all__ = ["Conv2D", "output_size"]

_KEEP = 2                  # work arrays are kept for this many input shapes (a full and a last batch)
_KEEP_BYTES = 64 * 2**20   # ... if they are smaller than this (a big predict() batch is not kept)


class Conv2D(Layer):
    """2-D convolution (cross-correlation) with zero padding, for NHWC images:
    ``y[n, r, q, k] = Σ_{i,j,c} xp[n, s·r + i, s·q + j, c] · W[i, j, c, k] + b[k]``.

    Shapes:
        x: (m, h, w, c_in)  →  y: (m, h_o, w_o, c_out),  h_o = ⌊(h + 2p − f)/s⌋ + 1
        params["W"]: (f, f, c_in, c_out),  params["b"]: (c_out,)

    Args:
        c_in: channels of the input (3 for RGB).
        c_out: number of filters, the channels of the output.
        kernel_size: ``f``, the filters are f×f×c_in.
        stride, padding: ``s`` ≥ 1 and ``p`` ≥ 0 (zeros added on every side).
        init: initialiser for ``W`` (default Xavier/Glorot uniform with
            fan_in = f·f·c_in and fan_out = f·f·c_out, as in Keras); ``b`` starts at 0.
        rng: the ``np.random.Generator`` that draws ``W`` (``None``: a fresh one).
        dtype: float64 (default) or float32; the layer computes in this dtype.

    The forward pass copies the windows into a matrix (``conv_impl.im2col``)
    and multiplies it by the filters; the copy is kept for ``backward``, which
    reuses its memory for the gradient of the copy. These work arrays are
    reused by the next batches of the same shape (the last two shapes).
    Chapters 07 and 08.
    """

    def __init__(self, c_in: int, c_out: int, kernel_size: int, *, stride: int = 1, padding: int = 0,
                 init="xavier", rng=None, dtype=np.float64):
        super().__init__()
        self.c_in = positive_int("Conv2D", "c_in", c_in)
        self.c_out = positive_int("Conv2D", "c_out", c_out)
        self.kernel_size = positive_int("Conv2D", "kernel_size", kernel_size)
        self.stride = positive_int("Conv2D", "stride", stride)
        self.padding = positive_int("Conv2D", "padding", padding, minimum=0)
        dtype = float_dtype(repr(self), dtype)
        f = self.kernel_size
        shape = (f, f, self.c_in, self.c_out)
        self.init = get_initializer(init, repr(self))
        W = np.asarray(self.init(shape, f * f * self.c_in, f * f * self.c_out, make_rng(rng), dtype))
        if W.shape != shape:
            raise ValueError(f"{self!r}: init returned shape {W.shape}, expected {shape}.")
        self.params = {"W": np.ascontiguousarray(W, dtype=dtype),
                       "b": np.zeros(self.c_out, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._work: dict[tuple, dict] = {}
        self._last = None                 # (x, work arrays) of the last forward

    # forward and backward ------------------------------------------------------
    def forward(self, x):
        x = self._check_input(x)
        work = self._work_for(x.shape)
        self._fill_cols(x, work)
        # The last column of cols is all ones and the last row of Wb is b, so
        # one matrix product gives X_col @ W + b.
        Wb = work["Wb"]                                                # (f·f·c_in + 1, c_out)
        Wb[:-1] = self.params["W"].reshape(-1, self.c_out)
        Wb[-1] = self.params["b"]
        y = work["cols"] @ Wb                                          # (m·h_o·w_o, c_out)
        self._last = (x, work)
        return y.reshape(work["y_shape"])

    def backward(self, dy, need_dx: bool = True):
        if self._last is None:
            self._before_forward()
        x, work = self._last
        dy = np.asarray(dy)
        if dy.shape != work["y_shape"]:
            self._bad_dy(dy, work["y_shape"])
        if work["spent"]:                                              # a second backward after one forward
            self._fill_cols(x, work)
        dY = dy.reshape(-1, self.c_out).astype(self.params["W"].dtype, copy=False)  # (m·h_o·w_o, c_out)
        cols = work["cols"]                                            # (m·h_o·w_o, f·f·c_in + 1)
        dWb = cols.T @ dY                                              # (f·f·c_in + 1, c_out)
        self.grads["W"][...] = dWb[:-1].reshape(self.grads["W"].shape)
        self.grads["b"][...] = dWb[-1]                                 # the ones column gives Σ dY
        if not need_dx:
            return None
        # dX_col = dY W2ᵀ, stored transposed (tap-major) in the memory of X_col,
        # which is not needed any more.
        f, W2 = self.kernel_size, self.params["W"].reshape(-1, self.c_out)  # W2 (f·f·c_in, c_out)
        k, rows = W2.shape[0], cols.shape[0]
        dcolsT = np.matmul(W2, dY.T, out=work["memory"][:k * rows].reshape(k, rows))
        work["spent"] = True
        return col2im(dcolsT.T, x.shape, f, self.stride, self.padding, out=work["dxp"])

    def _fill_cols(self, x, work):
        """Copy the windows of x into work["cols"] (im2col), after zero padding."""
        f, s, p = self.kernel_size, self.stride, self.padding
        if work["spent"]:
            work["cols"][:, -1] = 1
            work["spent"] = False
        if p:
            xp = work["xp"]                                            # (m, h + 2p, w + 2p, c_in)
            xp[:, p:xp.shape[1] - p, p:xp.shape[2] - p, :] = x         # the border stays 0
            im2col(xp, f, s, 0, out=work["cols6"])
        else:
            im2col(x, f, s, 0, out=work["cols6"])

    def _work_for(self, x_shape):
        """Work arrays for inputs of this shape, made once and reused."""
        work = self._work.pop(x_shape, None)
        if work is None:
            m, h, w, c = x_shape
            f, s, p = self.kernel_size, self.stride, self.padding
            h_o, w_o = output_size(h, f, p, s), output_size(w, f, p, s)
            dt, k, rows = self.params["W"].dtype, f * f * c, m * h_o * w_o
            memory = np.empty(rows * (k + 1), dtype=dt)
            if copies_by_tap(f, c):   # im2col copies tap by tap: store X_colᵀ, each tap one run
                cols = memory.reshape(k + 1, rows).T
            else:                     # im2col copies window by window: store X_col, one window per row
                cols = memory.reshape(rows, k + 1)
            cols6 = cols[:, :k].reshape(m, h_o, w_o, f, f, c)          # a view: im2col writes here
            assert np.shares_memory(cols6, memory)
            work = {"memory": memory, "cols": cols,                    # X_col and a column of ones
                    "cols6": cols6, "spent": True,                     # "spent": the ones need writing
                    "Wb": np.empty((k + 1, self.c_out), dtype=dt),
                    "xp": np.zeros((m, h + 2 * p, w + 2 * p, c), dtype=dt) if p else None,
                    "dxp": np.empty((c, m, h + 2 * p, w + 2 * p), dtype=dt),
                    "y_shape": (m, h_o, w_o, self.c_out)}
            while len(self._work) >= _KEEP:
                self._work.pop(next(iter(self._work)))                 # forget the oldest shape
        if work["memory"].nbytes <= _KEEP_BYTES:
            self._work[x_shape] = work
        return work

    # checks and description -----------------------------------------------------
    def _check_input(self, x):
        x = np.asarray(x)
        dt = self.params["W"].dtype
        if x.ndim != 4:
            if x.ndim == 3 and x.shape[-1] == self.c_in:
                fix = "A single image needs a batch axis: use x[None]."
            elif x.ndim == 2:
                fix = "Images must keep their rows and columns: reshape to (m, h, w, c)."
            else:
                fix = "Pass a batch of images, channels last (NHWC)."
            raise ValueError(f"{self!r}: expected input of shape (m, h, w, {self.c_in}), "
                             f"got {tuple(x.shape)}. {fix}")
        if x.shape[3] != self.c_in:
            raise ValueError(
                f"{self!r}: expected {self.c_in} input channel(s), shape (m, h, w, {self.c_in}), "
                f"got {tuple(x.shape)} with {x.shape[3]}. Images are NHWC (channels last): "
                f"check the previous layer's c_out or transpose (m, c, h, w) data with "
                f"x.transpose(0, 2, 3, 1).")
        self._check_size(x.shape[1], x.shape[2], tuple(x.shape))
        if x.dtype != dt:
            if x.dtype.kind not in "fiub":
                raise ValueError(f"{self!r}: expected numbers, got an array of dtype {x.dtype}.")
            x = x.astype(dt)
        return x

    def _check_size(self, h, w, got):
        f, p = self.kernel_size, self.padding
        for name, n in (("height", h), ("width", w)):
            if n is not None and f > n + 2 * p:
                raise ValueError(
                    f"{self!r}: the {f}×{f} kernel is larger than the padded image: {name} "
                    f"{n} + 2·{p} = {n + 2 * p} < {f} (input {got}). Use a smaller kernel, more "
                    f"padding, or larger images (fewer pooling layers before this one).")

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 3 or shape[2] != self.c_in:
            raise ValueError(
                f"{self!r}: expected samples of shape (h, w, {self.c_in}), got {shape}. "
                f"Check the previous layer's channels, or give Sequential an input_shape "
                f"like (h, w, {self.c_in}).")
        h, w, _ = shape
        self._check_size(h, w, shape)
        f, s, p = self.kernel_size, self.stride, self.padding
        return (None if h is None else output_size(h, f, p, s),
                None if w is None else output_size(w, f, p, s), self.c_out)

    def get_config(self):
        return {"c_in": self.c_in, "c_out": self.c_out, "kernel_size": self.kernel_size,
                "stride": self.stride, "padding": self.padding}

    def __repr__(self):
        f = self.kernel_size
        return (f"Conv2D({self.c_in} → {self.c_out}, {f}×{f}, "
                f"stride={self.stride}, padding={self.padding})")
