"""Chapter 25's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment function on a seed no notebook or stored table uses (in CI) or on
the fresh seeds of `nox -s fresh_seeds`, and asserts what the chapter says holds (on every
seed, or on the count it states). The tests that only re-read the stored tables check that the text matches them.

Costs with one BLAS thread: ``mixture_vae`` about 3 s a seed (shared by its three claims),
``digits_beta`` about 5 to 20 s a seed (three VAEs, shared by its seven claims).
"""

import functools

import pytest
from claims import seeds

from nnbook.experiments import vae_bounds
from nnbook.experiments import seeds as stored

# Issue 76 (session 53): the claims here are rates over pools that include the 30 fresh seeds
# of 2026-11-29 (listed in tests/test_claims_over_seeds_21_22.py; run by `tests/fresh_seeds.py
# --heavy` at 7a805b3): a claim stated "every" until then is k of (30 + its CI fixed seed) or,
# where earlier fresh runs were counted, of those runs' seeds + 30; a stated (k, n) is
# (k + the fresh passes, n + 30).
# Seed 842783200 broke the four claims on β's trade and the stored spread (its first step's
# rate 1.04 nats per nat, above that step's upper β; 1.505 from β = 0.25 to 4; the squared
# error rose 16.8 %); a set of prior draws landed below the model on 24 of the 30.

FIXED = (4001,)                   # no notebook or stored table uses it
ORDER = ("true NLL", "model NLL", "neg IWAE 100", "neg IWAE 10", "neg ELBO")
BETAS = [f"{b:g}" for b in vae_bounds.BETAS]
SECANT = (1.0, 1.5)               # nats of reconstruction per nat of KL, β 0.25 → 4
RISE = (0.09, 0.14)               # the squared error's relative rise over z ~ q, β 0.25 → 4
MARGIN = 3                        # column ranges around the stored spread (the notebook's)
NAIVE_BELOW = 4                   # stored seeds with a naive set below the model (cell 30)
YARDSTICK = 5.0                   # chapter 26's: z ≥ 5 for true samples once in 2000 draws


@functools.lru_cache(maxsize=None)
def mixture_row(seed):
    return vae_bounds.mixture_vae(seed)


@functools.lru_cache(maxsize=None)
def beta_row(seed):
    return vae_bounds.digits_beta(seed)


def secant(row, a, b):
    """From β = a to β = b: nats of −E_q log p(x | z) gained (the squared error over z ~ q,
    over 2σ_x² = 0.1) per nat of KL given up. For models optimal at each β the loss's
    rate–distortion curve has slope −β, so this lies between a and b."""
    gained = (row[f"E_q rec β={b:g}"] - row[f"E_q rec β={a:g}"]) / 0.1
    return gained / (row[f"KL β={a:g}"] - row[f"KL β={b:g}"])


def rise(row):
    """The squared error over z ~ q, its relative rise from β = 0.25 to 4."""
    return row["E_q rec β=4"] / row["E_q rec β=0.25"] - 1


def ordered(row):
    return all(row[a] < row[b] for a, b in zip(ORDER[:-1], ORDER[1:]))


def kl_falls(row):
    kl = [row[f"KL β={b}"] for b in BETAS]
    return all(a > b for a, b in zip(kl, kl[1:]))


def large_beta_reconstructs_worse(row):
    # decoding μ(x), the chapter claims the rise only for β = 4 against 0.25 and 1: from
    # 0.25 to 1 that error moves within the spread over seeds, either way
    return max(row["rec β=0.25"], row["rec β=1"]) < row["rec β=4"]


def the_loss_error_rises_each_step(row):
    e = [row[f"E_q rec β={b}"] for b in BETAS]
    return all(a < b for a, b in zip(e, e[1:]))


def secants_between_their_betas(row):
    b = vae_bounds.BETAS
    return all(lo < secant(row, lo, hi) < hi for lo, hi in zip(b, b[1:]))


