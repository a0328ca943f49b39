"""Chapter 26's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment function on a seed no notebook or stored table uses (in CI) or on
the fresh seeds of `nox -s fresh_seeds`, and asserts what the chapter says of every seed
(or, stated as k of n, of that share). The test that only re-reads the stored tables checks
that the text matches them.

The yardstick (``ch26.YARDSTICK``, z < 5) is read from the simulated null; a claim "under
the yardstick" therefore fails on a sampler that is exact with probability about 1 in 2000 a
seed. Costs with one BLAS thread, a seed: the null 200 draws, 3 s; the exact samplers at
100/30/10 steps, under 1 s; the 8000-sample bias check (shared by six claims), about 6 s;
the trained networks (two trainings, shared by six claims), about 12 s.
"""

import functools

import numpy as np
import pytest
from claims import seeds

from nnbook.experiments import diffusion_samplers as ch26
from nnbook.experiments import seeds as stored

# Issue 76 (session 53): the claims here are rates over pools that include the 30 fresh seeds
# of 2026-11-29 (listed in tests/test_claims_over_seeds_21_22.py; run by `tests/fresh_seeds.py
# --heavy` at 7a805b3): a claim stated "every" until then is k of (30 + its CI fixed seed); a
# stated (k, n) is (k + the fresh passes, n + 30). Fresh seeds that broke a claim: exact DDPM
# 100 at or below 0 on 573014800, 2130162700 and above the yardstick on 959874300, 1448770000,
# 1523877300; exact DDIM 30 above the yardstick on 959874300, 972831000, 1265746600,
# 1909874200; cosine DDIM 30 not a little above Euler on 741051000, 842783200, 929566100,
# 959874300, 1448770000, 1467375200, 1523877300; with 8000 samples DDIM 100 above the
# yardstick on 418744000, 1146760900; trained Euler 100 not below DDIM on 972831000.

FIXED = (4026,)                   # no notebook or stored table uses it
Y = ch26.YARDSTICK


@functools.lru_cache(maxsize=None)
def exact_row(seed):
    return ch26.sampler_steps(seed, steps=(100, 30, 10))


@functools.lru_cache(maxsize=None)
def bias_row(seed):
    return ch26.sampler_bias(seed)


@functools.lru_cache(maxsize=None)
def trained(seed):
    return ch26.trained_functions(seed)


@functools.lru_cache(maxsize=None)
def learned_row(seed):
    return ch26.learned_steps(seed, functions=trained(seed))


@functools.lru_cache(maxsize=None)
def paired_row(seed):
    return ch26.learned_paired(seed, functions=trained(seed))


@functools.lru_cache(maxsize=None)
def diagnosis(seed):       # the trained DDPM 100 samples' diagnosis: two claims read it
    return ch26.learned_diagnosis(seed, functions=trained(seed))


