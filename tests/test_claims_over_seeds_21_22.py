"""Chapters 21 and 22's conclusions over seeds, re-run on seeds the notebooks and the stored
tables do not use (nnbook/experiments/decoding.py, sft_rl_dpo.py), in the form of
tests/claims.py: each test asserts one conclusion on one seed and states how often the chapter
says it holds ("every", or (k, n) where a re-run on new models found exceptions). In CI the
seeds are fixed (31 for chapter 21; 226, 2252 and 2253 for chapter 22); `nox -s fresh_seeds`
runs them on seeds nobody chose and compares the rates."""

from functools import lru_cache

import numpy as np
import pytest
from claims import seeds

from nnbook.data.language import Language
from nnbook.experiments import decoding as ch21
from nnbook.experiments import sft_rl_dpo as ch22

# Issue 76 (session 52): every claim here about trained models or sampled runs is a rate over
# a pool that includes the 30 fresh seeds of 2026-11-29 (`python tests/fresh_seeds.py --heavy
# --seeds 30`, commit 79766ba: 219900, 105392300, 121249900, 418744000, 531243100, 573014800,
# 584997000, 741051000, 842783200, 929566100, 959874300, 972831000, 1124537100, 1146760900,
# 1173063400, 1233287500, 1265746600, 1345326700, 1384345200, 1385633600, 1448770000,
# 1467375200, 1519791000, 1523877300, 1678136900, 1909874200, 2017658700, 2041625600,
# 2130162700, 2141360800): a claim stated "every" until then is now k of (30 + its CI fixed
# seeds), a stated (k, n) is (k + the fresh passes, n + 30).
# Chapter 22's: the same thirty seeds, run on 2026-11-29 by session 52 (all thirty held on every
# claim).

H = Language(max_depth=0).entropy_per_char / np.log(2)   # bits/char


@lru_cache(maxsize=None)
def decoding(seed):       # one trained model's three tables (cached: several claims read them)
    return ch21.accepted(seed), ch21.distinct(seed), ch21.bits(seed)


@lru_cache(maxsize=None)
def window(seed):
    return ch21.window(seed)


