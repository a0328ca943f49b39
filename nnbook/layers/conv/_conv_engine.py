"""The fast path that ``Conv2D`` and the pools run on, and the rules they share: padding
("valid", Keras' "same", or p zeros per side), output sizes and one input check. The
public formulas (``output_size``, ``same_padding``) and the readable versions chapters
07–08 teach are ``nnbook.conv_impl``'s; the tests check that both give the same numbers.
"""

from __future__ import annotations

import numpy as np

from ...conv_impl import copies_by_tap, same_padding
from ...validate import positive_int
from ..products import row_blocks
from ._conv_dx import conv_dx, dx_grid, row_length, same_plan  # noqa: F401  (conv2d.py calls engine.conv_dx)

PADDINGS = ("valid", "same")


# padding and sizes -----------------------------------------------------------------------------------
def check_padding(owner: str, padding):
    """``padding`` as an int ≥ 0, "valid" or "same", or a ValueError saying what is accepted."""
    if isinstance(padding, str):
        if padding.lower() in PADDINGS:
            return padding.lower()
        raise ValueError(f"{owner}: expected padding to be an integer ≥ 0, 'valid' or 'same', got "
                         f"{padding!r}. Use padding='same' to keep the image size (at stride 1).")
    try:
        return positive_int(owner, "padding", padding, minimum=0)
    except ValueError:
        raise ValueError(f"{owner}: expected padding to be an integer ≥ 0, 'valid' or 'same', got "
                         f"{padding!r}.") from None


def side_pads(n, f, stride, padding) -> tuple[int, int]:
    """(before, after) zeros on one axis of n pixels, for any of the three padding kinds."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        return same_padding(n, f, stride)
    return padding, padding


def pads_of(h, w, f, stride, padding) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zeros for an h × w image."""
    return side_pads(h, f, stride, padding) + side_pads(w, f, stride, padding)


def out_size(n, f, stride, padding) -> int:
    """Windows on one axis: ⌊(n + before + after − f)/s⌋ + 1 (⌈n/s⌉ for "same")."""
    before, after = side_pads(n, f, stride, padding)
    return (n + before + after - f) // stride + 1


def padding_text(padding) -> str:
    return repr(padding) if isinstance(padding, str) else str(padding)


# the shared check --------------------------------------------------------------------------------------
def check_fits(layer, f, padding, h, w, got, *, window="window", fix="Use a smaller pool_size or larger images."):
    """Raise if an f×f kernel/window does not fit the (padded) h × w image (None: unknown)."""
    if padding == "same":                     # ⌈n/s⌉ ≥ 1 windows always fit
        return
    p = 0 if padding == "valid" else padding
    for name, n in (("height", h), ("width", w)):
        if n is not None and f > n + 2 * p:
            size = (f"the padded image: {name} {n} + 2·{p} = {n + 2 * p} < {f}" if window == "kernel" or p
                    else f"the image: {name} {n} < {f}")
            raise ValueError(f"{layer!r}: the {f}×{f} {window} is larger than {size} (input {got}). {fix}")


def check_batch(layer, x, f, padding, channels=None, *, window="window", fix="Use a smaller pool_size or "
                "larger images.", dtype=None):
    """The input check of every image layer: a 4-D NHWC batch of numbers, with
    ``channels`` channels (if given) and big enough for the window. Returns x
    as an array of ``dtype`` (None: floats stay, integers become float64).

    Shapes: x (m, h, w, c).
    """
    x = np.asarray(x)
    c = "c" if channels is None else channels
    if x.ndim != 4:
        if x.ndim == 3 and (channels is None or x.shape[-1] == channels):
            hint = "A single image needs a batch axis: use x[None]."
        elif x.ndim == 2 and channels is not None:
            hint = "Images must keep their rows and columns: reshape to (m, h, w, c)."
        else:
            hint = "Pass a batch of images, channels last (NHWC)."
        raise ValueError(f"{layer!r}: expected input of shape (m, h, w, {c}), got {tuple(x.shape)}. {hint}")
    if channels is not None and x.shape[3] != channels:
        raise ValueError(
            f"{layer!r}: expected {channels} input channel(s), shape (m, h, w, {channels}), "
            f"got {tuple(x.shape)} with {x.shape[3]}. Images are NHWC (channels last): "
            f"check the previous layer's c_out or transpose (m, c, h, w) data with "
            f"x.transpose(0, 2, 3, 1).")
    check_fits(layer, f, padding, x.shape[1], x.shape[2], tuple(x.shape), window=window, fix=fix)
    if x.dtype.kind not in "fiub":
        raise ValueError(f"{layer!r}: expected numbers, got an array of dtype {x.dtype}.")
    if dtype is None:
        return x if x.dtype.kind == "f" else x.astype(np.float64)
    return x.astype(dtype, copy=False)


def square(owner: str, name: str, value):
    """An int, or a pair of equal ints (Keras' ``(3, 3)``) as one int."""
    if isinstance(value, (tuple, list)):
        if len(value) == 2 and value[0] == value[1]:
            return value[0]
        raise ValueError(f"{owner}: expected {name} to be one integer (square windows), got "
                         f"{tuple(value)}. nnbook's windows are square: use {name}=f.")
    return value


# convolution -----------------------------------------------------------------------------------------
def make_work(x_shape, f, s, padding, c_out, dtype):
    """The arrays a Conv2D keeps for inputs of one shape (made once, reused)."""
    m, h, w, c = x_shape
    t, b, l, r = pads_of(h, w, f, s, padding)
    h_o, w_o = out_size(h, f, s, padding), out_size(w, f, s, padding)
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
