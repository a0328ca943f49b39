"""The residual block of chapter 06 (deep networks): y = a + g(a·W + b) beside the plain
layer it extends, drawn from its sizes, with the backward pass's two paths.
Reached as ``nb.diagrams.residual_block``."""

from __future__ import annotations

from matplotlib.patches import Circle

from ..plot.style import FONT
from ..validate import positive_int
from ._draw import BACK, EDGE, _arrow, _box, _canvas

__all__ = ["residual_block"]

SKIP = "#1f4e79"                 # the identity path


def residual_block(width, activation="tanh", *, ax=None):
    """A plain layer a → Dense → g beside a residual block a → Dense → g → (+ a).

    The block computes y = a + g(a·W + b), so a Dense(width → width) is needed (input and
    output have the same size). Forward arrows are gray, the identity path blue; under
    each picture, in the course's red, what backward hands to the layer before:
    plain ∂E/∂a = (∂E/∂y ⊙ g′(z))·Wᵀ, residual ∂E/∂a = ∂E/∂y + (∂E/∂y ⊙ g′(z))·Wᵀ.

    Args:
        width: the number of units of a and y (an integer ≥ 1).
        activation: the name written in the activation's box, e.g. "tanh" or "ReLU".
    Chapter 06.
    """
    width = positive_int("residual_block", "width", width)
    ax = _canvas(ax, (-0.6, 17.4), (-2.6, 2.9), scale=0.56)
    dense = f"Dense({width} → {width})"
    for x0, residual in ((0.0, False), (8.9, True)):
        y = 0.0
        ax.text(x0, y, f"a\n({width})", ha="center", va="center", fontsize=FONT)
        _box(ax, (x0 + 2.4, y), dense, 2.9, 0.9, rounding=0.1)
        _box(ax, (x0 + 4.9, y), activation, 1.2, 0.9, rounding=0.1)
        _arrow(ax, (x0 + 0.45, y), (x0 + 0.95, y))
        _arrow(ax, (x0 + 3.85, y), (x0 + 4.3, y))
        ax.text(x0 + 4.07, y + 0.5, "z", ha="center", va="bottom", fontsize=FONT)
        if residual:
            ax.add_patch(Circle((x0 + 6.35, y), 0.3, fc="white", ec="#2c3e50", lw=1.2, zorder=3,
                                label="sum"))
            ax.text(x0 + 6.35, y, "+", ha="center", va="center", fontsize=FONT + 2, zorder=4)
            _arrow(ax, (x0 + 5.5, y), (x0 + 6.05, y))
            _arrow(ax, (x0 + 6.65, y), (x0 + 7.2, y))
            ax.plot([x0, x0, x0 + 6.35], [y + 0.55, y + 1.5, y + 1.5], color=SKIP, lw=1.6, zorder=2)
            _arrow(ax, (x0 + 6.35, y + 1.5), (x0 + 6.35, y + 0.3), color=SKIP, lw=1.6)
            ax.text(x0 + 3.2, y + 1.58, "identity: a itself", ha="center", va="bottom",
                    fontsize=FONT, color=SKIP)
            end, formula = x0 + 7.55, "y = a + g(a·W + b)"
            back = "∂E/∂a = ∂E/∂y + (∂E/∂y ⊙ g′(z))·Wᵀ"
            title = "residual block"
        else:
            _arrow(ax, (x0 + 5.5, y), (x0 + 6.2, y))
            end, formula = x0 + 6.55, "y = g(a·W + b)"
            back = "∂E/∂a = (∂E/∂y ⊙ g′(z))·Wᵀ"
            title = "plain layer"
        ax.text(end, y, f"y\n({width})", ha="center", va="center", fontsize=FONT)
        ax.text(x0 + 3.4, y - 1.1, formula, ha="center", va="center", fontsize=FONT)
        ax.text(x0 + 3.4, y - 1.85, back, ha="center", va="center", fontsize=FONT, color=BACK)
        ax.text(x0 + 3.4, 2.55, title, ha="center", va="center", fontsize=FONT + 1)
    ax.plot([8.15, 8.15], [-2.3, 2.6], color=EDGE, lw=0.6, ls=":")
    return ax
