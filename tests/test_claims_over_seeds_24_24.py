"""Chapter 24's conclusions over seeds (tests/claims.py), re-run with seeds the notebook and
the stored tables (nnbook/experiments/fewer_bits.py: language models 24–33, digits
0–4) do not use. One seed trains the small language model once (about a second; shared by
the format, part and int8 claims; once more from an N(0, 1) embedding start) and the
digits MLP five times (float32, mixed and a
bfloat16 master at learning rate 0.02; float32 and a bfloat16 master at 0.1)."""

import functools

import numpy as np
import pytest
from claims import seeds

from nnbook.experiments import fewer_bits as ch24

# Issue 76 (session 53): the claims here are rates over pools that include the 30 fresh seeds
# of 2026-11-29 (listed in tests/test_claims_over_seeds_21_22.py; run by `tests/fresh_seeds.py
# --heavy` at 7a805b3): a claim stated "every" until then is k of (30 + its CI fixed seed) or,
# where earlier fresh runs were counted, of those runs' seeds + 30; a stated (k, n) is
# (k + the fresh passes, n + 30).
# Fresh seeds that broke a claim: groups of 16 lost to int4 per channel on 1146760900,
# 1265746600, 1384345200, 1467375200; the feed-forward matrices cost 0.01 or more on
# 531243100; from the N(0, 1) start the embedding cost less than twice the next part on
# 105392300, 418744000, 741051000, 1124537100, 1173063400, 1385633600, 1909874200, and on
# 1173063400 it was not the most sensitive part (below). The embedding was the most
# sensitive part from chapter 20's start on 16 of the 30.

FIXED = 7301   # used by no notebook, table or other test


@functools.lru_cache(maxsize=None)     # every seed's rows kept: the tests take the seeds in turn
def rows(seed):
    """The seed's formats row, the int4 cost of each part, and int8's share of held-out
    positions with float64's most likely next character, from one trained model."""
    parts = ch24.parts_row(seed)
    cost = {p: parts[p] - parts["float64"] for p in ch24.PARTS}
    return ch24.formats_row(seed), cost, ch24.top_char_agreement(seed)


def formats(seed):
    return rows(seed)[0]


def parts(seed):
    return rows(seed)[1]


@functools.lru_cache(maxsize=None)
def digit_run(seed, kind, lr):
    """``(held-out loss, mean unchanged share, per-step sets)`` of one digits run; the
    sets (float32 only: ``train_digits``' return_no_gradient) else None."""
    if kind == "float32":
        _, held_out, same, sets = ch24.train_digits(
            seed, kind, lr=lr, return_unchanged=True, return_no_gradient=True)
        return held_out, float(same.mean()), sets
    _, held_out, same = ch24.train_digits(seed, kind, lr=lr, return_unchanged=True)
    return held_out, float(same.mean()), None


def digits(seed):
    return {(kind, lr): digit_run(seed, kind, lr)[:2]
            for lr, kinds in ((0.02, ("float32", "mixed", "bfloat16 master")),
                              (0.1, ("float32", "bfloat16 master")))
            for kind in kinds}


@functools.lru_cache(maxsize=None)
def n01_cost(seed):
    """The int4 cost of each part of the seed's model trained from an N(0, 1) embedding
    start (the same text and batches)."""
    row = ch24.parts_row(seed, emb_std=1.0)
    return {p: row[p] - row["float64"] for p in ch24.PARTS}


