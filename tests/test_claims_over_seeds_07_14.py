"""Chapters 07–14's conclusions over seeds, re-run with seeds no notebook uses (issue 41).

Each chapter asserts its comparisons on a table of seeds: ten or eight run in the notebook
(08, 09) or stored by ``tools/seed_tables.py`` (10–13). A fixed seed must not fake them, so
every conclusion a chapter asserts on *every* seed of its table is re-run here on new seeds,
through the same experiment functions (the chapters' modules in nnbook.experiments), in the
form of tests/claims.py: one seed per test, stated to hold on every seed, or as a count of
new seeds where new seeds found exceptions (chapters 10 and 11): 4001 in CI (4002 too
until 2026-12-01);
`nox -s fresh_seeds` draws new ones. Conclusions asserted on a pooled or averaged table
(08's edge-like filters, 09's cross-entropy of the predictions and last epoch) are re-run on
a pool of the same size, range(seed, seed + 10) (4001-4010 in CI), which is cheap there.
Chapter 12's rates over its draws ("below no technique on 7 of 10 draws",
"λ = 0 below every λ > 0 on 3") are claims too, stated as (k, n) over its ten stored
draws and thirty new ones (the comment above them); the notebook's asserts only check
that its text matches the stored tables. Chapters 07 and 14 train nothing
and compare no random runs. About 15–30 s of CPU with one BLAS thread (the less on a quiet
machine), a third of it chapter 13's two CNNs.
"""

import functools

import numpy as np
import pytest
from claims import seeds

from nnbook.experiments import (batchnorm_effect, digits_baselines, learned_filters,

# Issue 76 (session 51): every claim here about trained models or sampled runs is a rate over
# a pool that includes the 30 fresh seeds of 2026-11-29 (`python tests/fresh_seeds.py --heavy
# --seeds 30`, commit 79766ba: 219900, 105392300, 121249900, 418744000, 531243100, 573014800,
# 584997000, 741051000, 842783200, 929566100, 959874300, 972831000, 1124537100, 1146760900,
# 1173063400, 1233287500, 1265746600, 1345326700, 1384345200, 1385633600, 1448770000,
# 1467375200, 1519791000, 1523877300, 1678136900, 1909874200, 2017658700, 2041625600,
# 2130162700, 2141360800): a claim stated "every" until then is now k of (30 + its CI fixed
# seeds), a stated (k, n) is (k + the fresh passes, n + 30).
                                optimizers_compared, regularisers, spiral_classifier)

NEW_SEEDS = (4001,)               # no notebook or stored table uses it
POOL_START = 4001                 # a pool of ten for the pooled claims, range(s, s + 10)

# Chapter 09's runs, each trained once per process: the two pooled claims read the same ten
# (range(POOL_START, POOL_START + 10)), whose first two are NEW_SEEDS, which two more claims
# read, and two claims read each features_run. Keyed by the arguments (the seed itself), so a
# fresh seed never reads a fixed seed's run. Without it: 24 loss runs instead of 10 (about 4 s).
_loss_run = functools.lru_cache(maxsize=None)(spiral_classifier.loss_run)
_features_run = functools.lru_cache(maxsize=None)(spiral_classifier.features_run)


# -- chapter 08: the small CNN's filters and its test digits ----------------------------

def _random_edge_rate(n=2000):
    kernels = np.random.default_rng(4000).standard_normal((n, 3, 3))
    return np.mean([max(learned_filters.edge_cosine(k, learned_filters.EDGE_HORIZONTAL),
                        learned_filters.edge_cosine(k, learned_filters.EDGE_VERTICAL)) > 0.65
                    for k in kernels])


# Issue 76: stated for every pool until a 10-seed fresh run found one where it failed
# (1026811099's pool). Its pool now: FIXED's, the 30 of 2026-11-29 (all held) and that run's
# 10 (9 held): 40 of 41.
@pytest.mark.claim(stated=(40, 41), text="ch08: pooled over ten seeds, more edge-like filters "
                                         "than chance, more horizontal than vertical; test "
                                         ">= 0.9, a shift hurts less than a turn; 40 of 41 "
                                         "pools")
