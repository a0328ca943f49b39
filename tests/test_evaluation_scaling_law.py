"""Tests for nnbook/evaluation/scaling_law.py (chapter 32): the fit recovers known E, A, α, B, β
from noisy synthetic grids within its own standard errors (and the errors are honest over
repeated noise draws), E fixed at 0 fits worse, the compute-optimal split against a brute
search along N·D = C/6, the one-variable law, and errors (the mixing law's:
test_evaluation_mixing_law.py)."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.evaluation.mixing_law import mixing_law
from nnbook.evaluation.scaling_law import fit_power_law, fit_scaling_law, scaling_law

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


def test_stderr_is_inf_for_what_the_grid_does_not_determine():
    # two sizes leave E, A and α free along a curve (E + A/N^α takes only two values): their
    # standard errors are inf, not the clipped rounding noise of a singular (JᵀJ)⁻¹ (that
    # gave 0, "known exactly"); B and β are still determined, and their errors equal those
    # of the law written with what the points do fix: a constant, a step between the two
    # sizes, B and β (the same s²)
    n2, d2 = (a.ravel() for a in np.meshgrid([500.0, 5e3], [2e3, 2e4, 2e5], indexing="ij"))
    rng = np.random.default_rng(5)
    y = 0.6 + 30 * n2 ** -0.5 + 200 * d2 ** -0.55 + rng.normal(0, 0.003, n2.size)
    fit = fit_scaling_law(n2, d2, y.astype(np.float32), max_steps=2000)
    assert all(fit.stderr[k] == np.inf for k in ("E", "A", "alpha")), fit.stderr
    B, b = fit.B, fit.beta
    J = np.stack([np.ones_like(n2), (n2 == 500).astype(float), d2 ** -b,
                  -B * np.log(d2) * d2 ** -b], axis=1)
    se = np.sqrt(np.diag(fit.rss / (n2.size - 5) * np.linalg.inv(J.T @ J)))
    assert np.allclose([fit.stderr["B"], fit.stderr["beta"]], se[2:], rtol=1e-4)
    # three sizes determine all five: finite errors
    n3, d3 = (a.ravel() for a in np.meshgrid([500.0, 1500, 5e3], [2e3, 6e3, 2e4],
                                               indexing="ij"))
    y3 = 0.6 + 30 * n3 ** -0.5 + 200 * d3 ** -0.55 + rng.normal(0, 0.003, n3.size)
    assert all(np.isfinite(v) and v > 0
               for v in fit_scaling_law(n3, d3, y3, max_steps=2000).stderr.values())


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


@pytest.mark.parametrize("change, match", [
    (dict(N=["a"] * 25), "fit_scaling_law: expected N as numbers, got"),
    (dict(L=None), "fit_scaling_law: expected L as numbers"),
    (dict(L="0.5"), "not text"),
    (dict(L=_grid(0) - 5), r"fit_scaling_law: expected losses L ≥ 0 .* got -"),
    (dict(fix_E="0"), "fit_scaling_law: expected fix_E to be None .* got '0'"),
    (dict(fix_E=True), "fix_E"),
    (dict(alphas=[]), "fit_scaling_law: expected alphas as a non-empty grid of values > 0"),
    (dict(betas=[-0.5, 0.5]), "expected betas as a non-empty grid"),
    (dict(max_steps=0), r"fit_scaling_law: expected max_steps.* integer ≥ 1, got 0"),
    (dict(max_steps=-3), "max_steps"),
    (dict(max_steps=2.5), "max_steps"),
])
def test_bad_input_names_the_function_and_the_fix(change, match):
    """Each bad argument is a ValueError naming fit_scaling_law, what it got and what it
    expected (not a bare NumPy TypeError, nor silence)."""
    args = dict(N=N, D=D, L=_grid(0))
    kwargs = {k: v for k, v in change.items() if k not in args}
    args.update({k: v for k, v in change.items() if k in args})
    with pytest.raises(ValueError, match=match):
        fit_scaling_law(args["N"], args["D"], args["L"], **kwargs)


def test_compute_optimal_bad_input():
    fit = fit_scaling_law(N, D, scaling_law(N, D, **TRUE))
    for C in ("1e9", None, [1e9, -1.0], np.nan):
        with pytest.raises(ValueError, match="ScalingFit.compute_optimal: expected"):
            fit.compute_optimal(C)
    broken = fit._replace(alpha=np.nan)
    with pytest.raises(ValueError, match=r"compute_optimal: the fit has .*alpha=nan"):
        broken.compute_optimal(1e9)


GRID3 = [a.ravel() for a in np.meshgrid([1e3, 2e3, 4e3], [1e5, 2e5, 4e5])]


@pytest.mark.parametrize("fit", [fit_scaling_law, lambda n, d, L: fit_power_law(d, L)])
def test_flat_losses_are_refused(fit):
    """Flat losses gave A and B of rounding size and a compute-optimal split of them."""
    n, d = GRID3
    with pytest.raises(ValueError, match=r"fit_(scaling|power)_law: the losses are all equal "
                                         r"\(2, to rounding\): they do not fall .* Check that "
                                         r"L holds"):
        fit(n, d, np.full(9, 2.0))
    with pytest.raises(ValueError, match=r"the losses are all equal"):
        fit(n, d, np.full(9, 2.0) + np.arange(9) * 1e-17)


def test_fix_E_above_the_losses():
    """fix_E above every loss reported converged (A < 0 with α pinned at 0); a floor among
    the losses pins α at 0 too: not a minimum, so not converged."""
    n, d = GRID3
    L = 1.0 + 50 / n ** 0.5 + 300 / d ** 0.4                 # from 3.51 to 5.58
    with pytest.raises(ValueError, match=r"fit_scaling_law: fix_E=10\.0 is at or above every "
                                         r"loss \(the largest is 5\.58114\); E is the floor"):
        fit_scaling_law(n, d, L, fix_E=10.0)
    pinned = fit_scaling_law(n, d, L, fix_E=5.0)
    assert pinned.alpha < 1e-9 and not pinned.converged
    assert fit_scaling_law(n, d, L, fix_E=1.0).converged      # the true floor


@pytest.mark.parametrize("tol", [-1.0, float("nan"), 0.0, float("inf"), "1e-10", None, True])
def test_tol_is_checked(tol):
    """tol="1e-10" raised TypeError deep inside; a negative or NaN tol made an exact fit
    report not converged."""
    with pytest.raises(ValueError, match=r"fit_scaling_law: expected tol, the relative drop "
                                         r"of the squared error .* finite number > 0"):
        fit_scaling_law(N, D, scaling_law(N, D, **TRUE), tol=tol)
    with pytest.raises(ValueError, match=r"fit_power_law: expected tol"):
        fit_power_law(D, scaling_law(N, D, **TRUE), tol=tol)


def test_power_law_messages_name_it_and_only_what_was_passed():
    """fit_power_law's errors named fit_scaling_law and an N the caller never passed, and
    text in D raised NumPy's "could not convert string to float"."""
    with pytest.raises(ValueError, match=r"^fit_power_law: expected D and L of one length "
                                         r"\(a grid point each\), got 3, 4\.$"):
        fit_power_law([1e3, 2e3, 4e3], [1.0, 0.9, 0.8, 0.7])
    with pytest.raises(ValueError, match=r"^fit_power_law: expected positive token budgets D "
                                         r"\(counts\), got D from -1\. Pass counts"):
        fit_power_law([-1.0, 2e3, 4e3, 8e3], [1.0, 0.9, 0.8, 0.7])
    with pytest.raises(ValueError, match=r"^fit_power_law: expected D as numbers, got \['a'"):
        fit_power_law(["a", "b", "c", "d"], [1.0, 0.9, 0.8, 0.7])
    for law, args in ((scaling_law, (["a"], [1.0], 1, 1, 1, 1, 1)),
                      (mixing_law, ([1.0], ["a"], 1, 1, 1, 1))):
        with pytest.raises(ValueError, match=rf"^{law.__name__}: expected (N|own) as numbers"):
            law(*args)
