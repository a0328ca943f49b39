"""Three ways to compute a 2-D convolution and its gradients, from the clearest to the
fastest: Python loops, NumPy sliding windows and im2col (chapter 07 derives them,
chapter 08 the backward pass; the tests check ``Conv2D``'s engine against them), and
``output_size`` and ``same_padding``, which ``Conv2D`` and the pools use.

Shapes (NHWC, cross-correlation as in the frameworks, ``f`` the kernel size)::

    x: (m, h, w, c_in)   W: (f, f, c_in, c_out)   b: (c_out,)
    y, dy: (m, h_o, w_o, c_out)"""

from __future__ import annotations

import numbers

import numpy as np

from .kernels.conv import copies_by_tap  # the rule im2col shares with the engine

__all__ = [
    "output_size", "same_padding", "pad",
    "forward_loops", "backward_loops",
    "forward_strided", "backward_strided",
    "im2col", "col2im", "copies_by_tap", "forward_im2col", "backward_im2col",
    "IMPLEMENTATIONS",
]


def output_size(n, f, padding=0, stride=1) -> int:
    """Number of positions of an ``f``-wide window on ``n`` pixels padded by
    ``padding`` on each side, moving ``stride`` at a time: ⌊(n + 2p − f)/s⌋ + 1.

    Raises ``ValueError`` for stride < 1, padding < 0, f < 1, f > n + 2p, or
    arguments that are not integers.
    """
    for name, value, low in (("n", n, 1), ("f", f, 1), ("padding", padding, 0), ("stride", stride, 1)):
        if type(value) is not int and (isinstance(value, bool) or not isinstance(value, numbers.Integral)):
            raise ValueError(f"output_size: expected {name} to be an integer, got {value!r}. "
                             f"Pass whole numbers, e.g. output_size(6, 3, padding=1, stride=2).")
        if value < low:
            raise ValueError(f"output_size: expected {name} ≥ {low}, got {value}. "
                             f"Use {name}={low} or more.")
    if f > n + 2 * padding:
        raise ValueError(f"output_size: the window f={f} is larger than the padded input "
                         f"n + 2p = {n} + 2·{padding} = {n + 2 * padding}. Use a smaller window "
                         f"or more padding.")
    return (n + 2 * padding - f) // stride + 1