@pytest.mark.parametrize("seed", seeds(POOL_START))
def test_08_pooled_edge_filters_beat_chance_and_are_mostly_horizontal(seed):
    rows = [learned_filters.cnn_run(s) for s in range(seed, seed + 10)]
    chance = _random_edge_rate()
    assert 0.1 < chance < 0.16
    assert sum(r["edge-like"] for r in rows) > chance * 8 * len(rows)
    assert sum(r["horizontal"] for r in rows) > sum(r["vertical"] for r in rows)
    for r in rows:                  # per seed: accuracy, and a shift against a turn
        assert r["test"] >= 0.9 and r["turned"] < 0.25
        assert r["shifted"] > r["turned"] + 0.2


# -- chapter 09: squares against raw coordinates; MSE against cross-entropy -------------

# Stated for every draw until the eighth fresh run (2026-11-26): on seed 501366600 the
# squares reached 0.867 held out against the raw coordinates' 0.920. Re-run on 300 new
# draws (the multiples of 100 from 9,100,100 to 9,130,000): the squares reached 0.9 on 298
# (0.853 at the lowest) and were ahead of the raw coordinates or level on 295; both on
# 294. Chapter 09 says the counts; its own 8 draws (range(8)) are checked in the notebook.
# The forty-ninth reading's four fresh draws (75517675, 15665367, 20625790, 20254473) held
# both (squares 0.933 to 1.0, raw 0.880 to 0.920): 302 and 299 of 304.
@pytest.mark.claim(stated=(332, 334), text="ch09: the squares learn the spirals (>= 0.9 held "
                                           "out; 332 of 334 new draws)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_09_squares_learn_the_spirals(seed):
    assert _features_run(seed)["with squares"] >= 0.9


@pytest.mark.claim(stated=(329, 334), text="ch09: the squares never trail the raw "
                                           "coordinates (329 of 334 new draws)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_09_squares_do_not_trail_the_raw_coordinates(seed):
    r = _features_run(seed)
    assert r["with squares"] >= r["raw"]


@pytest.mark.claim(stated=(31, 31), text="ch09: over ten seeds, cross-entropy ahead over the "
                                         "last 10 epochs on at least 9, ahead at the last "
                                         "epoch on most; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(POOL_START))
def test_09_cross_entropy_ahead_over_the_last_10_epochs(seed):
    rows = [_loss_run(s) for s in range(seed, seed + 10)]
    # ahead on each of the chapter's ten seeds, but on 339 of 340 new ones (behind by
    # 0.014 in the pool from 1880228100): the pool of ten allows one. Its rate per seed is
    # the next test's
    assert sum(r["CE last 10"] > r["MSE last 10"] for r in rows) >= 9
    assert sum(r["CE last"] > r["MSE last"] for r in rows) > len(rows) / 2


# Stated with the claim above for every pool until the twenty-first fresh run (2026-11-28):
# in the pool from 549118700 cross-entropy's predictions had the mean cross-entropy 0.8164
# over the last 10 epochs against mean squared error's 0.8145 (its runs swing: 0.59 to
# 1.11 there). Re-run on 200 new pools of ten (from 2,100,000,000 by 10): lower on all 200,
# by 0.047 at the least. So 209 of 210 pools nobody chose; the forty-ninth reading's four
# pools (from 75517675, 15665367, 20625790, 20254473) held it too, 0.551 to 0.691 against
# 0.807 to 0.821: 213 of 214. Chapter 09 says so.
@pytest.mark.claim(stated=(243, 244), text="ch09: over ten seeds, cross-entropy's predictions "
                                           "have the lower mean cross-entropy over the last "
                                           "10 epochs (243 of 244 pools nobody chose)")
@pytest.mark.parametrize("seed", seeds(POOL_START))
def test_09_cross_entropy_has_the_lower_mean_cross_entropy(seed):
    rows = [_loss_run(s) for s in range(seed, seed + 10)]
    assert np.mean([r["CE xent 10"] for r in rows]) < np.mean([r["MSE xent 10"] for r in rows])


# Per seed, the count chapter 09 quotes ("ahead on 339 of 340 new seeds"): 299 of 300
# before, then the forty-ninth reading's 40 seeds (its four pools above), ahead on all 40
# by 0.053 at the least. The pooled test above allows one seed behind in ten; this one
# lets a fresh run judge the rate itself.
@pytest.mark.claim(stated=(369, 370), text="ch09: cross-entropy ahead in accuracy over the "
                                           "last 10 epochs (369 of 370 new seeds)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_09_cross_entropy_ahead_over_the_last_10_epochs_per_seed(seed):
    r = _loss_run(seed)
    assert r["CE last 10"] > r["MSE last 10"]


# Section 8's reading of the swings: mean squared error's accuracy swings less than
# cross-entropy's over the last 10 epochs at α = 0.5 (0.058 to 0.196 against 0.182 to 0.502
# on the forty-ninth reading's 40 seeds), and at α = 0.1 cross-entropy's swing is below its
# own at 0.5 (0.040 to 0.164): both on 40 of 40; on the chapter's ten seeds too (asserted
# there for the first).
@pytest.mark.claim(stated=(68, 70), text="ch09: MSE's accuracy swings less than cross-"
                                         "entropy's, and α = 0.1 calms cross-entropy's "
                                         "(68 of 70 new seeds)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_09_mse_steadier_and_a_smaller_rate_calms_cross_entropy(seed):
    r, slow = _loss_run(seed), _loss_run(seed, lr=0.1)
    assert r["MSE swing"] < r["CE swing"]
    assert slow["CE swing"] < r["CE swing"]


# -- chapter 10: scaled against byte inputs; the dense network and the CNN --------------

def scaling(seed):
    """Section 3b's runs on scaled and on byte inputs (digits_baselines caches them per seed)."""
    return digits_baselines.scaled_inputs(seed), digits_baselines.byte_inputs(seed)


# Over 100 new seeds (the 30 of the three recorded fresh runs, 100100-101000 by 100 and 60
# more, re-run on today's code) the runs on scaled inputs come out the same when the
# starting weights change in their 15th digit, but the byte runs at α = 5e-3 and 5e-4 are
# chaotic: such a change moved their accuracy by up to 0.125 and 0.088 (4 changes on each
# of 70 seeds). Fresh seed 1064044400 (2026-11-26) failed the old claim on another machine and
# passes here; with one such change its byte run at α = 5e-4 tied the scaled best (0.896).
@pytest.mark.claim(stated=(130, 130), text="ch10: byte inputs start 3x higher; α = 0.5 and 0.05 "
                                           "leave them guessing where α = 0.05 learns scaled "
                                           "inputs (>= 0.85); α = 5e-4 is too slow for scaled "
                                           "inputs (130 of 130 new seeds: the 100 below and "
                                           "the pool's 30)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_10_scaling_story(seed):
    # 100 new seeds: first loss 4.9x or more; bytes at most 0.15 at α = 0.5 and 0.05; scaled
    # at least 0.873 at α = 0.05, at most 0.28 at α = 5e-4
    s, b = scaling(seed)
    assert b["first loss"] > 3 * s["first loss"]
    assert max(b["α 0.5"], b["α 0.05"]) < 0.3 and s["α 0.05"] >= 0.85
    assert s["α 0.0005"] < 0.5


@pytest.mark.claim(stated=(127, 130), text="ch10: α = 0.5 learns scaled inputs too, >= 0.75 "
                                           "(127 of 130 new seeds)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_10_alpha_half_learns_scaled_inputs(seed):
    # 0.87 to 0.94 on the stored seeds; 0.68 at the lowest of 100 new ones
    s, _ = scaling(seed)
    assert s["α 0.5"] >= 0.75


@pytest.mark.claim(stated=(128, 130), text="ch10: α = 5e-4 learns bytes (>= 0.8), and no rate "
                                           "on bytes reaches the scaled best (128 of 130 new "
                                           "seeds)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_10_bytes_learn_at_a_small_rate_but_less(seed):
    # on one of 100 new seeds α = 5e-4 reached 0.793 on bytes; the best byte rate stayed
    # below the scaled best by 0.010 or more on all 100 (chaotic: see above)
    s, b = scaling(seed)
    rates = [f"α {lr:g}" for lr in digits_baselines.RATES]
    assert b["α 0.0005"] >= 0.8
    assert max(b[c] for c in rates) < max(s[c] for c in rates)


# Stated for every seed until the audit of session 39: over 162 new seeds (the tenth to
# thirteenth fresh runs, two of a timing run, and multiples of 100 from 10,501,000 to
# 10,512,900) both networks cleared their floors on every one of each split, but the CNN was
# 0.033 ahead on seed 10505400 (fixed split) and 0.036 on 10502700 (other splits), past the
# 0.03: 161 of 162 on each split.
@pytest.mark.parametrize("split", ["fixed", "other"])
@pytest.mark.claim(stated=(191, 192), text="ch10: dense >= 0.95, CNN >= 0.96, within 0.03 of "
                                           "each other (191 of 192 new seeds)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_10_dense_and_cnn_clear_their_floors_and_stay_close(seed, split):
    runs = digits_baselines
    r = runs.fixed_split(seed) if split == "fixed" else runs.other_splits(seed)
    assert r["dense"] >= 0.95 and r["CNN"] >= 0.96
    assert abs(r["CNN"] - r["dense"]) < 0.03


# -- chapter 11: optimizers and schedules on the digits ---------------------------------

@pytest.mark.claim(stated=(32, 32), text="ch11: momentum and Adam reach the target in half "
                                         "SGD's epochs; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_11_momentum_and_adam_reach_the_target_in_half_the_epochs(seed):
    runs = optimizers_compared
    reach, val = runs.epochs_to_target(seed), runs.final_validation(seed)
    assert max(reach["momentum"], reach["Adam"]) <= reach["SGD 0.03"] / 2
    assert abs(reach["SGD 0.3"] - reach["momentum"]) <= 2
    assert val["Adam"] < val["SGD 0.03"]


@pytest.mark.claim(stated=(32, 32), text="ch11: the constant rate ends with the lowest "
                                         "training loss; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_11_the_constant_rate_fits_best(seed):
    loss = optimizers_compared.final_training_loss(seed)
    assert loss["constant"] < min(loss["step"], loss["cosine"])


@pytest.mark.claim(stated=(38, 40), text="ch11: both schedules' validation spread is below 0.7 "
                                         "times the constant rate's (38 of 40 new starts)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_11_schedules_settle(seed):
    # fresh seeds 1077331300 and 1804547500 (2026-11-25): cosine 0.71x, step 1.28x
    spread = optimizers_compared.validation_spread(seed)
    assert max(spread["step"], spread["cosine"]) < 0.7 * spread["constant"]


# -- chapter 12: one draw of 150 digits, every technique --------------------------------

# Held on all 30 new draws of the 40-draw count below (7001-7010 and the 20 from
# 10,740,000, which ran this claim too), and on the pool's 30 (issue 76): the chapter says
# "all 60 new ones".
@pytest.mark.claim(stated=(60, 60), text="ch12: learned by heart; λ = 0.1 too strong; the "
                                         "chosen λ shrinks the weights; all above 0.8 (60 of "
                                         "60 new draws)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_12_conclusions_that_hold_on_every_draw(seed):
    over, grid = regularisers.overfitting(seed), regularisers.l2_grid(seed)
    norms = regularisers.weight_norms(seed)
    stop = regularisers.early_stopping(seed)
    test = regularisers.accuracy_on_test(seed)
    assert over["training accuracy"] == 1.0                     # learned by heart
    bottom = ["λ 0", "λ 0.0001", "λ 0.001", "λ 0.01"]
    assert grid["λ 0.1"] > 2 * max(grid[c] for c in bottom)     # λ = 0.1 far too strong
    assert norms["chosen λ"] < min(norms["no L2"], norms["start"])
    assert 1 - norms["chosen λ"] / norms["no L2"] > 0.05
    assert stop["epochs run"] == min(stop["best epoch"] + 10, 30)
    assert min(test.values()) > 0.8


# The fifth fresh run contradicted "more data beats every technique on every draw": on one
# seed early stopping on 150 digits scored 0.936 against 0.918 for all 1077. Over 100 more
# new seeds (multiples of 100 above 1,000,000) the 1077 digits were ahead on 99: on the
# other they scored 0.898, behind even the plain network's 0.909. 108 of those 110.
# Counted on 2026-11-26, not re-run since. The reading of session 43 found the 1077
# digits' test accuracy below the stored lowest (0.947) on three of five new draws
# (0.938 for chapter_run(10770100); 0.931 and 0.944 for the notebook re-seeded 10770400
# and 10770500), still ahead of every technique: the stored range is ten draws'.
@pytest.mark.claim(stated=(137, 140), text="ch12: all 1077 digits beat every technique "
                                           "applied to 150 (137 of 140 new draws)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_12_more_data_beats_every_technique(seed):
    test = regularisers.accuracy_on_test(seed)
    techniques = ["none", "L2", "dropout", "early stop", "shifts"]
    assert test["1077 digits"] > max(test[c] for c in techniques)


# Chapter 12's rates over 40 draws: the ten stored (seeds 1-10), the review's ten
# (seeds 7001-7010, ../shared/reviews/seeds-00-22-check.md, re-run on today's code) and
# twenty of a fresh run on 2026-11-27 (multiples of 100 from 10,740,000 to 10,741,900).
# Per claim: stored + review + fresh. Each reads the cached chapter_run of its seed,
# which the claims above have run.
# 10 + 8 + 20: on 7004 and 7006 the lowest validation loss came at epoch 30 (no turn)
@pytest.mark.claim(stated=(67, 70), text="ch12: the validation loss ends above its "
                                         "lowest: it turns up within 30 epochs (67 of "
                                         "70 draws)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_12_validation_loss_turns_up(seed):
    assert regularisers.overfitting(seed)["last / lowest"] > 1


def _below_none(seed, technique):
    val = regularisers.loss_on_validation(seed)
    return val[technique] < val["none"]


# 7 + 6 + 18 (on the others λ = 0 ends below every λ > 0: 3 + 4 + 2)
@pytest.mark.claim(stated=(50, 70), text="ch12: the chosen λ ends below λ = 0 on "
                                         "validation; on the others λ = 0 is below "
                                         "every λ > 0 (50 of 70 draws)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_12_l2_ends_below_no_technique(seed):
    # the chosen λ is the grid's lowest, so this is "some λ > 0 ends below λ = 0"
    assert _below_none(seed, "L2")


# 7 + 8 + 16
@pytest.mark.claim(stated=(52, 70), text="ch12: the chosen dropout rate ends below "
                                         "p = 0 on validation (52 of 70 draws)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_12_dropout_ends_below_no_technique(seed):
    # the chosen p is the grid's lowest, so this is "some p > 0 ends below p = 0"
    assert _below_none(seed, "dropout")


# 7 + 7 + 16
@pytest.mark.claim(stated=(51, 70), text="ch12: early stopping ends below no technique "
                                         "on validation (51 of 70 draws)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_12_early_stopping_ends_below_no_technique(seed):
    assert _below_none(seed, "early stop")


# 5 + 4 + 9
@pytest.mark.claim(stated=(33, 70), text="ch12: the one-pixel shifts end below no "
                                         "technique on validation on fewer than half "
                                         "(33 of 70 draws)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_12_shifts_end_below_no_technique(seed):
    assert _below_none(seed, "shifts")


# -- chapter 13: batch normalisation ----------------------------------------------------

# Stated for every seed until the audit of session 39: over 162 new seeds (as for chapter
# 10 above) it held on 158. On three (10501700, 10503100, 10510700) the network without BN
# at the small rate reached 0.29 to 0.34 in four epochs, under the 0.35 asked; on one
# (10508900) the network without BN at α = 0.5 stayed at chance by its loss (2.29) but got
# 0.31 of the digits right, over the 0.3 asked.
@pytest.mark.claim(stated=(188, 192), text="ch13: ten dense layers train at α = 0.5 only with "
                                           "batch norm (188 of 192 new seeds)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_13_ten_dense_layers_train_at_alpha_half_only_with_bn(seed):
    r = batchnorm_effect.deep_dense_run(seed)
    assert r["no BN, α 0.5: loss"] > 2.0 and r["no BN, α 0.5: acc"] < 0.3
    assert r["BN, α 0.5: loss"] < 0.8 and r["BN, α 0.5: acc"] > 0.6
    assert r["no BN, α 0.05: acc"] > 0.35


# Stated for every seed until the ninth fresh run: on seed 817688100 the network without BN
# got 201 of 450 right (far behind BN's 441, as the chapter says) but its loss was 72 times
# BN's, under the 100 asserted. On 40 new seeds (multiples of 100 from 9,500,100 to
# 9,504,000) the claim held on all 40 (the loss ratio 285 at least, no-BN 385 right at
# most, BN 436 at least); with the 40 seeds of the fifth to eighth runs, 80 of 81.
@pytest.mark.claim(stated=(110, 111), text="ch13: the two-block CNN trains at α = 0.1 only "
                                           "with batch norm (110 of 111 new seeds)")
@pytest.mark.parametrize("seed", seeds(*NEW_SEEDS))
def test_13_the_two_block_cnn_trains_at_alpha_01_only_with_bn(seed):
    r = batchnorm_effect.cnn_run(seed)
    assert r["BN: right"] >= 0.96 * 450
    assert r["no BN: right"] < min(0.9 * 450, r["BN: right"] - 36)
    assert r["no BN: loss"] > 100 * r["BN: loss"]
