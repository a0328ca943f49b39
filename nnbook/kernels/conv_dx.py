"""∂E/∂x of the engine's convolution (col2im): dX_colᵀ = W dYᵀ by one matrix product,
then every tap's share is added back onto the image by one ``np.sum`` over shifted
views, on x's own pixels when y has x's size (``same_plan``), else on a padded grid
(``dx_grid``). The readable col2im that chapter 08 teaches is ``nnbook.conv_impl``.
"""

from __future__ import annotations

import numpy as np


def row_length(n: int) -> int:
    """n, or n + 8 when n is a multiple of 256: rows of a matrix product's output
    512·k numbers long make OpenBLAS's product up to 2× slower (cache sets)."""
    return n + 8 if n % 256 == 0 else n


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
