"""Chapter 32's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment function on a seed no notebook or stored table uses (in CI) or on
the fresh seeds of `nox -s fresh_seeds`, and asserts what the chapter says of every seed.

Cost with one BLAS thread, a seed: the scaling grid (25 trainings) about 10 s, shared by the
grid's claims; the filtering at the largest budget (two trainings) about 3 s; the mixing law
(five seeds' mixing runs, 75 trainings) about 18 s. Every claim here is marked heavy(ci=True).
"""

import functools
import warnings

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
def grid(seed):
    g = sl.grid(seed)
    return np.array([[g[f"w{w}_D{d}"] for d in sl.BUDGETS] for w in sl.WIDTHS])


@functools.lru_cache(maxsize=None)
def fits(seed):
    L = grid(seed).ravel()
    return nb.fit_scaling_law(NN, DD, L), nb.fit_scaling_law(NN, DD, L, fix_E=0.0)


# Measured on 4 new seeds, 3201 to 3204 (2026-11-27): the fitted E lay −0.49 to +0.05
# standard errors from the floor (SE 0.08 to 0.12); the floorless fit's β 0.29 to 0.31
# against 0.88 to 1.20, its RSS 1.15 to 1.31 times larger, its prediction at scale 0.108
# to 0.121 nats; all held on 4 of 4. The second cold reading's 5 fresh seeds (10483921,
# 27718355, 13579246, 40961207, 55501931): E −0.37 to +0.14 SE from the floor, 5 of 5; the
# floorless fit worse and below the floor at scale on 5 of 5, but β halved on 4 of 5 only:
# on 10483921 β stayed (1.32 → 1.29) and α fell (1.86 → 0.20), so the claim is on the
# smaller exponent (it halves on all 10 stored and fresh seeds of that reading). The third
# cold reading's 3 fresh seeds (61803399, 14142136, 73205081): E −0.17, −0.02, −0.41 SE from
# the floor (SE 0.08 to 0.10); β the flattened exponent on 3 of 3 (0.92 → 0.28, 1.01 → 0.28,
# 1.12 → 0.32), RSS 1.19 to 1.25 times larger; all held on 3 of 3. The fourth cold
# reading's fresh seeds 52917403, 66043187 and the set 38461729 to 38461733: E −0.30, −0.30
# and −0.44 to −0.17 SE from the floor (SE 0.088 to 0.107); β the flattened exponent on all
# 7 (0.97 → 0.30, 0.85 → 0.28, and 0.93–1.05 → 0.28–0.31), RSS 1.15 to 1.21 times larger.
# The fifth cold reading's fresh seeds 5457013 and 16882457 (2026-11-28): E −0.03 and −0.14
# SE from the floor (SE 0.089 both); β the flattened exponent on both (1.00 → 0.28, 0.99 →
# 0.28), RSS 1.24 and 1.22 times larger, the prediction at scale 0.129 and 0.132: all held.
# The sixth cold reading's fresh seeds 66497845 and 22294318 (2026-11-28): E +0.20 and +0.14
# SE from the floor (SE 0.070 and 0.065; both fits stopped on the step limit, and with
# max_steps=2000 converge at +0.21 and +0.17); β the flattened exponent on both (1.16 →
# 0.28, 1.08 → 0.28), RSS 1.35 and 1.37 times larger, the prediction at scale 0.129 and
# 0.135: all held. The seventh cold reading's fresh seeds 69695300 and 97683349
# (2026-11-28): E −0.21 and −0.26 SE from the floor (SE 0.087 and 0.094; 69695300's fit
# stopped on the step limit); β the flattened exponent on both (0.90 → 0.27, 0.94 → 0.28),
# RSS 1.22 and 1.18 times larger, the prediction at scale 0.144 and 0.132: all held. The
# eighth cold reading's fresh seeds 93347108 and 18057891 (2026-11-28): E −0.16 and −0.02
# SE from the floor (SE 0.078 and 0.090; 18057891's fit stopped on the step limit); with E
# = 0 the flattened exponent was α on 93347108 (1.96 → 0.19, β 1.05 → 1.02: the second
# fresh seed of 27 recorded where it is α, after 10483921) and β on 18057891 (1.07 → 0.29),
# RSS 1.28 and 1.20 times larger, the prediction at scale 0.190 and 0.126: all held.
# The cold reading 76's third (2026-11-29, readings/reading76-ch29-32; `python
# tests/fresh_seeds.py --seed-list 1863273044,692672661 --processes 1 --heavy`), fresh seeds
# 1863273044 and 692672661: E 0.476 ± 0.107 (its fit stopped on the step limit) and 0.462 ±
# 0.114, −0.36 and −0.46 SE from the floor; with E = 0 the flattened exponent β on both
# (0.90 → 0.28, 1.00 → 0.34): all held.
# Section 3's law at the grid's largest run minus the floor, on a seed's own fit (the
# stored seeds −0.007 to +0.017): 3201 to 3204 +0.004, +0.026, +0.018, +0.023; 5457013,
# 16882457 +0.035, +0.026; 66497845, 22294318 +0.037, +0.038; 69695300, 97683349 +0.030,
# +0.019; 93347108, 18057891 +0.022, +0.029; 1863273044, 692672661 +0.011, −0.008 (14 fresh
# seeds, −0.008 to +0.038, 11 of them above +0.017; the chapter: 11 of 14)
# The fifth cold reading of 2026-11-30 (reader read2932, /work/reading5-29-32.md), one fresh
# seed pair: texts from 906614771, every model's initialisation and batches from 1711203345
# (sl.grid's and sl.filtering's steps with the two seeds split by hand), and for the mixing
# law the set of five pairs (1711203345 + i, 906614771 + i). Grid fit E 0.472 ± 0.102, −0.41
# SE from the floor, +0.82 SE from the entropy per character; with E = 0 RSS 1.17 times
# larger, β 0.92 → 0.28 (α 2.40 → 2.32), 0.125 at 100× N and D; the law at the largest run
# +0.004 from the floor (15 fresh seeds, 11 of them above +0.017: the chapter's 11 of 15);
# width 128 above width 32 at 64,000 tokens by 0.085; width 16 best on section 4's line (0.010
# below width 32; N* 2,490); filtered minus all at 64,000 tokens +0.011. Counted in every pool
# below: each (31, 31) claim is 32 of 32.
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(32, 32), text="ch32: a seed's grid fit puts E within 2 standard "
                                        "errors of the exact floor for K = 6 characters; "
                                        "32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_fitted_E_within_its_uncertainty_of_the_floor(seed):
    fit, _ = fits(seed)
    assert abs(fit.E - floor()) < 2 * fit.stderr["E"], fit
    assert fit.E > 2 * fit.stderr["E"], fit


