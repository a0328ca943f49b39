"""Pooling layers, ``MaxPool2D`` and ``AvgPool2D``: shrink each channel of an
image by summarising every window by its largest value or its mean. They have
no parameters. Chapter 08.
"""

from __future__ import annotations

import numpy as np

from . import rules
from ...spellings import refuse_spellings
from ...validate import positive_int
from ..base import Layer
from ...registry import register_class

__all__ = ["MaxPool2D", "AvgPool2D"]

class _Pool2D(Layer):
    """What both pools share: the window geometry, the padding, the checks and the description.

    A pool is computed tap by tap: for each of the f·f positions (i, j) inside
    the window, ``xs[i, j] = xp[:, i::s, j::s, :]`` (cut to h_o × w_o) holds the
    pixel at that position of every window, a strided view without a copy.
    """

    _fill = 0.0                               # the value of padded cells

    def __init__(self, pool_size: int = 2, stride: int | None = None, padding: int | str = 0, **keras):
        super().__init__()
        name = type(self).__name__
        refuse_spellings(name, keras, unknown=True)              # Keras' names: nnbook's
        self.pool_size = positive_int(name, "pool_size", rules.square(name, "pool_size", pool_size))
        self.stride = (self.pool_size if stride is None else
                       positive_int(name, "stride", rules.square(name, "stride", stride)))
        self.padding = rules.check_padding(name, padding)
        if isinstance(self.padding, int) and self.padding > self.pool_size // 2:
            raise ValueError(f"{name}: expected padding ≤ pool_size // 2 = {self.pool_size // 2}, got "
                             f"{self.padding} (a window must hold an image pixel). Use less padding "
                             f"or padding='same'.")
        self._x = None

    def _taps(self, xp, h_o, w_o):
        """The f·f views ``xp[:, i::s, j::s, :]`` (each (m, h_o, w_o, c)), in row-major (i, j) order."""
        f, s = self.pool_size, self.stride
        return [xp[:, i:i + s * (h_o - 1) + 1:s, j:j + s * (w_o - 1) + 1:s, :]
                for i in range(f) for j in range(f)]

    def _padded(self, x):
        """x with the padding around it (x itself when there is none), its pads and output size."""
        f, s, (m, h, w, c) = self.pool_size, self.stride, x.shape
        t, b, l, r = rules.pads_of(h, w, f, s, self.padding)
        h_o, w_o = rules.out_size(h, f, s, self.padding), rules.out_size(w, f, s, self.padding)
        if t + b + l + r:
            xp = np.full((m, h + t + b, w + l + r, c), self._fill, dtype=x.dtype)
            xp[:, t:t + h, l:l + w, :] = x
            x = xp
        return x, (t, b, l, r), (h_o, w_o)

    def _check_input(self, x):
        return rules.check_batch(self, x, self.pool_size, self.padding)

    def _check_dy(self, dy):
        if self._x is None:
            self._before_forward()
        dy = np.asarray(dy)
        m, h, w, c = self._x.shape
        expected = (m,) + self.output_shape((h, w, c))[:2] + (c,)
        if dy.shape != expected:
            self._bad_dy(dy, expected)
        return dy.astype(self._x.dtype, copy=False)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(f"{self!r}: expected samples of shape (h, w, c), got {shape}. "
                             f"Pooling works on images; put it after a Conv2D layer.")
        h, w, c = shape
        f, s, p = self.pool_size, self.stride, self.padding
        rules.check_fits(self, f, p, h, w, shape)
        return (None if h is None else rules.out_size(h, f, s, p),
                None if w is None else rules.out_size(w, f, s, p), c)

    def get_config(self):
        return {"pool_size": self.pool_size, "stride": self.stride, "padding": self.padding}

    def __repr__(self):
        f, p = self.pool_size, self.padding
        more = "" if p == 0 else f", padding={rules.padding_text(p)}"
        return f"{type(self).__name__}({f}×{f}, stride={self.stride}{more})"


