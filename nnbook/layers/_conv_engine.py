"""The fast path that ``Conv2D`` and the pools run on, and the rules they share:
padding ("valid", Keras' "same", or p zeros per side), output sizes and one
input check. The readable versions that chapters 07–08 teach live in
``nnbook.conv_impl``; the tests check that both give the same numbers.
"""

from __future__ import annotations

import numpy as np

from .._validate import positive_int

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


def same_padding(n: int, f: int, stride: int = 1) -> tuple[int, int]:
    """Zeros (before, after) that Keras/TensorFlow's ``padding="same"`` adds to an
    axis of ``n`` pixels: ⌈n/s⌉ windows, total = max((⌈n/s⌉ − 1)·s + f − n, 0),
    ⌊total/2⌋ before (top/left) and the rest after (bottom/right).

    ``same_padding(28, 3)`` is (1, 1); ``same_padding(28, 3, 2)`` is (0, 1). Chapter 07.
    """
    out = -(-n // stride)
    total = max((out - 1) * stride + f - n, 0)
    return total // 2, total - total // 2


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


def keras_spellings(owner: str, given: dict, names: dict) -> None:
    """Refuse keyword arguments nnbook does not take, naming nnbook's spelling when Keras uses them."""
    for key in given:
        if key in names:
            raise ValueError(f"{owner}: got {key}= (Keras' spelling); nnbook writes {names[key]}.")
        raise ValueError(f"{owner}: got an unexpected argument {key}=. See help({owner.split('(')[0]}).")


def square(owner: str, name: str, value):
    """An int, or a pair of equal ints (Keras' ``(3, 3)``) as one int."""
    if isinstance(value, (tuple, list)):
        if len(value) == 2 and value[0] == value[1]:
            return value[0]
        raise ValueError(f"{owner}: expected {name} to be one integer (square windows), got "
                         f"{tuple(value)}. nnbook's windows are square: use {name}=f.")
    return value


# convolution -----------------------------------------------------------------------------------------
def row_length(n: int) -> int:
    """n, or n + 8 when n is a multiple of 256: rows of a matrix product's output
    512·k numbers long make OpenBLAS's product up to 2× slower (cache sets)."""
    return n + 8 if n % 256 == 0 else n


def copies_by_tap(f, c) -> bool:
    """Whether the window copy goes tap by tap (f·c < 8: a long inner loop per tap)."""
    return f * c < 8


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
            "xp": np.zeros((m, h + t + b, w + l + r, c), dtype=dtype) if t + b + l + r else None,
            "pads": (t, b, l, r), "y_shape": (m, h_o, w_o, c_out), "flat": flat, "same": same,
            "ones": np.ones(rows, dtype=dtype)}
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


def dx_grid(h, w, pads, h_o, w_o) -> tuple[int, int]:
    """(h_g, w_g): rows and columns per image of the flat grid conv_dx adds on
    at stride 1, h_g = max(h + max(t, b), h_o) (w_g alike). This is a padded
    image whose bottom (right) padding shares its memory with the top (left)
    padding of the next image (row): col2im's sums there are never read, so
    sharing them is safe and saves a row per image and a column per row.
    Chapter 08 (the engine only; the course's col2im is in conv_impl)."""
    t, b, l, r = pads
    return max(h + max(t, b), h_o), max(w + max(l, r), w_o)