# Measured (the fitted E minus the entropy per character, in the fit's standard errors): on
# the 5 stored seeds +0.68 to +1.26; on 3201 to 3204 +1.10, +1.49, +1.25, +0.73; on the
# second cold reading's 5 fresh seeds within 2 (the largest +1.95, on 10483921); on the
# third's 3 fresh seeds +1.14, +1.50, +1.05; on the fourth's 7 (52917403, 66043187, 38461729
# to 38461733) +1.05, +0.86 and +0.81 to +1.21; on the fifth's 2 (5457013, 16882457) +1.37,
# +1.26; on the sixth's 2 (66497845, 22294318) +1.98 and +2.07 (SE 0.070 and 0.065; +2.00
# and +2.11 once converged); on the seventh's 2 (69695300, 97683349) +1.23 and +1.07; on
# the eighth's 2 (93347108, 18057891) +1.44 and +1.37; on reading 76's third's 2
# (1863273044, 692672661) +0.81 and +0.64 (SE 0.107 and 0.114). So it held on 28 of 29 fresh
# seeds,
# not on every one: the two floors lie 0.125 apart, so with E on the floor an SE under
# about 0.062 separates them, and a seed's SE runs 0.065 to 0.12. The chapter says the fit
# on the seeds' mean cannot tell the two floors apart, and a seed's fit almost never can
# (28 of 29 fresh seeds).
# The 30-fresh-seed pool (2026-11-29, the seeds of tests/fresh_seeds.py's pool, 219900 to
# 2141360800): held on 28 of 30; the entropy per character lay outside 2 SE on 584997000
# (E 0.540, SE 0.0617, 2.45 SE; the first seed recorded whose SE is under 0.062) and on
# 1909874200 (E 0.528, SE 0.0686, 2.02 SE), with the entropy per character 0.3893 and the
# window floor 0.5138 nats. Pooled: 56 of 59 fresh seeds; with the fifth reading of
# 2026-11-30 (+0.82 SE, above): 57 of 60
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(57, 60), text="ch32: a seed's grid fit puts the entropy per "
                                         "character within 2 standard errors of E too (57 "
                                         "of 60 fresh seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_the_fit_cannot_tell_the_two_floors_apart(seed):
    fit, _ = fits(seed)
    entropy = nb.data.Language().entropy_per_char
    assert abs(fit.E - entropy) < 2 * fit.stderr["E"], fit


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(32, 32), text="ch32: fixing E at 0 fits worse, halves the "
                                        "smaller exponent or more and predicts a loss "
                                        "below the floor at 100× N and D; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_the_floorless_law(seed):
    fit, zero = fits(seed)
    assert zero.rss > fit.rss, (fit, zero)
    assert min(zero.alpha, zero.beta) < min(fit.alpha, fit.beta) / 2, (fit, zero)
    assert zero.predict(N[-1] * 100, sl.BUDGETS[-1] * 100) < floor()


