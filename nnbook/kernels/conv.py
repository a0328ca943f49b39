"""The convolution engine ``Conv2D`` runs on (chapter 08): im2col into work arrays made
once per input shape, products by blocks of rows, and ∂E/∂x by shifted adds (conv_dx.py).
The readable versions chapters 07–08 teach are ``nnbook.conv_impl``'s, which shares
``copies_by_tap`` with this engine.
"""

from __future__ import annotations

import numpy as np

from .conv_dx import dx_grid, row_length, same_plan
from .products import row_blocks

__all__ = ["copies_by_tap", "make_work", "copy_windows", "fill_cols"]


def copies_by_tap(f, c) -> bool:
    """Whether im2col copies tap by tap (f·c < 8) rather than window by window.
    NumPy copies fastest when its innermost loop is long: a window row has f·c
    numbers, a tap's slice a whole image row."""
    return f * c < 8


# convolution -----------------------------------------------------------------------------------------
def make_work(x_shape, f, s, pads, out_hw, c_out, dtype):
    """The arrays a Conv2D keeps for inputs of one shape (made once, reused), given its
    zeros per side ``pads`` (top, bottom, left, right) and output size ``out_hw``."""
    m, h, w, c = x_shape
    t, b, l, r = pads
    h_o, w_o = out_hw
    k, rows = f * f * c, m * h_o * w_o
    # dx by shifted adds (conv_dx): "same" when y and x have the same size (no grid
    # needed), "flat" on a padded grid otherwise
    same = s == 1 and c > 1 and (h_o, w_o) == (h, w)
    flat = s == 1 and c > 1 and not same
    h_g, w_g = dx_grid(h, w, (t, b, l, r), h_o, w_o)
    grid = row_length(m * h_g * w_g + (f - 1) * (w_g + 1) if flat else rows)   # flat: a zero tail
    dx_size = k * grid
    if same:      # rows of n = rows + 2·margin numbers, and a last gap of n − rows (same_plan)
        margin = max(t * w + l, (f - 1 - t) * w + (f - 1 - l))
        n = row_length(rows + 2 * margin)
        dx_size = k * n + n - rows
    # X_col, and dX_colᵀ in the same memory once dW is made (one footprint: faster)
    memory = np.empty(max(rows * (k + 1), dx_size), dtype=dtype)
    if copies_by_tap(f, c):                   # store X_colᵀ: each tap one long run
        cols = memory[:rows * (k + 1)].reshape(k + 1, rows).T
    else:                                     # store X_col: one window per row
        cols = memory[:rows * (k + 1)].reshape(rows, k + 1)
    work = {"memory": memory, "cols": cols, "cols6": cols[:, :k].reshape(m, h_o, w_o, f, f, c),
            "spent": True,                    # the column of ones needs (re)writing
            "Wb": np.empty((k + 1, c_out), dtype=dtype),
            "blocks": row_blocks(rows, k + 1, c_out),      # X_col's products by blocks of rows
            "xp": np.zeros((m, h + t + b, w + l + r, c), dtype=dtype) if t + b + l + r else None,
            "pads": (t, b, l, r), "y_shape": (m, h_o, w_o, c_out), "flat": flat, "same": same}
    if same:
        work["plan"] = same_plan(memory, x_shape, (t, l), f, margin, n)
    elif flat:    # dy on the padded grid (zeros past h_o, w_o), and dx as one flat plane per channel
        work["dYg"] = np.zeros((grid, c_out), dtype=dtype)
        work["dxf"] = np.empty((c, m * h_g * w_g), dtype=dtype)
    else:
        work["dxp"] = np.empty((c, m, h + t + b, w + l + r), dtype=dtype)
    return work


def copy_windows(xp, f, s, out, cols=None):
    """im2col into ``out`` (m, h_o, w_o, f, f, c), by a few large copies
    (``cols``: the C-ordered X_col that ``out`` is a view of, if it is one)."""
    m, h_o, w_o, _, _, c = out.shape
    if out.size == 0:
        return
    if copies_by_tap(f, c):
        for i in range(f):
            for j in range(f):
                out[:, :, :, i, j, :] = xp[:, i:i + s * (h_o - 1) + 1:s, j:j + s * (w_o - 1) + 1:s, :]
    elif cols is not None and cols.flags.c_contiguous and xp.flags.c_contiguous:
        # a window row (f pixels × c channels) is one run of f·c numbers in xp and in
        # X_col: copy it as one item of that many bytes (a third of the time of a
        # copy number by number when c = 8)
        row = np.dtype((np.void, f * c * xp.itemsize))
        sn, sh, sw, _ = xp.strides
        rs = cols.strides[0]
        src = np.ndarray((m, h_o, w_o, f), row, buffer=xp, strides=(sn, s * sh, s * sw, sh))
        dst = np.ndarray((m, h_o, w_o, f), row, buffer=cols,
                         strides=(h_o * w_o * rs, w_o * rs, rs, row.itemsize))
        np.copyto(dst, src)
    else:
        v = np.lib.stride_tricks.sliding_window_view(xp, (f, f), axis=(1, 2))[:, ::s, ::s]
        np.copyto(out, v[:, :h_o, :w_o].transpose(0, 1, 2, 4, 5, 3))


def fill_cols(x, work, f, s):
    """Copy the windows of x, zero padded, into work["cols"] (with its column of ones)."""
    if work["spent"]:
        work["cols"][:, -1] = 1
        work["spent"] = False
    t, b, l, r = work["pads"]
    xp = x
    if work["xp"] is not None:
        xp = work["xp"]                                               # the border stays 0
        xp[:, t:xp.shape[1] - b, l:xp.shape[2] - r, :] = x
    copy_windows(xp, f, s, work["cols6"], work["cols"])
