"""The data-mixing law (chapter 32): ``mixing_law``, one source's loss after D tokens of a
mix of two, a token of the other source counting τ, and ``fit_mixing_law``, its fit by a grid
over (τ, β) with E and B by linear least squares (``MixingFit``, which says when the best
point is on the grid's edge)."""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from .scaling_law import _exponents, _falling, _finite, _nonnegative, _numbers

__all__ = ["MixingFit", "mixing_law", "fit_mixing_law"]


def mixing_law(D, own, E, B, tau, beta):
    """E + B·(D·(w + τ(1 − w)))^(−β), elementwise: one source's loss after D tokens of a mix
    whose share of that source is w = ``own``, a token of the other source counting τ."""
    D, own = _numbers("mixing_law", "D", D), _numbers("mixing_law", "own", own)
    return E + B * (D * (own + tau * (1 - own))) ** -beta


class MixingFit(NamedTuple):
    """The fitted mixing law of one source: its floor E, scale B, transfer τ (what a token
    of the other source is worth to this one, 0 to 1) and exponent β; ``rss`` is the sum of
    squared residuals over ``n`` points. ``on_edge`` is True when β (or τ, away from its
    natural bounds 0 and 1) is the first or last value of its grid: the least squares lie
    at or past the grid's end, so the fit is not a minimum and its E is not determined
    (widen the grid, or hold E at a known floor with ``fix_E``). ``fixed_E`` says whether E
    was held."""

    E: float
    B: float
    tau: float
    beta: float
    rss: float
    n: int
    on_edge: bool = False
    fixed_E: bool = False

    def predict(self, D, own):
        """The fitted loss after D tokens with this source's share ``own`` (broadcast)."""
        return mixing_law(D, own, self.E, self.B, self.tau, self.beta)


def fit_mixing_law(D, own, L, *, taus=None, betas=None, fix_E=None) -> MixingFit:
    """Fit L = E + B·(D·(w + τ(1 − w)))^(−β) to one source's losses (chapter 32's mixing
    law): at fixed τ and β the law is linear in E and B, so a grid over (τ, β) takes E, B by
    linear least squares at each point and keeps the point of least squared error.

    Shapes: D, own, L: (n,) one run each (tokens read, the source's share w of them in
    [0, 1], its held-out loss); n ≥ 3, with at least two different D.

    Args:
        taus: the grid of τ, values in [0, 1] (default 0, 0.02, …, 1: 51 values).
        betas: the grid of β, values > 0 (default 0.05 … 2.0, 40 values).
        fix_E: None fits E; a number holds it there (a known floor, such as
            ``window_entropy(source, K)``), and only B is fitted at each grid point.

    The result's ``on_edge`` flags a best point on the grid's edge (β at its first or last
    value, or τ at an end of its grid other than 0 or 1); a warning says so too. With few
    budgets a free E often runs there: β → 0 turns the power law into a logarithm with E
    → −∞, which no cross-entropy can be.
    """
    owner = "fit_mixing_law"
    D, own, L = _finite(owner, D=D, own=own, L=L)
    if not D.size == own.size == L.size:
        raise ValueError(f"{owner}: expected D, own and L of one length (a run "
                         f"each), got {D.size}, {own.size} and {L.size}.")
    if np.any(D <= 0) or np.any(own < 0) or np.any(own > 1):
        raise ValueError(f"{owner}: expected positive budgets D and shares own in "
                         f"[0, 1] (the source's share of the mix), got D from {D.min():g} "
                         f"and own from {own.min():g} to {own.max():g}. Pass shares as "
                         f"fractions (0.3, not 30).")
    _nonnegative(owner, L)
    if D.size < 3 or len(np.unique(D)) < 2:
        raise ValueError(f"{owner}: expected at least 3 runs at 2 or more budgets "
                         f"D for E, B and the exponent, got {D.size} runs at "
                         f"{len(np.unique(D))} budget(s).")
    _falling(owner, L, fix_E, "D or the share")
    taus = np.linspace(0, 1, 51) if taus is None else _exponents(owner, "taus", taus, 0.0,
                                                                 1.0, closed=True)
    betas = np.linspace(0.05, 2, 40) if betas is None else _exponents(owner, "betas", betas)
    best = None
    for tau in taus:
        for beta in betas:
            with np.errstate(divide="ignore"):        # own = 0 at τ = 0: no tokens count
                seen = (D * (own + tau * (1 - own))) ** -beta
            if not np.all(np.isfinite(seen)):
                continue
            if fix_E is None:
                X = np.stack([np.ones_like(own), seen], 1)
                coef = np.linalg.lstsq(X, L, rcond=None)[0]
            else:
                coef = np.array([fix_E, seen @ (L - fix_E) / (seen @ seen)])
            rss = float(np.sum((L - coef[0] - coef[1] * seen) ** 2))
            if best is None or rss < best[0]:
                best = (rss, coef[0], coef[1], tau, beta)
    if best is None:
        raise ValueError(f"{owner}: no (τ, β) of the grid gives every run a positive "
                         f"number of tokens that count; a run with own = 0 needs some τ > 0.")
    rss, E, B, tau, beta = best
    edge = (len(betas) > 1 and beta in (betas.min(), betas.max())) or (
        len(taus) > 1 and tau in (taus.min(), taus.max()) and tau not in (0.0, 1.0))
    if edge:
        warnings.warn(f"{owner}: the best point is on the grid's edge (tau={tau:.3g} in "
                      f"[{taus.min():.3g}, {taus.max():.3g}], beta={beta:.3g} in "
                      f"[{betas.min():.3g}, {betas.max():.3g}]), so E={E:.3g} is not "
                      f"determined; widen the grid or hold E at a known floor (fix_E).",
                      stacklevel=2)
    return MixingFit(float(E), float(B), float(tau), float(beta), rss, int(D.size),
                     bool(edge), fix_E is not None)