# Measured on the second cold reading's 5 fresh seeds (10483921 and the others above): width
# 128 above width 32 at 64,000 tokens on 5 of 5, by 0.04 to 0.11; on the fourth's 7
# (52917403 by 0.049, 66043187 by 0.083, and 38461729 to 38461733) on 7 of 7; on the
# fifth's 2 (5457013 by 0.139, 16882457 by 0.114) on 2 of 2; on the sixth's 2 (66497845 by
# 0.094, 22294318 by 0.068) on 2 of 2; on the seventh's 2 (69695300 by 0.069, 97683349 by
# 0.118) on 2 of 2; on the eighth's 2 (93347108 by 0.069, 18057891 by 0.091) on 2 of 2; on
# reading 76's third's 2 (1863273044 by 0.070, 692672661 by 0.109) on 2 of 2
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(32, 32), text="ch32: at the largest budget the widest model "
                                        "(width 128) scores a higher loss than width 32; "
                                        "32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_the_widest_model_is_worse_at_the_largest_budget(seed):
    L = grid(seed)
    assert L[-1, -1] > L[2, -1], L[:, -1]


def best_width_on_the_line(L):
    # the width of least loss at C = 6·N·D of width 32 at 32,000 tokens (D = C/(6N),
    # interpolated in log D; widths whose D leaves the grid are skipped), as section 4
    D = np.array(sl.BUDGETS, float)
    C = 6 * N[2] * D[3]
    d = C / (6 * N)
    loss = [np.interp(np.log(d[i]), np.log(D), L[i]) if D[0] <= d[i] <= D[-1] else np.inf
            for i in range(len(N))]
    return sl.WIDTHS[int(np.argmin(loss))]


