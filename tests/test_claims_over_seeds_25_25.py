"""Chapter 25's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment function on a seed no notebook or stored table uses (in CI) or on
the fresh seeds of `nox -s fresh_seeds`, and asserts what the chapter says holds on every
seed. The tests that only re-read the stored tables check that the text matches them.

Costs with one BLAS thread: ``mixture_vae`` about 3 s a seed (shared by its three claims),
``digits_beta`` about 3 to 12 s a seed (three VAEs, shared by its five claims).
"""

import functools

import pytest
from claims import seeds

from nnbook.experiments import ch25_vae
from nnbook.experiments import seeds as stored

FIXED = (4001,)                   # no notebook or stored table uses it
ORDER = ("true NLL", "model NLL", "neg IWAE 100", "neg IWAE 10", "neg ELBO")
BETAS = [f"{b:g}" for b in ch25_vae.BETAS]
NAIVE_BELOW = 4                   # stored seeds with a naive set below the model (cell 30)
YARDSTICK = 5.0                   # chapter 26's: z ≥ 5 for true samples once in 2000 draws


@functools.lru_cache(maxsize=None)
def mixture_row(seed):
    return ch25_vae.mixture_vae(seed)


@functools.lru_cache(maxsize=None)
def beta_row(seed):
    return ch25_vae.digits_beta(seed)


def trade(row):
    """From β = 0.25 to 4: nats of −log p(x | z) gained (squared error over 2σ_x² = 0.1)
    per nat of KL given up, and the squared error's relative rise."""
    rise = row["rec β=4"] - row["rec β=0.25"]
    return rise / 0.1 / (row["KL β=0.25"] - row["KL β=4"]), rise / row["rec β=0.25"]


def ordered(row):
    return all(row[a] < row[b] for a, b in zip(ORDER[:-1], ORDER[1:]))


def kl_falls(row):
    kl = [row[f"KL β={b}"] for b in BETAS]
    return all(a > b for a, b in zip(kl, kl[1:]))


def large_beta_reconstructs_worse(row):
    # the chapter claims the rise only for β = 4 against 0.25 and 1: from 0.25 to 1 the
    # reconstruction error moves within the spread over seeds, either way
    return max(row["rec β=0.25"], row["rec β=1"]) < row["rec β=4"]


@pytest.mark.claim(stated="every", text="ch25: floor < model < −IWAE 100 < −IWAE 10 < −ELBO")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_bounds_keep_their_order(seed):
    row = mixture_row(seed)
    assert ordered(row), row


@pytest.mark.claim(stated="every",
                   text="ch25: IWAE 100 within 0.1 nat of the model; model gap over 0.3 nats")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_iwae_closes_the_inference_gap_not_the_model_gap(seed):
    row = mixture_row(seed)
    assert row["neg IWAE 100"] - row["model NLL"] < 0.1, row
    assert row["model NLL"] - row["true NLL"] > 0.3, row


@pytest.mark.claim(stated="every", text="ch25: the mixture VAE's samples are far from the "
                                        "truth (MMD z above chapter 26's yardstick 5)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_vae_samples_are_far_from_the_truth(seed):
    assert mixture_row(seed)["MMD z"] > YARDSTICK


@pytest.mark.claim(stated="every", text="ch25: a larger β gives a smaller KL")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_a_larger_beta_gives_a_smaller_kl(seed):
    row = beta_row(seed)
    assert kl_falls(row), row


@pytest.mark.claim(stated="every",
                   text="ch25: β = 4 reconstructs worse than β = 0.25 and β = 1")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_beta_4_reconstructs_worse(seed):
    row = beta_row(seed)
    assert large_beta_reconstructs_worse(row), row


# The β trade over 110 new seeds: the fourth fresh run's ten and a hundred drawn for this count
# (multiples of 100 above 100,000). The squared error's rise from β = 0.25 to 4 stayed
# between 0 and 10 % on all 110 (1.2 % to 6.1 % on the hundred, mean 3.8 %; 8.7 % on the
# fresh seed below): the every-seed claim. Its rate per nat of KL was between 0.2 and 1 on
# 108 (on the hundred 0.135 to 0.60, mean 0.40, sd 0.08; the two below 0.2 are seeds where
# β = 0.25 reconstructed worse than β = 1). The step from 0.25 to 1 moved the error less than
# the step from 1 to 4 on 109: on the hundred by 0.031 to 0.151 (mean 0.100, sd 0.023);
# on one fresh seed β = 0.25 reconstructed unusually well and the first step was the larger,
# 0.145 against 0.136. (The stored seeds give 0.36 to 0.43 nat per nat and 3.3 to 4.1 %, the
# notebook's seed 25 0.54 and 5.3 %.)
@pytest.mark.claim(stated="every", text="ch25: from β = 0.25 to 4, a rise in squared error "
                                        "under 10 %")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_beta_trade(seed):
    row = beta_row(seed)
    _, rise = trade(row)
    assert 0 < rise < 0.1, (rise, row)


@pytest.mark.claim(stated=(108, 110), text="ch25: from β = 0.25 to 4, 0.2 to 1 nat of "
                   "reconstruction per nat of KL (108 of 110 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_beta_trade_per_nat(seed):
    row = beta_row(seed)
    per_nat, _ = trade(row)
    assert 0.2 < per_nat < 1, (per_nat, row)


@pytest.mark.claim(stated=(109, 110), text="ch25: the step from β = 0.25 to 1 moves the error "
                   "less than the step from 1 to 4 (109 of 110 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_first_beta_step_moves_the_error_less(seed):
    row = beta_row(seed)
    small = abs(row["rec β=1"] - row["rec β=0.25"])
    assert small < row["rec β=4"] - row["rec β=1"], row


@pytest.mark.claim(stated=(NAIVE_BELOW, 5),
                   text="ch25: one of 20 sets of 100 prior draws lands below the model's "
                        f"−log p(x) on {NAIVE_BELOW} of the 5 stored seeds")
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
    assert beta.every(lambda r: 0.2 < trade(r)[0] < 1 and 0 < trade(r)[1] < 0.1)
