"""The convolution layer ``Conv2D`` and ``output_size``, the notes' formula for
how many positions a window takes. Chapter 07 introduces convolution, padding
and stride; chapter 08 the layer and its backward pass. The readable ways of
computing a convolution live in ``nnbook.conv_impl``; ``Conv2D`` runs on the
convolution engine in ``nnbook.kernels.conv`` (im2col and matrix products).
"""

from __future__ import annotations

import numpy as np

from . import rules
from ...kernels.conv import fill_cols, make_work
from ...kernels.conv_dx import conv_dx
from ...kernels.products import matmul_rows, matmul_t_rows
from ...spellings import refuse_spellings
from ...validate import float_dtype, make_rng, positive_int
from ...conv_impl import output_size, same_padding
from ...init import get_initializer
from ..base import Layer
from ...registry import register_class

__all__ = ["Conv2D", "output_size", "same_padding"]

_KEEP = 2                  # work arrays are kept for this many input shapes (a full and a last batch)
_KEEP_BYTES = 64 * 2**20   # ... if they are smaller than this (a big predict() batch is not kept)
_FIX = ("Use a smaller kernel, more padding, or larger images (fewer pooling layers before this one).")


@register_class
class Conv2D(Layer):
    """2-D convolution (cross-correlation) with zero padding, for NHWC images:
    ``y[n, r, q, k] = Σ_{i,j,c} xp[n, s·r + i, s·q + j, c] · W[i, j, c, k] + b[k]``.

    Shapes:
        x: (m, h, w, c_in)  →  y: (m, h_o, w_o, c_out),  h_o = ⌊(h + 2p − f)/s⌋ + 1
        (``padding="same"``: h_o = ⌈h/s⌉)
        params["W"]: (f, f, c_in, c_out),  params["b"]: (c_out,)

    Args:
        c_in: channels of the input (3 for RGB).
        c_out: number of filters, the channels of the output (Keras' ``filters``).
        kernel_size: ``f``, the filters are f×f×c_in (a square pair ``(f, f)`` is accepted).
        stride: ``s`` ≥ 1 (Keras' ``strides``).
        padding: ``p`` ≥ 0 zeros on every side; ``"valid"`` (= 0); or ``"same"``,
            Keras' padding for ⌈h/s⌉ outputs: ``same_padding(h, f, s)`` zeros
            before and after, the extra one after (bottom/right) when the total is odd.
        init: initialiser for ``W`` (default Xavier/Glorot uniform with
            fan_in = f·f·c_in and fan_out = f·f·c_out, as in Keras); ``b`` starts at 0.
        rng: the ``np.random.Generator`` that draws ``W`` (``None``: a fresh one).
        dtype: float64 (default) or float32; the layer computes in this dtype.

    The forward pass copies the windows into a matrix (im2col) and multiplies
    it by the filters, in blocks of rows that BLAS multiplies without packing
    (``nnbook.kernels.products``); the copy is kept for ``backward``, which reuses its
    memory for the gradient of the copy (``nnbook.kernels.conv_dx.conv_dx``).
    These work arrays are reused by the next batches of the same shape (the
    last two shapes). Passes over memory besides the products: forward 1 (the window
    copy; the bias rides in the product as a column of ones), backward 1 (the copy's
    gradient summed back into ∂E/∂x, the overlapping windows added). Chapters 07 and 08.
    """

    def __init__(self, c_in: int = None, c_out: int = None, kernel_size: int = None, *, stride: int = 1,
                 padding: int | str = 0, init="xavier", rng=None, dtype=np.float64, **keras):
        super().__init__()
        refuse_spellings("Conv2D", keras, unknown=True)          # Keras' names: nnbook's
        if c_out is not None and kernel_size is None:          # Keras' Conv2D(filters, kernel)
            f = c_out[0] if isinstance(c_out, (tuple, list)) else c_out
            shown = tuple(c_out) if isinstance(c_out, (tuple, list)) else c_out
            raise ValueError(f"Conv2D: got Conv2D({c_in!r}, {shown!r}), Keras' "
                             f"(filters, kernel_size); nnbook's Conv2D takes (c_in, c_out, "
                             f"kernel_size), e.g. Conv2D(1, {c_in!r}, {f!r}) for {c_in!r} filters "
                             f"on a one-channel image.")
        self.c_in = positive_int("Conv2D", "c_in", c_in)
        self.c_out = positive_int("Conv2D", "c_out", c_out)
        self.kernel_size = positive_int("Conv2D", "kernel_size",
                                        rules.square("Conv2D", "kernel_size", kernel_size))
        self.stride = positive_int("Conv2D", "stride", rules.square("Conv2D", "stride", stride))
        self.padding = rules.check_padding("Conv2D", padding)
        dtype = float_dtype(repr(self), dtype)
        f = self.kernel_size
        shape = (f, f, self.c_in, self.c_out)
        self.init = get_initializer(init, repr(self))
        rng = make_rng(rng, repr(self))
        W = np.asarray(self.init(shape, f * f * self.c_in, f * f * self.c_out, rng, dtype))
        if W.shape != shape:
            raise ValueError(f"{self!r}: init returned shape {W.shape}, expected {shape}.")
        self.params = {"W": np.ascontiguousarray(W, dtype=dtype),
                       "b": np.zeros(self.c_out, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._work: dict[tuple, dict] = {}
        self._last = None                 # (x, work arrays) of the last forward

    # forward and backward ------------------------------------------------------
    def forward(self, x):
        x = rules.check_batch(self, x, self.kernel_size, self.padding, self.c_in, window="kernel",
                              fix=_FIX, dtype=self.params["W"].dtype)
        work = self._work_for(x.shape)
        fill_cols(x, work, self.kernel_size, self.stride)       # X_col, ones in the last column
        # The last column of cols is all ones and the last row of Wb is b, so
        # one matrix product gives X_col @ W + b.
        Wb = work["Wb"]                                                # (f·f·c_in + 1, c_out)
        Wb[:-1] = self.params["W"].reshape(-1, self.c_out)
        Wb[-1] = self.params["b"]
        y = matmul_rows(work["cols"], Wb, work["blocks"])             # (m·h_o·w_o, c_out)
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
            fill_cols(x, work, self.kernel_size, self.stride)
        dY = dy.reshape(-1, self.c_out).astype(self.params["W"].dtype, copy=False)  # (m·h_o·w_o, c_out)
        dWb = matmul_t_rows(work["cols"], dY, work["blocks"])          # (f·f·c_in + 1, c_out)
        self.grads["W"][...] = dWb[:-1].reshape(self.grads["W"].shape)
        self.grads["b"][...] = dWb[-1]                                 # the ones column gives Σ dY
        if not need_dx:
            return None
        return conv_dx(dY, self.params["W"], x.shape, work, self.kernel_size, self.stride)

    def _work_for(self, x_shape):
        """Work arrays for inputs of this shape, made once and reused."""
        work = self._work.pop(x_shape, None)
        if work is None:
            f, s, p, (_, h, w, _) = self.kernel_size, self.stride, self.padding, x_shape
            work = make_work(x_shape, f, s, rules.pads_of(h, w, f, s, p),
                             (rules.out_size(h, f, s, p), rules.out_size(w, f, s, p)),
                             self.c_out, self.params["W"].dtype)
            while len(self._work) >= _KEEP:
                self._work.pop(next(iter(self._work)))                 # forget the oldest shape
        if work["memory"].nbytes <= _KEEP_BYTES:
            self._work[x_shape] = work
        return work

    # checks and description -----------------------------------------------------
    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 3 or shape[2] != self.c_in:
            raise ValueError(
                f"{self!r}: expected samples of shape (h, w, {self.c_in}), got {shape}. "
                f"Check the previous layer's channels, or give Sequential an input_shape "
                f"like (h, w, {self.c_in}).")
        h, w, _ = shape
        f, s, p = self.kernel_size, self.stride, self.padding
        rules.check_fits(self, f, p, h, w, shape, window="kernel", fix=_FIX)
        return (None if h is None else rules.out_size(h, f, s, p),
                None if w is None else rules.out_size(w, f, s, p), self.c_out)

    def get_config(self):
        return {"c_in": self.c_in, "c_out": self.c_out, "kernel_size": self.kernel_size,
                "stride": self.stride, "padding": self.padding}

    def __repr__(self):
        f = self.kernel_size
        return (f"Conv2D({self.c_in} → {self.c_out}, {f}×{f}, "
                f"stride={self.stride}, padding={rules.padding_text(self.padding)})")