# Measured: width 16 is best on the line on 4 of 5 stored seeds (32 on seed 0), on 4 of 5
# fresh seeds of the second cold reading (32 on 27718355), and on 2 of 3 of the third's (32
# on 73205081), where each seed's own fit put N* at 2,173, 2,342 and 2,605 (13.2 to 19.0
# tokens per parameter, against the grid's 38.0 or 11.4): one grid step is 3.3× in tokens
# per parameter, so the grid gives the direction of the fit's error, not its size. The
# fourth cold reading: 16 on 52917403 and 66043187, and on 3 of 5 of the set 38461729 to
# 38461733 (16, 16, 32, 32, 16), whose mean's fit put N* at 2,494 (14.4 tokens per parameter).
# The fifth: 16 on 5457013, 32 on 16882457 (their own fits' N* 2,460 and 2,542, 14.8 and
# 13.9 tokens per parameter). The sixth: 16 on 66497845 and 22294318 (their own fits' N*
# 2,613 and 2,367, 13.1 and 16.0 tokens per parameter). The seventh: 16 on 69695300 and
# 97683349 (their own fits' N* 2,221 and 2,427, 18.1 and 15.2 tokens per parameter). The
# eighth: 16 on 93347108 and 18057891 (their own fits' N* 2,645 and 2,400, 12.8 and 15.5
# tokens per parameter). Reading 76's third: 16 on 1863273044 (0.023 below width 32 on the
# line), 32 on 692672661 (width 32 best by 0.009; their own fits' N* 2,273 and 2,568, both
# between widths 16 and 32).
# Fresh seeds recorded: width 16 best on 19 of 25 (the second reading 4 of 5, the third 2 of
# 3, the fourth 5 of 7, the fifth 1 of 2, the sixth, seventh and eighth 2 of 2 each, reading
# 76's third 1 of 2). Stated as the pool the chapter cites (until reading 76 it was stated
# as the stored 4 of 5 alone, and the chapter said "18 of 25" where the record added up to
# 18 of 23): stored 4 of 5 + fresh 19 of 25 = 23 of 30. The 30-fresh-seed pool (2026-11-29):
# width 16 best on 27 of 30, not on 842783200, 1467375200 and 2141360800 (which width won
# there was not recorded). Pooled: 50 of 60 (4 of 5 stored, 46 of 55 fresh); with the
# fifth reading of 2026-11-30 (width 16, above): 51 of 61 (47 of 56 fresh)
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(51, 61), text="ch32: at section 4's compute the grid's best width "
                                         "on the line is width 16 (51 of 61 seeds: 4 of 5 "
                                         "stored, 47 of 56 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_width_16_is_best_at_the_compute_of_section_4(seed):
    assert best_width_on_the_line(grid(seed)) == 16


# Measured (filtered minus all at 64,000 tokens): on 4 new seeds, 3201 to 3204, +0.004 to
# +0.055; on the 5 stored seeds +0.016 to +0.030; on 8 fresh seeds of the cold reading
# (20260417, 31415927 and six above 10,000,000) +0.001, −0.003, +0.002, −0.004, +0.010,
# +0.011, +0.023, +0.009: filtering hurt on 6 of 8 and helped twice, by 0.004 at most; on the
# second cold reading's 5 fresh seeds +0.010, −0.000, +0.050, +0.010, +0.009 (at 4,000
# tokens −0.027, +0.042, −0.003, −0.005, +0.005: it helped on 3 of 5 there; at 16,000 on 1
# of 5); on the third cold reading's 3 fresh seeds +0.031, −0.001, +0.007 (at 4,000
# tokens −0.004, +0.009, +0.016; at 16,000 +0.079, −0.009, +0.003); on the fourth cold
# reading's 7 (38461729 to 38461733, 52917403, 66043187) +0.027, +0.033, +0.027, −0.004,
# +0.027, +0.024, +0.035 (on 38461729 to 38461733 at 4,000 tokens +0.006, +0.040, −0.026,
# −0.016, −0.001: it helped on 3 of 5 there; at 16,000 on 1 of 5); on the fifth cold
# reading's 2 (5457013, 16882457) +0.014, +0.005 (at 4,000 tokens +0.005, +0.022; at
# 16,000 −0.006, +0.006); on the sixth cold reading's 2 (66497845, 22294318) +0.021, +0.095
# (at 4,000 tokens +0.015, +0.000; at 16,000 +0.013, −0.025); on the seventh cold
# reading's 2 (69695300, 97683349) −0.023, −0.017 (at 4,000 tokens −0.010, −0.007; at
# 16,000 +0.027, −0.002); on the eighth cold reading's 2 (93347108, 18057891) +0.002,
# +0.027 (at 4,000 tokens −0.010, +0.008; at 16,000 +0.019, −0.011); on reading 76's
# third's 2 (1863273044, 692672661) −0.018, −0.015 (at 4,000 tokens −0.025, −0.012; at 16,000
# −0.025, −0.002: on 1863273044 it lowered the loss at all three budgets). The chapter said it
# never lowers the loss by 0.02 or more on any seed (a tenth of what the largest budget
# gains over the smallest, and about the seeds' spread); 69695300 lowered it by 0.023, so
# that held on 32 of the 33 fresh seeds then recorded, and the chapter now says so as a
# count: 34 of 35 with the eighth reading's, 36 of 37 with reading 76's third's (0.018 and
# 0.015, close to the line). The 30-fresh-seed pool (2026-11-29): filtering lowered the
# loss by 0.02 or more on 3 of 30, by 0.026, 0.029 and 0.025 on 219900, 121249900 and
# 2141360800. Pooled: 63 of 67; with the fifth reading of 2026-11-30 (+0.011): 64 of 68
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(64, 68), text="ch32: at the largest budget, training on the "
                                         "filtered source lowers the held-out loss by less "
                                         "than 0.02 nats (64 of 68 fresh seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_filtering_never_clearly_helps_at_the_largest_budget(seed):
    assert filtered_minus_all(seed) > -0.02