@pytest.mark.claim(stated=(31, 31), text="ch24: float32, bfloat16 and int8 weights cost less "
                   "than 0.01 bits/char over float64; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_float32_bfloat16_and_int8_cost_less_than_a_hundredth(seed):
    r = formats(seed)
    assert max(abs(r[k] - r["float64"]) for k in ("float32", "bf16", "int8")) < 0.01


# Stated for every seed until the audit of session 39: over 162 new seeds (the tenth to
# thirteenth fresh runs, two of a timing run, multiples of 100 from 10,501,000 to 10,512,900)
# it held on 161; on seed 10505700 int4 cost 0.0067 bits/char, 9.5 times int8's 0.0007.
@pytest.mark.claim(stated=(191, 192), text="ch24: int4 per channel costs more than 10 times "
                   "int8's change, and every format stays above the grammar's own loss (191 of "
                   "192 new seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_int4_costs_clearly_more_than_int8(seed):
    r = formats(seed)
    assert r["int4"] - r["float64"] > 10 * abs(r["int8"] - r["float64"])
    assert min(r[k] for k in ("float64", "float32", "bf16", "int8", "int4", "int4/16")) \
        > r["grammar"]


# Issue 55 (R-24-3): chapter 24's "int4 costs a few hundredths", read as between 0.01
# and 0.1 bits/char (0.024 … 0.051 on the 10 stored seeds). On 140 new seeds it held on
# 136: on all 20 multiples of 100 from 10,720,000 to 10,721,900 (0.014 … 0.049), and on
# 116 of the 120 from 10,501,000 to 10,512,900; there int4 cost under a hundredth on
# 10505700 (0.0067), 10508800 (0.0093), 10510100 (0.0083) and 10510700 (0.0062).
@pytest.mark.claim(stated=(166, 170), text="ch24: int4 per channel costs between 0.01 "
                   "and 0.1 bits/char over float64 (on 166 of 170 new seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_int4_costs_a_few_hundredths(seed):
    r = formats(seed)
    assert 0.01 < r["int4"] - r["float64"] < 0.1


# Issue 55 (R-24-4): section 4's "int8 rarely changes which character it finds most
# likely", asserted in the notebook on seed 24 only (99.7 %). On 20 new seeds (multiples
# of 100 from 10,720,000 to 10,721,900) it held on all 20, at 99.06 % to 99.88 % of the
# positions.
@pytest.mark.claim(stated=(50, 50), text="ch24: int8 keeps float64's most likely next "
                   "character at more than 95 % of 1,600 held-out positions (on all 50 "
                   "new seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_int8_keeps_the_most_likely_character(seed):
    assert rows(seed)[2] > 0.95


# Stated as the 8 of 10 stored seeds until the fresh run after session 43's reading (20
# new seeds, multiples of 100 from 10,790,000 to 10,791,900): groups of 16 beat int4 per
# channel on 15 (not on 10790400, 10790700, 10791300, 10791500, 10791600); pooled with the
# stored seeds, 23 of 30. (The cold reading of session 43 found 1 of 2 on 10750000, 10750100.)
@pytest.mark.claim(stated=(49, 60), text="ch24: int4 in groups of 16 beats int4 per channel "
                   "(on 8 of 10 stored seeds and 41 of 50 new ones: 49 of 60)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_groups_of_16_beat_int4_per_channel(seed):
    r = formats(seed)
    assert r["int4/16"] < r["int4"]


# Three claims, one run each. The fresh runs 3 to 6 (forty seeds) and 60 new seeds
# (multiples of 100 above 9,100,000): int4 in any one part cost under 0.05 on all 100
# (0.029 at most); in the feed-forward matrices under 0.01 on 98 (0.0119 on 70354300, the
# sixth run's contradiction, and 0.0105 on a new seed); the feed-forward matrices were the
# most sensitive part on one new seed (0.0055 against the embedding's 0.0045): 99 of 100.
# After the ninth fresh run (below), 40 more new seeds (multiples of 100 from 9,400,100 to
# 9,404,000): under 0.05 on all 40; the feed-forward matrices under 0.01 on 37 (0.0123 at
# most) and the most sensitive part on one. Pooled: 140 of 140, 135 of 140, 138 of 140.
@pytest.mark.claim(stated=(170, 170), text="ch24: int4 in any one part costs less than 0.05 "
                   "bits/char (170 of 170 new seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_int4_in_one_part_costs_less_than_0_05(seed):
    cost = parts(seed)
    assert max(cost.values()) < 0.05


@pytest.mark.claim(stated=(164, 170), text="ch24: int4 in the feed-forward matrices costs less "
                   "than 0.01 bits/char (164 of 170 new seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_int4_in_the_feed_forward_matrices_costs_less_than_0_01(seed):
    assert parts(seed)["feed-forward"] < 0.01


@pytest.mark.claim(stated=(168, 170), text="ch24: the feed-forward matrices are not the part "
                   "most sensitive to int4 (168 of 170 new seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_the_feed_forward_matrices_are_rarely_the_most_sensitive_part(seed):
    # (they cost least on all 10 stored seeds, but not on every seed: on seed 7302 the
    # attention cost 0.0042 bits/char, the feed-forward matrices 0.0055)
    cost = parts(seed)
    assert cost["feed-forward"] < max(cost["embedding"], cost["attention"])


# Stated as the 6 of 10 stored seeds until the ninth fresh run found it on 1 of 10 (the
# attention most sensitive on the other nine): on the 40 new seeds above, the embedding was
# the most sensitive part on 16 and the attention on 23 (the feed-forward matrices on one).
# Chapter 24 says "the embedding or the attention, which of the two changing from seed to
# seed", with these counts.
@pytest.mark.claim(stated=(32, 70), text="ch24: the embedding is the part most sensitive to "
                   "int4 (on 32 of 70 new seeds; 6 of 10 stored)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_the_embedding_is_the_most_sensitive_part(seed):
    cost = parts(seed)
    assert cost["embedding"] == max(cost.values())


@pytest.mark.claim(stated=(31, 31), text="ch24: mixed precision ends within 0.005 of float32's "
                   "held-out loss; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_mixed_precision_follows_float32(seed):
    d = digits(seed)
    assert abs(d["mixed", 0.02][0] - d["float32", 0.02][0]) < 0.005


@pytest.mark.claim(stated=(31, 31), text="ch24: a bfloat16 master lags float32 by more than "
                   "0.1 at learning rate 0.02, leaving most weights unchanged at each step; "
                   "31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_a_bfloat16_master_lags_at_small_steps(seed):
    d = digits(seed)
    assert d["bfloat16 master", 0.02][0] - d["float32", 0.02][0] > 0.1
    assert d["bfloat16 master", 0.02][1] > 0.5
    assert d["bfloat16 master", 0.02][1] > 3 * d["float32", 0.02][1]


@pytest.mark.claim(stated=(31, 31), text="ch24: at learning rate 0.1 a bfloat16 master still "
                   "lags, by less than a fifth of its lag at 0.02; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_a_bfloat16_master_lags_less_at_larger_steps(seed):
    d = digits(seed)
    fast = d["bfloat16 master", 0.1][0] - d["float32", 0.1][0]
    assert 0 < fast < (d["bfloat16 master", 0.02][0] - d["float32", 0.02][0]) / 5


# Issue 55 (R-24-4): section 3's reading of a float32 master's unchanged weights. Until the
# reading of session 43 (U4) this compared two shares (unchanged, no gradient) averaged over
# different batches; it now compares the sets themselves, step by step: every no-gradient
# weight (the first-layer weights of the pixels 0 in every image of the batch) is left
# unchanged at every step, and over the run more than 99 % of the unchanged weights are
# no-gradient weights. A master that froze other weights (or moved weights without a
# gradient: weight decay, momentum) fails it. It held on all 20 new seeds of the fresh run
# after session 43's reading (multiples of 100 from 10,790,000 to 10,791,900).
# Issue 76: the claim was split in two. That every no-gradient weight is left unchanged is
# what plain SGD's step does, whatever the weights ("every"); that they make more than 99 %
# of the unchanged weights depends on the trained weights (a rate; its pool counted the
# two statements together, and only this one can fail).
@pytest.mark.claim(stated="every", text="ch24: a float32 master leaves every no-gradient "
                   "weight unchanged at every step")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_a_float32_master_leaves_every_no_gradient_weight_unchanged(seed):
    """Every seed: plain SGD moves a weight by −lr × its gradient, exactly 0 when the
    gradient is 0 (no momentum, no weight decay), whatever the weights.

    The mistake caught: a master that moves weights without a gradient (weight decay,
    momentum, a rounding of the master)."""
    sets = digit_run(seed, "float32", 0.02)[2]   # (steps, 2): the overlap's two shares
    assert sets[:, 1].min() == 1.0


@pytest.mark.claim(stated=(50, 50), text="ch24: the weights a float32 master leaves "
                   "unchanged are those with no gradient: they make more than 99 % of the "
                   "unchanged weights (50 of 50 new seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_a_float32_master_leaves_only_the_weights_without_gradient(seed):
    sets = digit_run(seed, "float32", 0.02)[2]   # (steps, 2): the overlap's two shares
    assert np.nanmean(sets[:, 0]) > 0.99


# Session 43's reading (U1): chapter 24 says groups of 16 lower the weights' error in
# every matrix even where they do not lower the loss (stored seed 28, shown in the
# notebook). It held on all 20 new seeds of the fresh run after session 43's reading
# (multiples of 100 from 10,790,000 to 10,791,900), 5 of which groups lost on.
@pytest.mark.claim(stated=(50, 50), text="ch24: int4 in groups of 16 gives a smaller mean "
                   "weight error than int4 per channel in every matrix (50 of 50 new seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_groups_of_16_lower_the_weight_error_in_every_matrix(seed):
    n_lower, n = ch24.groups_lower_error(seed)
    assert n_lower == n


# Session 43's reading (O1): section 4's "from the N(0, 1) start the embedding dominates"
# (asserted in the notebook on seed 24) and its reading, that which part is sensitive
# depends on how the weights were trained: the same seed, text and batches from an N(0, 1)
# start of the tied embedding (one more training of the language model per seed). On the
# 20 new seeds of the fresh run below, the embedding was the most sensitive part and cost
# more than from chapter 20's start on all 20; it cost more than twice the next part on 15
# (not on 10790900, 10791200, 10791400, 10791500, 10791700: 0.0557 against the attention's
# 0.0350, 0.0396 / 0.0256, 0.0761 / 0.0554 for the feed-forward matrices, 0.0356 / 0.0240,
# 0.0790 / 0.0466). The fresh run after session 43's reading: multiples of 100 from
# 10,790,000 to 10,791,900. On fresh seed 1173063400 (issue 76's pool) the attention cost
# 0.0210 from the N(0, 1) start, the embedding 0.0175 (0.0176 from chapter 20's start): 49
# of 50 new seeds.
@pytest.mark.claim(stated=(49, 50), text="ch24: from an N(0, 1) embedding start the embedding "
                   "is the part most sensitive to int4, and costs more than from chapter 20's "
                   "start (on 49 of 50 new seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_from_an_n01_start_the_embedding_is_the_most_sensitive_part(seed):
    n01 = n01_cost(seed)
    assert n01["embedding"] == max(n01.values())
    assert n01["embedding"] > parts(seed)["embedding"]


@pytest.mark.claim(stated=(38, 50), text="ch24: from an N(0, 1) embedding start the "
                   "embedding costs more than twice the next part (on 38 of 50 new seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED))
def test_from_an_n01_start_the_embedding_costs_twice_the_next_part(seed):
    n01 = n01_cost(seed)
    assert n01["embedding"] > 2 * max(n01["attention"], n01["feed-forward"])
