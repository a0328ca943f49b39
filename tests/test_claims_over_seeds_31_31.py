"""Chapter 31's conclusions over seeds, re-run (the form of tests/claims.py): the recall
experiment on fresh draws of keys and values, the three trained layers on recall, and
chapter 20's model with each mixer on the grammar (and three of them on 64-character
windows), on a seed no notebook or stored table uses (in CI) or on the fresh seeds of
`nox -s fresh_seeds`.

Cost with one BLAS thread, a seed: the recall table (9 sizes × 200 draws) about 2 s; the
trained layers on recall (5 sizes × 3 layers) about 12 s (the claims that read linear and
softmax attention at N = 12 reuse those layers), linear attention at N = 16 for 2,000 steps
about 2.5 s; the four models on the grammar about 12 s (the closing brackets' claim reuses
their data); three models on windows of 64 characters (softmax, DeltaNet, hybrid) about
23 s.
"""

import functools
from unittest import mock

import numpy as np
import pytest
from claims import seeds

from nnbook.experiments import state_memory

FIXED = (4031,)                   # no notebook or stored table uses it
# Fresh seeds when written (2026-11-27, NNBOOK_FRESH_SEEDS): the recall claim held on
# 100,100 to 100,500 (5 of 5), the two grammar claims on 100,100 and 100,200 (2 of 2).
# Second reading (2026-11-28): every claim below on 20,261,128, 31,313,131, 17,291,729 and
# 58,008,055, the grammar's also on 40,404,041, 73,737,373, 11,235,813 and 27,182,818.
# Third reading (2026-11-28): on 61,803,398, 14,142,135 and 16,180,339 every claim held but
# "linear attention within −0.04 … +0.1 of the rescaled sum at every N": 14,142,135 gave
# +0.192 at N = 16 (N ≤ 12 fine). That band is now claimed for N ≤ 12 only; at N = 16 the
# claims are "above the sum" (500 steps) and "on the sum after 2,000 steps".
# Fourth reading (2026-11-28): on 47,110,815 and 29,384,756 every claim held but "above the
# sum at N = 16 after 500 steps": 47,110,815 gave −0.0005 (on the sum, N ≤ 12 fine). That
# claim is now "on the sum or above it, never more than 0.04 below"; and the delta rule's
# crossing of the rescaled sum between N = 4 and 6, read off one line in the chapter, is
# claimed here on 2,000 draws.
# Fifth reading (2026-11-28): every recall claim held on fresh seeds 74,636,316 and
# 16,377,069. The grammar's claims ran on those and 14 more (19,585,319, 38,220,643,
# 3,429,121, 146,488, 86,693,440, 44,088,810, 86,483,387, 29,849,592, 9,636,159, 95,693,176,
# 50,011,999, 39,137,943, 19,171,562, 15,767,438): "DeltaNet and the hybrid both beat softmax
# attention" failed on two, "more than 0.5 bits/char above the window bound at the closing
# brackets" on one, and "fewer than a quarter of the closing brackets see their opening one
# from their window" on one (below). The first is now two counts (15 of 16 each), the
# second 0.25, the third a third.
# Sixth reading (2026-11-28): every claim held on fresh seeds 90,388,225 and 27,184,499, the
# grammar's also on 73,037,644 and 75,202,932: DeltaNet and the hybrid beat softmax attention
# on all four (so 19 of 20 each); linear − softmax +0.108 at the least (75,202,932), the
# closest yet to the 0.1 claimed; the hybrid below DeltaNet on 90,388,225 (by 0.0004).
# Fresh-seeds runs 19 and 20 (2026-11-28, benchmarks/results.md, ten seeds each): every claim
# held but, on run 20's 1416916900, the key–key block's "within 25 %" (0.251: below, now a
# count) and, on its 92,317,200, the hybrid's counted win over softmax attention. Run 21
# (2026-11-28): every claim held but the hybrid's win again, on 798,546,200. Pooled with the
# readings' 20, over the 50 seeds nobody chose (run 19 ran the two as one claim, which held on
# all ten): DeltaNet beat softmax attention on 49, the hybrid on 47.
# Reading 76's third (2026-11-29, readings/reading76-ch29-32; `python tests/fresh_seeds.py
# --seed-list 1863273044,692672661 --processes 1 --heavy`): every claim here, the heavy
# 64-character ones included, held on 1,863,273,044 and 692,672,661 (values not recorded).
# Counts with these two: DeltaNet beat softmax attention on 51 of 52, the hybrid on 49 of 52;
# the key–key block within 25 % on 37 of 38; the near brackets 13 of 15, the far 15 of 15.
# Issue 76 (session 55): the claims here are counts over pools that include the 30 fresh seeds
# of 2026-11-29 (listed in tests/test_claims_over_seeds_21_22.py; run by `tests/fresh_seeds.py
# --heavy` at 3063c29): a claim stated "every" until then is k of 31 (the 30 and FIXED), the
# counted ones take the 30's outcomes. All held on 30 of 30 but four. Linear attention on
# the rescaled sum for N ≤ 12 failed on 1,909,874,200: its gaps at N = 2, 4, 8, 12 were
# +0.002, +0.004, −0.007, +0.051 (the band's top is 0.05): 30 of 31. The key–key block
# within 25 %: 842,783,200 gave 0.256 (c = 0.998) and 1,909,874,200 0.323 (c = −0.860), so
# 65 of 68. At the 64-character windows' far brackets DeltaNet and the hybrid were not both
# below softmax attention on 1,146,760,900, 1,678,136,900 and 2,017,658,700 (28 of 31; 42 of
# 45 with the 15 above); at the near ones on 23 of the 30 (36 of 45; not on 121,249,900,
# 584,997,000, 741,051,000, 929,566,100, 1,385,633,600, 1,523,877,300 and 1,678,136,900).
# DeltaNet beat softmax attention on all 30 (81 of 82), and so did the hybrid (79 of 82).
# Cold reading 51's second (2026-11-29 at 8d3ac18, readings51/ch31-32-second; fresh seeds
# 1,420,702,168 and 2,026,279,943, each setting both the training and the data) ran every
# comparison of trained models here but the 2,000-step one, and recorded: the trained
# layers' order, the N ≤ 12 band (+0.014 … −0.005 and +0.003 … +0.014) and N = 16 (+0.004,
# +0.029), the key–key block 12 % and 9 % off (c −1.05, +1.07), softmax's weights 0.51 /
# 0.46 / 0.03 on both; on the grammar linear − softmax +0.254 and +0.189, DeltaNet − softmax
# −0.013 and −0.051, the hybrid − softmax +0.001 and −0.042 (the hybrid lost on
# 1,420,702,168), least distance to the window bound 0.108 and 0.114 (0.750 and 0.800 at
# ")"); at 16 characters 6 of 42 and 6 of 35 closing brackets see their opening one, none
# closer than 9; the 64-character claims below (their values there). They are counted in the
# pools the chapter quotes as counts of seeds nobody chose: DeltaNet beat softmax attention
# on 83 of 84, the hybrid on 80 of 84, the key–key block within 25 % on 67 of 70, linear
# attention trailed every mixer (by over 0.1 bits/char behind softmax attention) and every
# mixer stayed above the window bound on 84 of 84 (the fifth and sixth readings' 20, runs
# 19–21, reading 76's third's 2, these 2 and the 30: the claims' present form since the
# fifth reading); at 64 characters (below) 37 of 37, 44 of 47 and 38 of 47. The claims the
# chapter quotes as no count (or as "the claims test's 30 fresh ones") stay stated as the
# 30 and FIXED.
# The fifth cold reading of 2026-11-30 (reader read2932, /work/reading5-29-32.md; recall
# draws and the grammar's data from 906,614,771, every trained model from 1,711,203,345) held
# every claim here, and it is counted in every pool (each (31, 31) claim is 32 of 32; the
# N ≤ 12 band 31 of 32; the key–key block 68 of 71; the grammar's 85 seeds nobody chose, 84
# and 81 of 85; at 64 characters 38 of 38, 45 and 39 of 48):
# recall, delta − rescaled −0.032, −0.021 at N = 2, 4 and +0.046 … +0.698 from N = 6 (2,000
# draws: −0.024 at 4, +0.039 at 6); trained layers softmax 0.004–0.009, linear − rescaled
# +0.008, −0.005, −0.003, +0.018 at N ≤ 12 and +0.009 at 16, key–key block 10 % off (c 1.16),
# softmax's weights 0.55 / 0.42 / 0.03; grammar softmax 0.958, linear 1.128, DeltaNet 0.917,
# hybrid 0.934 bits/char, least distance to the window bound 0.100 (0.882 at ")"), 6 of 48
# closing brackets inside the window; 64-character windows 10 near and 20 far, every model
# at least 2.014 and 3.125 above the bound, DeltaNet and the hybrid below softmax at both.