# -- chapter 21: decoding rules on a new model -----------------------------------------------
# Section 1's model near the grammar: the notebook asserts, in its run, that the model's
# held-out loss is above the grammar's and within 0.2 bits/char of it. On 42 new models drawn
# for chapter 21's cold reading (multiples of 100 above 5,100,000, two runs of 21 in a row) the
# gap was 0.098 to 0.147 bits. A model that did not learn the grammar ends far above it (an
# untrained one near log2 24 = 4.6 bits).
@pytest.mark.claim(stated=(31, 31), text="ch21: the model's held-out loss is above the grammar's "
                                         "and within 0.2 bits/char of it; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_model_near_the_grammar(seed):
    h = ch21.held_out(seed)
    assert h["grammar"] < h["model"] < h["grammar"] + 0.2


# Held on the fifty models of the five fresh runs of benchmarks/results.md, and on 40 of the
# 42 new models drawn for chapter 21's cold reading (multiples of 100 above 5,100,000, two runs
# of 21 in a row). On the other two one step went the wrong way by little: on one τ = 0.8 was
# accepted 1.67 points more often than τ = 0.5 (54.95 % against 53.28 %), on the other τ = 1
# 0.09 points more often than τ = 0.8 (55.41 % against 55.32 %). So the claim pools 90 of 92
# (until then "every"). Greedy (τ = 0) is not part of it: its one text can be accepted less
# often than τ = 0.5 (stored seeds 22 and 27).
@pytest.mark.claim(stated=(120, 122), text="ch21: the accepted share falls at each step of τ "
                                           "from 0.5 to 1.5 (120 of 122 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_accepted_share_falls_with_the_temperature(seed):
    a, _, _ = decoding(seed)
    assert a["τ=0.5"] > a["τ=0.8"] > a["τ=1"] > a["τ=1.5"]


# Fifty new models: the fourth fresh run's ten and forty drawn for its restatement (multiples
# of 100 above 100,000). Top-p led τ = 1 on 49 (on the forty by 9.2 points on average, up to
# 14.6); on one of the forty it was behind by 0.08 points (46.10 % against 46.18 %).
@pytest.mark.claim(stated=(79, 80), text="ch21: top-p = 0.9 is accepted more often than τ = 1 "
                                         "(79 of 80 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_top_p_beats_tau_1(seed):
    a, _, _ = decoding(seed)
    assert a["τ=1"] < a["top-p=0.9"]


# Top-k ahead of τ = 1: 17 of seeds 7001-7008 and the first fresh run's ten, 10 of the third
# run's ten, 9 of the fourth's (behind on 1386185100), 10 of the fifth's, and 41 of the 42 new
# models drawn for chapter 21's cold reading (multiples of 100 above 5,100,000, two runs of 21
# in a row; behind on one by 0.23 points, 46.26 % against 46.49 %).
@pytest.mark.claim(stated=(116, 120), text="ch21: top-k = 3 is accepted more often than τ = 1 "
                                           "(116 of 120 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_top_k_beats_tau_1_on_most_models(seed):
    a, _, _ = decoding(seed)
    assert a["τ=1"] < a["top-k=3"]


# The same fifty new models. Held on all fifty: greedy below 1 % distinct, the share rising
# from τ = 0.5 to 1 to 1.5, top-k = 3 below τ = 1 (on the forty by 4.6 to 18.9 points). Greedy's
# share is u / 128k when its 128 rows are one text of k sentences, u distinct: at most 1/128,
# below 1 % whatever the text does. So that part checks that the rows are one text (a batch
# that leaks between rows fails it), not variety; repetition is the next claim's. Top-k
# below top-p on 47: on the forty top-p minus top-k was 1.6 points below 0 to 15.6 above
# (mean 8.3, sd 4.5); the fourth fresh run's exception had top-k 2.1 points above top-p.
# Of the 30 fresh seeds of 2026-11-29 one failed: on 1,265,746,600 the share fell from τ = 1
# (0.977) to τ = 1.5 (0.960); top-k stayed below τ = 1 and top-p there and on all thirty.
@pytest.mark.claim(stated=(30, 31), text="ch21: distinct share: greedy's rows one text, rises "
                                         "with τ; top-k below τ = 1; 30 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_distinct_shares(seed):
    _, d, _ = decoding(seed)
    assert d["greedy"] < 0.01 and d["τ=0.5"] < d["τ=1"] < d["τ=1.5"]
    assert d["top-k=3"] < d["τ=1"]


# Greedy's one text repeats a sentence within its 100 characters when 128 times its distinct
# share (u / k, above) is below 1: on eight of the ten stored models, and on 34 of the 42 new
# models drawn for chapter 21's cold reading (multiples of 100 above 5,100,000, two runs of 21
# in a row); the others wrote 100 characters without a repeat. Seed 31 repeats (1 distinct
# sentence of 3).
@pytest.mark.claim(stated=(56, 72), text="ch21: greedy's one text repeats a sentence within "
                                         "100 characters (56 of 72 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_greedy_repeats_a_sentence(seed):
    _, d, _ = decoding(seed)
    assert d["greedy"] * 128 < 1


@pytest.mark.claim(stated=(77, 80), text="ch21: top-k = 3's distinct share is below top-p's "
                                         "(77 of 80 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_top_k_less_varied_than_top_p(seed):
    _, d, _ = decoding(seed)
    assert d["top-k=3"] < d["top-p=0.9"]


# Top-p's distinct share was within 8 points of τ = 1's on sixteen new models (seeds
# 7001-7006, ../shared/reviews/seeds-00-22-check.md, and the ten fresh seeds of the first run
# of benchmarks/results.md), and 10.8 points below it on one more (training seed 64219,
# sampling seed 69353): 16 of 17. Then 10 of the third run's ten, 9 of the fourth's (8.1 points
# below on 713493100), 10 of the fifth's, and all 42 new models drawn for chapter 21's cold
# reading (multiples of 100 above 5,100,000, two runs of 21 in a row; from 6.9 points below
# τ = 1's to 0.8 above). The chapter says "at most about 11 points below", with the pooled
# count.
@pytest.mark.claim(stated=(116, 119), text="ch21: top-p's distinct share is within 8 points "
                                           "of τ = 1's (116 of 119 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_top_p_distinct_share_near_tau_1(seed):
    _, d, _ = decoding(seed)
    assert d["top-p=0.9"] > d["τ=1"] - 0.08


# The bits claims pool 98 new models: seeds 7001-7008 (../shared/reviews/seeds-00-22-check.md),
# the three fresh runs' thirty (benchmarks/results.md) and sixty drawn for this count
# (multiples of 100 above 100,000). A rule's cost is over its accepted sentences only, so
# each value carries the noise of a few hundred sentences (about 90 at τ = 1.5), and
# neighbouring rules differ by less than that on some models: over the 98, τ = 1 minus
# τ = 0.8 had mean 0.007 bits and sd 0.005, τ = 1.5 minus τ = 1 mean 0.012 and sd 0.009,
# τ = 1 minus the entropy mean 0.009 and sd 0.006 (up to 0.029). Those are counts. Held on
# all 98: τ = 0.5 below τ = 0.8 (by 0.003 or more); on the 97 whose greedy text held an
# accepted sentence, greedy below the entropy (by 0.015 or more) and below τ = 0.5 (by
# 0.0015 or more). On the 98th greedy's one text held no accepted sentence: its cost is
# undefined (nan), and the claim is about accepted ones. The fresh-seeds run of 2026-11-28
# (session 48) contradicted the greedy part on one of its ten seeds, 452144500: greedy's one
# text held four accepted sentences (the birds sing, then the big dog(s) sing(s) three
# times, the adjective a rarer form), 0.5637 bits against the entropy's 0.5497 and
# τ = 0.5's 0.5379; τ = 0.5 was below τ = 0.8 there (0.5511), as on the run's other nine
# seeds, where greedy held too. So the greedy part is a claim of its own, stated as its
# count: 107 of 108 new models (the test passes on a model whose greedy text held no
# accepted sentence: 106 of the 107 whose greedy text held one); τ = 0.5 below τ = 0.8
# held on all 108.
# The 30 fresh seeds of 2026-11-29: greedy above τ = 0.5 on 1,384,345,200 (0.545 against
# 0.538, below the entropy 0.550) and above both on 1,523,877,300 (0.565, 0.015 above the
# entropy).
@pytest.mark.claim(stated=(135, 138), text="ch21: greedy's accepted sentences, if any, cost "
                                           "fewer bits than the entropy and than τ = 0.5's "
                                           "(135 of 138 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_bits_of_greedy_below_the_entropy(seed):
    _, _, b = decoding(seed)
    if not np.isnan(b["greedy"]):
        assert b["greedy"] < min(H, b["τ=0.5"]), (b["greedy"], H, b["τ=0.5"])


@pytest.mark.claim(stated=(31, 31), text="ch21: τ = 0.5's accepted sentences cost fewer bits "
                                         "than τ = 0.8's; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_bits_rise_from_tau_0_5_to_0_8(seed):
    _, _, b = decoding(seed)
    assert b["τ=0.5"] < b["τ=0.8"], (b["τ=0.5"], b["τ=0.8"])


# Held on all 98 new models, by 0.0001 bits on one of them (mean 0.021, sd 0.008): the
# thinnest margin of the bits claims, its own claim so that an exception restates only it.
# A normal law with that mean and sd puts τ = 1.5 at or below the entropy on 0.4 % of
# seeds: a ten-seed fresh run would then contradict it about once in 24 runs. The sixth
# fresh run did (0.0010 bits below on 1345660100; the fifth run's ten all held): 117 of 118.
@pytest.mark.claim(stated=(146, 148), text="ch21: τ = 1.5's sentences cost more bits than the "
                                           "entropy (146 of 148 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_bits_of_tau_1_5_above_the_entropy(seed):
    _, _, b = decoding(seed)
    assert b["τ=1.5"] > H


# The third fresh run's contradiction: 0.0214 above the entropy on one of its seeds; over the
# 98 new models, more than 0.02 above on five (0.0203 to 0.0294), never below by 0.02.
@pytest.mark.claim(stated=(121, 128), text="ch21: τ = 1's sentences cost within 0.02 bits of the "
                                           "entropy (121 of 128 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_bits_of_tau_1_near_the_entropy(seed):
    _, _, b = decoding(seed)
    assert abs(b["τ=1"] - H) < 0.02


@pytest.mark.claim(stated=(113, 128), text="ch21: τ = 1's sentences cost more bits than τ = 0.8's "
                                           "(113 of 128 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_bits_of_tau_1_above_tau_0_8(seed):
    _, _, b = decoding(seed)
    assert b["τ=1"] > b["τ=0.8"]


@pytest.mark.claim(stated=(116, 128), text="ch21: τ = 1.5's sentences cost more bits than τ = 1's "
                                           "(116 of 128 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_bits_of_tau_1_5_above_tau_1(seed):
    _, _, b = decoding(seed)
    assert b["τ=1.5"] > b["τ=1"]


# The window claims' stated counts pool 48 new models: seeds 7001-7008
# (../shared/reviews/seeds-00-22-check.md) and the first, third, fourth and fifth fresh runs of
# benchmarks/results.md (the second run's rates were not recorded). The whole-text writer lost
# more than 30 points on 46; on the other two the model was accepted less often even inside
# the window than any stored one, and lost less past it: 2137244100 (first run) 39 % inside,
# 18.5 points lost; 817312300 (third run) 42.3 % inside, 30.0 points lost.
@pytest.mark.claim(stated=(76, 78), text="ch21: past the window the whole-text writer loses "
                                         "> 30 points (76 of 78 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_whole_text_writer_loses_past_the_window(seed):
    w = window(seed)
    assert w["past"] < w["inside"] - 0.3


# Held on the 48 until the tenth fresh run (2026-11-26): on seed 1091430600 the sliding
# window kept 45.2 % past the window against the whole text's 21.5 %, 23.7 points. On 20 new
# models (multiples of 100 from 9,600,100 to 9,602,000) it held on 17: 74 of 78 with the 48
# and the tenth run's 9 of 10. The chapter says this only of its ten stored models.
@pytest.mark.claim(stated=(104, 108), text="ch21: past the window the sliding window keeps > 25 "
                                           "points more than the whole-text writer (104 of 108 "
                                           "new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_sliding_window_keeps_more_than_the_whole_text(seed):
    w = window(seed)
    assert w["past, sliding"] > w["past"] + 0.25


# The same 48: within 10 points on 44; on the other four it ended below the share inside, by
# 11.8 (7001), 11.0 (1626713800, first run), 10.6 (365042400) and 14.6 points (1151836900,
# both fifth run): the chapter says "up to 15 below".
@pytest.mark.claim(stated=(71, 78), text="ch21: the sliding window stays within 10 points of "
                                         "the share inside (71 of 78 new models)")
@pytest.mark.parametrize("seed", seeds(31))
def test_21_sliding_window_within_10_points(seed):
    w = window(seed)
    assert abs(w["past, sliding"] - w["inside"]) < 0.1


# -- chapter 22: post-training ---------------------------------------------------------------
# Section 4's four fine-tunings over fifty new batch orders: the fourth fresh run's ten, where
# LoRA in the blocks cost more bits/char than every weight on two, and forty drawn for this
# count (multiples of 100 above 100,000). Held on all fifty, and on the five stored orders:
# LoRA on the output layer below 5 % accepted (0.4 % to 2.7 % on the forty), the blocks,
# trained or adapted, more than 3 times it (3.9 times at the least), and it cost fewer
# bits/char than every weight (by 0.067 to 0.147 on the forty). The other two ways cost
# fewer bits on most orders, not all: LoRA in the blocks on 47 of 50 (on the forty 0.094
# below to 0.008 above, mean 0.055 below, sd 0.021), the blocks alone on 49 of 50 (0.030
# below to 0.004 above, mean 0.018 below, sd 0.008).
@pytest.mark.claim(stated=(31, 31), text="ch22: LoRA on the output layer buys almost nothing, "
                                         "and costs fewer bits than training every weight; "
                                         "31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(226))
def test_22_fine_tuning_fewer_weights(seed):
    a, b = ch22.sft_accepted(seed), ch22.sft_bits(seed)
    assert a["LoRA, output"] < 0.05
    assert min(a["blocks only"], a["LoRA, blocks"]) > 3 * a["LoRA, output"]
    assert b["LoRA, output"] < b["every weight"]


@pytest.mark.claim(stated=(77, 80), text="ch22: LoRA in the blocks costs fewer bits than "
                                         "training every weight (77 of 80 new orders)")
@pytest.mark.parametrize("seed", seeds(226))
def test_22_lora_in_the_blocks_costs_fewer_bits(seed):
    b = ch22.sft_bits(seed)
    assert b["LoRA, blocks"] < b["every weight"]


@pytest.mark.claim(stated=(79, 80), text="ch22: training the blocks alone costs fewer bits "
                                         "than training every weight (79 of 80 new orders)")
@pytest.mark.parametrize("seed", seeds(226))
def test_22_blocks_only_costs_fewer_bits(seed):
    b = ch22.sft_bits(seed)
    assert b["blocks only"] < b["every weight"]


@lru_cache(maxsize=None)
def sft_judged():
    """SFT's share, bits and habits (cached: every claim below reads them)."""
    sft_share, sft_bits, answers = ch22.judge(ch22.sft_model())
    return sft_share, sft_bits, ch22.habits(answers)


@lru_cache(maxsize=None)
def post_training(seed):
    """SFT's share, bits and habits; RL on ``seed`` and DPO on ``seed + 1`` (cached: four
    claims read them)."""
    return (*sft_judged(), ch22.rl_runs(seed), ch22.dpo_runs(seed + 1))


# Sixty new seeds of RL (DPO on each seed + 1): forty from the third fresh run's
# restatement (its ten and thirty more drawn for this count, multiples of 100 above
# 100,000), the fourth fresh run's ten and the fifth's ten (benchmarks/results.md). What
# held on all sixty, and on the five stored seeds and CI's, is this claim (the fifth
# run's one failure was the 5-point part, now the claim after this one; the rest held on
# that seed, re-run). Chapter 22 quotes this count: "all 60". On the forty RL's KL to the
# SFT model ended at 3.06 to 7.66 nats (mean 4.0 and sd 0.47 without the 7.66): 3 nats
# lies two standard deviations below the mean, a threshold one seed in forty or so would
# miss; the claim is that RL moved far from its reference, and 2 nats is four below. The
# third fresh run's two failures are the length and 10-point claims below, each stated
# as its count. The fresh-seeds run of 2026-11-28 (session 47) contradicted it on one of
# its ten seeds, 2022277200, only in the second round: 87 of 256 accepted against the first
# round's 88 (every other part held there, re-run, and on its other nine seeds). So the
# second round is a claim of its own, stated as its count: it raised the share on 69 of 70
# new seeds; the rest held on all 70.
@pytest.mark.claim(stated=(31, 31), text="ch22: RL above DPO above SFT in accepted share and "
                                         "bits; RL less varied, fewer clauses, KL > 2; DPO "
                                         "fits its own pairs better than new ones; "
                                         "31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(2252))
def test_22_rl_and_dpo(seed):
    # RL on the seed, DPO on the next one (CI: 2252 and 2253)
    sft_share, sft_bits, sft, rl, dpo = post_training(seed)
    assert rl["accepted"] > sft_share + 0.3 and rl["KL"] > 2
    assert rl["distinct"] < 0.6 * sft["distinct"] and rl["clauses"] < sft["clauses"]
    assert dpo["train pairs"] > dpo["new pairs"]
    assert sft_share < dpo["accepted"] < rl["accepted"]
    assert sft_bits < dpo["bits"] < rl["bits"] and dpo["distinct"] > rl["distinct"]


@pytest.mark.claim(stated=(99, 100), text="ch22: a second round of DPO (online, on its own "
                                          "pairs) raises the accepted share (99 of 100 new "
                                          "seeds)")
@pytest.mark.parametrize("seed", seeds(2252))
def test_22_dpo_second_round_raises_the_share(seed):
    *_, dpo = post_training(seed)
    assert dpo["round 2"] > dpo["accepted"]


# The fifth fresh run's one contradiction here: on one draw of pairs DPO reached 18.8 %
# accepted, 4.3 points above SFT's 14.5 % (its pairs 261, its bits 1.40), and below the
# best stored SFT batch order (21.9 %, seed 225): chapter 22's "every DPO draw above every
# SFT order" holds for the five stored draws only. On the sixty new seeds above (the
# fifth run's ten among them) and 22 more new draws of DPO alone (multiples of 100 above
# 2,000,000, plus 1; 23 to 41 % accepted) DPO was above SFT on all 82 and more than 5
# points above it on 81 of 82.
@pytest.mark.claim(stated=(111, 112), text="ch22: DPO is accepted more often than SFT by "
                                           "more than 5 points (111 of 112 new draws)")
@pytest.mark.parametrize("seed", seeds(2252))
def test_22_dpo_more_than_5_points_above_sft(seed):
    sft_share, _, _, _, dpo = post_training(seed)
    assert dpo["accepted"] > sft_share + 0.05


# On one fresh seed RL's accepted answers were 23.5 characters long on average, against
# SFT's 18.2 (its KL the largest, 7.66 nats); on the other 39 of the third run's forty
# 13.7 to 17.1. Shorter on all ten of the fourth fresh run and all ten of the fifth (the
# claim held on each of their seeds, benchmarks/results.md): 59 of 60 new seeds.
@pytest.mark.claim(stated=(89, 90), text="ch22: RL's accepted answers are shorter than SFT's "
                                         "(89 of 90 new seeds)")
@pytest.mark.parametrize("seed", seeds(2252))
def test_22_rl_answers_shorter(seed):
    _, _, sft, rl, _ = post_training(seed)
    assert rl["length"] < sft["length"]


# On one fresh draw DPO ordered 96.6 % of its training pairs right against 86.7 % of new
# ones, 9.8 points apart; on the other 39 of the third run's forty 10.7 to 24.9 points.
# More than 10 points on all ten of the fourth fresh run and all ten of the fifth (the
# claim held on each of their seeds, benchmarks/results.md): 59 of 60 new draws.
@pytest.mark.claim(stated=(89, 90), text="ch22: DPO orders its training pairs right more "
                                         "often than new ones by more than 10 points (89 of "
                                         "90 new draws)")
@pytest.mark.parametrize("seed", seeds(2252))
def test_22_dpo_gap_over_10_points(seed):
    dpo = post_training(seed)[4]
    assert dpo["train pairs"] > dpo["new pairs"] + 0.1


# RL without the division by σ (advantages r − group mean, the table 22_rl_raw), on 40
# new seeds drawn for this count (the first forty multiples of 100 above 6,000,000): the
# share of distinct answers was 0.113 to 0.336, below 0.6 times SFT's 0.871 (0.523) on all
# 40, as on the five stored seeds (0.164 to 0.270); accepted 0.805 to 0.941. Chapter 22
# says "on all 40 new seeds". The mistake it catches: RL without the division that no
# longer learns (advantages lost, a step not taken) keeps SFT's variety.
@pytest.mark.claim(stated=(31, 31), text="ch22: RL without the division by σ collapses the "
                                         "variety too (distinct < 0.6 × SFT's); 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(2252))
def test_22_rl_not_divided_collapses_variety(seed):
    sft = sft_judged()[2]
    assert ch22.rl_raw_runs(seed)["distinct"] < 0.6 * sft["distinct"]
