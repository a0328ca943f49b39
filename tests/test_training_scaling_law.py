"""Tests for nnbook/training/scaling_law.py (chapter 32): the fit recovers known E, A, α, B, β
from noisy synthetic grids within its own standard errors (and the errors are honest over
repeated noise draws), E fixed at 0 fits worse, the compute-optimal split against a brute
search along N·D = C/6, the one-variable law, and errors."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.training.scaling_law import fit_power_law, fit_scaling_law, scaling_law

TRUE = dict(E=0.5, A=6.0, alpha=0.45, B=25.0, beta=0.35)
N, D = (a.ravel() for a in np.meshgrid([500, 1e3, 2e3, 4e3, 8e3], [4e3, 8e3, 16e3, 32e3, 64e3]))


def _grid(seed, noise=0.005):
    rng = np.random.default_rng(seed)
    return scaling_law(N, D, **TRUE) + rng.normal(0, noise, N.size)


def test_recovers_known_parameters_within_its_uncertainty():
    fit = fit_scaling_law(N, D, _grid(0))
    assert fit.converged and fit.n == 25
    for name, value in TRUE.items():
        assert abs(getattr(fit, name) - value) < 4 * fit.stderr[name], name
    # noiseless: exact to the fit's tolerance
    exact = fit_scaling_law(N, D, scaling_law(N, D, **TRUE))
    assert exact.E == pytest.approx(0.5, abs=1e-4) and exact.beta == pytest.approx(0.35, abs=1e-3)


def test_stderr_of_E_is_honest_over_noise_draws():
    # over 40 noise draws, |E − 0.5| < 2 SE on about 95 % of them: at least 32 of 40
    # (binomial(40, 0.95) gives fewer than 33 with probability below 1 %)
    coarse = np.linspace(0.1, 1.0, 10)               # a coarser start: 40 fits stay quick
    inside = sum(abs((f := fit_scaling_law(N, D, _grid(s), alphas=coarse, betas=coarse)).E
                     - 0.5) < 2 * f.stderr["E"] for s in range(40))
    assert inside >= 32


def test_fixed_E_is_the_planted_mistake():
    L = _grid(1)
    free, zero = fit_scaling_law(N, D, L), fit_scaling_law(N, D, L, fix_E=0.0)
    assert zero.E == 0.0 and zero.stderr["E"] == 0.0
    assert zero.rss > 5 * free.rss                   # the floor cannot be bent away
    assert zero.alpha < free.alpha                   # the exponent flattens to fake it


def test_compute_optimal_against_brute_search():
    fit = fit_scaling_law(N, D, scaling_law(N, D, **TRUE))
    C = 6 * 1e4 * 1e5
    n_opt, d_opt = fit.compute_optimal(C)
    assert n_opt * d_opt * 6 == pytest.approx(C)
    n = np.geomspace(10, 1e8, 200_001)
    best = n[np.argmin(fit.predict(n, C / (6 * n)))]
    assert n_opt == pytest.approx(best, rel=1e-3)
    with pytest.raises(ValueError, match="positive compute"):
        fit.compute_optimal(-1.0)


def test_power_law_in_one_variable():
    d = np.repeat([1e3, 3e3, 1e4, 3e4, 1e5], 2)
    L = 0.4 + 20 * d ** -0.5 + np.random.default_rng(0).normal(0, 0.002, d.size)
    fit = fit_power_law(d, L)
    assert fit.A == 0.0 and fit.converged
    assert abs(fit.E - 0.4) < 4 * fit.stderr["E"] and abs(fit.beta - 0.5) < 4 * fit.stderr["beta"]


def test_errors():
    with pytest.raises(ValueError, match="one length"):
        fit_scaling_law(N, D[:-1], _grid(0))
    with pytest.raises(ValueError, match="positive"):
        fit_scaling_law(-N, D, _grid(0))
    with pytest.raises(ValueError, match="2 different N"):
        fit_scaling_law(np.full(25, 100.0), D, _grid(0))
    with pytest.raises(ValueError, match="finite"):
        fit_scaling_law(N, D, np.full(25, np.nan))
    with pytest.raises(ValueError, match="at least 6"):
        fit_scaling_law(N[[0, 1, 5, 6, 7]], D[[0, 1, 5, 6, 7]], _grid(0)[:5])
    with pytest.raises(ValueError, match="fit_power_law"):
        fit_power_law([1e3] * 5, [1.0] * 5)
    assert nb.fit_scaling_law is fit_scaling_law