@functools.lru_cache(maxsize=None)
def recall(seed):
    return state_memory.recall_shares(seed)


# Issue 76: the claim was split in two. That neither rule beats the best state on any draw
# is a least-squares fact ("every"); that the delta rule loses less than the Hebbian sum is a
# mean over random draws (a rate; its pool counted the two together, and only it can fail).
@pytest.mark.claim(stated="every", text="ch31: with random unit keys neither the Hebbian sum "
                                        "nor the delta rule beats the best state's projection "
                                        "on any draw")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_no_rule_beats_the_best_state(seed):
    """Every seed: V K⁺ is the least-squares solution of S K ≈ V, so no d × d state (the
    Hebbian sum's, the delta rule's) loses less of the values on any draw.

    The mistake caught: a best state that is not the least-squares one (K⁺ replaced by Kᵀ),
    or a rule's loss measured on other keys."""
    lost = recall(seed)
    for rule in ("hebbian", "delta"):
        assert np.all(lost[rule] >= lost["best state"] - 1e-12)


@pytest.mark.claim(stated=(32, 32), text="ch31: with random unit keys the delta rule (β = 1) "
                                        "loses less of the values than the Hebbian sum at "
                                        "every N (means of 200 draws); 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_delta_rule_recalls_better_than_the_hebbian_sum(seed):
    lost = recall(seed)
    assert np.all(lost["delta"].mean(axis=1) < lost["hebbian"].mean(axis=1))


@pytest.mark.claim(stated=(32, 32), text="ch31: one pass of the delta rule (β = 1) loses less "
                                        "than the best rescaled Hebbian sum (N − 1)/(N + d − 1) "
                                        "at N = 2, and more than 0.05 more from N = d on "
                                        "(means of 200 draws); 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_delta_rule_at_full_strength_loses_to_the_rescaled_sum_past_d(seed):
    Ns = np.array(state_memory.NS)
    delta, rescaled = recall(seed)["delta"].mean(axis=1), (Ns - 1) / (Ns + 8 - 1)
    assert Ns[0] == 2 and delta[0] < rescaled[0], delta - rescaled
    assert np.all(delta[Ns >= 8] > rescaled[Ns >= 8] + 0.05), delta - rescaled


# The chapter reads N = 4 (below) and N = 6 (above) off its 200 draws a size; on 2,000
# draws the standard error is 0.0035 against gaps of −0.019 … −0.023 and +0.032 … +0.034
# (seeds 4031, 47,110,815, 29,384,756 when written), so a chance failure is negligible
@pytest.mark.claim(stated=(32, 32), text="ch31: one pass of the delta rule (β = 1) loses less "
                                        "than the best rescaled Hebbian sum at N = 4 and more "
                                        "at N = 6 (means of 2,000 draws): the two cross "
                                        "between them; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_delta_rule_crosses_the_rescaled_sum_between_4_and_6_pairs(seed):
    delta = state_memory.recall_shares(seed, Ns=(4, 6), draws=2000)["delta"].mean(axis=1)
    rescaled = np.array([3 / 11, 5 / 13])                     # (N − 1)/(N + d − 1), d = 8
    assert delta[0] < rescaled[0] and delta[1] > rescaled[1], delta - rescaled


@functools.lru_cache(maxsize=None)
def train_recall(kind, N, seed):
    """``state_memory.train_recall(kind, N, seed)``, (the layer, its share lost), trained once
    per process for each (kind, N, seed): ``trained`` below trains every kind at N = 12 among
    the others, and two claims read its linear and softmax attention at N = 12 again. Keyed by
    the seed itself, so a fresh seed never reads a fixed seed's layer."""
    return _TRAIN_RECALL(kind, N, seed)


_TRAIN_RECALL = state_memory.train_recall


@functools.lru_cache(maxsize=None)
def trained(seed):
    """Each trained layer's share of the values lost, (len(RECALL_NS),) per kind, with the
    ceiling 1 − d/N and the best rescaled Hebbian sum (N − 1)/(N + d − 1), d = 8. The table's
    own function, its layers trained through ``train_recall`` above (kept for the claims
    that read a layer)."""
    with mock.patch.object(state_memory, "train_recall", train_recall):
        row = state_memory.trained_recall(seed)
    Ns = np.array(state_memory.RECALL_NS)
    share = {k: np.array([row[f"{k}, N = {N}"] for N in Ns]) for k in state_memory.LAYERS}
    return share, np.maximum(0, 1 - 8 / Ns), (Ns - 1) / (Ns + 8 - 1)


# Stated on the 5 stored seeds (31 to 35) of 31_trained_recall; the fixed seed 4031 and the
# fresh seeds 100,100 and 100,200 checked when the test was written (3 of 3)
@pytest.mark.claim(stated=(32, 32), text="ch31: trained on recall of N = 2 … 16 pairs (d = 8), "
                                        "softmax attention loses under 0.02 of the values at "
                                        "every N; linear attention and DeltaNet lose more than "
                                        "the best d × d state, and softmax < DeltaNet < "
                                        "linear attention, at every N; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_layers_keep_their_order_against_the_ceiling(seed):
    share, ceiling, _ = trained(seed)
    assert np.all(share["softmax"] < 0.02), share
    assert np.all(share["linear"] > ceiling) and np.all(share["DeltaNet"] > ceiling), share
    assert np.all(share["softmax"] < share["DeltaNet"]), share
    assert np.all(share["DeltaNet"] < share["linear"]), share


# N ≤ 12 only: at N = 16 fresh seeds 14,142,135 and 10,000,021 gave +0.19 and +0.34 (10 other
# fresh seeds +0.007 … +0.080), so 500 steps there do not always finish training
@pytest.mark.claim(stated=(31, 32), text="ch31: trained linear attention lands on the best "
                                        "rescaled Hebbian sum (N − 1)/(N + d − 1): from 0.04 "
                                        "below it (the test's noise) to 0.05 above, at every "
                                        "N ≤ 12; 31 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_linear_attention_lands_on_the_rescaled_hebbian_sum(seed):
    share, _, rescaled = trained(seed)
    gap = (share["linear"] - rescaled)[:-1]                  # N = 2, 4, 8, 12
    assert np.all((gap > -0.04) & (gap < 0.05)), gap


# Above the sum on the 5 stored seeds (+0.012 to +0.071) and on fresh seeds 10,000,003 and
# 10,000,019 (+0.049, +0.046) and the four of the second reading; but fresh seed 47,110,815
# landed on it (−0.0005), so the claim is "on it or above", with the N ≤ 12 test's noise
@pytest.mark.claim(stated=(32, 32), text="ch31: at N = 16, after 500 steps, trained linear "
                                        "attention lands on the best rescaled Hebbian sum or "
                                        "above it (never more than 0.04 below it); 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_linear_attention_is_not_below_the_sum_at_16_pairs(seed):
    share, _, rescaled = trained(seed)
    assert share["linear"][-1] > rescaled[-1] - 0.04, (share["linear"], rescaled)


# When written: −0.011, 0.000, +0.011, +0.003, +0.017 on seeds 31, 61,803,398, 14,142,135,
# 10,000,021 and 10,000,039 (their 500-step gaps: +0.023, +0.022, +0.192, +0.344, +0.080).
# The fifth reading of 2026-11-30 (reader read2932) on 1,711,203,345: +0.008 (500 steps:
# +0.009), so with FIXED and the 30 of 2026-11-29: 32 of 32, the count the chapter quotes
@pytest.mark.claim(stated=(32, 32), text="ch31: at N = 16, trained four times longer (2,000 "
                                        "steps), linear attention lands on the best rescaled "
                                        "Hebbian sum within 0.04: 500 steps had not finished; "
                                        "32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_linear_attention_reaches_the_sum_at_16_pairs_when_trained_longer(seed):
    share = state_memory.train_recall("linear", 16, seed, steps=2000)[1]     # about 2.5 s
    assert abs(share - 15 / 23) < 0.04, share - 15 / 23


# Stated for seed 31 at N = 12 (0.50 on the match, 0.47 on the query when written); seeds
# 61,803,398 at N = 4, 12, 16 and 31 at N = 4, 16 gave 0.49–0.56 and 0.41–0.47
@pytest.mark.claim(stated=(32, 32), text="ch31: trained softmax attention puts its weight at "
                                        "the query on the matching pair and on the query token "
                                        "itself, under 0.1 on the other pairs (N = 12); "
                                        "32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_softmax_attention_reads_the_matching_pair(seed):
    layer = train_recall("softmax", 12, seed)[0]              # trained by `trained` too
    x = state_memory.recall_batch(np.random.default_rng(seed + 1), 500, 12)[0]
    layer.forward(x)
    w = layer.attention_weights[:, 0, -1]                                   # (500, 13)
    match = np.argmax(np.einsum("mnd,md->mn", x[:, :12, :8], x[:, -1, :8]), axis=1)
    on_match, on_query = w[np.arange(500), match].mean(), w[:, -1].mean()
    assert on_match > 0.3 and on_query > 0.2 and 1 - on_match - on_query < 0.1, \
        (on_match, on_query)


@functools.lru_cache(maxsize=None)
def key_key_block(seed):
    """Trained linear attention's (N = 12) key–key block of W_k W_qᵀ against c·I: how far
    off it is (a share of its norm) and c, its mean diagonal."""
    P = train_recall("linear", 12, seed)[0].params            # trained by `trained` too
    kk = (P["W_k"] @ P["W_q"].T)[:8, :8]          # a pair's key features against the query's
    c = np.trace(kk) / 8
    return np.linalg.norm(kk - c * np.eye(8)) / np.linalg.norm(kk), c


# Stated for the run of seed 31 (up to 19 %); 0.09–0.19 on the 5 stored seeds when written.
# An untrained (Xavier) block is about 100 % off. Fresh-seeds run 20 (2026-11-28,
# benchmarks/results.md) contradicted "within 25 %" on one of its ten seeds, 1416916900:
# 0.251 off (c = −0.95, and its recall on the rescaled sum as on other seeds, +0.016 at
# N = 12). Re-run with today's code on 36 seeds nobody chose (the first reading's recall
# seeds 10,000,003 and 10,000,019; the second's 20,261,128, 31,313,131, 17,291,729,
# 58,008,055; the third's 61,803,398, 14,142,135, 16,180,339, 10,000,021; the fourth's
# 47,110,815, 29,384,756; the fifth's 74,636,316, 16,377,069; the sixth's 90,388,225,
# 27,184,499; fresh-seeds runs 19 and 20, ten each), the other 35 gave 0.073–0.190. So
# "within 25 %" is a claim of its own, stated as its count, 35 of 36; |c| > 0.5 held on all
# 36 (0.95–1.18) and stays a claim for every seed. Both held on reading 76's third
# (1,863,273,044 and 692,672,661): 37 of 38. With issue 76's 30 and cold reading 51's
# second (header): 67 of 70.
@pytest.mark.claim(stated=(68, 71), text="ch31: trained linear attention's scores are a "
                                         "scaled identity on the keys: the key–key block of "
                                         "W_k W_qᵀ is c·I within 25 % of its norm (N = 12; "
                                         "68 of 71 seeds nobody chose)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_linear_attention_scores_keys_by_a_scaled_identity(seed):
    off, c = key_key_block(seed)
    assert off < 0.25, (off, c)


@pytest.mark.claim(stated=(32, 32), text="ch31: trained linear attention scales the keys' "
                                        "dot product: the key–key block of W_k W_qᵀ has a "
                                        "mean diagonal c with |c| > 0.5 (N = 12); 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_trained_linear_attention_scales_the_keys_dot_product(seed):
    off, c = key_key_block(seed)
    assert abs(c) > 0.5, (off, c)


@functools.lru_cache(maxsize=None)
def grammar_data(seed):
    """The grammar's data of ``seed`` (chapter 20's ``setup(seed)``, 16-character windows,
    about 1.6 s), made once per process: ``grammar_bits`` trains on it and
    ``closing_brackets`` reads it (neither writes to it). Keyed by the seed itself."""
    return _SETUP(seed)


_SETUP = state_memory.setup


@functools.lru_cache(maxsize=None)
def grammar(seed):
    with mock.patch.object(state_memory, "setup", grammar_data):    # it calls setup(seed)
        return state_memory.grammar_bits(seed)


# Stated on the 5 stored seeds (31 to 35) of 31_grammar; the fixed seed 4031 and the 16
# fresh seeds of the fifth reading (linear − softmax from +0.140 to +0.254; linear attention
# at least 0.14 above every other kind on each) and the 4 of the sixth (+0.108 to +0.170).
# Pooled as DeltaNet's win below (header): 84 of 84 seeds nobody chose
@pytest.mark.claim(stated=(85, 85), text="ch31: in chapter 20's model on the grammar, linear "
                                        "attention trails softmax attention by more than "
                                        "0.1 bits/char, and trails every other kind; "
                                        "85 of 85 seeds nobody chose")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_linear_attention_trails_every_mixer_on_the_grammar(seed):
    r = grammar(seed)
    assert r["linear"] - r["softmax"] > 0.1, r
    assert r["linear"] > max(r["DeltaNet"], r["hybrid"]), r


# "Both beat softmax attention" held on the 5 stored seeds and on the 4031 and the fresh seeds
# of the first four readings, then failed on two of the fifth reading's 16: softmax 0.9220
# against DeltaNet 0.9237 on 16,377,069, and 0.9468 against the hybrid's 0.9494 on
# 39,137,943 (each beat it on the other 15). So each is stated as 15 of 16; both held on the
# sixth reading's 4 (DeltaNet by 0.037–0.095, the hybrid by 0.037–0.084), so 19 of 20. The
# order of DeltaNet and the hybrid is not claimed: DeltaNet is lower on the 5 stored seeds,
# but fresh seed 58,008,055 reversed them (0.920 against 0.917 bits/char; 7 of 8 fresh seeds
# kept it), and 4 of the fifth reading's 16 did, and 1 of the sixth's 4, so the chapter calls
# it within the spread. Pooled over 50 seeds by run 21 (header): 49 and 47 of 50; with reading
# 76's third (both held on both): 51 and 49 of 52; with issue 76's 30 and cold reading 51's
# second (header): 83 and 80 of 84
@pytest.mark.claim(stated=(84, 85), text="ch31: in chapter 20's model on the grammar, "
                                         "DeltaNet blocks beat softmax attention (84 of 85 "
                                         "seeds nobody chose)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_deltanet_beats_softmax_attention_on_the_grammar(seed):
    r = grammar(seed)
    assert r["DeltaNet"] < r["softmax"], r


@pytest.mark.claim(stated=(81, 85), text="ch31: in chapter 20's model on the grammar, the "
                                         "hybrid (DeltaNet, then softmax) beats softmax "
                                         "attention (81 of 85 seeds nobody chose)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_hybrid_beats_softmax_attention_on_the_grammar(seed):
    r = grammar(seed)
    assert r["hybrid"] < r["softmax"], r


# 0.1 bits/char was stated first; fresh seed 10,000,003 gave 0.086 (DeltaNet), so the
# claim is 0.05 (the stored seeds: 0.101 at the least; the fifth reading's 16: 0.095; the
# sixth's 4: 0.090, and 0.652 at the closing brackets). At the
# closing brackets 0.5 was stated first (the stored seeds: 0.869 at the least); fresh seed
# 39,137,943 gave 0.439 (DeltaNet; the other 15 of the fifth reading: 0.559 to 1.291), so
# the claim there is 0.25. Pooled as DeltaNet's win above (header): 84 of 84
@pytest.mark.claim(stated=(85, 85), text="ch31: every mixer's model stays more than 0.05 "
                                        "bits/char above the 16-character window bound, and "
                                        "more than 0.25 at the closing brackets (no model has "
                                        "learned bracket matching on this budget); 85 of 85 "
                                        "seeds nobody chose")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_every_mixer_stays_above_the_window_bound(seed):
    r = grammar(seed)
    assert all(r[n] - r["best with window"] > 0.05 for n in state_memory.KINDS), r
    assert all(r[f"{n} )"] - r["best with window )"] > 0.25 for n in state_memory.KINDS), r


# A quarter was stated first (seed 31: 3 of 55); fresh seed 19,585,319 gave 10 of 36. On the
# fifth reading's 16 seeds and 24 more drawn for it: 2 to 11 a seed, 229 of 1,850 pooled
# (12.4 %), 27.8 % at the most; at 12.4 %, a seed with 36 closing brackets (the fewest seen)
# reaches a third about once in a thousand (binomial), so the claim is a third. (The shortest
# bracket, "(that run)", closes 9 characters after it opens: the grammar's rule, not chance)
@pytest.mark.claim(stated=(32, 32), text="ch31: in the grammar's held-out text fewer than a "
                                        "third of the closing brackets have their opening "
                                        "bracket inside the 16-character window, and none "
                                        "opens fewer than 9 characters back; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_few_closing_brackets_see_their_opening_one_from_their_window(seed):
    distance, inside = state_memory.closing_brackets(seed, data=grammar_data(seed))
    assert len(distance) > 10 and inside.mean() < 1 / 3 and distance.min() > 8, \
        (len(distance), inside.sum(), distance.min())


# -- closing brackets in 64-character windows (heavy: about 23 s a seed, three models) -----
@functools.lru_cache(maxsize=None)
def long_brackets(seed):
    return state_memory.long_brackets_all(seed)


# Stated on the 5 stored seeds (31 to 35) of 31_long_brackets; the fixed seed 4031 and seeds
# 20,261,128 and 61,803,398 (nobody chose them for this experiment) agreed when the test was
# written (2026-11-28): 3 of 3. Smallest distances to the window bound there: 1.84 bits/char
# at the near brackets, 2.36 at the far ones (the stored seeds: 0.929 and 2.329).
# Cold reading 51's second (header): on 1,420,702,168 10 near and 18 far closing brackets,
# the window bound at the near ones 0.000 bits, every model at least 2.021 above it there
# and 3.107 at the far ones; on 2,026,279,943 only 6 near brackets (22 far), and the bound
# at the near ones 0.167 bits on average: one of them, in "…rogs (that jump)", has a 1-bit
# bound, since its window starts at the "(" and holds not the subject that decides "jump)"
# against "jumps)"; every model at least 2.414 and 3.293 above it. Reading 76's third held
# it on its 2, issue 76's 30 on all 30: 37 of 37 seeds nobody chose (4031 among them). The
# ten fresh seeds of 2026-11-28 below are not counted here: that run's record names 2 of
# them and the two bracket-order claims' outcomes only.
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(38, 38), text="ch31: with 64-character windows, on chapter 20's "
                                        "budget in steps, every model (softmax, DeltaNet, "
                                        "hybrid) stays more than 0.5 bits/char above the "
                                        "window bound at closing brackets whose opening one "
                                        "is 9–16 and 17+ characters back inside the window; "
                                        "38 of 38 seeds nobody chose")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_no_mixer_matches_brackets_its_64_character_window_holds(seed):
    r = long_brackets(seed)
    for s in ("near", "far"):
        assert r[f"n {s}"] >= 5, r
        for n in ("softmax", "DeltaNet", "hybrid"):
            assert r[f"{n} ) {s}"] - r[f"best with window ) {s}"] > 0.5, (n, s, r)


# DeltaNet − softmax from −0.25 to −2.33 bits/char at the two sets on the stored seeds, the
# hybrid's from −0.09 to −1.65. Stated first at both sets on every seed (3 of 3 new ones:
# 4031, 20,261,128, 61,803,398); ten fresh seeds (2026-11-28, secrets.randbelow) kept the far
# brackets on all ten and the near ones on eight: on 277,139,624 DeltaNet 3.213 and the hybrid
# 3.697 against softmax's 2.969 (11 near brackets), on 2,066,036,879 the hybrid 3.188 against
# 2.842 (17). So the far brackets are claimed on every seed (13 of 13), the near ones as 11 of
# 13. Reading 76's third (1,863,273,044 and 692,672,661) held both at both sets: 15 of 15 and
# 13 of 15. Cold reading 51's second held both at both sets on its 2 (DeltaNet − softmax and
# hybrid − softmax: near −1.403, −1.362 and −0.084, −0.201; far −0.948, −0.632 and −0.440,
# −0.454): 17 of 17 and 15 of 17. With issue 76's 30 (header): the far ones on 44 of 47
# seeds nobody chose, the near ones on 38 of 47 (4031 among them)
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(45, 48), text="ch31: with 64-character windows, on chapter 20's "
                                        "budget in steps, DeltaNet and the hybrid are both "
                                        "below softmax attention at the far closing brackets "
                                        "(opening one 17+ back, inside the window): no cost "
                                        "of the fixed-size state shows there; 45 of 48 seeds "
                                        "nobody chose")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_softmax_attention_does_not_beat_a_state_at_far_brackets_in_64_character_windows(seed):
    r = long_brackets(seed)
    for n in ("DeltaNet", "hybrid"):
        assert r[f"{n} ) far"] < r["softmax ) far"], (n, r)


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(39, 48), text="ch31: with 64-character windows, DeltaNet and the "
                                         "hybrid are both below softmax attention at the near "
                                         "closing brackets (opening one 9–16 back), 39 of 48 "
                                         "seeds nobody chose")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_softmax_attention_is_usually_above_a_state_at_near_brackets_in_64_character_windows(seed):
    r = long_brackets(seed)
    for n in ("DeltaNet", "hybrid"):
        assert r[f"{n} ) near"] < r["softmax ) near"], (n, r)