# The mixture VAE over 10 new seeds (the first ten multiples of 100 above seven million):
# the order of the bounds held on all 10; IWAE 100 came within 0.023 to 0.039 nat of the
# model; the model gap was 0.43 to 0.49 nats (the VAE stayed above the floor on all 10, the
# text's "every new seed"), the inference gap 0.33 to 0.49 (the stored seeds' 0.38 to 0.43
# do not span it); the samples' MMD z was 42.2 to 54.9 (another reader's new seed gave
# 65.7, so the stored 42 to 59 does not span it either), the decoder means' z 18.3 to 34.2,
# below the stored seeds' 26 on 4 of the 10; a naive set landed below the model on 9 of 10.
@pytest.mark.claim(stated=(31, 31), text="ch25: floor < model < −IWAE 100 < −IWAE 10 "
                                          "< −ELBO; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_bounds_keep_their_order(seed):
    row = mixture_row(seed)
    assert ordered(row), row


@pytest.mark.claim(stated=(31, 31),
                   text="ch25: IWAE 100 within 0.1 nat of the model; model gap over 0.3 nats; "
                        "31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_iwae_closes_the_inference_gap_not_the_model_gap(seed):
    row = mixture_row(seed)
    assert row["neg IWAE 100"] - row["model NLL"] < 0.1, row
    assert row["model NLL"] - row["true NLL"] > 0.3, row


@pytest.mark.claim(stated=(31, 31), text="ch25: the mixture VAE's samples are far from the "
                                         "truth (MMD z above chapter 26's yardstick 5); "
                                         "31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_vae_samples_are_far_from_the_truth(seed):
    assert mixture_row(seed)["MMD z"] > YARDSTICK


@pytest.mark.claim(stated=(31, 31), text="ch25: a larger β gives a smaller KL; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_a_larger_beta_gives_a_smaller_kl(seed):
    row = beta_row(seed)
    assert kl_falls(row), row


@pytest.mark.claim(stated=(31, 31),
                   text="ch25: β = 4 reconstructs worse than β = 0.25 and β = 1; "
                        "31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_beta_4_reconstructs_worse(seed):
    row = beta_row(seed)
    assert large_beta_reconstructs_worse(row), row


# The β trade over 100 new seeds, the first 100 multiples of 100 above six million. From β =
# 0.25 to 4 the loss's reconstruction (the squared error over z ~ q, over 0.1) rose by 1.05 to
# 1.44 nats per nat of KL (mean 1.24, sd 0.08): between 1 and 1.5 on 100. Step by step the
# rates were 0.17 to 0.72 (β 0.25 → 1) and 1.89 to 2.62 (1 → 4): between the step's two β's on
# 98 of 100, as the loss's slope −β implies for models optimal at each β; on the other two the
# first step's rate fell below 0.25 (the trained models are not exactly optimal, and that step
# is small against the noise of training). The squared error over z ~ q rose by 9.7% to 14.7%
# (mean 11.6%), between 9 and 14 % on 97; by 0.031 to 0.168 from 0.25 to 1 and 0.264 to 0.385
# from 1 to 4, rising at each step with the first step the smaller on 100. The KL fell at each
# step on 100. Decoding μ(x) instead (the "rec" columns): β = 4 was worst on 100; from 0.25 to
# 1 that error fell on 12 of the 100 (the text's count), and its rate per nat of KL was -0.22
# to 0.41, below 0.25 on 94. (The stored seeds: 1.20 to 1.25 nats per nat and 10.9 to 12.2 %;
# seed 25: 1.30 and 12.6 %.) These replace the earlier counts over 110 seeds, which measured
# the error at z = μ(x), not the loss's term.
# The tenth fresh run (2026-11-26, benchmarks/results.md) broke two of these claims stated for
# every seed: on 396625200 and 1023320000 the first step was nearly flat (its rate 0.026 and
# -0.024 nats per nat: from β = 0.25 to 4, 0.97 and 0.95 nats per nat, below 1; on the second
# the error even fell from 0.25 to 1). 100 more new seeds (multiples of 100 from 9,700,100 to
# 9,710,000) gave: from 0.25 to 4 between 1 and 1.5 on 99 (1.52 on 9709700), the error rising
# at each step with the first step the smaller on 99 (it fell, by 0.003, on 9709900), each
# step between its two β's on 98 (the first step's rate below 0.25 on the other two, as
# before), a rise of 9 to 14 % on 97 (8.7 % once, 14.6 to 15.8 % three times). Pooled over
# the 210 new seeds (the first 100, the tenth run's 10, these 100) the claims state their
# counts, and chapter 25 says them; the "rec" counts in the text are the first 100's.
@pytest.mark.claim(stated=(238, 240), text="ch25: the loss's reconstruction error (over z ~ "
                                           "q) rises at each step of β, the first step less "
                                           "(238 of 240 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_loss_error_rises_with_beta(seed):
    row = beta_row(seed)
    assert the_loss_error_rises_each_step(row), row
    first = row["E_q rec β=1"] - row["E_q rec β=0.25"]
    assert first < row["E_q rec β=4"] - row["E_q rec β=1"], row


@pytest.mark.claim(stated=(233, 240), text="ch25: each step's nats of reconstruction per nat "
                   "of KL lie between its two β's (233 of 240 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_beta_trade_lies_between_the_betas(seed):
    row = beta_row(seed)
    assert secants_between_their_betas(row), row


@pytest.mark.claim(stated=(236, 240), text="ch25: from β = 0.25 to 4, 1 to 1.5 nats of "
                   "reconstruction per nat of KL (on 236 of 240 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_beta_trade_per_nat(seed):
    row = beta_row(seed)
    assert SECANT[0] < secant(row, 0.25, 4) < SECANT[1], row


@pytest.mark.claim(stated=(232, 240), text="ch25: from β = 0.25 to 4, "
                   "a rise of 9 to 14 % in the squared error over z ~ q "
                   "(on 232 of 240 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_beta_trade_in_squared_error(seed):
    row = beta_row(seed)
    assert RISE[0] < rise(row) < RISE[1], row


# The notebook's check that its seed lies within the stored spread, give or take MARGIN
# column ranges (cell after the β table): on the same 100 new seeds every column lay within
# it on 98 (the check's false-alarm rate); within one column range on only 67. The
# farthest was 3.62 ranges outside (E_q rec β=4).
@pytest.mark.claim(stated=(127, 130), text="ch25: a new seed's KLs and errors lie within the "
                   "stored spread, give or take 3 column ranges (the notebook's check; "
                   "127 of 130 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_a_new_seed_lies_within_the_margin(seed):
    row, table = beta_row(seed), stored.stored("25_digits_beta")
    for key, value in row.items():
        spread = table.max(key) - table.min(key)
        assert table.contains(value, key, margin=MARGIN * spread), (key, value)


@pytest.mark.claim(stated=(NAIVE_BELOW + 24, 5 + 30),
                   text="ch25: one of 20 sets of 100 prior draws lands below the model's "
                        f"−log p(x) on {NAIVE_BELOW} of the 5 stored seeds and on 24 of 30 "
                        "fresh ones")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_a_set_of_prior_draws_can_land_below_the_model(seed):
    assert mixture_row(seed)["naive min − model"] < 0


def test_the_text_matches_the_stored_tables():
    table = stored.stored("25_mixture_vae")
    assert table.every(ordered)
    assert table.every(lambda r: r["neg IWAE 100"] - r["model NLL"] < 0.1
                       and r["model NLL"] - r["true NLL"] > 0.3 and r["MMD z"] > YARDSTICK)
    assert table.count(lambda r: r["naive min − model"] < 0) == NAIVE_BELOW
    beta = stored.stored("25_digits_beta")
    assert beta.every(kl_falls) and beta.every(large_beta_reconstructs_worse)
    assert beta.every(the_loss_error_rises_each_step) and beta.every(secants_between_their_betas)
    assert beta.every(lambda r: SECANT[0] < secant(r, 0.25, 4) < SECANT[1]
                      and RISE[0] < rise(r) < RISE[1])
