"""Chapter 27's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment function on a seed no notebook or stored table uses (in CI) or on
the fresh seeds of `nox -s fresh_seeds`, and asserts what the chapter says of a seed.
The test that only re-reads the stored table checks that the text matches it.

Costs with one BLAS thread, a seed: the guided DDIM samples, Langevin steps and simulated
null of section 3, about 3 s; the digits run of section 4 (a classifier, a conditional
denoiser, 300 samples at each of four weights), about 20 s: its claims are marked
heavy(ci=True), left out of a default fresh run (`-- --heavy` adds them), run in CI.
"""

import functools

import numpy as np
import pytest
from claims import seeds

from nnbook import generative as G
from nnbook.data import digits_split
from nnbook.experiments import guided_sampling as ch27
from nnbook.experiments import stored
from nnbook.experiments.diffusion_samplers import mixture
from nnbook.generative import LinearSchedule, exact_class_score, guided

# Issue 76 (session 54): the claims here are counts over pools that include the 30 fresh seeds
# of 2026-11-29 (listed in tests/test_claims_over_seeds_21_22.py; run by `tests/fresh_seeds.py
# --heavy` at 3ed7635): a claim stated "every" until then is 31 of 31 (the 30 and its CI fixed
# seed). Every claim held on all 30; the earlier fresh runs each comment records come on top.

FIXED = (4027,)                   # no notebook or stored table uses it


@functools.lru_cache(maxsize=None)
def digits_parts(seed):
    return ch27.digits_run(seed)


def digits_row(seed):
    return digits_parts(seed)[0]


def guided_ddim_2d(seed, ws=(1.0, 3.0, 6.0), n=500):
    """Section 3's guided DDIM samples on chapter 26's mixture, exact class scores, the top
    component, 100 steps, all weights from the same start (notebook 27's cell of the
    three-panel figure, with its start drawn from `seed`)."""
    mix, schedule = mixture(), LinearSchedule()
    start = np.random.default_rng(seed).standard_normal((n, 2))
    uncond = G.exact_class_noise(mix, schedule, None)
    cond = G.exact_class_noise(mix, schedule, ch27.CLASS)
    return {w: G.ddim_sample(G.guided(uncond, cond, w), start, schedule, steps=100)
            for w in ws}