@pytest.mark.claim(stated=(31, 31), text="ch26: 1000 true samples give z ≥ 5 about once in "
                                         "2000 draws; z's mean 0 and sd 1; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_simulated_null_matches_the_yardstick(seed):
    # 200 draws: at a rate of 0.15 % (above the 1 in 2000 stored), 4 or more alarms have
    # probability about 3e-4; the mean's standard error is 0.07 and the sd's about 0.07,
    # so the bounds below sit 5 and 4 standard errors out
    row = ch26.mmd_null(seed, draws=200)
    assert row[f"share ≥ {Y:g}"] <= 3 / 200, row
    assert abs(row["mean"]) < 0.35 and abs(row["sd"] - 1) < 0.3, row


# The 1000-sample counts below were measured on 200 new seeds, the multiples of 100 from
# 7,000,100 to 7,020,000 (sampler_steps at 100/30/10 steps; fix of cold reading 26). The
# every-seed claims here held on all 200; each (k, n) states its count on those seeds.
@pytest.mark.claim(stated=(230, 230), text="ch26: exact functions, 100 steps: DDIM and Euler "
                                           "under the yardstick; 230 of 230 new seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_100_exact_steps_of_ddim_and_euler_are_under_the_yardstick(seed):
    # DDPM 100 is left out: it is under the yardstick on the 5 stored seeds, but its bias
    # (test_ddpm_100_bias_shows_with_more_samples) put it at 5.1 on fresh seed 8422
    row = exact_row(seed)
    assert max(row["DDIM 100"], row["Euler 100"]) < Y, row


# DDPM 100's bias is too small to show at 1000 samples: its z was above 0 on the 5 stored
# seeds, but on 168 of the 200 new seeds (true samples: on about 4 draws in 10); the cell of
# section 8 that asserts "above 0 on all 5" only checks that the text matches the table
@pytest.mark.claim(stated=(196, 230), text="ch26: exact DDPM 100, 1000 samples: z above 0 "
                                           "(5 of 5 stored seeds, 196 of 230 new)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_ddpm_100_above_0(seed):
    row = exact_row(seed)
    assert row["DDPM 100"] > 0, row


# Under the yardstick on 196 of the 200 new seeds (largest z 5.8): the bias that
# test_ddpm_100_bias_shows_with_more_samples shows with 8000 samples
@pytest.mark.claim(stated=(223, 230), text="ch26: exact DDPM 100, 1000 samples: under the "
                                           "yardstick (223 of 230 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_ddpm_100_under_the_yardstick(seed):
    row = exact_row(seed)
    assert row["DDPM 100"] < Y, row


@pytest.mark.claim(stated=(31, 31), text="ch26: exact score, 10 steps: DDPM above DDIM above "
                                         "the yardstick; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_10_steps_ddpm_worse_than_ddim(seed):
    row = exact_row(seed)
    assert row["DDPM 10"] > row["DDIM 10"] > Y, row


@pytest.mark.claim(stated=(31, 31), text="ch26: exact, linear schedule: Euler 10 below DDPM 10 "
                                         "and DDIM 10; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_euler_beats_diffusion_at_10_steps(seed):
    row = exact_row(seed)
    assert row["Euler 10"] < min(row["DDPM 10"], row["DDIM 10"]), row


# "Under the yardstick" was part of this every-seed claim; it failed on 2 of the 200 new
# seeds (Euler 30 at 5.0 and 6.2), so it is now a count of its own below. The paired
# order held on all 200, and on the 162 new seeds of session 39's audit (the tenth to
# thirteenth fresh runs, two of a timing run, multiples of 100 from 10,501,000 to
# 10,512,900) against DDIM; against DDPM (which draws fresh noise at every step, so is not
# paired) it failed once there (seed 10501800: Euler 4.13, DDPM 3.33), so that half is a
# count of its own: 361 of 362.
@pytest.mark.claim(stated=(31, 31), text="ch26: exact, 30 steps, same start: Euler below DDIM; "
                                         "31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_euler_below_ddim_at_30_steps_paired(seed):
    row = exact_row(seed)
    assert row["Euler 30"] < row["DDIM 30"], row


@pytest.mark.claim(stated=(391, 392), text="ch26: exact, 30 steps: Euler below DDPM (391 of "
                                           "392 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_euler_below_ddpm_at_30_steps(seed):
    row = exact_row(seed)
    assert row["Euler 30"] < row["DDPM 30"], row


@pytest.mark.claim(stated=(228, 230), text="ch26: exact Euler 30: under the yardstick "
                                           "(5 of 5 stored seeds, 228 of 230 new)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_euler_30_under_the_yardstick(seed):
    row = exact_row(seed)
    assert row["Euler 30"] < Y, row


# DDIM 30 is near the yardstick: 0 to 4.4 on the stored seeds, under it on 186 of the 200
# new seeds (largest z 8.6)
@pytest.mark.claim(stated=(212, 230), text="ch26: exact DDIM 30: under the yardstick "
                                           "(5 of 5 stored seeds, 212 of 230 new)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_ddim_30_under_the_yardstick(seed):
    row = exact_row(seed)
    assert row["DDIM 30"] < Y, row


# Held on the 200 new seeds above; the ninth fresh run broke it once (seed 705367800).
# On 100 more new seeds (multiples of 100 from 9,300,100 to 9,310,000) the gap ran from
# -1.55 to 1.29, within 2 on all 100: 300 of 301 counting the fresh run's failure.
@pytest.mark.claim(stated=(330, 331), text="ch26: exact, 10 steps: DDIM on the cosine "
                                           "schedule ties Euler (within 2; 330 of 331 new "
                                           "seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_cosine_ddim_ties_euler_at_10_steps(seed):
    row = exact_row(seed)
    assert abs(row["DDIM-cos 10"] - row["Euler 10"]) < 2, row


# The live check of section 8 (notebook seed 26 at 10 steps inside the stored spread,
# widened by 15 for DDPM 10 and 5 for DDIM 10): its false-alarm rate, counted on 300 new
# seeds, the multiples of 100 from 8,000,100 to 8,030,000, drawn after the margins were
# set. One fell outside (DDIM 10 at 24.9): about 0.3 %, under 1.9 % at 95 % confidence.
# (The margin of 10 for DDPM 10 it had before let 6 of those 300 out: DDPM 10 ran from
# 20.2 to 50.5, wider than the stored 32.3 to 38.3.)
@pytest.mark.claim(stated=(329, 330), text="ch26: the notebook's live window at 10 steps "
                                           "holds a new seed (329 of 330 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_notebooks_window_at_10_steps(seed):
    row = exact_row(seed)
    table = stored.stored("26_samplers_exact")
    assert table.contains(row["DDPM 10"], "DDPM 10", margin=15), row
    assert table.contains(row["DDIM 10"], "DDIM 10", margin=5), row


# With the exact functions Euler is DDIM on the straight path's schedule (the notebook
# asserts it), so DDIM-cos against Euler compares two time grids from the same noise: a
# small gap of mostly one sign. DDIM-cos 30 - Euler 30 was above 0 on the 5 stored seeds
# (0.02 to 0.33) and on 163 of the 200 new seeds, from -0.61 to +0.47 (within 0.35 on 181
# of them: the cold reading's "always within 0.35", from 12 draws, does not hold)
@pytest.mark.claim(stated=(186, 230), text="ch26: exact, 30 steps, same start: DDIM on the "
                                           "cosine schedule a little above Euler (186 of 230 "
                                           "new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_cosine_ddim_a_little_above_euler_at_30_steps(seed):
    row = exact_row(seed)
    assert row["DDIM-cos 30"] > row["Euler 30"], row


# The 8000-sample claims, measured on 250 new seeds: the third fresh run's ten and 240 more
# drawn for this count (multiples of 100 above 100,000). A fixed bias adds its MMD² to the
# estimate's mean while the null spread shrinks as 1/n, so z's mean grows in proportion to
# n; the samples' scatter around the bias adds to z's spread a part that grows with n too.
# So one draw of a sampler with a small bias lands on either side of 0, and of the
# yardstick, now and then, however right the code: over the new seeds DDIM 100's z had
# mean 2.3 and sd 1.6 (-0.54 to 9.9), Euler 100's mean 0.8 and sd 1.4 (up to 7.8), true
# samples' mean 0.06 and sd 1.0 (z > 0 on 112 of the 250: "z above 0" alone is weak
# evidence of a bias). Those are counts, stated as measured. What holds on every seed is
# paired: DDIM and Euler are deterministic and carry the same starting noise to nearly
# the same points, so their z's share the draw's luck and their difference keeps the
# bias: DDIM - Euler had mean 1.5 and sd 0.43, smallest 0.46 (a normal law with those puts
# it at or below 0 on about 2 seeds in 10,000: the false-alarm rate a seed of the
# every-seed claim below). DDPM adds noise of its own at every step, and its z, far above
# DDIM's on average (mean 10.9), fell below it on two new seeds. DDPM above the yardstick
# held on all 250, the smallest z 5.4.
@pytest.mark.claim(stated=(280, 280), text="ch26: with 8000 samples exact DDPM 100 is above the "
                                           "yardstick, true samples under it; 280 of 280 new "
                                           "seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_ddpm_100_bias_shows_with_more_samples(seed):
    row = bias_row(seed)
    assert row["DDPM 100"] > Y > row["true"], row


@pytest.mark.claim(stated=(280, 280), text="ch26: with 8000 samples from the same noise, exact "
                                           "DDIM 100's z is above Euler 100's; 280 of 280 new "
                                           "seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_ddim_100_above_euler_100_from_the_same_noise(seed):
    row = bias_row(seed)
    assert row["DDIM 100"] > row["Euler 100"], row


@pytest.mark.claim(stated=(277, 280), text="ch26: with 8000 samples exact Euler 100 is under "
                                           "the yardstick (277 of 280 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_euler_100_under_the_yardstick_with_more_samples(seed):
    row = bias_row(seed)
    assert row["Euler 100"] < Y, row


# The tenth fresh run (2026-11-26) found it at or below 0 on 2 of its 10 (-0.08 and -0.38),
# outside the interval of 244 of 250. On 100 more new seeds (multiples of 100 from 9,900,100
# to 9,910,000, where the other 8000-sample claims held inside their counts, the every-seed
# ones on all 100): above 0 on 96. Pooled, 348 of 360.
@pytest.mark.claim(stated=(378, 390), text="ch26: with 8000 samples exact DDIM 100's z is "
                                           "above 0 (378 of 390 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_ddim_100_above_0_with_more_samples(seed):
    row = bias_row(seed)
    assert row["DDIM 100"] > 0, row


@pytest.mark.claim(stated=(262, 280), text="ch26: with 8000 samples exact DDIM 100 is under "
                                           "the yardstick (262 of 280 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_ddim_100_under_the_yardstick_with_more_samples(seed):
    row = bias_row(seed)
    assert row["DDIM 100"] < Y, row


@pytest.mark.claim(stated=(278, 280), text="ch26: with 8000 samples exact DDIM 100's z is "
                                           "below DDPM 100's (278 of 280 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_ddim_100_below_ddpm_100_with_more_samples(seed):
    row = bias_row(seed)
    assert row["DDIM 100"] < row["DDPM 100"], row


@pytest.mark.claim(stated=(31, 31), text="ch26: trained, 100 steps: DDPM and DDIM above the "
                                         "yardstick; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_samplers_are_far_from_the_truth(seed):
    row = learned_row(seed)
    assert min(row["DDPM 100"], row["DDIM 100"]) > Y, row


# The trained-Euler counts, pooled over every new seed measured (learned_steps): the fresh
# runs' 6 (5 held); the 10 of the paired tests' comment below (9 held on each: seed
# 10,730,100 broke both); session 43's reader's 2, 10,760,000 and 10,760,100 (2 held on
# each: 27.8 < 58.2 and 43.3 < 73.6 at 10 steps, 24.6 < 37.0 and 37.3 < 57.8 at 100); and
# 30 fresh seeds, the multiples of 100 from 10,800,000 to 10,802,900 (30 held at 10 steps,
# 29 at 100: seed 10,801,000 broke it). At 10 steps 46 of 48; at 100 steps 40 of 42
# (the fresh runs' 6 left out: their outcomes at 100 steps are not recorded here); on the
# 5 stored seeds 5 and 4.
@pytest.mark.claim(stated=(76, 78), text="ch26: trained, 10 steps: Euler below DDPM and DDIM "
                                         "(5 of 5 stored seeds, 76 of 78 new)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_euler_beats_diffusion_at_10_steps(seed):
    row = learned_row(seed)
    assert row["Euler 10"] < min(row["DDPM 10"], row["DDIM 10"]), row


@pytest.mark.claim(stated=(69, 72), text="ch26: trained, 100 steps: Euler below DDIM (4 of 5 "
                                         "stored seeds, 69 of 72 new)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_euler_below_ddim_at_100_steps(seed):
    row = learned_row(seed)
    assert row["Euler 100"] < row["DDIM 100"], row


# Held on the 10 new seeds of the paired tests' comment, on session 43's reader's 2 and on
# the 30 fresh seeds from 10,800,000 to 10,802,900 (30 of 30; their z values were not kept):
# 42 of 42 new seeds.
@pytest.mark.claim(stated=(72, 72), text="ch26: trained velocity network, Euler 100 above the "
                                         "yardstick; 72 of 72 new seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_euler_100_is_far_from_the_truth(seed):
    row = learned_row(seed)
    assert row["Euler 100"] > Y, row


# The notebook's paired live checks (sections 8 and 9): from the same starting noise, the
# trained sampler's end points against the exact sampler's, the median distance between
# paired points (ch26.learned_paired). The draw's luck is shared, so the distance is left
# with the networks' error along the paths. On the 5 stored seeds (measured once, not
# stored): DDIM 0.135 to 0.185, Euler 0.067 to 0.095 (the notebook's seed: 0.22 and 0.07).
# On 10 new seeds, the multiples of 100 from 10,730,000 to 10,730,900: DDIM 0.120 to
# 0.185, Euler 0.059 to 0.089, both under their bounds on all 10 (their z: DDIM 36 to 62,
# Euler 19 to 41, above the yardstick on all 10). The mistakes the bounds catch, measured
# on the stored seeds: the networks fed 1 - t (flow matching's clock in diffusion's, or
# the reverse) put DDIM at 0.47 to 0.91 and Euler at 0.43 to 0.46; on seed 0 the same
# networks stopped after 1000 of their 4000 steps land at 0.39 and 0.19, after 200 at 0.58
# and 0.54. (On those 10 new seeds trained Euler was below DDPM and DDIM at 10 steps, and
# below DDIM at 100 steps, on 9: seed 10,730,100 broke both.) Session 43's cold reading
# measured 2 more, 10,760,000 and 10,760,100: trained DDIM 0.132 and 0.123, Euler 0.057
# and 0.092; fed 1 - t DDIM 0.47 and 0.92, Euler 0.43 and 0.45; stopped after 1000 steps
# DDIM 0.347 and 0.336, Euler 0.145 and 0.225. So the quarter-trained networks land just
# above the bounds (by 0.005 on one seed): the bounds do not reliably catch them, and the
# notebook names only the 1 - t mistake. Then 30 fresh seeds, the multiples of 100 from
# 10,800,000 to 10,802,900 (python tests/fresh_seeds.py --seed-base 10800000 --seeds 30
# -k ...): under both bounds on all 30, DDIM 0.125 to 0.220, Euler 0.065 to 0.112; fed
# 1 - t DDIM 0.38 to 1.27, Euler 0.40 to 0.50. Pooled, trained networks stayed under the
# bounds on 42 of 42 new seeds: a false-alarm rate under 8.4 % at 95 % confidence
# (Clopper-Pearson), the rate the notebook states.
@pytest.mark.claim(stated=(72, 72), text="ch26: trained, 100 steps, same start as the exact "
                                         "DDIM: median distance under 0.3; 72 of 72 new seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_ddim_lands_near_the_exact_ddim(seed):
    assert paired_row(seed)["DDIM 100"] < 0.3, paired_row(seed)


@pytest.mark.claim(stated=(31, 31), text="ch26: trained, 100 steps, same start as the exact "
                                         "Euler: median distance under 0.14; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_euler_lands_near_the_exact_euler(seed):
    assert paired_row(seed)["Euler 100"] < 0.14, paired_row(seed)


# The trained samples' diagnosis (section 7's table and the summary): a haze where the
# true log-density is below -5 (over 5 %; true samples put 1.3 % there, and over 50 of
# 1000 with chance 2e-15) and every component wider than the truth across its thin axis
# by over 20 %. The notebook's seed: 21 %, 1.78 to 3.06. On 60 fresh seeds, both held on
# all 60: the multiples of 100 from 10,800,000 to 10,802,900 (haze 14.6 % to 22.4 %,
# thin-axis ratios 1.48 to 3.22), a fresh-seeds run of 10 (2026-11-27, among them
# 884,769,900: 16.9 %, 1.56 to 2.83) and 11,660,000 to 11,661,900 by 100 (15.7 % to
# 22.8 %, from 1.45). Session 43's reader found the same on 10,760,000 and 10,760,100
# from another starting noise.
@pytest.mark.claim(stated=(90, 90), text="ch26: trained DDPM 100: a haze between the "
                                         "components, thin axes too wide; 90 of 90 new seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_samples_show_the_haze(seed):
    low, share, thin = diagnosis(seed)
    assert low > 0.05 and np.all(thin > 1.2), (low, share, thin)


# The same samples' central component thinned below 0.116 (its weight 0.15 less 3
# binomial standard errors; the notebook's seed: 0.081). Not on every seed: the
# fresh-seeds run of 10 (2026-11-27) failed the once-"every" claim on seed 884,769,900,
# where the central share was 0.123 (the haze and the thin axes held there). Counted on
# 60 fresh seeds: 30 of 30 on 10,800,000 to 10,802,900 by 100 (0.053 to 0.103), 9 of 10
# in that run, 20 of 20 on 11,660,000 to 11,661,900 by 100 (0.052 to 0.111): 59 of 60.
@pytest.mark.claim(stated=(89, 90), text="ch26: trained DDPM 100: the central component "
                                         "thinned (its share under 0.116; 89 of 90 new "
                                         "seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_samples_thin_the_central_component(seed):
    share = diagnosis(seed)[1]
    assert share[3] < 0.116, share


def test_the_text_matches_the_stored_tables():
    null = stored.stored("26_mmd_null")
    assert null.mean(f"share ≥ {Y:g}") < 0.005
    exact = stored.stored("26_samplers_exact")
    assert exact.every(lambda r: max(r[f"{s} {n}"] for s in ("DDPM", "DDIM", "Euler")
                                     for n in (1000, 100)) < Y)
    assert exact.every(lambda r: r["DDPM 10"] > r["DDIM 10"] > Y and r["DDPM 100"] > 0)
    assert exact.every(lambda r: r["Euler 10"] < min(r["DDPM 10"], r["DDIM 10"]))
    assert exact.every(lambda r: r["Euler 30"] < r["DDIM 30"])
    assert np.all(np.abs(exact["DDIM-cos 30"] - exact["Euler 30"]) < 0.35)
    assert np.all(np.abs(exact["DDIM-cos 10"] - exact["Euler 10"]) < 1)
    bias = stored.stored("26_samplers_bias")
    assert bias.every(lambda r: r["DDPM 100"] > Y > max(r["true"], r["Euler 100"]))
    assert bias.every(lambda r: 0 < r["DDIM 100"] < Y)
    assert bias.every(lambda r: r["Euler 100"] < r["DDIM 100"] < r["DDPM 100"])
    learned = stored.stored("26_samplers_learned")
    assert learned.every(lambda r: min(r["DDPM 100"], r["DDIM 100"]) > Y
                         and r["Euler 10"] < min(r["DDPM 10"], r["DDIM 10"]))
    assert learned.count(lambda r: r["Euler 100"] < r["DDIM 100"]) == 4
