"""The diagram of classifier-free guidance (chapter 27), drawn from the cell's own numbers;
reached as ``nb.diagrams.guidance_vectors``: at one point, the unconditional score, the
conditional one and the guided one u + w·(c − u), which for w > 1 goes past the conditional
score along the line through both.
"""

from __future__ import annotations

import math

import numpy as np

from ..plot.style import FONT
from ._draw import BACK, EDGE, SERIES, _arrow, _canvas

__all__ = ["guidance_vectors"]


def _vector(owner, name, v):
    a = np.asarray(v, dtype=float) if not isinstance(v, (str, bytes)) else None
    if a is None or a.shape != (2,) or not np.all(np.isfinite(a)):
        raise ValueError(f"{owner}: expected {name} to be a finite 2-vector (the score at one "
                         f"point of the plane), got {v!r}.")
    return a


def guidance_vectors(uncond, cond, w, *, t=None, ax=None):
    """Three arrows from one point: the unconditional score u = ∇ log p(x) (grey), the
    conditional score c = ∇ log p(x | c) (blue) and the guided score u + w·(c − u) (red),
    with the dotted line through u and c on which every guided score lies: w = 0 gives u,
    w = 1 gives c, w > 1 goes past c, away from u. The numbers come from the cell.

    With ``t``, the noise level the scores were taken at, the labels say so and name the
    class's score v (not c, which names the class): u = ∇ log pₜ(x), v = ∇ log pₜ(x | c),
    u + w·(v − u), and the title gives t.

    Shapes: uncond (2,), cond (2,), w a number ≥ 0, t None or a number. Chapter 27.
    """
    owner = "guidance_vectors"
    u, c = _vector(owner, "uncond", uncond), _vector(owner, "cond", cond)
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
        raise ValueError(f"{owner}: expected w, the guidance weight, to be a finite number "
                         f"≥ 0, got {w!r}.")
    if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float))
                          or not 0 <= t <= 1):
        raise ValueError(f"{owner}: expected t, the noise level of the scores, to be a "
                         f"number in [0, 1] or None, got {t!r}.")
    g = u + w * (c - u)
    pts = np.vstack([np.zeros(2), u, c, g])
    span = max(float(np.abs(pts).max()), 1e-12)
    scale = 2.5 / span                                      # the longest arrow: 2.5 units
    U, C, G = u * scale, c * scale, g * scale
    lo = np.minimum(pts.min(axis=0) * scale, 0) - 0.7
    hi = np.maximum(pts.max(axis=0) * scale, 0) + 0.7
    ax = _canvas(ax, (lo[0] - 1.8, hi[0] + 1.8), (lo[1], hi[1]), scale=0.7)
    if np.linalg.norm(C - U) > 1e-9:                        # the line of every guided score
        d = (C - U) / np.linalg.norm(C - U)
        far = max(np.linalg.norm(G - U), np.linalg.norm(C - U)) + 0.5
        ends = np.array([U - 0.5 * d, U + far * d])
        ax.plot(ends[:, 0], ends[:, 1], ls=":", color=EDGE, lw=1.0, zorder=1)
    origin = (0.0, 0.0)
    labels = (("u = ∇ log p(x)", "c = ∇ log p(x | c)", f"u + {w:g}·(c − u)") if t is None
              else ("u = ∇ log pₜ(x)", "v = ∇ log pₜ(x | c)", f"u + {w:g}·(v − u)"))
    for vec, color, label in zip((U, C, G), (EDGE, SERIES[0], BACK), labels):
        n = np.linalg.norm(vec)
        if n > 1e-9:
            _arrow(ax, origin, tuple(vec), color=color, lw=1.8)
        out = vec / n if n > 1e-9 else np.array([0.0, 1.0])
        at = vec + 0.2 * out                                 # beyond the tip, away from x
        ax.text(at[0], at[1], label, ha="left" if out[0] >= 0 else "right",
                va="bottom" if out[1] >= 0 else "top", fontsize=FONT, color=color)
    ax.plot(*origin, "o", color="#2c3e50", ms=4, zorder=4)
    mean = U + C + G
    back = -mean / np.linalg.norm(mean) if np.linalg.norm(mean) > 1e-9 else np.array([0, -1.0])
    ax.text(0.3 * back[0], 0.3 * back[1], "x", ha="center", va="center", fontsize=FONT)
    if t is not None:
        ax.set_title(f"the scores at noise level t = {t:g}", fontsize=FONT)
    return ax
