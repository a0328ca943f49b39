"""The gated cells of chapter 16 as diagrams drawn from their sizes: the LSTM with its
gates and the cell-state path, and the GRU with its reset and update gates; reached as
``nb.diagrams.lstm_cell`` and ``nb.diagrams.gru_cell``.
"""

from __future__ import annotations

from ..plot.style import FONT
from ..validate import positive_int
from ._draw import EDGE, NODE, _arrow, _box, _canvas, _unit

__all__ = ["lstm_cell", "gru_cell"]

PATH = "#2e8b57"          # the path the gradient travels along (c in the LSTM, h in the GRU)
GATE = "#fde2c8"          # sigmoid gates
CAND = NODE               # tanh candidates
R_OP = 0.22               # radius of the ⊗ / ⊕ circles


def _gate(ax, xy, name, fn, fc):
    _box(ax, xy, f"{fn}\n{name}", 0.84, 0.7, fc=fc, rounding=0.1, tag="gate")


def _op(ax, xy, sign):
    _unit(ax, xy, R_OP, sign, fc="white", fontsize=FONT + 2)


def _check(owner, n_in, n_hidden):
    positive_int(owner, "n_in", n_in)
    positive_int(owner, "n_hidden", n_hidden)


def _bus(ax, xs, y_bus, y_gate, x_in):
    """The row [x_t, hₜ₋₁] that feeds every gate: hₜ₋₁ from the left, x_t from below."""
    ax.plot([-0.3, max(xs)], [y_bus, y_bus], color=EDGE, lw=1.2, zorder=1)
    ax.text(-0.35, y_bus, "hₜ₋₁", ha="right", va="center", fontsize=FONT)
    _arrow(ax, (x_in, y_bus - 0.75), (x_in, y_bus))
    ax.text(x_in - 0.1, y_bus - 0.6, "xₜ", ha="right", va="center", fontsize=FONT)
    for x in xs:
        _arrow(ax, (x, y_bus), (x, y_gate - 0.35))


def lstm_cell(n_in, n_hidden, *, ax=None):
    """One LSTM step: the gates i, f, o (σ) and the candidate g (tanh) computed from
    [x_t, hₜ₋₁], the cell state c along the top (green: the path on which
    ∂cₜ/∂cₜ₋₁ = fₜ), and hₜ = o ⊙ tanh(cₜ). The sizes of W_x (n_in × 4h),
    W_h (h × 4h) and b (4h) and the parameter count are written under it. Chapter 16.
    """
    _check("lstm_cell", n_in, n_hidden)
    h = n_hidden
    ax = _canvas(ax, (-1.6, 10.2), (-3.2, 3.2), scale=0.8)
    y_c, y_g, y_bus = 2.2, 0.0, -1.2
    xf, xi, xg, xo = 2.4, 3.6, 4.8, 6.4
    # the cell-state path: cₜ₋₁ → ⊗ f → ⊕ i⊙g → c_t
    ax.plot([-0.3, 8.9], [y_c, y_c], color=PATH, lw=3.0, zorder=1, label="cell path")
    ax.text(-0.35, y_c, "cₜ₋₁", ha="right", va="center", fontsize=FONT, color=PATH)
    _arrow(ax, (8.6, y_c), (9.3, y_c), color=PATH, lw=2.0)
    ax.text(9.35, y_c, "cₜ", ha="left", va="center", fontsize=FONT, color=PATH)
    _op(ax, (xf, y_c), "×")
    _op(ax, (xg, y_c), "+")
    ax.text((xf + xg) / 2, y_c + 0.3, "∂cₜ/∂cₜ₋₁ = fₜ along this path", ha="center", va="bottom",
            fontsize=FONT, color=PATH)
    # gates
    for x, name, fn, fc in ((xf, "f", "σ", GATE), (xi, "i", "σ", GATE), (xg, "g", "tanh", CAND),
                            (xo, "o", "σ", GATE)):
        _gate(ax, (x, y_g), name, fn, fc)
    _bus(ax, (xf, xi, xg, xo), y_bus, y_g, 1.2)
    _arrow(ax, (xf, y_g + 0.35), (xf, y_c - R_OP))                      # f → f ⊙ cₜ₋₁
    x_ig = (xi + xg) / 2
    _op(ax, (x_ig, 1.15), "×")                                          # i ⊙ g
    _arrow(ax, (xi, y_g + 0.35), (x_ig - 0.12, 1.15 - R_OP))
    _arrow(ax, (xg, y_g + 0.35), (x_ig + 0.12, 1.15 - R_OP))
    _arrow(ax, (x_ig, 1.15 + R_OP), (xg - 0.12, y_c - R_OP))
    # hₜ = o ⊙ tanh(cₜ)
    x_t = 7.8
    _arrow(ax, (x_t, y_c), (x_t, 1.35))
    _gate(ax, (x_t, 1.0), "", "tanh", "white")
    _op(ax, (x_t, y_g), "×")
    _arrow(ax, (x_t, 0.65), (x_t, y_g + R_OP))
    _arrow(ax, (xo + 0.42, y_g), (x_t - R_OP, y_g))
    _arrow(ax, (x_t + R_OP, y_g), (9.3, y_g))
    ax.text(9.35, y_g, "hₜ", ha="left", va="center", fontsize=FONT)
    n_params = 4 * (n_in * h + h * h + h)
    ax.text(4.3, -2.45, f"[i | f | g | o] = [σ | σ | tanh | σ](xₜ W_x + hₜ₋₁ W_h + b):   "
            f"W_x ({n_in}×{4 * h}), W_h ({h}×{4 * h}), b ({4 * h})", ha="center", va="center", fontsize=FONT)
    ax.text(4.3, -2.95, f"4·({n_in}·{h} + {h}·{h} + {h}) = {n_params} parameters;   "
            f"b's f block starts at 1", ha="center", va="center", fontsize=FONT)
    ax.set_title(f"LSTM({n_in} → {h}): cₜ = f ⊙ cₜ₋₁ + i ⊙ g,   hₜ = o ⊙ tanh(cₜ)",
                 fontsize=FONT + 1)
    return ax