@functools.lru_cache(maxsize=None)
def filtered_minus_all(seed):
    # the held-out loss after training on the filtered source minus after training on all
    # of it, at the largest budget (one run of each)
    d = sl.FILTER_BUDGETS[-1]
    r = sl.filtering(seed, budgets=(d,))
    return r[f"D{d}_filtered"] - r[f"D{d}_all"]


# Counted from the comment above (filtered minus all at 64,000 tokens): of the 37 fresh seeds
# it records, filtering raised the loss on 28 (3201 to 3204: 4 of 4; the first cold
# reading's 8: 6; the second's 5: 4; the third's 3: 2; the fourth's 7: 6; the fifth's 2: 2;
# the sixth's 2: 2; the seventh's 2: 0; the eighth's 2: 2; reading 76's third's 2: 0) and
# lowered it on 9, by 0.004 at most on 5 of them and by 0.023 and 0.017 on the seventh
# reading's two and 0.018 and 0.015 on reading 76's third's; on the 5 stored seeds it raised
# it on 5 (+0.016 to +0.030, mean +0.023, sd 0.005), far tighter than the fresh −0.023 to
# +0.095. The chapter said it raised the loss at the largest budget on 28 of 37 fresh seeds,
# about three in four. The 30-fresh-seed pool (2026-11-29): it raised the loss on 22 of 30
# and lowered it on 8: by 0.026, 0.029 and 0.025 on 219900, 121249900 and 2141360800, and on
# 741051000, 842783200, 1146760900, 1448770000 and 1467375200 by 0.019, 0.016, 0.015, 0.004
# and 0.010 (the raises' sizes were not recorded). Pooled: 50 of 67, still about three in
# four; of the 17 lowerings 6 are under 0.01 and 10 are 0.015 to 0.029 (one 0.0098). With
# the fifth reading of 2026-11-30 (raised, +0.011): 51 of 68
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(51, 68), text="ch32: at the largest budget, training on the "
                                         "filtered source raises the held-out loss (51 of 68 "
                                         "fresh seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_filtering_raises_the_loss_at_the_largest_budget(seed):
    assert filtered_minus_all(seed) > 0


def test_32_the_stored_tables_say_what_the_text_says():
    # reads the stored tables only: the text matches them (a read-back, not a check of the
    # claims): at every budget filtering's mean gain over the 5 stored seeds is under two
    # of its standard errors, and it helps on at most one seed
    filt = nb.seeds.stored("32_filtering")
    for d in sl.FILTER_BUDGETS:
        diff = filt[f"D{d}_filtered"] - filt[f"D{d}_all"]
        assert -diff.mean() < 2 * diff.std(ddof=1) / np.sqrt(len(diff)), (d, diff)
        assert np.sum(diff < 0) <= 1, (d, diff)


def mixing_runs(k, get, shares=np.array(sl.SHARES)):
    # source k's runs at the small budgets: tokens, its share, its loss (as section 5)
    own = shares if k == 0 else 1 - shares
    b = np.concatenate([np.full(len(shares), d, float) for d in sl.SMALL])
    loss = np.concatenate([[get(f"s{s}_D{d}_src{k}") for s in sl.SHARES] for d in sl.SMALL])
    return b, np.tile(own, len(sl.SMALL)), loss


