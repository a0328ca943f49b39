"""Newton–Schulz on a matrix's singular values (chapter 34), drawn from the cell's matrix: the
singular values of G/‖G‖_F on one line, those of ``newton_schulz(G, steps, coefficients)``
on a line below, each joined to the one its singular vectors carry it to, and the band
``newton_schulz_band`` computes from the smallest shaded on the lower line.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..optimizers.polar import (QUINTIC, checked_coefficients, checked_matrix, checked_steps,
                                newton_schulz, newton_schulz_band)
from ..plot.style import FONT
from ._draw import SERIES, _canvas

__all__ = ["newton_schulz_spectrum"]

X = 8.0                                # drawing units per unit of singular value
TOP, BOTTOM = 2.2, 0.0                 # the two lines' heights
RIGHT = 1.3                            # the lines run from σ = 0 to σ = 1.3


def newton_schulz_spectrum(G, steps=5, coefficients=QUINTIC, *, ax=None):
    """The singular values σ_i of G/‖G‖_F as dots on the upper line ("before") and those of
    ``nb.newton_schulz(G, steps, coefficients)`` on the lower line ("after"), each σ_i joined
    to u_iᵀ X v_i, the value its own singular vectors (u_i, v_i) get (Newton–Schulz keeps
    them); the band of ``nb.newton_schulz_band(steps, coefficients, smallest=min σ_i)``
    shaded on the lower line, and 1 marked on both.

    Shapes: G: (n, k), at most 64 singular values. Returns the Axes. Chapter 34.
    """
    owner = "newton_schulz_spectrum"
    G = checked_matrix(owner, G).astype(np.float64)
    coefficients = checked_coefficients(owner, coefficients)
    steps = checked_steps(owner, steps)
    if not np.isfinite(G).all() or not np.linalg.norm(G) > 0:
        raise ValueError(f"{owner}: expected a non-zero matrix of finite numbers.")
    U, s, Vt = np.linalg.svd(G, full_matrices=False)
    # rank as np.linalg.matrix_rank counts it: a rank-1 matrix's last σ came out 1e-16,
    # not 0, under OpenBLAS's SkylakeX kernels
    if s.size > 64 or not s[-1] > s[0] * max(G.shape) * np.finfo(np.float64).eps:
        raise ValueError(f"{owner}: expected a matrix of full rank with at most 64 singular "
                         f"values, got {s.size} (the smallest {s[-1]:.3g}).")
    before = s / np.linalg.norm(s)
    out = newton_schulz(G, steps, coefficients)
    after = np.einsum("ni,nk,ik->i", U, out, Vt)          # u_iᵀ X v_i
    low, high = newton_schulz_band(steps, coefficients, smallest=float(before[-1]))
    if after.max() > RIGHT:
        raise ValueError(f"{owner}: a singular value left the drawing ({after.max():.3g} > "
                         f"{RIGHT}); these coefficients do not keep them in [0, {RIGHT}].")
    ax = _canvas(ax, (-2.6, X * RIGHT + 0.6), (BOTTOM - 1.2, TOP + 0.9), scale=0.6)
    ax.add_patch(Rectangle((X * low, BOTTOM - 0.3), X * (high - low), 0.6, fc=SERIES[1],
                           alpha=0.25, ec="none", label="band"))
    for y, name in ((TOP, "before"), (BOTTOM, f"after {steps}\nsteps")):
        ax.plot([0, X * RIGHT], [y, y], color="#7f8c8d", lw=1.0, label="axis")
        ax.text(-0.4, y, name, ha="right", va="center", fontsize=FONT)
        for v in (0.0, 0.5, 1.0):
            ax.plot([X * v] * 2, [y - 0.12, y + 0.12], color="#7f8c8d", lw=1.0)
            ax.text(X * v, y - 0.2, f"{v:g}", ha="center", va="top", fontsize=FONT - 1)
    for b, a in zip(before, after):
        ax.plot([X * b, X * a], [TOP, BOTTOM], color="#bdc3c7", lw=0.8, zorder=1,
                label="carried")
    ax.plot(X * before, np.full(before.size, TOP), "o", color=SERIES[0], ms=4, zorder=3,
            label="σ before")
    ax.plot(X * after, np.full(after.size, BOTTOM), "o", color=SERIES[1], ms=4, zorder=3,
            label="σ after")
    ax.text(X * (low + high) / 2, BOTTOM - 0.75, f"band [{low:.3f}, {high:.3f}]",
            ha="center", va="top", fontsize=FONT - 1)
    ax.set_title(f"singular values of G/‖G‖_F through {steps} Newton–Schulz steps "
                 f"{tuple(round(c, 4) for c in coefficients)}", fontsize=FONT)
    return ax
