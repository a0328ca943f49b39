"""The shapes of a dense layer's forward and backward products as blocks drawn to scale
(chapter 03): Y = X·W + b, ∂E/∂W = Xᵀ·∂E/∂Y, ∂E/∂X = ∂E/∂Y·Wᵀ and ∂E/∂b = the column
sums of ∂E/∂Y, from the cell's own m, n_in and n_out. Reached as ``nb.diagrams.dense_shapes``.
"""

from __future__ import annotations

from matplotlib.patches import Rectangle

from ..plot.style import FONT
from ..validate import positive_int
from ._draw import BACK, NODE, _canvas

__all__ = ["dense_shapes"]

FORWARD = NODE            # forward quantities (X, W, Y): the unit fill of the other diagrams
GRADIENT = "#f6d5d1"       # gradients, in a light tint of the course's backward red
SHARED = "#1f4e79"         # the axis a product sums over


def _block(ax, x, y_mid, rows, cols, unit, label, fc):
    """A rows × cols matrix as a rectangle (unit per entry) whose left edge is x and
    vertical centre y_mid, with its name inside and its shape under it; returns the
    rectangle's right edge."""
    w, h = cols * unit, rows * unit
    ax.add_patch(Rectangle((x, y_mid - h / 2), w, h, fc=fc, ec="#2c3e50", lw=1.1,
                           label=f"{label} ({rows}×{cols})"))
    ax.text(x + w / 2, y_mid, label, ha="center", va="center", fontsize=FONT)
    ax.text(x + w / 2, y_mid - h / 2 - 0.12, f"({rows}×{cols})", ha="center", va="top",
            fontsize=FONT, color="#333333")
    return x + w


def _product(ax, x0, y_mid, unit, left, right, result, gap=0.55):
    """left · right = result at (x0, y_mid), each a (label, rows, cols, fill). Returns
    the x where the product ends."""
    (la, ra, ca, fa), (lb, rb, cb, fb), (lc, rc, cc, fc) = left, right, result
    x = _block(ax, x0, y_mid, ra, ca, unit, la, fa) + gap / 2
    ax.text(x, y_mid, "·", ha="center", va="center", fontsize=FONT + 6)
    x = _block(ax, x + gap / 2, y_mid, rb, cb, unit, lb, fb) + gap / 2
    ax.text(x, y_mid, "=", ha="center", va="center", fontsize=FONT + 4)
    return _block(ax, x + gap / 2, y_mid, rc, cc, unit, lc, fc)


def dense_shapes(m, n_in, n_out, *, unit=None, ax=None):
    """The four products of a Dense(n_in → n_out) layer on a batch of m rows, each matrix a
    block of its true shape (the same scale for all), its shape written under it.

    Forward: X (m×n_in) · W (n_in×n_out) = Y (m×n_out). Backward, from ∂E/∂Y (m×n_out):
    ∂E/∂W must have W's shape, and the only product of X and ∂E/∂Y with that shape is
    Xᵀ (n_in×m) · ∂E/∂Y (m×n_out), which sums over the batch; ∂E/∂X must have X's
    shape, ∂E/∂Y (m×n_out) · Wᵀ (n_out×n_in); ∂E/∂b (1×n_out) = 1ᵀ (1×m) · ∂E/∂Y, the
    column sums. Gradients are tinted red, as every backward quantity of the course.
    Each panel says which size its product sums over.

    Args:
        m, n_in, n_out: the batch size and the layer's sizes (integers ≥ 1).
        unit: the side of one entry in drawing units (default: the largest matrix fits).
    Chapter 03.
    """
    m, n_in, n_out = (positive_int("dense_shapes", key, v)
                      for key, v in (("m", m), ("n_in", n_in), ("n_out", n_out)))
    if unit is None:
        unit = min(0.26, 1.6 / max(m, n_in, n_out))
    dy = "∂E/∂Y"
    panels = [
        ("forward: Y = X·W (+ b)", f"sums over the n_in = {n_in} inputs",
         (("X", m, n_in, FORWARD), ("W", n_in, n_out, FORWARD), ("Y", m, n_out, FORWARD))),
        ("∂E/∂W = Xᵀ·∂E/∂Y", f"sums over the m = {m} samples",
         (("Xᵀ", n_in, m, FORWARD), (dy, m, n_out, GRADIENT), ("∂E/∂W", n_in, n_out, GRADIENT))),
        ("∂E/∂X = ∂E/∂Y·Wᵀ", f"sums over the n_out = {n_out} outputs",
         ((dy, m, n_out, GRADIENT), ("Wᵀ", n_out, n_in, FORWARD), ("∂E/∂X", m, n_in, GRADIENT))),
        ("∂E/∂b = 1ᵀ·∂E/∂Y (column sums)", f"sums over the m = {m} samples",
         (("1ᵀ", 1, m, FORWARD), (dy, m, n_out, GRADIENT), ("∂E/∂b", 1, n_out, GRADIENT))),
    ]
    gaps = 2 * 0.55
    col_w = max(max(sum(c for _, _, c, _ in blocks) * unit + gaps, 3.6) for *_, blocks in panels) + 0.8
    row_h = [max(r for _, r, _, _ in blocks) * unit for *_, blocks in panels]
    row_h = [max(row_h[0], row_h[1]) + 1.9, max(row_h[2], row_h[3]) + 1.9]
    ax = _canvas(ax, (-0.2, 2 * col_w), (0.0, sum(row_h) + 0.1), scale=0.9)
    for k, (title, sums, blocks) in enumerate(panels):
        x0, top = (k % 2) * col_w, sum(row_h) - (row_h[0] if k >= 2 else 0)
        h = row_h[k // 2]
        width = sum(c for _, _, c, _ in blocks) * unit + gaps
        x0 += (col_w - 0.8 - width) / 2
        y_mid = top - h / 2 + 0.05
        ax.text(x0 + width / 2, top - 0.1, title, ha="center", va="top", fontsize=FONT,
                color="black" if k == 0 else BACK)
        _product(ax, x0, y_mid, unit, *blocks)
        ax.text(x0 + width / 2, top - h + 0.4, sums, ha="center", va="bottom", fontsize=FONT,
                color=SHARED)
    ax.set_title(f"Dense({n_in} → {n_out}) on a batch of m = {m}: every gradient has the shape "
                 "of what it differentiates", fontsize=FONT + 1)
    return ax
