"""Tests for nnbook/evaluation/mixing_law.py (chapter 32): the mixing law of two sources
recovers known parameters, keeps the grid's least squares, counts a source's own tokens
and the other's as it says, flags a fit on the grid's edge, and its errors."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.evaluation.mixing_law import fit_mixing_law, mixing_law

# the mixing law: chapter 32's two budgets × five shares
MIX_D = np.repeat([4000.0, 8000.0], 5)
MIX_W = np.tile([0.1, 0.3, 0.5, 0.7, 0.9], 2)
MIX_TRUE = dict(E=0.6, B=12.0, tau=0.3, beta=0.4)          # τ and β on the default grid


def test_mixing_law_recovers_known_parameters():
    """Catches a law that counts the other source's tokens wrongly (τ on w instead of
    1 − w), an exponent with the wrong sign, or a fit that keeps the grid's last point
    instead of its best: noiseless data give back E, B, τ, β exactly."""
    L = mixing_law(MIX_D, MIX_W, **MIX_TRUE)
    fit = fit_mixing_law(MIX_D, MIX_W, L)
    assert (fit.tau, fit.beta) == pytest.approx((0.3, 0.4))
    assert (fit.E, fit.B) == pytest.approx((0.6, 12.0), rel=1e-8)
    assert fit.rss < 1e-20 and fit.n == 10
    assert fit.predict(32000.0, 0.5) == pytest.approx(
        0.6 + 12.0 * (32000 * (0.5 + 0.3 * 0.5)) ** -0.4)
    assert nb.fit_mixing_law is fit_mixing_law and nb.evaluation.MixingFit is type(fit)


def test_mixing_law_tokens_that_count():
    """A source's own tokens count fully, the other's τ each: at τ = 0 only its share
    counts, at τ = 1 the whole budget does (the share no longer matters)."""
    base = dict(E=0.5, B=10.0, beta=0.5)
    assert mixing_law(1000.0, 0.25, tau=0.0, **base) == pytest.approx(0.5 + 10 * 250 ** -0.5)
    assert mixing_law(1000.0, 0.25, tau=1.0, **base) == pytest.approx(
        mixing_law(1000.0, 0.9, tau=1.0, **base))


def test_mixing_law_with_noise_keeps_the_grids_least_squares():
    """The fit is the grid point of least squared error: no (τ, β) of the grid, with its own
    E and B by least squares, fits better."""
    L = mixing_law(MIX_D, MIX_W, **MIX_TRUE) + np.random.default_rng(3).normal(0, 0.01, 10)
    taus, betas = np.linspace(0, 1, 11), np.linspace(0.1, 1.0, 10)
    fit = fit_mixing_law(MIX_D, MIX_W, L, taus=taus, betas=betas)
    assert fit.rss == pytest.approx(np.sum((L - fit.predict(MIX_D, MIX_W)) ** 2))
    for tau in taus:
        for beta in betas:
            X = np.stack([np.ones(10), (MIX_D * (MIX_W + tau * (1 - MIX_W))) ** -beta], 1)
            r = L - X @ np.linalg.lstsq(X, L, rcond=None)[0]
            assert fit.rss <= r @ r + 1e-15


def test_mixing_law_errors():
    L = mixing_law(MIX_D, MIX_W, **MIX_TRUE)
    with pytest.raises(ValueError, match="one length"):
        fit_mixing_law(MIX_D, MIX_W[:-1], L)
    with pytest.raises(ValueError, match=r"shares own in \[0, 1\]"):
        fit_mixing_law(MIX_D, MIX_W + 1, L)
    with pytest.raises(ValueError, match="2 or more budgets"):
        fit_mixing_law(np.full(10, 4000.0), MIX_W, L)
    with pytest.raises(ValueError, match="finite"):
        fit_mixing_law(MIX_D, MIX_W, np.full(10, np.inf))
    with pytest.raises(ValueError, match="some τ > 0"):
        fit_mixing_law(MIX_D, np.zeros(10), L, taus=[0.0])
    # a share of 0 is fine once τ > 0: the grid skips τ = 0 there (these losses are not
    # the law's, so its best β is the grid's edge, and it says so)
    with pytest.warns(UserWarning, match="grid's edge"):
        assert fit_mixing_law(MIX_D, np.where(MIX_W > 0.8, 0.0, MIX_W), L).tau > 0
    # the grids and the values: what it got, what it expects
    with pytest.raises(ValueError, match=r"fit_mixing_law: expected taus .*in \[0, 1\]"):
        fit_mixing_law(MIX_D, MIX_W, L, taus=[-5, 3])
    with pytest.raises(ValueError, match="fit_mixing_law: expected betas .* > 0"):
        fit_mixing_law(MIX_D, MIX_W, L, betas=[-1.0])
    with pytest.raises(ValueError, match="expected betas"):
        fit_mixing_law(MIX_D, MIX_W, L, betas=[])
    with pytest.raises(ValueError, match=r"own from 10 to 90\. Pass shares as fractions"):
        fit_mixing_law(MIX_D, MIX_W * 100, L)
    with pytest.raises(ValueError, match="got D from -8000"):
        fit_mixing_law(-MIX_D, MIX_W, L)
    with pytest.raises(ValueError, match="fit_mixing_law: expected L as numbers"):
        fit_mixing_law(MIX_D, MIX_W, "1.0")
    with pytest.raises(ValueError, match="fit_mixing_law: expected losses L ≥ 0"):
        fit_mixing_law(MIX_D, MIX_W, L - 5)
    with pytest.raises(ValueError, match="fit_mixing_law: expected fix_E"):
        fit_mixing_law(MIX_D, MIX_W, L, fix_E="0.6")


def test_mixing_law_flags_a_fit_on_the_grids_edge():
    """Catches a fit that reports a floor from the grid's last β as if it were fitted: a
    source whose loss falls like a logarithm (β → 0) sends a free E below the grid's reach;
    the fit says so (on_edge, a warning), while E held at the true floor is a minimum."""
    L = 0.6 + 3.0 * np.log(1e6 / (MIX_D * (MIX_W + 0.2 * (1 - MIX_W)))) / 10
    with pytest.warns(UserWarning, match="grid's edge"):
        free = fit_mixing_law(MIX_D, MIX_W, L)
    assert free.on_edge and free.beta == 0.05 and not free.fixed_E
    truth = mixing_law(MIX_D, MIX_W, **MIX_TRUE)
    held = fit_mixing_law(MIX_D, MIX_W, truth, fix_E=0.6)
    assert not held.on_edge and held.fixed_E and held.E == 0.6
    assert (held.B, held.tau, held.beta) == pytest.approx((12.0, 0.3, 0.4))
    # a wrong floor held fixed fits worse than the true one
    assert fit_mixing_law(MIX_D, MIX_W, truth, fix_E=0.3).rss > held.rss + 1e-6
    # τ at 0 or 1 is a bound of τ itself, not the grid's edge
    at_one = fit_mixing_law(MIX_D, MIX_W, mixing_law(MIX_D, MIX_W, 0.6, 12.0, 1.0, 0.4))
    assert at_one.tau == 1.0 and not at_one.on_edge


def test_mixing_law_refuses_flat_losses_and_a_floor_above_them():
    """Flat losses gave B of rounding size on the grid's edge; fix_E above every loss gave
    a negative B."""
    with pytest.raises(ValueError, match=r"fit_mixing_law: the losses are all equal \(1, to "
                                         r"rounding\): they do not fall with D or the share"):
        fit_mixing_law([1e3, 2e3, 4e3], [0.5, 0.5, 0.5], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"fit_mixing_law: fix_E=5 is at or above every loss "
                                         r"\(the largest is 1\)"):
        fit_mixing_law([1e3, 2e3, 4e3], [0.5, 0.5, 0.5], [1.0, 0.9, 0.8], fix_E=5)
