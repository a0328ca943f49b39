"""Chapter 32's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment function on a seed no notebook or stored table uses (in CI) or on
the fresh seeds of `nox -s fresh_seeds`, and asserts what the chapter says of every seed.

Cost with one BLAS thread, a seed: the scaling grid (25 trainings) about 10 s; the filtering
at the largest budget (two trainings) about 3 s. Every claim here is marked heavy(ci=True).
"""

import functools

import numpy as np
import pytest
from claims import seeds

import nnbook as nb
from nnbook.experiments import scaling_laws as sl

FIXED = (3201,)                   # no notebook or stored table uses it
N = np.array([sl.n_params(w) for w in sl.WIDTHS], dtype=float)
NN, DD = (a.ravel() for a in np.meshgrid(N, np.array(sl.BUDGETS, float), indexing="ij"))


@functools.lru_cache(maxsize=None)
def floor():
    return nb.data.window_entropy(nb.data.Language(), sl.K)


@functools.lru_cache(maxsize=None)
def fits(seed):
    g = sl.grid(seed)
    L = np.array([g[f"w{w}_D{d}"] for w in sl.WIDTHS for d in sl.BUDGETS])
    return nb.fit_scaling_law(NN, DD, L), nb.fit_scaling_law(NN, DD, L, fix_E=0.0)


# Measured on 4 new seeds, 3201 to 3204 (2026-11-27): the fitted E lay −0.49 to +0.05
# standard errors from the floor (SE 0.08 to 0.12); the floorless fit's β 0.29 to 0.31
# against 0.88 to 1.20, its RSS 1.15 to 1.31 times larger, its prediction at scale 0.108
# to 0.121 nats; all held on 4 of 4
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated="every", text="ch32: a seed's grid fit puts E within 2 standard "
                                        "errors of the exact floor for K = 6 characters")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_fitted_E_within_its_uncertainty_of_the_floor(seed):
    fit, _ = fits(seed)
    assert abs(fit.E - floor()) < 2 * fit.stderr["E"], fit
    assert fit.E > 2 * fit.stderr["E"], fit


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated="every", text="ch32: fixing E at 0 fits worse, halves β or more "
                                        "and predicts a loss below the floor at 100× N and D")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_the_floorless_law(seed):
    fit, zero = fits(seed)
    assert zero.rss > fit.rss and zero.beta < fit.beta / 2, (fit, zero)
    assert zero.predict(N[-1] * 100, sl.BUDGETS[-1] * 100) < floor()


# Measured (filtered minus all at 64,000 tokens): on 4 new seeds, 3201 to 3204, +0.004 to
# +0.055; on the 5 stored seeds +0.016 to +0.030; on 8 fresh seeds of the cold reading
# (20260417, 31415927 and six above 10,000,000) +0.001, −0.003, +0.002, −0.004, +0.010,
# +0.011, +0.023, +0.009: filtering hurt on 6 of 8 and helped twice, by 0.004 at most. The
# chapter says it never clearly helps: on every seed it lowers the loss by less than 0.02
# (a tenth of what the largest budget gains over the smallest, and about the seeds' spread)
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated="every", text="ch32: at the largest budget, training on the "
                                        "filtered source never lowers the held-out loss by "
                                        "0.02 nats or more")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_filtering_never_clearly_helps_at_the_largest_budget(seed):
    d = sl.FILTER_BUDGETS[-1]
    r = sl.filtering(seed, budgets=(d,))
    assert r[f"D{d}_filtered"] > r[f"D{d}_all"] - 0.02, r


def test_32_the_stored_tables_say_what_the_text_says():
    # reads the stored tables only: the text matches them (a read-back, not a check of the
    # claims): at every budget filtering's mean gain over the 5 stored seeds is under two
    # of its standard errors, and it helps on at most one seed
    filt = nb.seeds.stored("32_filtering")
    for d in sl.FILTER_BUDGETS:
        diff = filt[f"D{d}_filtered"] - filt[f"D{d}_all"]
        assert -diff.mean() < 2 * diff.std(ddof=1) / np.sqrt(len(diff)), (d, diff)
        assert np.sum(diff < 0) <= 1, (d, diff)
