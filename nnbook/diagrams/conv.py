"""Diagrams of convolution and pooling (chapters 07 and 08): the window sliding over
a padded input with a stride, the output-size formula with the numbers filled in,
pooling windows with their maximum picked out, and im2col's copy of windows into rows.
The numbers come from nnbook itself (``output_size``, ``MaxPool2D``, ``conv_impl.im2col``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..conv_impl import im2col as _im2col
from ..conv_impl import output_size
from ..layers.conv.pooling import AvgPool2D, MaxPool2D
from ..plot.style import FONT
from ._draw import SERIES, _canvas

__all__ = ["conv_window", "pooling", "im2col", "output_size_formula"]

PAD = "#d0d0d0"                     # padded cells: always this gray
UNUSED = "#f3c6c6"                  # cells no window reaches (stride leftovers)
WINDOW = SERIES[:6]                 # window k's colour


def output_size_formula(n, f, p=0, s=1):
    """The text "n_o = ⌊(n + 2p − f)/s⌋ + 1 = ⌊(6 + 2·0 − 3)/1⌋ + 1 = 4" for these numbers."""
    n_o = output_size(n, f, p, s)
    return (f"n_o = ⌊(n + 2p − f)/s⌋ + 1 = ⌊({n} + 2·{p} − {f})/{s}⌋ + 1 "
            f"= ⌊{n + 2 * p - f}/{s}⌋ + 1 = {n_o}")


def _cell(ax, x, y, fc="white", text=None, ec="#555555", lw=0.8, **kw):
    ax.add_patch(Rectangle((x, y), 1, 1, fc=fc, ec=ec, lw=lw))
    if text is not None:
        ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", fontsize=FONT, **kw)


def _outline(ax, x, y, w, h, color, inset=0.06, lw=2.6):
    ax.add_patch(Rectangle((x + inset, y + inset), w - 2 * inset, h - 2 * inset, fill=False,
                           ec=color, lw=lw, zorder=5, label="window"))


def conv_window(n, f, p=0, s=1, *, windows=None, ax=None, compact=None):
    """An f×f window moving by s over an n×n input padded by p, and the output it fills.

    Padded cells are gray, cells that no window reaches (the stride's leftovers)
    pink; each window in ``windows`` (output positions (row, col), default: the
    first two and the last) is outlined in its colour, and the output cell it fills
    gets the same colour. The title is the output-size formula with the numbers.
    For n + 2p > 14 (or ``compact=True``) one row of the input is drawn instead,
    with every window as a bar above it and its output cell below it.
    Chapter 07 (the notes' n=6, f=3 example, and n=44, f=3, s=4 → 11).
    """
    n_o = output_size(n, f, p, s)
    N = n + 2 * p
    reach = (n_o - 1) * s + f                       # cells up to here are in some window
    if compact is None:
        compact = N > 14
    if compact:
        return _conv_window_1d(n, f, p, s, n_o, reach, ax)
    if windows is None:
        windows = list(dict.fromkeys([(0, 0), (0, min(1, n_o - 1)), (n_o - 1, n_o - 1)]))
    for r, c in windows:
        if not (0 <= r < n_o and 0 <= c < n_o):
            raise ValueError(f"conv_window: window {(r, c)} is outside the {n_o}×{n_o} output; "
                             f"use rows and columns 0 … {n_o - 1}.")
    gap = 2.0
    ax = _canvas(ax, (-0.3, N + gap + max(n_o, 3) + 0.3), (-1.4, N + 1.1), scale=0.42)
    for i in range(N):
        for j in range(N):
            padded = min(i, j) < p or max(i, j) >= p + n
            fc = PAD if padded else (UNUSED if max(i, j) >= reach else "white")
            _cell(ax, j, N - 1 - i, fc=fc, text="0" if padded and N <= 12 else None, color="#666666")
    for k, (r, c) in enumerate(windows):
        color = WINDOW[k % len(WINDOW)]
        _outline(ax, c * s, N - (r * s + f), f, f, color, inset=0.06 + 0.07 * k)
    x0, y0 = N + gap, (N - n_o) / 2
    filled = {w: WINDOW[k % len(WINDOW)] for k, w in enumerate(windows)}
    for r in range(n_o):
        for c in range(n_o):
            color = filled.get((r, c))
            _cell(ax, x0 + c, y0 + n_o - 1 - r, fc=color or "white", ec="#555555",
                  text=f"{r},{c}" if color and n_o <= 8 else None, color="white")
    ax.text(N / 2, N + 0.2, f"input {n}×{n}" + (f", padded by {p}" if p else ""), ha="center",
            va="bottom", fontsize=FONT)
    ax.text(x0 + n_o / 2, y0 + n_o + 0.2, f"output {n_o}×{n_o}", ha="center", va="bottom", fontsize=FONT)
    ax.annotate("", xy=(x0 - 0.3, N / 2), xytext=(N + 0.3, N / 2),
                arrowprops=dict(arrowstyle="-|>", color="#555555", lw=1.2))
    key = "".join([", gray: padding" if p else "", ", pink: in no window" if reach < p + n else ""])
    ax.text(N / 2, -0.4, f"f = {f}, s = {s}, p = {p}{key}", ha="center", va="top", fontsize=FONT)
    ax.set_title(output_size_formula(n, f, p, s), fontsize=FONT)
    return ax


def _conv_window_1d(n, f, p, s, n_o, reach, ax):
    N = n + 2 * p
    ax = _canvas(ax, (-5.0, N + 1.0), (-3.6, 5.6), scale=9.0 / (N + 6.0))
    for j in range(N):
        padded = j < p or j >= p + n
        _cell(ax, j, 0, fc=PAD if padded else (UNUSED if j >= reach else "white"), lw=0.5)
    for k in range(n_o):
        color = WINDOW[k % 2]
        level = 1.3 + 1.1 * (k % 2)
        ax.plot([k * s + 0.1, k * s + f - 0.1], [level, level], color=color, lw=4,
                solid_capstyle="butt", label="window")
        cx = k * s + f / 2
        _cell(ax, cx - 0.5, -2.2, fc=color, ec="#555555")
        ax.plot([cx, cx], [-0.1, -1.15], color=color, lw=0.8)
        ax.text(cx, -2.35, str(k + 1), ha="center", va="top", fontsize=9)
    ax.text(-0.6, 0.5, "input", ha="right", va="center", fontsize=FONT)
    ax.text(-0.6, -1.7, "output", ha="right", va="center", fontsize=FONT)
    left = N - reach                                # cells after the last window
    leftover = (f"; the last {'cell' if left == 1 else f'{left} cells'}"
                f"{' (pink)' if p + n > reach else ''} {'is' if left == 1 else 'are'} in no window"
                if left else "")
    ax.text(N / 2 - 2, 3.3, f"one row of the input: n = {n}, f = {f}, s = {s}, p = {p}\n{n_o} windows"
            + leftover + ("; gray: padding" if p else ""), ha="center", va="bottom", fontsize=FONT)
    ax.set_title(output_size_formula(n, f, p, s), fontsize=FONT)
    return ax


def pooling(x, f=2, s=None, *, mode="max", ax=None):
    """Pooling windows over a 2-D array: each window tinted, its max (or mean) written
    in the output cell of the same tint; in max mode the picked cell is boxed.

    Shapes:
        x: (h, w);  output: (⌊(h − f)/s⌋ + 1, ⌊(w − f)/s⌋ + 1), computed by
        ``nb.MaxPool2D`` / ``nb.AvgPool2D``.
    Chapter 08 (the notes' 4×4 example → [[9, 8], [5, 7]]).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"pooling: expected a 2-D array (one channel of one image), got shape "
                         f"{x.shape}. Pass e.g. x[0, :, :, 0].")
    if mode not in ("max", "mean"):
        raise ValueError(f"pooling: mode must be 'max' or 'mean', got {mode!r}.")
    s = f if s is None else s
    layer = (MaxPool2D if mode == "max" else AvgPool2D)(f, s)
    y = layer.forward(x[None, :, :, None])[0, :, :, 0]
    h, w = x.shape
    ho, wo = y.shape
    gap = 2.0
    ax = _canvas(ax, (-0.3, w + gap + wo + 0.3), (-0.5, max(h, ho) + 1.2), scale=0.55)
    tint = {}
    for r in range(ho):
        for c in range(wo):
            tint[(r, c)] = WINDOW[(r * wo + c) % len(WINDOW)]
    for i in range(h):
        for j in range(w):
            owners = [(r, c) for (r, c) in tint if r * s <= i < r * s + f and c * s <= j < c * s + f]
            fc = tint[owners[0]] if owners else "white"
            ax.add_patch(Rectangle((j, h - 1 - i), 1, 1, fc=fc, alpha=0.25 if owners else 1,
                                   ec="#555555", lw=0.8))
            ax.text(j + 0.5, h - 0.5 - i, f"{x[i, j]:g}", ha="center", va="center", fontsize=FONT + 1)
    for (r, c), color in tint.items():
        win = x[r * s:r * s + f, c * s:c * s + f]
        if mode == "max":
            a, b = np.unravel_index(np.argmax(win), win.shape)
            _outline(ax, c * s + b, h - 1 - (r * s + a), 1, 1, color, inset=0.08, lw=2.4)
        yy = (max(h, ho) - ho) / 2 + ho - 1 - r
        ax.add_patch(Rectangle((w + gap + c, yy), 1, 1, fc=color, alpha=0.25, ec="#555555", lw=0.8))
        ax.text(w + gap + c + 0.5, yy + 0.5, f"{y[r, c]:g}", ha="center", va="center", fontsize=FONT + 1,
                fontweight="bold")
    ax.annotate("", xy=(w + gap - 0.3, h / 2), xytext=(w + 0.3, h / 2),
                arrowprops=dict(arrowstyle="-|>", color="#555555", lw=1.2))
    ax.text(w + gap / 2, h / 2 + 0.2, mode, ha="center", va="bottom", fontsize=FONT)
    ax.set_title(f"{mode} pooling, f = {f}, s = {s}: {h}×{w} → {ho}×{wo}", fontsize=FONT)
    return ax


def im2col(n, f, p=0, s=1, *, highlight=(0, 1), ax=None):
    """im2col as a picture: the pixels of an n×n image, numbered, and the matrix whose
    row k holds window k's f·f pixels (0 for padding), as ``nb.conv_impl.im2col`` builds it.
    Windows listed in ``highlight`` (row numbers of the matrix) share a colour with their row.

    Shapes:
        image: (n, n) → matrix: (n_o·n_o, f·f), n_o = output_size(n, f, p, s)
    Chapter 07 (convolution as one matrix product).
    """
    n_o = output_size(n, f, p, s)
    if n > 8 or n_o * n_o > 25:
        raise ValueError(f"im2col: n={n} gives {n_o * n_o} windows; the picture is readable up to "
                         "n = 8 and 25 windows. Pass a smaller n (e.g. 4).")
    ids = np.arange(1, n * n + 1, dtype=np.float64).reshape(1, n, n, 1)
    cols = _im2col(ids, f, s, p).astype(int)              # (n_o², f²), 0 = padding
    rows = cols.shape[0]
    for k in highlight:
        if not 0 <= k < rows:
            raise ValueError(f"im2col: highlight row {k} does not exist; rows are 0 … {rows - 1}.")
    N = n + 2 * p
    gap = 2.5
    height = max(N, rows * 0.8)
    ax = _canvas(ax, (-0.3, N + gap + f * f + 1.5), (-0.6, height + 1.3), scale=0.45)
    color = {k: WINDOW[i % len(WINDOW)] for i, k in enumerate(highlight)}
    yN = (height - N) / 2
    for i in range(N):
        for j in range(N):
            padded = min(i, j) < p or max(i, j) >= p + n
            label = "0" if padded else str((i - p) * n + (j - p) + 1)
            _cell(ax, j, yN + N - 1 - i, fc=PAD if padded else "white", text=label)
    for k in highlight:
        r, c = divmod(k, n_o)
        _outline(ax, c * s, yN + N - (r * s + f), f, f, color[k], inset=0.06 + 0.08 * highlight.index(k))
    x0, cell_h = N + gap, height / rows
    for k in range(rows):
        yk = height - (k + 1) * cell_h
        ax.text(x0 - 0.2, yk + cell_h / 2, f"{k}", ha="right", va="center", fontsize=9, color="#555555")
        for j, v in enumerate(cols[k]):
            fc = color.get(k, PAD if v == 0 else "white")
            ax.add_patch(Rectangle((x0 + j, yk), 1, cell_h, fc=fc, alpha=0.35 if k in color else 1,
                                   ec="#555555", lw=0.6))
            ax.text(x0 + j + 0.5, yk + cell_h / 2, str(v), ha="center", va="center", fontsize=9)
    ax.text(N / 2, yN + N + 0.2, f"image {n}×{n}" + (f", padded by {p}" if p else ""), ha="center",
            va="bottom", fontsize=FONT)
    ax.text(x0 + f * f / 2, height + 0.2, f"X_col: {rows} rows × {f * f}", ha="center", va="bottom",
            fontsize=FONT)
    ax.set_title(f"im2col, f = {f}, s = {s}: window k → row k", fontsize=FONT)
    return ax