# The cold reading's U3 (the narrowing was asserted on the notebook's start only). Measured
# on 20 new seeds, 10,570,400 to 10,572,300 by 100, and 4027 (2026-11-27): held on all of
# them. A fifth cold reading's fresh seeds, 63,345,976, 56,507,820 and
# 88,114,367 (2026-11-28): held on all 3, z at w = 6 107.5 to 110.9. A sixth's,
# 20,672,652, 79,298,752 and 36,087,950 (2026-11-28): held on all 3, z at w = 6 112.0
# to 118.2. The mistakes caught:
# w ignored (every weight the same samples), guidance that
# samples the tilted density (its mean stays put), a sampler that widens with w.
@pytest.mark.claim(stated=(31, 31), text="ch27: guided DDIM on the mixture's top class, "
                                        "exact scores: the samples' mean x2 climbs from "
                                        "w = 1 to 3 to 6, past the tilted mean by over 10 "
                                        "standard errors at w = 6, and their sd falls "
                                        "along both axes; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_guided_samples_climb_past_the_tilted_mean_and_narrow(seed):
    samples = guided_ddim_2d(seed)
    points, probs = ch27.tilted_grid(6.0)
    tilted_mean = probs @ points
    means = [x[:, 1].mean() for x in samples.values()]
    sds = np.array([x.std(0, ddof=1) for x in samples.values()])
    se_6 = sds[-1, 1] / np.sqrt(len(samples[6.0]))
    assert means[0] < means[1] < means[2], means
    assert means[2] - tilted_mean[1] > 10 * se_6, (means, tilted_mean)
    assert np.all(np.diff(sds, axis=0) < 0), sds


# The third cold reading's U1 (no cell ran guided samples below w = 1). Measured on 10
# new seeds, 10,630,000 to 10,630,900 by 100, and 4027 (2026-11-27): held on all of
# them; the samples' mean x2 0.70 to 0.86, 22 to 27 standard errors under the tilted
# 1.800, and 0.52 to 0.58 of them below x2 = 0.9, where the tilted density has under
# 1e-5 of its mass. A fourth cold reading's fresh seeds, 97,045,339, 79,167,366 and
# 93,008,799 (2026-11-28): held on all 3; mean x2 0.72 to 0.82, 23 to 26 standard
# errors under, 0.516 to 0.58 below x2 = 0.9 (so, over 13 new seeds and 4027, 0.51 to
# 0.58). A fifth cold reading's, 63,345,976, 56,507,820 and 88,114,367 (2026-11-28):
# held on all 3; 22 to 25 standard errors under, 0.504 to 0.556 below x2 = 0.9 (so,
# over 16 new seeds and 4027, 0.50 to 0.58). A sixth's, 20,672,652, 79,298,752 and
# 36,087,950 (2026-11-28): held on all 3; 22.5 to 24.7 standard errors under, 0.504 to
# 0.542 below x2 = 0.9 (so over 19 new seeds and 4027, 0.50 to 0.58). The mistakes
# caught: guidance that samples the tilted density below w = 1 (its mass stays on the
# class), w clipped to 1 or more (the samples stay on the class too).
@pytest.mark.claim(stated=(31, 31), text="ch27: guided DDIM on the mixture's top class "
                                        "at w = 0.25: the samples' mean x2 lies over "
                                        "10 standard errors under the tilted "
                                        "density's, and over 0.4 of them below x2 = "
                                        "0.9, where the tilted density has under 0.001 "
                                        "of its mass; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_guided_samples_below_w1_spread_off_the_class(seed):
    x2 = guided_ddim_2d(seed, ws=(0.25,))[0.25][:, 1]
    points, probs = ch27.tilted_grid(0.25)
    se = x2.std(ddof=1) / np.sqrt(len(x2))
    assert (probs @ points)[1] - x2.mean() > 10 * se, (x2.mean(), se)
    assert np.mean(x2 < 0.9) > 0.4 and probs[points[:, 1] < 0.9].sum() < 1e-3


# Measured on 20 new seeds, 100,000 to 100,019 (2026-11-27): the DDIM samples' z from 104
# to 242, the Langevin samples' from about −1 to 3.1. The bound's false-alarm rate for true
# tilted samples, simulated in the chapter's first two cold readings (15 references × 30
# sets, seed 10540700, 1 alarm; 20 references × 60 sets, 1 alarm): 2 of 1650, about
# 0.1 % a seed. On this mixture the class's tilted density is p(x | c) itself (total
# variation 1e-10), so the test cannot tell the two apart; the
# corrector at the wrong noise level, t = 0.1, is what it shows the bound catches.
# With the t = 0.1 corrector, on 12 new seeds, 10,550,100 to 10,551,200 by 100, and 4027
# (2026-11-27): all passed; z of DDIM 103 to 220, of Langevin −1.9 to 0.5, of the t = 0.1
# corrector 24 to 49. A fifth cold reading's fresh seeds, 63,345,976, 56,507,820
# and 88,114,367 (2026-11-28): passed; z of DDIM 148 to 248, of Langevin -1.0 to -0.1,
# of the t = 0.1 corrector 27 to 48. A sixth's, 20,672,652, 79,298,752 and
# 36,087,950 (2026-11-28): passed; z of DDIM 117 to 263, of Langevin -0.9 to -0.2, of
# the t = 0.1 corrector 31 to 63.
@pytest.mark.claim(stated=(31, 31), text="ch27: guided DDIM at w = 3 far from the tilted "
                                        "density, Langevin steps at noise level 0 bring "
                                        "it under null mean + 5 null sd, the same steps "
                                        "with the score at t = 0.1 do not; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_langevin_moves_guided_samples_onto_the_tilted_density(seed):
    rng = np.random.default_rng(seed)
    run = ch27.guided_then_langevin(rng, 3.0)
    bound = run["null mean"] + 5 * run["null sd"]
    assert run["MMD² DDIM"] > run["null mean"] + 20 * run["null sd"], run
    assert run["MMD² Langevin"] < bound, run
    mix, schedule = mixture(), LinearSchedule()
    score = guided(exact_class_score(mix, schedule, None),
                   exact_class_score(mix, schedule, ch27.CLASS), 3.0)
    wrong = ch27.langevin(lambda x, t: score(x, 0.1), run["ddim"], eta=1e-3, steps=600,
                          rng=rng)
    assert ch27.mmd2(wrong, run["ref"]) > bound, run


# On two overlapping components the class's tilted density differs from p(x | c) (total
# variation about 0.2), and the bound tells them apart: Langevin with the guided score
# (w = 3) passes, with the class score alone (w = 1) it fails. Measured on 12 new seeds,
# 10,550,100 to 10,551,200 by 100, and 4027 (2026-11-27): all passed; z of the guided
# corrector −2.2 to 2.4, of the class-score corrector 12.4 to 30.5 (of guided DDIM 24 to 50,
# not asserted: it is the first mixture's claim).
# A later cold reader's fresh seed 91,270,001 (2026-11-27): the class-score corrector's z
# 10.5, still above the bound (so over 14 seeds, 10.5 to 30.5).
# A fourth cold reading's fresh seeds, 97,045,339, 79,167,366 and 93,008,799
# (2026-11-28): passed;
# z of the guided corrector -0.4 to 0.6, of the class-score corrector 13.5 to 27.7 (so
# over 17 seeds, 10.5 to 30.5). On the first mixture the same 3: z of DDIM 116 to 164, of
# Langevin 0.2 to 1.6, of the t = 0.1 corrector 31 to 39. A fifth cold reading's fresh
# seeds, 63,345,976, 56,507,820 and 88,114,367 (2026-11-28): passed; z of the guided
# corrector -1.3 to 1.0, of the class-score corrector 12.1 to 33.0 (so over 20 seeds,
# 10.5 to 33.0; of guided DDIM 24 to 39). A sixth's, 20,672,652, 79,298,752 and
# 36,087,950 (2026-11-28): passed; z of the guided corrector -1.7 to 0.7, of the
# class-score corrector 13.5 to 23.3 (so over 23 seeds, 10.5 to 33.0; of guided DDIM
# 24.7 to 27.2).
@pytest.mark.claim(stated=(31, 31), text="ch27: on two overlapping components, Langevin "
                                        "with the guided score lands under the bound, "
                                        "with the class score (w = 1) above it; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_langevin_tells_the_tilted_density_from_the_class_density(seed):
    run = ch27.guided_then_langevin(np.random.default_rng(seed), 3.0,
                                    mix=ch27.overlapping_pair(), component=0, wrong_w=1.0)
    bound = run["null mean"] + 5 * run["null sd"]
    assert run["MMD² Langevin"] < bound, run
    assert run["MMD² Langevin, wrong w"] > bound, run


# Measured on 20 new seeds, 100,100 to 100,119 (2026-11-27); held on all of them. A fifth
# cold reading's fresh seeds, 63,345,976, 56,507,820 and 88,114,367 (2026-11-28): held on
# all 3; accuracy at w = 0 0.07 to 0.12, at w = 4 0.93 to 0.95. A sixth's, 20,672,652,
# 79,298,752 and 36,087,950 (2026-11-28): held on all 3; accuracy at w = 0 0.10 to
# 0.11, at w = 4 0.88 to 0.94
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(31, 31), text="ch27: digits, accuracy rises from w = 1 to 2 to 4 "
                                        "and the spread falls from w = 0 to 1 to 4; 31 of 31 "
                                        "seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_guidance_trades_spread_for_accuracy(seed):
    r = digits_row(seed)
    assert r["accuracy w=4"] > r["accuracy w=2"] > r["accuracy w=1"], r
    assert r["spread w=4"] < r["spread w=1"] < r["spread w=0"], r


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(31, 31), text="ch27: digits, w = 0 near chance (below 0.25), "
                                        "w = 4 above 0.8; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_unguided_near_chance_and_w4_accurate(seed):
    r = digits_row(seed)
    assert r["accuracy w=0"] < 0.25 and r["accuracy w=4"] > 0.8, r


# Measured on 10 new seeds, 10,550,100 to 10,551,000 by 100 (2026-11-27): held on all of
# them; from w = 0 to 4 it went from 1.86-1.97 to 1.05-1.12, the 30 test digits of each
# class giving 1.188 (the notebook's seed 27: 1.905 to 1.061). A fourth cold reading's
# fresh seeds, 97,045,339, 79,167,366 and 93,008,799 (2026-11-28): held on all 3, from
# 1.88-1.93 at w = 0 to 1.09-1.14 at w = 4. A fifth's, 63,345,976, 56,507,820 and
# 88,114,367 (2026-11-28): held on all 3, from 1.85-1.98 to 1.05-1.11. A sixth's,
# 20,672,652, 79,298,752 and 36,087,950 (2026-11-28): held on all 3, from 1.86-1.95 to
# 0.98-1.15.
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(31, 31), text="ch27: digits, the spread inside the training "
                                        "digits' top 10 principal directions falls from "
                                        "w = 0 to 1 to 2 to 4, and at w = 4 is below the "
                                        "test digits'; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_guidance_lowers_the_variety_itself(seed):
    samples = digits_parts(seed)[1]["samples"]
    s = [ch27.principal_spread(samples[w]) for w in (0.0, 1.0, 2.0, 4.0)]
    test_x, test_y = digits_split(flat=True)[4:]
    real = ch27.principal_spread(np.stack([test_x[test_y == k][:30] for k in range(10)]))
    assert s[0] > s[1] > s[2] > s[3], s
    assert s[3] < real, (s, real)


def outside_spread(images, k=10):
    """The mean distance of `principal_spread` in the training digits' other 64 − k
    principal directions (notebook 27's last cell of section 4): where the samples' speckle
    is, beside about two fifths of the digits' own within-class variance (42 % of the test
    digits', the notebook prints it)."""
    X_train = digits_split(flat=True)[0]
    vt = np.linalg.svd(X_train - X_train.mean(axis=0), full_matrices=False)[2]
    centred = images - images.mean(axis=1, keepdims=True)
    return float(np.sqrt(((centred @ vt[k:].T) ** 2).sum(axis=-1)).mean())


# The second cold reading's O1: the spread falls because the variety falls, not the speckle.
# Measured on 8 new seeds, 10,600,000 to 10,600,700 by 100, and 4027 (2026-11-27): held on
# all of them; from w = 0 to 4 the part outside the top 10 moved by -4.0 % to +4.4 % while
# the part inside fell by 39 % to 48 %, and from w = 2 to 4 the outside part rose on all 9
# (on the 9 runs of the reading, seeds 27 and 10,580,000 to 10,580,700: -8.1 % to +5.9 %,
# rising from w = 2 to 4 on all 9). The grey pixels' share (strictly between 0.05 and
# 0.95) fell from w = 0 to 4 on those 9 runs, 0.38-0.42 to 0.25-0.30. The raw spread, by
# contrast, rose from w = 2 to 4 on 2 of the 8 new seeds and on 4027 (and on 2 of the
# reading's 8), so the text claims its fall from w = 0 to 1 to 4 only. Counted over 28 runs
# (the 5 stored seeds; 17 fresh: 4027, 10,580,000 to 10,580,700 and 10,600,000 to
# 10,600,700 by 100; a later cold reading's 6, training seeds 12,700,001 to 12,700,006
# with sampling seeds 12,800,001 to 12,800,006) it rose from w = 2 to 4 on 5 of 28. A
# fourth cold reading's fresh seeds, 97,045,339, 79,167,366 and 93,008,799 (2026-11-28):
# held on all 3, the outside part -3.5 % to +1.4 %, the inside -40 % to -43 %, the outside
# rising from w = 2 to 4 on 3 of 3, grey pixels 0.40-0.42 to 0.25-0.30; the raw spread
# fell from w = 2 to 4 on all 3 (so it rose on 5 of 31). A fifth cold reading's,
# 63,345,976, 56,507,820 and 88,114,367 (2026-11-28): held on all 3, the outside part
# -6.6 % to -1.2 %, the inside -43 % to -45 %, the outside rising from w = 2 to 4 on 3
# of 3, grey pixels 0.38-0.41 to 0.28-0.30; the raw spread fell from w = 2 to 4 on all
# 3 (so it rose on 5 of 34). A sixth cold reading's, 20,672,652, 79,298,752 and
# 36,087,950 (2026-11-28): held on all 3, the outside part -3.4 % to -0.2 %, the inside -41 % to
# -47 %, the outside rising from w = 2 to 4 on 3 of 3, grey pixels 0.37-0.43 to
# 0.28-0.30; the raw spread fell from w = 2 to 4 on all 3 (so it rose on 5 of 37).
# The mistakes caught:
# a text that says guidance cleans the speckle; a sampler that shrinks every direction
# alike (its outside part falls with the inside one).
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(31, 31), text="ch27: digits, from w = 0 to 4 the spread outside "
                                        "the top 10 principal directions moves by under "
                                        "10 % while the spread inside falls by over 30 %; "
                                        "the outside part rises from w = 2 to 4; fewer "
                                        "grey pixels at w = 4 than at w = 0; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_guidance_lowers_the_variety_not_the_speckle(seed):
    samples = digits_parts(seed)[1]["samples"]
    inside = [ch27.principal_spread(samples[w]) for w in (0.0, 2.0, 4.0)]
    outside = [outside_spread(samples[w]) for w in (0.0, 2.0, 4.0)]
    grey = [np.mean((samples[w] > 0.05) & (samples[w] < 0.95)) for w in (0.0, 4.0)]
    assert abs(outside[2] / outside[0] - 1) < 0.1 and inside[2] / inside[0] < 0.7, (
        inside, outside)
    assert outside[2] > outside[1], outside
    assert grey[1] < grey[0], grey


def null_to_own_class_error(model, rng):
    """The noise-prediction error of the null pass over the own class's pass, on the 450
    test digits noised at t = 0.9, 0.5, 0.1 with noise from `rng` (notebook 27's cell of
    the trained denoiser)."""
    x_test, y_test = digits_split(flat=True)[4:]
    schedule, null, ratio = LinearSchedule(), G.class_function(model, None), {}
    for t in (0.9, 0.5, 0.1):
        noise = rng.standard_normal(x_test.shape)
        ab = float(schedule.alpha_bar(t))
        noised = np.sqrt(ab) * (2.0 * x_test - 1.0) + np.sqrt(1 - ab) * noise
        own = np.empty_like(noise)
        for k in range(10):
            own[y_test == k] = G.class_function(model, k)(noised[y_test == k], t)
        ratio[t] = np.mean((null(noised, t) - noise) ** 2) / np.mean((own - noise) ** 2)
    return ratio


# The third cold reading's U2 (nothing checked that the null class was trained). The
# bound 1.3 is set from the 5 stored seeds (1.13 to 1.16; with the class never dropped,
# p_uncond=0, 1.50 to 1.62 on the same seeds). Measured on 6 new seeds, 10,630,000 to
# 10,630,500 by 100 (2026-11-27), the noise from seed + 1: held on all of them, 1.14 to
# 1.18. A fourth cold reading's fresh seeds, 97,045,339, 79,167,366 and 93,008,799
# (2026-11-28): 1.16 to 1.17. A fifth's, 63,345,976, 56,507,820 and 88,114,367
# (2026-11-28): 1.14 to 1.16. A sixth's, 20,672,652, 79,298,752 and 36,087,950
# (2026-11-28): 1.15 to 1.18. The mistake caught: a null class never trained
# (p_uncond=0), which passes every other check in notebook 27's cell of the trained
# denoiser.
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(31, 31), text="ch27: digits, the null pass is a trained "
                                        "unconditional model: at t = 0.5 its noise "
                                        "error on noised test digits is under 1.3 "
                                        "times the own class's; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_null_class_is_trained_as_the_unconditional_model(seed):
    model = digits_parts(seed)[1]["model"]
    ratio = null_to_own_class_error(model, np.random.default_rng(seed + 1))
    assert ratio[0.5] < 1.3, ratio


# The third cold reading's U (notebook 27's "at t = 0.9 the null pass even does a little
# better" had no check). Measured on 2 new seeds, 33,270,017 and 33,270,029 (2026-11-28,
# the noise from seed + 7): 0.88 and 0.89; the notebook's seed 27: 0.88. A fourth cold
# reading's fresh seeds, 97,045,339, 79,167,366 and 93,008,799 (2026-11-28, the noise
# from seed + 1): 0.88 to 0.90. A fifth's, 63,345,976, 56,507,820 and 88,114,367
# (2026-11-28): 0.875 to 0.886. A sixth's, 20,672,652, 79,298,752 and 36,087,950
# (2026-11-28): 0.883 to 0.893.
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(31, 31), text="ch27: digits, at t = 0.9 the null pass's noise "
                                        "error on noised test digits is below the own "
                                        "class's; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_null_pass_is_no_worse_at_high_noise(seed):
    model = digits_parts(seed)[1]["model"]
    ratio = null_to_own_class_error(model, np.random.default_rng(seed + 1))
    assert ratio[0.9] < 1, ratio


# The fourth cold reading's U1 and U2: with the class never dropped (p_uncond=0, the null
# column left at its random initial weights) the table's trade-off appears too, so only
# these two checks tell a trained null class from an untrained one. Measured on 10 runs:
# the reading's 5 (training seeds 12,700,001 to 12,700,005, sampling 12,800,001 to
# 12,800,005) and 4027, 11,670,000 to 11,670,300 by 100 (2026-11-27): the null pass's
# error ratio at t = 0.5 was 1.44 to 1.65 (over 1.3 on 10 of 10; 4027: 1.61), and the
# spread outside the top 10 principal directions fell from w = 0 to 4 by 12 % to 37 %
# (over 10 % on 10 of 10; 4027: 17 %). The same runs' table: accuracy under 0.25 at
# w = 0 on 10 of 10, over 0.8 at w = 4 on 9 of 10 (11,670,100: 0.78), rising from w = 1
# to 2 to 4 on 8 of 10, the spread falling from w = 0 to 1 to 4 on 10 of 10. The mistake
# caught: a text, or a check, that takes the trade-off for proof of a learned
# unconditional model. A fourth cold reading's fresh seeds, 97,045,339, 79,167,366 and
# 93,008,799 (2026-11-28): the ratio 1.58 to 1.60, the outside spread falling by 27 %
# to 34 %; accuracy under 0.25 at w = 0 and over 0.8 at w = 4 on 3 of 3 (lowest 0.807),
# rising from w = 1 to 2 to 4 on 2 of 3, the spread falling from w = 0 to 1 to 4 on 3 of
# 3 (so over 13 runs: 13, 12, 10 and 13 of 13). A fifth cold reading's,
# 63,345,976, 56,507,820 and 88,114,367 (2026-11-28): the ratio 1.55 to 1.64, the outside
# spread falling by 12 % to 33 % (56,507,820: 12.1 %);
# accuracy under 0.25 at w = 0 and over 0.8 at w = 4 on 3 of 3 (lowest 0.867), rising
# from w = 1 to 2 to 4 on 3 of 3, the spread falling from w = 0 to 1 to 4 on 3 of 3 (so
# over 16 runs: 16, 15, 13 and 16 of 16). A sixth cold reading's, 20,672,652,
# 79,298,752 and 36,087,950 (2026-11-28): the ratio 1.61 to 1.69 (36,087,950: 1.692,
# the highest yet), the outside spread falling by 27 % to 39 % (20,672,652: 38.8 %);
# accuracy under 0.25 at w = 0 and over 0.8 at w = 4 on 3 of 3 (lowest 0.85), rising
# from w = 1 to 2 to 4 on 3 of 3, the spread falling from w = 0 to 1 to 4 on 3 of 3
# (so over 19 runs: 19, 18, 16 and 19 of 19).
@functools.lru_cache(maxsize=None)
def untrained_null_parts(seed):
    # samples at the two weights the claim reads only (each weight's samples come from the
    # same start whichever others are drawn; w = 1 and 2 cost 0.7 s each)
    return ch27.digits_run(seed, weights=(0.0, 4.0), p_uncond=0.0)[1]


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(31, 31), text="ch27: digits with a null class never trained "
                                        "(p_uncond=0): the null pass's error ratio at "
                                        "t = 0.5 is over 1.3, and the spread outside the "
                                        "top 10 principal directions falls by over 10 % "
                                        "from w = 0 to 4; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_an_untrained_null_class_fails_the_two_checks(seed):
    parts = untrained_null_parts(seed)
    ratio = null_to_own_class_error(parts["model"], np.random.default_rng(seed + 1))
    outside = [outside_spread(parts["samples"][w]) for w in (0.0, 4.0)]
    assert ratio[0.5] > 1.3, ratio
    assert outside[1] / outside[0] < 0.9, outside


# The fourth cold reading's O1: only DDIM narrows on the mixture. Guided DDPM from the same
# start (100 steps, its noise from seed + 1) barely leaves the tilted density. Measured on
# 4027 and 17,000,001 to 17,000,005 (2026-11-27): this test passed on all 6; with the
# noise drawn from the start's own generator instead, at w = 6 DDPM's mean x2 was 0.04 to
# 0.06 past the tilted 1.800 against DDIM's 0.41 to 0.42, and its x2 sd 0.90 to 0.99 of
# its own at w = 1 (DDIM's about 0.5); the reading's 3 starts at 200 steps and 2000
# samples agree. The mistake caught: a text
# that says every guided sampler narrows here. A fourth cold reading's fresh seeds,
# 97,045,339, 79,167,366 and 93,008,799 (2026-11-28): passed; DDPM's excess 0.05 to 0.06
# against DDIM's 0.41, its sd ratio 0.97 to 0.99. A fifth's, 63,345,976, 56,507,820
# and 88,114,367 (2026-11-28): passed; excess 0.04 to 0.06 against 0.41 to 0.42, sd
# ratio 0.98. A sixth's, 20,672,652, 79,298,752 and 36,087,950 (2026-11-28): passed;
# excess 0.05 to 0.06 against 0.41 to 0.42, sd ratio 0.98 to 0.99.
@pytest.mark.claim(stated=(31, 31), text="ch27: guided DDPM on the mixture's top class, "
                                        "exact scores, w = 6: its mean x2 past the tilted "
                                        "mean by under a fifth of DDIM's excess, its sd "
                                        "over 0.8 of its own at w = 1; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_guided_ddpm_barely_moves(seed):
    mix, schedule = mixture(), LinearSchedule()
    start = np.random.default_rng(seed).standard_normal((500, 2))
    uncond = G.exact_class_noise(mix, schedule, None)
    cond = G.exact_class_noise(mix, schedule, ch27.CLASS)
    ddpm = {w: G.ddpm_sample(G.guided(uncond, cond, w), start, schedule, steps=100,
                             rng=np.random.default_rng(seed + 1))[:, 1] for w in (1.0, 6.0)}
    ddim_6 = guided_ddim_2d(seed, ws=(6.0,))[6.0][:, 1]
    points, probs = ch27.tilted_grid(6.0)
    tilted = (probs @ points)[1]
    assert ddpm[6.0].mean() - tilted < 0.2 * (ddim_6.mean() - tilted), (ddpm, tilted)
    assert ddpm[6.0].std(ddof=1) > 0.8 * ddpm[1.0].std(ddof=1)


def test_the_text_matches_the_stored_table():
    table = stored("27_digits_guidance")
    assert table.every(lambda r: r["accuracy w=4"] > r["accuracy w=2"] > r["accuracy w=1"])
    assert table.every(lambda r: r["spread w=4"] < r["spread w=1"] < r["spread w=0"])
    assert table.every(lambda r: r["accuracy w=0"] < 0.25 and r["accuracy w=4"] > 0.8)
