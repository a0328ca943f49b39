"""Pooling layers, ``MaxPool2D`` and ``AvgPool2D``: shrink each channel of an
image by summarising every window by its largest value or its mean. They have
no parameters. Chapter 08.
"""

from __future__ import annotations

import numpy as np

from ._validate import positive_int
from .conv_impl import output_size
from .layers import Layer

__all__ = ["MaxPool2D", "AvgPool2D"]


class _Pool2D(Layer):
    """What both pools share: the window geometry, the checks and the description.

    A pool is computed tap by tap: for each of the f·f positions (i, j) inside
    the window, ``xs[i, j] = x[:, i::s, j::s, :]`` (cut to h_o × w_o) holds the
    pixel at that position of every window, a strided view without a copy.
    """

    def __init__(self, pool_size: int = 2, stride: int | None = None):
        super().__init__()
        name = type(self).__name__
        self.pool_size = positive_int(name, "pool_size", pool_size)
        self.stride = self.pool_size if stride is None else positive_int(name, "stride", stride)
        self._x = None

    def _taps(self, x):
        """The f·f views ``x[:, i::s, j::s, :]`` (each (m, h_o, w_o, c)), in row-major (i, j) order."""
        f, s = self.pool_size, self.stride
        h_o, w_o = output_size(x.shape[1], f, 0, s), output_size(x.shape[2], f, 0, s)
        return [x[:, i:i + s * (h_o - 1) + 1:s, j:j + s * (w_o - 1) + 1:s, :]
                for i in range(f) for j in range(f)]

    def _check_input(self, x):
        x = np.asarray(x)
        if x.ndim != 4:
            fix = ("A single image needs a batch axis: use x[None]." if x.ndim == 3 else
                   "Pass a batch of images, channels last (NHWC).")
            raise ValueError(f"{self!r}: expected input of shape (m, h, w, c), got "
                             f"{tuple(x.shape)}. {fix}")
        self._check_size(x.shape[1], x.shape[2], tuple(x.shape))
        if x.dtype.kind != "f":
            if x.dtype.kind not in "iub":
                raise ValueError(f"{self!r}: expected numbers, got an array of dtype {x.dtype}.")
            x = x.astype(np.float64)
        return x

    def _check_size(self, h, w, got):
        f = self.pool_size
        for name, n in (("height", h), ("width", w)):
            if n is not None and f > n:
                raise ValueError(
                    f"{self!r}: the {f}×{f} window is larger than the image: {name} {n} < {f} "
                    f"(input {got}). Use a smaller pool_size or larger images.")

    def _check_dy(self, dy):
        if self._x is None:
            self._before_forward()
        dy = np.asarray(dy)
        m, h, w, c = self._x.shape
        f, s = self.pool_size, self.stride
        expected = (m, output_size(h, f, 0, s), output_size(w, f, 0, s), c)
        if dy.shape != expected:
            self._bad_dy(dy, expected)
        return dy.astype(self._x.dtype, copy=False)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(f"{self!r}: expected samples of shape (h, w, c), got {shape}. "
                             f"Pooling works on images; put it after a Conv2D layer.")
        h, w, c = shape
        self._check_size(h, w, shape)
        f, s = self.pool_size, self.stride
        return (None if h is None else output_size(h, f, 0, s),
                None if w is None else output_size(w, f, 0, s), c)

    def get_config(self):
        return {"pool_size": self.pool_size, "stride": self.stride}

    def __repr__(self):
        f = self.pool_size
        return f"{type(self).__name__}({f}×{f}, stride={self.stride})"


class MaxPool2D(_Pool2D):
    """Max pooling: ``y[n, r, q, c] = max_{i,j} x[n, s·r + i, s·q + j, c]``.

    Shapes: x (m, h, w, c) → y (m, h_o, w_o, c), h_o = ⌊(h − f)/s⌋ + 1.

    Backward sends each ``dy`` entry to the pixel that was the maximum of its
    window; on ties, to the first one in row-major window order (as PyTorch).
    Windows that overlap (stride < pool_size) add up at shared pixels.

    Args:
        pool_size: ``f``, the window is f×f (default 2).
        stride: ``s`` (default: ``pool_size``, windows side by side).

    Chapter 08.
    """

    def forward(self, x):
        x = self._check_input(x)
        taps = self._taps(x)
        y = taps[0].copy() if len(taps) == 1 else np.maximum(taps[0], taps[1])  # (m, h_o, w_o, c)
        for xt in taps[2:]:
            np.maximum(y, xt, out=y)
        self._x, self._y = x, y
        return y

    def backward(self, dy, need_dx: bool = True):
        dy = self._check_dy(dy)
        if not need_dx:
            return None
        x, y = self._x, self._y
        f, s = self.pool_size, self.stride
        apart = s >= f                                                 # windows do not overlap
        tiled = s == f and x.shape[1] % f == 0 and x.shape[2] % f == 0  # ... and cover every pixel
        dx = np.empty_like(x) if tiled else np.zeros_like(x)           # (m, h, w, c)
        hit = np.empty(y.shape, dtype=bool)                            # this tap is the window's max
        free = np.empty(y.shape, dtype=bool)                           # the window's max is not found yet
        taps, last = zip(self._taps(x), self._taps(dx)), f * f - 1
        for t, (xt, dxt) in enumerate(taps):
            if t == 0:
                np.equal(xt, y, out=hit)
                np.logical_not(hit, out=free)
            elif t < last:
                np.equal(xt, y, out=hit)
                hit &= free                                            # only the first max of a window
                free ^= hit
            else:
                hit = free                                             # the windows still without a max
            if apart:
                np.multiply(dy, hit, out=dxt)                          # each pixel in one window at most
            else:
                dxt += dy * hit                                        # shared pixels add up
        return dx


class AvgPool2D(_Pool2D):
    """Average pooling: ``y[n, r, q, c] = mean_{i,j} x[n, s·r + i, s·q + j, c]``.

    Shapes: x (m, h, w, c) → y (m, h_o, w_o, c), h_o = ⌊(h − f)/s⌋ + 1.

    Backward gives each pixel of a window ``dy / f²``.

    Args:
        pool_size: ``f``, the window is f×f (default 2).
        stride: ``s`` (default: ``pool_size``).

    Chapter 08.
    """

    def forward(self, x):
        x = self._check_input(x)
        taps = self._taps(x)
        y = taps[0].copy()                                          # (m, h_o, w_o, c)
        for xt in taps[1:]:
            y += xt
        y *= 1.0 / len(taps)
        self._x = x
        return y

    def backward(self, dy, need_dx: bool = True):
        dy = self._check_dy(dy)
        if not need_dx:
            return None
        dx = np.zeros_like(self._x)                                    # (m, h, w, c)
        share = dy * (1.0 / self.pool_size ** 2)                       # (m, h_o, w_o, c)
        for dxt in self._taps(dx):
            dxt += share
        return dx