def same_padding(n: int, f: int, stride: int = 1) -> tuple[int, int]:
    """Zeros (before, after) that Keras/TensorFlow's ``padding="same"`` adds to an
    axis of ``n`` pixels: ⌈n/s⌉ windows, total = max((⌈n/s⌉ − 1)·s + f − n, 0),
    ⌊total/2⌋ before (top/left) and the rest after (bottom/right).

    ``same_padding(28, 3)`` is (1, 1); ``same_padding(28, 3, 2)`` is (0, 1). Chapter 07.
    """
    out = -(-n // stride)
    total = max((out - 1) * stride + f - n, 0)
    return total // 2, total - total // 2


def pad(x, padding: int) -> np.ndarray:
    """Zero-pad the two spatial axes: (m, h, w, c) → (m, h + 2p, w + 2p, c)."""
    p = padding
    return np.pad(x, ((0, 0), (p, p), (p, p), (0, 0))) if p else np.asarray(x)


def _sizes(x, W, stride, padding, dy=None, b=None):
    """(m, h_o, w_o, f, c_out), after checking that x, W (and dy or b) fit together."""
    x_shape, W_shape = np.shape(x), np.shape(W)
    if len(x_shape) != 4 or len(W_shape) != 4 or W_shape[0] != W_shape[1] or x_shape[3] != W_shape[2]:
        raise ValueError(f"conv_impl: expected x of shape (m, h, w, c_in) and W of shape "
                         f"(f, f, c_in, c_out), got x {x_shape} and W {W_shape}.")
    m, h, w, _ = x_shape
    f, c_out = W_shape[0], W_shape[3]
    h_o, w_o = output_size(h, f, padding, stride), output_size(w, f, padding, stride)
    if b is not None and np.shape(b) != (c_out,):
        raise ValueError(f"conv_impl: expected b of shape ({c_out},) (one bias per filter), "
                         f"got {np.shape(b)}.")
    if dy is not None and np.shape(dy) != (m, h_o, w_o, c_out):
        raise ValueError(f"conv_impl: expected dy of shape {(m, h_o, w_o, c_out)} (the shape of y), "
                         f"got {np.shape(dy)}.")
    return m, h_o, w_o, f, c_out


def _tap(xp, i, j, h_o, w_o, s):
    """The pixels that kernel tap (i, j) meets at every output position:
    xp[:, i + s·r, j + s·q, :] for r < h_o, q < w_o, a strided view (m, h_o, w_o, c)."""
    return xp[:, i:i + s * (h_o - 1) + 1:s, j:j + s * (w_o - 1) + 1:s, :]


# 1. Loops: one output number at a time ---------------------------------------
def forward_loops(x, W, b, stride=1, padding=0) -> np.ndarray:
    """y[n, r, q, k] = Σ_{i,j,c} xp[n, s·r + i, s·q + j, c] · W[i, j, c, k] + b[k].

    Shapes: x (m, h, w, c_in), W (f, f, c_in, c_out), b (c_out,) → y (m, h_o, w_o, c_out).
    Slow: for tiny inputs and for reading.
    """
    m, h_o, w_o, f, c_out = _sizes(x, W, stride, padding, b=b)
    xp, s = pad(x, padding), stride
    y = np.zeros((m, h_o, w_o, c_out), dtype=np.result_type(xp, W))
    for n in range(m):
        for r in range(h_o):
            for q in range(w_o):
                window = xp[n, s * r:s * r + f, s * q:s * q + f, :]     # (f, f, c_in)
                for k in range(c_out):
                    y[n, r, q, k] = np.sum(window * W[:, :, :, k]) + b[k]
    return y


def backward_loops(dy, x, W, stride=1, padding=0):
    """Gradients of E given dy = ∂E/∂y, by sending each dy[n, r, q, k] back along
    the products it came from: to W[..., k] (times the window) and to the window
    (times W[..., k]).

    Shapes: dy (m, h_o, w_o, c_out), x (m, h, w, c_in), W (f, f, c_in, c_out)
    → dx (m, h, w, c_in), dW (f, f, c_in, c_out), db (c_out,).
    """
    m, h_o, w_o, f, c_out = _sizes(x, W, stride, padding, dy)
    xp, s, p = pad(x, padding), stride, padding
    dxp = np.zeros(xp.shape, dtype=np.result_type(xp, W, dy))         # (m, h + 2p, w + 2p, c_in)
    dW = np.zeros(np.shape(W), dtype=dxp.dtype)
    for n in range(m):
        for r in range(h_o):
            for q in range(w_o):
                rows, cols = slice(s * r, s * r + f), slice(s * q, s * q + f)
                for k in range(c_out):
                    g = dy[n, r, q, k]
                    dW[:, :, :, k] += g * xp[n, rows, cols, :]
                    dxp[n, rows, cols, :] += g * W[:, :, :, k]
    db = np.sum(dy, axis=(0, 1, 2))
    dx = dxp[:, p:dxp.shape[1] - p, p:dxp.shape[2] - p, :]            # drop the padding
    return dx, dW, db


# 2. Sliding windows: all windows as one strided view, then einsum ------------
def _windows(xp, f, stride):
    """Every f×f window of xp, without copying: (m, h_o, w_o, c, f, f)."""
    v = np.lib.stride_tricks.sliding_window_view(xp, (f, f), axis=(1, 2))
    return v[:, ::stride, ::stride]


def forward_strided(x, W, b, stride=1, padding=0) -> np.ndarray:
    """The loops' sum over (i, j, c), for every window at once with ``einsum``.

    Shapes: x (m, h, w, c_in), W (f, f, c_in, c_out), b (c_out,) → y (m, h_o, w_o, c_out).
    """
    f = _sizes(x, W, stride, padding, b=b)[3]
    windows = _windows(pad(x, padding), f, stride)                     # (m, h_o, w_o, c_in, f, f)
    return np.einsum("nrqcij,ijck->nrqk", windows, W, optimize=True) + b


def backward_strided(dy, x, W, stride=1, padding=0):
    """dW correlates the windows with dy; dx is a "full" convolution: dy, with
    s − 1 zeros between its entries and f − 1 zeros around it, correlated with
    the kernel turned by 180°.

    Shapes: dy (m, h_o, w_o, c_out), x (m, h, w, c_in), W (f, f, c_in, c_out)
    → dx (m, h, w, c_in), dW (f, f, c_in, c_out), db (c_out,).
    """
    m, h_o, w_o, f, c_out = _sizes(x, W, stride, padding, dy)
    xp, s, p = pad(x, padding), stride, padding
    dW = np.einsum("nrqcij,nrqk->ijck", _windows(xp, f, s), dy, optimize=True)
    db = np.sum(dy, axis=(0, 1, 2))
    # dxp[a] = Σ over (r, i) with s·r + i = a of dy[r] · W[i]
    span_h, span_w = s * (h_o - 1) + 1, s * (w_o - 1) + 1             # where windows start, first to last
    spread = np.zeros((m, span_h + 2 * (f - 1), span_w + 2 * (f - 1), c_out), dtype=np.result_type(dy, W))
    spread[:, f - 1:f - 1 + span_h:s, f - 1:f - 1 + span_w:s, :] = dy
    turned = W[::-1, ::-1]                                             # (f, f, c_in, c_out), rotated 180°
    covered = np.einsum("nrqkij,ijck->nrqc", _windows(spread, f, 1), turned, optimize=True)
    dxp = np.zeros(xp.shape, dtype=covered.dtype)                      # (m, h + 2p, w + 2p, c_in)
    dxp[:, :covered.shape[1], :covered.shape[2], :] = covered          # rows no window covers stay 0
    dx = dxp[:, p:dxp.shape[1] - p, p:dxp.shape[2] - p, :]
    return dx, dW, db


# 3. im2col: copy the windows into a matrix, then one matrix product ----------
def im2col(x, f, stride=1, padding=0, *, out=None) -> np.ndarray:
    """Copy each f×f×c window into one row: X_col[(n, r, q), (i, j, c)].

    Then ``y = X_col @ W.reshape(f·f·c_in, c_out)``: convolution is a matrix
    product. The copy is made by a few large NumPy copies, never window by window.

    Shapes: x (m, h, w, c) → X_col (m·h_o·w_o, f·f·c).
    ``out``: optional array (m, h_o, w_o, f, f, c) to fill (may be a view).
    """
    xp, s = pad(x, padding), stride
    m, _, _, c = xp.shape
    h_o, w_o = output_size(xp.shape[1], f, 0, s), output_size(xp.shape[2], f, 0, s)
    if out is None:
        out = np.empty((m, h_o, w_o, f, f, c), dtype=xp.dtype)
    if copies_by_tap(f, c):   # few channels: f·f copies, one per tap, each with a long inner loop
        for i in range(f):
            for j in range(f):
                out[:, :, :, i, j, :] = _tap(xp, i, j, h_o, w_o, s)    # (m, h_o, w_o, c)
    else:                     # one copy of all windows: NumPy's inner loop runs over a row of f·c numbers
        np.copyto(out, _windows(xp, f, s).transpose(0, 1, 2, 4, 5, 3))
    return out.reshape(m * h_o * w_o, f * f * c)


def col2im(dcols, x_shape, f, stride=1, padding=0, *, out=None) -> np.ndarray:
    """The adjoint of im2col, for gradients: add every entry of dcols back onto
    the pixel it was copied from (a pixel in several windows gets several).

    Shapes: dcols (m·h_o·w_o, f·f·c) → dx (m, h, w, c), a new array.
    Fastest when ``dcols.T`` is C-contiguous (tap-major: row (i, j, c) of
    ``dcols.T`` holds one tap's gradients for every window), e.g.
    ``dcols = (W2 @ dY.T).T``: then each of the f·f additions below is a
    long run of whole image rows. ``out``: optional work array
    (c, m, h + 2p, w + 2p), channels first, to accumulate in (zeroed first).
    """
    m, h, w, c = x_shape
    s, p = stride, padding
    h_o, w_o = output_size(h, f, p, s), output_size(w, f, p, s)
    taps = dcols.T.reshape(f, f, c, m, h_o, w_o)                       # a view if dcols.T is contiguous
    if out is None:
        out = np.zeros((c, m, h + 2 * p, w + 2 * p), dtype=dcols.dtype)
    else:
        out.fill(0)
    for i in range(f):
        for j in range(f):
            out[:, :, i:i + s * (h_o - 1) + 1:s, j:j + s * (w_o - 1) + 1:s] += taps[i, j]
    return out[:, :, p:p + h, p:p + w].transpose(1, 2, 3, 0).copy()    # (m, h, w, c)


def forward_im2col(x, W, b, stride=1, padding=0) -> np.ndarray:
    """y = im2col(x) @ W as a (f·f·c_in, c_out) matrix, plus b.

    Shapes: x (m, h, w, c_in), W (f, f, c_in, c_out), b (c_out,) → y (m, h_o, w_o, c_out).
    """
    m, h_o, w_o, f, c_out = _sizes(x, W, stride, padding, b=b)
    cols = im2col(x, f, stride, padding)                               # (m·h_o·w_o, f·f·c_in)
    y = cols @ W.reshape(-1, c_out) + b                                # (m·h_o·w_o, c_out)
    return y.reshape(m, h_o, w_o, c_out)


def backward_im2col(dy, x, W, stride=1, padding=0):
    """With X_col = im2col(x) and y = X_col W2 + b (W2 = W as a matrix):
    dW2 = X_colᵀ dY, db = Σ dY over the rows, dX_col = dY W2ᵀ, and col2im adds
    dX_col back onto the image.

    Shapes: dy (m, h_o, w_o, c_out), x (m, h, w, c_in), W (f, f, c_in, c_out)
    → dx (m, h, w, c_in), dW (f, f, c_in, c_out), db (c_out,).
    """
    f, c_out = _sizes(x, W, stride, padding, dy)[3:]
    dY = np.reshape(dy, (-1, c_out))                                   # (m·h_o·w_o, c_out)
    W2 = np.reshape(W, (-1, c_out))                                    # (f·f·c_in, c_out)
    cols = im2col(x, f, stride, padding)                               # (m·h_o·w_o, f·f·c_in)
    dW = (cols.T @ dY).reshape(np.shape(W))                            # (f, f, c_in, c_out)
    db = dY.sum(axis=0)                                                # (c_out,)
    dcols = (W2 @ dY.T).T                 # = dY @ W2.T, (m·h_o·w_o, f·f·c_in), stored tap-major
    dx = col2im(dcols, np.shape(x), f, stride, padding)
    return dx, dW, db


IMPLEMENTATIONS = {
    "loops": (forward_loops, backward_loops),
    "strided": (forward_strided, backward_strided),
    "im2col": (forward_im2col, backward_im2col),
}
