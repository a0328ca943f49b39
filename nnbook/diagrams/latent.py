"""Diagrams of latent-variable models (chapter 25), drawn from the cell's own numbers;
reached as ``nb.diagrams.<name>``: the graphical model with the decoder p(x | z) and the
encoder q(z | x) (``latent_model``), and log p(x) split into the ELBO and its gap, the KL to
the true posterior (``elbo_gap``).
"""

from __future__ import annotations

import math

from ..plot.style import FONT
from ._draw import BACK, EDGE, _arrow, _box, _canvas, _unit

__all__ = ["latent_model", "elbo_gap"]

ELBO = "#1f77b4"         # the ELBO's share of log p(x)
GAP = "#f5b041"          # the gap, KL(q(z | x) ‖ p(z | x))


def latent_model(*, ax=None):
    """z ~ p(z) = N(0, I) generates x through the decoder p(x | z) (solid, downwards); the
    encoder q(z | x) (dashed, red, upwards) approximates the posterior p(z | x) that Bayes'
    rule would give, if the integral p(x) = ∫ p(x | z) p(z) dz were easy. Chapter 25."""
    ax = _canvas(ax, (-3.2, 3.6), (-0.9, 3.5), scale=0.6)
    _unit(ax, (0, 2.6), 0.45, "z")
    _unit(ax, (0, 0), 0.45, "x", fc="#d6eaf8")
    ax.text(0.7, 2.6, "p(z) = N(0, I)", ha="left", va="center", fontsize=FONT)
    _arrow(ax, (-0.25, 2.6), (-0.25, 0), lw=1.4, shrink=0.5)
    ax.text(-0.5, 1.3, "decoder\np(x | z)", ha="right", va="center", fontsize=FONT, color=EDGE)
    ax.annotate("", xy=(0.3, 2.15), xytext=(0.3, 0.45), zorder=2,
                arrowprops=dict(arrowstyle="-|>", color=BACK, lw=1.2, ls="--"))
    ax.text(0.55, 1.3, "encoder\nq(z | x) ≈ p(z | x)", ha="left", va="center",
            fontsize=FONT, color=BACK)
    ax.text(0, -0.7, "observed", ha="center", va="center", fontsize=FONT - 1)
    return ax


def elbo_gap(log_p, reconstruction, kl_prior, *, ax=None):
    """log p(x) of one sample as a column, beside the ELBO = E_q[log p(x | z)] − KL(q ‖ p(z))
    (``reconstruction`` − ``kl_prior``) and the gap up to log p(x), which is exactly
    KL(q(z | x) ‖ p(z | x)) ≥ 0. The numbers come from the cell (nats); heights are drawn
    below a common floor, so negative log-likelihoods read as lengths. Chapter 25."""
    vals = {"log_p": log_p, "reconstruction": reconstruction, "kl_prior": kl_prior}
    for name, v in vals.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"elbo_gap: expected {name} to be a finite number, got {v!r}.")
    if kl_prior < 0:
        raise ValueError(f"elbo_gap: expected kl_prior ≥ 0 (a KL divergence), got {kl_prior}.")
    elbo = reconstruction - kl_prior
    gap = log_p - elbo
    if gap < -1e-9 * max(1.0, abs(log_p)):
        raise ValueError(f"elbo_gap: the ELBO {elbo:.4g} is above log p(x) = {log_p:.4g}; "
                         f"a bound cannot exceed what it bounds. Check the numbers (nats, "
                         f"per sample).")
    gap = max(gap, 0.0)
    floor = min(elbo, log_p) - max(1.0, 0.6 * (log_p - elbo) + 0.25 * abs(log_p))
    span = log_p - floor
    unit = 3.0 / span                                   # the log p column is 3 units tall
    ax = _canvas(ax, (-0.6, 7.8), (-0.9, 3.8), scale=0.55)
    _box(ax, (0.8, 1.5), f"log p(x)\n{log_p:.3g}", 1.4, 3.0, fc="#d6eaf8", tag="log_p",
         rounding=0.02)
    h_elbo = (elbo - floor) * unit
    _box(ax, (3.2, h_elbo / 2), f"ELBO\n{elbo:.3g}", 1.4, h_elbo, fc=ELBO, tag="elbo",
         rounding=0.02, fontsize=FONT)
    if gap * unit > 0.02:
        _box(ax, (3.2, h_elbo + gap * unit / 2), "", 1.4, gap * unit, fc=GAP, tag="gap",
             rounding=0.02)
    ax.text(4.1, h_elbo + gap * unit / 2,
            f"gap {gap:.3g}\n= KL(q(z | x) ‖ p(z | x))", ha="left", va="center", fontsize=FONT)
    ax.text(4.1, h_elbo / 2, f"= E_q[log p(x | z)] {reconstruction:.3g}\n"
            f"  − KL(q ‖ p(z)) {kl_prior:.3g}", ha="left", va="center", fontsize=FONT - 1)
    ax.plot([-0.2, 7.6], [0, 0], color=EDGE, lw=0.8)
    ax.text(-0.2, -0.45, f"floor of the picture: {floor:.3g} nats", ha="left", va="center",
            fontsize=FONT - 1, color=EDGE)
    return ax