def conv_dx(dY, W, x_shape, work, f, s):
    """∂E/∂x of a convolution: dX_col = dY Wᵀ (tap-major), then col2im adds
    each tap's share back onto the padded image.

    At stride 1 the adds run on one flat plane per channel. dy is laid out on
    a grid of h_g rows of w_g pixels per image (``dx_grid``, zeros past h_o
    and w_o), so tap (i, j) lands at the fixed offset i·w_g + j, and col2im is
    one ``np.sum`` over the f·f taps of a view shifted back by those offsets:
    long runs over all images (adding image by image meant thousands of short
    runs).

    Shapes: dY (m·h_o·w_o, c_out), W (f, f, c_in, c_out) → dx (m, h, w, c_in).
    """
    m, h, w, c = x_shape
    t, b, l, r = work["pads"]
    h_o, w_o, c_out = work["y_shape"][1:]
    W2 = W.reshape(-1, c_out)                                          # (f·f·c_in, c_out)
    work["spent"] = True                                               # X_col's memory is reused here
    if work["same"]:
        return _dx_same(dY, W2, work["plan"])
    if work["flat"]:
        h_g, w_g = dx_grid(h, w, work["pads"], h_o, w_o)
        n_run = m * h_g * w_g
        dYg = work["dYg"]                                              # (m·h_g·w_g + tail, c_out)
        dYg[:n_run].reshape(m, h_g, w_g, c_out)[:, :h_o, :w_o] = dY.reshape(m, h_o, w_o, c_out)
        n = dYg.shape[0]
        dcolsT = np.matmul(W2, dYg.T, out=work["memory"][:W2.shape[0] * n].reshape(W2.shape[0], n))
        # dx[ch, q] = Σ_ij taps[i, j, ch, q − i·w_g − j]: one sum over a view whose (i, j) axes
        # step back by the offsets; q − offset < 0 reads the previous row's zero tail
        isz = dcolsT.itemsize
        view = np.lib.stride_tricks.as_strided(
            dcolsT, (c, f, f, n_run), (n * isz, (f * c * n - w_g) * isz, (c * n - 1) * isz, isz),
            writeable=False)
        dxf = np.sum(view, axis=(1, 2), out=work["dxf"])               # (c_in, m·h_g·w_g)
        dxp = dxf.reshape(c, m, h_g, w_g)
    else:
        rows, n = dY.shape[0], row_length(dY.shape[0])
        dcolsT = np.matmul(W2, dY.T, out=work["memory"][:W2.shape[0] * n].reshape(W2.shape[0], n)[:, :rows])
        taps = dcolsT.reshape(f, f, c, m, h_o, w_o)                    # tap-major: long runs
        dxp = work["dxp"]                                              # (c_in, m, h_p, w_p)
        dxp.fill(0)
        for i in range(f):
            for j in range(f):
                dxp[:, :, i:i + s * (h_o - 1) + 1:s, j:j + s * (w_o - 1) + 1:s] += taps[i, j]
    return dxp[:, :, t:t + h, l:l + w].transpose(1, 2, 3, 0).copy()   # (m, h, w, c_in)


def same_plan(memory, x_shape, tl, f, M, n):
    """The views conv_dx uses when y has x's size (stride 1, f − 1 zeros per axis), made
    once: dX_colᵀ = W dYᵀ is laid out on x's own flat pixels, one row of n numbers per
    tap and channel (D[(i, j, ch), M + q]), so tap (i, j) of output pixel q lands on
    pixel q + (i − t)·w + (j − l). Shares that would land outside their image row wrap
    into a neighbouring row: ``clear`` sets them to 0, with the margins (M zeros on
    each side of a row) that take the reads past either end.

    Shapes: memory ≥ f·f·c·n + n numbers; x (m, h, w, c).
    """
    m, h, w, c = x_shape
    t, l = tl
    k, rows, isz = f * f * c, m * h * w, memory.itemsize
    gap = n - rows                            # a row's end margin + padding + the next row's start margin
    D = memory[gap - M:gap - M + k * n].reshape(k, n)
    taps = D[:, M:M + rows]
    grid = taps.reshape(f, f, c, m, h, w)
    clear = [np.lib.stride_tricks.as_strided(memory, (k + 1, gap), (n * isz, isz))]
    for i in range(f):            # tap row i sends y's row r to x's row r + i − t
        clear += [grid[i, :, :, :, :t - i]] if i < t else [grid[i, :, :, :, max(h + t - i, 0):]] if i > t else []
    for j in range(f):            # and column q to q + j − l
        clear += [grid[:, j, :, :, :, :l - j]] if j < l else [grid[:, j, :, :, :, max(w + l - j, 0):]] if j > l else []
    # dx[ch, q] = Σ_ij D[(i, j, ch), M + q + (t − i)·w + (l − j)]: one sum over a shifted view
    total = np.lib.stride_tricks.as_strided(
        D[0, M + t * w + l:], (c, f, f, rows), (n * isz, (f * c * n - w) * isz, (c * n - 1) * isz, isz),
        writeable=False)
    dxf = np.empty((c, m, h, w), dtype=memory.dtype)
    return {"taps": taps, "clear": clear, "total": total, "dxf": dxf.reshape(c, rows),
            "dx": dxf.transpose(1, 2, 3, 0)}


def _dx_same(dY, W2, plan):
    """conv_dx through ``same_plan``'s views: one product, a few zero fills, one sum.

    Shapes: dY (m·h·w, c_out), W2 (f·f·c_in, c_out) → dx (m, h, w, c_in).
    """
    np.matmul(W2, dY.T, out=plan["taps"])                              # (f·f·c_in, m·h·w)
    for part in plan["clear"]:
        part.fill(0)
    np.sum(plan["total"], axis=(1, 2), out=plan["dxf"])               # (c_in, m·h·w)
    return plan["dx"].copy()                                          # (m, h, w, c_in)