# Measured by the second cold reading on sets of five seeds (the stored 0 to 4; 10483921,
# 27718355, 13579246, 40961207, 55501931 as one set; and five consecutive seeds from each of
# 3201, 10483921, 27718355, 13579246, 40961207, 55501931, 71234567): on all 9 sets both free
# E lie below 0 (source 0's −0.9 to −7.9, source 1's on the grid's edge, −3.7 to −6.1) and
# the held-floor fits are off the edge; the held-floor law's best goal lies above the runs'
# best mean on all 9, by +0.026 (stored), +0.031, +0.012, +0.054, +0.075, +0.006, +0.054,
# +0.059, +0.076: within 0.05 on 4 of 9 only, so the claim is "above, by less than 0.1";
# the free-E law's best goal 0.063 to 0.181 below every run. The predicted share was 0.23 to
# 0.34 (nearest run 0.3 on all 9); on the set from 71234567, 0.5 was best on all 5 seeds and
# its mean 0.022 below 0.3's (an sd of 0.019 at 0.3). The third cold reading's set
# 22360679 to 22360683: free E −3.17 and −3.51 (source 1 on the edge), the held-floor
# fits off it, the held-floor law +0.039 above the runs' best mean (within 0.05: 5 of 10
# sets now), the free law 0.094 below every run, predicted share 0.29 (each seed 0.27 to
# 0.37), best run 0.5 on 3 seeds and 0.3 on 2; the claim held there and on the sets of five
# from 61803399, 14142136 and 73205081. The fourth cold reading's set 38461729 to 38461733:
# free E −8.08 and −4.61 (both on the edge), the held-floor fits off it, the held-floor law
# +0.036 above the runs' best mean (within 0.05: 6 of 11 sets), the free law 0.124 below
# every run, predicted share 0.28 (each seed 0.24 to 0.37), best run 0.3 on 3 seeds, 0.5
# and 0.1 on one each; the claim held there and on the sets of five from 52917403, 66043187.
# The fifth cold reading's sets 5457013 to 5457017 and 16882457 to 16882461: free E −1.96
# and −4.66, −3.38 and −5.02 (source 1 on the edge), the held-floor fits off it, the
# held-floor law +0.030 and +0.033 above the runs' best mean (within 0.05: 8 of the 13 sets
# whose gap is recorded), the free law 0.118 and 0.144 below every run, predicted share 0.29
# and 0.28 (each seed 0.13 to 0.37), best run 0.3 on 4 of 5 seeds in each set. The sixth
# cold reading's sets 66497845 to 66497849 and 22294318 to 22294322: free E −3.55 and −4.99,
# −8.10 and −4.74 (source 1 on the edge in both, source 0 too in the second), the held-floor
# fits off it, the held-floor law +0.037 and +0.020 above the runs' best mean (within 0.05:
# 10 of the 15 sets whose gap is recorded), the free law 0.156 and 0.175 below every run,
# predicted share 0.28 and 0.29 (each seed 0.17 to 0.36), best run 0.3 on 4 of 5 seeds in
# each set. The seventh cold reading's sets 69695300 to 69695304 and 97683349 to 97683353:
# free E −7.60 and −4.91, −8.27 and −4.70 (both sources on the edge in both), the
# held-floor fits off it, the held-floor law +0.026 and +0.025 above the runs' best mean
# (within 0.05: 12 of the 17 sets whose gap is recorded), the free law 0.138 and 0.169
# below every run, predicted share 0.28 and 0.29 (each seed 0.11 to 0.39), best run 0.3 on
# 3 of 5 seeds in the first set and 0.5 on 3 of 5 in the second. The eighth cold
# reading's sets 93347108 to 93347112 and 18057891 to 18057895: free E −2.16 and −5.39,
# −8.62 and −4.87 (source 1 on the edge in both, source 0 too in the second), the
# held-floor fits off it, the held-floor law +0.025 and +0.018 above the runs' best mean
# (within 0.05: 14 of the 19 sets whose gap is recorded), the free law 0.175 and 0.178
# below every run, predicted share 0.28 and 0.25 (each seed 0.16 to 0.38), best run 0.3 on
# 2 of 5 seeds in the first set (0.5 on 2, 0.1 on 1) and on 4 of 5 in the second. Source
# 0's free E lay below 0 on every set recorded (19 of 19), so the test checks both free E.
# Reading 76's third's sets 1863273044 to 1863273048 and 692672661 to 692672665: free E
# −7.57 and −4.15, −3.66 and −5.18 (source 1 on the edge in both), the held-floor law +0.064
# and +0.034 above the runs' best mean (the first outside 0.05, inside 0.1), predicted share
# 0.28 and 0.24, best runs 0.3, 0.5, 0.5, 0.3, 0.3 and 0.5, 0.5, 0.3, 0.5, 0.3. Counted: the
# claim held on 26 sets (the 21 recorded above with their values, this reading's among them,
# and the third and fourth readings' 5 sets from 61803399, 14142136, 73205081, 52917403,
# 66043187, whose values are not recorded and which were run before source 0's free E was
# checked); source 0's free E below 0 on 21 of the 21 recorded; "within 0.05" on 15 of the
# 21 whose gap is recorded, "within 0.1" on all 26. The 30-fresh-seed pool (2026-11-29, the
# sets of five from each pool seed): held on 28 of 30. On the set from 972831000 the
# held-floor law's best goal, 0.9546, lay 0.001 below the runs' best mean (0.9560, share 0.3);
# on the set from 1519791000 the free fit put source 0 on the grid's edge (E −7.79) and not
# source 1 (E −1.95, β 0.1, off the edge), so the test stopped at its first assert; re-run to
# the end for a fourth cold reading (2026-11-30, the test's steps on sl.mixing(1519791000 +
# i), i = 0 … 4), the rest held there: the held-floor fits off the edge, their best goal
# 0.948, 0.012 above the runs' best mean (0.936, share 0.5; best share per seed 0.3, 0.3,
# 0.5, 0.3, 0.5), the free law's 0.742, 0.154 below every run. So "above the runs' best mean"
# failed on 1 set of the 56, the statement as a whole on 2. Stated as the chapter counts it,
# 54 sets of 56 (the 26 above, the CI seed's set from 3201 among them, and these 30; a cold
# reading found the marker's earlier 29 of 31 counted the CI seed's set twice and left out
# the 25 others). The fifth cold reading of 2026-11-30 (reader read2932) ran one set more,
# the pairs (1711203345 + i, 906614771 + i), i = 0 … 4 (training seed, text seed): both free
# E below 0 (−1.47, −1.57) but neither free fit on the grid's edge, so the statement failed
# there on its first assert; the rest held (held-floor fits off the edge, their best goal
# 0.048 above the runs' best mean, 0.937 at share 0.3; predicted share 0.30, best share per
# seed 0.3, 0.3, 0.3, 0.3, 0.5; the free law's best goal 0.065 below every run): 54 of 57
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(54, 57), text="ch32: on five seeds' mean, the mixing law with free "
                                        "E is not determined (source 1 on the grid's edge, both "
                                        "E below 0) and promises a loss more than 0.05 below "
                                        "every run; with E held at the window floors its best "
                                        "goal lies above the runs' best mean, by under 0.1; "
                                        "54 of 57 sets of seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_32_the_mixing_law_needs_its_floors_and_then_errs_high(seed):
    rows = [sl.mixing(seed + i) for i in range(5)]       # five seeds from this one

    def mean(key):
        return np.mean([r[key] for r in rows])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # source 1's free fit: on the edge
        free = [nb.fit_mixing_law(*mixing_runs(k, mean)) for k in (0, 1)]
    floors = nb.data.two_sources.WINDOW_ENTROPY_6
    laws = [nb.fit_mixing_law(*mixing_runs(k, mean), fix_E=floors[k]) for k in (0, 1)]
    assert free[1].on_edge and free[0].E < 0 and free[1].E < 0, free
    assert not any(law.on_edge for law in laws), laws
    w = np.linspace(0.01, 0.99, 99)

    def best_goal(pair):
        return (0.5 * (pair[0].predict(sl.LARGE, w) + pair[1].predict(sl.LARGE, 1 - w))).min()

    runs = np.array([[0.5 * (r[f"s{s}_D{sl.LARGE}_src0"] + r[f"s{s}_D{sl.LARGE}_src1"])
                      for s in sl.SHARES] for r in rows])            # (seeds, shares)
    assert 0 < best_goal(laws) - runs.mean(0).min() < 0.1, (best_goal(laws), runs)
    assert runs.min() > best_goal(free) + 0.05, (best_goal(free), runs)