def gru_cell(n_in, n_hidden, *, ax=None):
    """One GRU step (PyTorch's equations): the reset gate r and update gate z (σ) from
    [x_t, hₜ₋₁], the candidate n = tanh(x W_xn + b_xn + r ⊙ (hₜ₋₁ W_hn + b_hn)) with
    r applied *after* the product, and hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁ along the top
    (green). Sizes of W_x (n_in × 3h), W_h (h × 3h), b_x, b_h (3h) under it. Chapter 16.
    """
    _check("gru_cell", n_in, n_hidden)
    h = n_hidden
    ax = _canvas(ax, (-1.6, 10.2), (-3.2, 3.2), scale=0.8)
    y_h, y_g, y_bus = 2.2, 0.0, -1.2
    xz, xr, xn = 1.8, 3.6, 5.4
    ax.plot([-0.3, 8.9], [y_h, y_h], color=PATH, lw=3.0, zorder=1, label="state path")
    ax.text(-0.35, y_h, "hₜ₋₁", ha="right", va="center", fontsize=FONT, color=PATH)
    _arrow(ax, (8.6, y_h), (9.3, y_h), color=PATH, lw=2.0)
    ax.text(9.35, y_h, "hₜ", ha="left", va="center", fontsize=FONT, color=PATH)
    x_zh, x_sum, y_mix = 6.6, 7.8, 1.15
    _op(ax, (x_zh, y_h), "×")                                           # z ⊙ hₜ₋₁
    _op(ax, (x_sum, y_h), "+")
    ax.text(3.6, y_h + 0.3, "along this path ∂hₜ/∂hₜ₋₁ = diag(zₜ) (n and the gates add further terms)", ha="center",
            va="bottom", fontsize=FONT, color=PATH)
    for x, name, fn, fc in ((xz, "z", "σ", GATE), (xr, "r", "σ", GATE), (xn, "n", "tanh", CAND)):
        _gate(ax, (x, y_g), name, fn, fc)
    _bus(ax, (xz, xr, xn), y_bus, y_g, 1.0)
    # r multiplies hₜ₋₁ W_hn + b_hn, inside n
    _arrow(ax, (xr + 0.42, y_g), (xn - 0.42, y_g))
    ax.text((xr + xn) / 2, y_g + 0.42, "r ⊙ (hₜ₋₁ W_hn + b_hn)", ha="center", va="bottom", fontsize=FONT)
    # z onto the old state, 1 − z onto the candidate
    ax.plot([xz, xz, x_zh], [y_g + 0.35, y_mix, y_mix], color=EDGE, lw=1.0, zorder=1)
    ax.text(xz + 0.08, y_mix + 0.05, "z", ha="left", va="bottom", fontsize=FONT)
    _arrow(ax, (x_zh, y_mix), (x_zh, y_h - R_OP))
    _op(ax, (x_sum, y_mix), "×")                                        # (1 − z) ⊙ n
    _arrow(ax, (x_zh, y_mix), (x_sum - R_OP, y_mix))
    ax.text((x_zh + x_sum) / 2, y_mix + 0.05, "1 − z", ha="center", va="bottom", fontsize=FONT)
    ax.plot([xn + 0.42, x_sum], [y_g, y_g], color=EDGE, lw=1.0, zorder=1)
    _arrow(ax, (x_sum, y_g), (x_sum, y_mix - R_OP))
    _arrow(ax, (x_sum, y_mix + R_OP), (x_sum, y_h - R_OP))
    n_params = 3 * (n_in * h + h * h + 2 * h)
    ax.text(4.3, -2.45, f"[r | z | n] blocks:  W_x ({n_in}×{3 * h}), W_h ({h}×{3 * h}), "
            f"b_x ({3 * h}), b_h ({3 * h});   n = tanh(xₜ W_xn + b_xn + r ⊙ (hₜ₋₁ W_hn + b_hn))",
            ha="center", va="center", fontsize=FONT)
    ax.text(4.3, -2.95, f"3·({n_in}·{h} + {h}·{h} + 2·{h}) = {n_params} parameters;   "
            "r acts after the product (PyTorch, cuDNN)", ha="center", va="center", fontsize=FONT)
    ax.set_title(f"GRU({n_in} → {h}): hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁", fontsize=FONT + 1)
    return ax