@register_class
class MaxPool2D(_Pool2D):
    """Max pooling: ``y[n, r, q, c] = max_{i,j} xp[n, s·r + i, s·q + j, c]``.

    Shapes: x (m, h, w, c) → y (m, h_o, w_o, c), h_o = ⌊(h + 2p − f)/s⌋ + 1
    (``padding="same"``: ⌈h/s⌉).

    Padded cells count as −∞: they never win a window. Backward sends each
    ``dy`` entry to the pixel that was the maximum of its window; on ties, to
    the first one in row-major window order (as PyTorch). Windows that
    overlap (stride < pool_size) add up at shared pixels.

    Args:
        pool_size: ``f``, the window is f×f (default 2; Keras' ``(2, 2)`` is accepted).
        stride: ``s`` (default: ``pool_size``, windows side by side; Keras' ``strides``).
        padding: ``p`` ≤ f // 2 on every side, ``"valid"`` (= 0, the default) or
            ``"same"`` (Keras' padding, ⌈h/s⌉ outputs; see ``nb.same_padding``).

    Chapter 08.
    """

    _fill = -np.inf

    def forward(self, x):
        x = self._check_input(x)
        xp, _, (h_o, w_o) = self._padded(x)
        taps = self._taps(xp, h_o, w_o)
        y = taps[0].copy() if len(taps) == 1 else np.maximum(taps[0], taps[1])  # (m, h_o, w_o, c)
        for xt in taps[2:]:
            np.maximum(y, xt, out=y)
        self._x, self._xp, self._y = x, xp, y
        return y

    def backward(self, dy, need_dx: bool = True):
        dy = self._check_dy(dy)
        if not need_dx:
            return None
        x, xp, y = self._x, self._xp, self._y
        f, s = self.pool_size, self.stride
        apart = s >= f                                                 # windows do not overlap
        tiled = (xp is x and s == f and x.shape[1] % f == 0
                 and x.shape[2] % f == 0)                              # ... and cover every pixel
        dxp = np.empty_like(xp) if tiled else np.zeros_like(xp)        # (m, h + t + b, w + l + r, c)
        hit = np.empty(y.shape, dtype=bool)                            # this tap is the window's max
        free = np.empty(y.shape, dtype=bool)                           # the window's max is not found yet
        h_o, w_o = y.shape[1:3]
        taps, last = zip(self._taps(xp, h_o, w_o), self._taps(dxp, h_o, w_o)), f * f - 1
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
        return _crop(dxp, x.shape)


@register_class
class AvgPool2D(_Pool2D):
    """Average pooling: ``y[n, r, q, c] = mean of x over the image pixels of window (r, q)``.

    Shapes: x (m, h, w, c) → y (m, h_o, w_o, c), h_o = ⌊(h + 2p − f)/s⌋ + 1
    (``padding="same"``: ⌈h/s⌉).

    Padded cells are not counted: a window that holds k image pixels divides
    their sum by k (Keras' "same" and PyTorch's ``count_include_pad=False``);
    without padding k = f². Backward gives each pixel of a window ``dy / k``.
    (Keras on the torch backend differs when "same" pads one side more: it
    repeats the edge pixels there and averages over all f² cells.)

    Args:
        pool_size: ``f``, the window is f×f (default 2; Keras' ``(2, 2)`` is accepted).
        stride: ``s`` (default: ``pool_size``; Keras' ``strides``).
        padding: ``p`` ≤ f // 2 on every side, ``"valid"`` (= 0, the default) or
            ``"same"`` (Keras' padding, ⌈h/s⌉ outputs; see ``nb.same_padding``).

    Chapter 08.
    """

    def forward(self, x):
        x = self._check_input(x)
        xp, pads, (h_o, w_o) = self._padded(x)
        taps = self._taps(xp, h_o, w_o)
        y = taps[0].copy()                                             # (m, h_o, w_o, c)
        for xt in taps[1:]:
            y += xt
        self._x, self._share = x, self._shares(x, pads, h_o, w_o)
        y *= self._share
        return y

    def _shares(self, x, pads, h_o, w_o):
        """1 / (image pixels in each window): (1, h_o, w_o, 1), or a number without padding."""
        f = self.pool_size
        if not sum(pads):
            return x.dtype.type(1.0 / f ** 2)
        t, b, l, r = pads
        ones = np.zeros((1, x.shape[1] + t + b, x.shape[2] + l + r, 1), dtype=x.dtype)
        ones[:, t:t + x.shape[1], l:l + x.shape[2]] = 1
        count = sum(self._taps(ones, h_o, w_o))                        # (1, h_o, w_o, 1)
        return (1 / count).astype(x.dtype)

    def backward(self, dy, need_dx: bool = True):
        dy = self._check_dy(dy)
        if not need_dx:
            return None
        x = self._x
        f, s, (m, h, w, c) = self.pool_size, self.stride, x.shape
        t, b, l, r = rules.pads_of(h, w, f, s, self.padding)
        dxp = np.zeros((m, h + t + b, w + l + r, c), dtype=x.dtype)    # (m, h + t + b, w + l + r, c)
        share = dy * self._share                                       # (m, h_o, w_o, c)
        for dxt in self._taps(dxp, dy.shape[1], dy.shape[2]):
            dxt += share
        return _crop(dxp, x.shape)


def _crop(dxp, x_shape):
    """The image part of a padded gradient (dxp itself without padding)."""
    m, h, w, c = x_shape
    if dxp.shape == x_shape:
        return dxp
    t = (dxp.shape[1] - h) // 2                                        # "same": ⌊total/2⌋ before
    l = (dxp.shape[2] - w) // 2
    return dxp[:, t:t + h, l:l + w, :].copy()
