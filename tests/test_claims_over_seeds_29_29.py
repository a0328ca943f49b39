"""Chapter 29's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment, ``verifier_rl.verifier_runs``, on a seed no notebook or stored
table uses (in CI) or on the fresh seeds of `nox -s fresh_seeds`, and asserts what the
chapter says of a seed.

Cost with one BLAS thread: chapter 22's SFT model once (about 7 s), then a seed: two RL runs
(40 steps against the exact verifier, 12 against the buggy one) and three judgements, about
17 s. Every claim here is marked heavy(ci=True): left out of a default fresh run
(`-- --heavy` adds them), run in CI on the fixed seed.
"""

import functools

import pytest
from claims import seeds

from nnbook.experiments import verifier_rl as vr

# Issue 76 (session 55): the claims here are counts over pools that include the 30 fresh seeds
# of 2026-11-29 (listed in tests/test_claims_over_seeds_21_22.py; run by `tests/fresh_seeds.py
# --heavy` at 3ed7635). Every claim held on all 30 but one: on 219900 RL wrote 8.2 times the
# base's accepted answers (0.934 against 0.113) but its coverage was 2.73 times the base's
# (0.0523 against 0.0191), so "coverage under twice the base's" held on 29 of the 30.
# Issue 76's first fresh-seeds run (`nox -s fresh_seeds -- --heavy --seed-base 1026810899
# --seeds 10`: seeds 1026810899 + 100·i, i = 0 … 9, at 79766ba, whose claims here assert what
# they assert today) judged every claim of this file, each then stated "every": it
# contradicted only "not below the base at any k" (failed on 1026810899 and 1026811299), so
# every other claim held on all 10 (the list of contradictions is the record; the
# run's values were not kept).
# Each claim's `stated` is the pool the chapter quotes: its fresh seeds (the readings' below
# for the claim's present form, these 10 and the 30) and FIXED, which CI runs; the marker's
# text gives both counts, the chapter the fresh one.

FIXED = (4029,)                   # no notebook or stored table uses it


# Measured on 6 new seeds (457437500, 1353685100, 1388953500, 1502512400, 1740228200,
# 1843000900; 2026-11-27, `python tests/fresh_seeds.py --seeds 6 --heavy -k ch29`): the
# first two claims below held on all 6, beside the 5 stored seeds and FIXED. All four
# held on 4 more (168671300, 584745900, 1193212400, 1491869800; 2026-11-28,
# `python tests/fresh_seeds.py --seeds 4 --heavy --processes 1 -k 29_29`): the last two
# (the mass on a few answers, the bug paying the SFT model) were added after chapter
# 29's cold reading. Every claim below, in its present form (the buggy run accepting
# exactly nothing, the bug paying 1 − the wrong-subject share, and the two claims added
# after the second reading: not below at any k, accepted answers against coverage), held
# on 8 more (48213577, 73920461, 61538207, 35087119, 52749163, 19486027, 87301459,
# 40628813; 2026-11-28, NNBOOK_FRESH_SEEDS=... NNBOOK_HEAVY=1 pytest -n 0 this file).
# Every claim below, with "over half of RL's mass on the short accepted answers" added
# after the third reading, held on 4 more (31577219, 62904417, 77310583, 45018862;
# 2026-11-28, the same command). On 77310583 the buggy policy wrote no sentence in only
# 0.367 of its answers (below the stored 0.473 to 0.949) and ended 0.633 outside the
# language: the text quotes that share for the stored seeds only.
# Fourth cold reading (2026-11-28, the same command): every claim held on 23817461,
# 58204937, 91462083 and 33718265. On 80275143 every other claim held, but the buggy
# policy's answers had 1 of 256 accepted by the exact verifier (reward 0.750 at step 1,
# 1.000 at the end), so "the exact verifier accepts none" failed there: the claim is now
# "under 0.02" (none on the fixed seed and on 16 of those 17 fresh seeds). The buggy
# policy's no-sentence share (not asserted) on the 11 fresh seeds recorded: 77310583,
# 23817461, 58204937, 91462083: 0.367, 0.469, 0.281, 0.207, most answers outside the
# language; 31577219, 62904417, 45018862 (third reading): 0.941, 0.844, 0.727; 33718265,
# 44092751, 66351809, 80275143: 0.973, 0.836, 0.520, 0.625 (44092751 and 66351809 from
# vr.rl_policy(seed, True) and vr.judge_policy alone, as verifier_runs calls them; none
# accepted on either).
# Fifth cold reading (2026-11-28, the same command): every claim held on 30208490, 81649954
# and 67676244; the buggy policy accepted none on all three, its no-sentence share 0.934,
# 0.551, 0.707 (14 fresh seeds recorded, 4 below the stored 0.473). On 67676244 RL's
# coverage was 1.80 times the base's (0.057 against 0.032; stored 0.69 to 1.30, the other
# two 0.74 and 0.84) and its mass more spread: 1.875 answers for half of it, 4.375 for 90 %
# (stored 1.000 to 1.375 and 1.625 to 3.000), still under a fifth of the base's 28: the
# text quotes those ranges for the stored seeds only and claims the bounds.
# Sixth cold reading (2026-11-28, the same command): every claim held on 60307979, 79250559
# and 87698908 (and, judged again on unrelated sampling seeds 74262505, 24937186, 96424955,
# every comparison came out the same way); the buggy policy accepted none on all three, its
# no-sentence share 0.965, 0.816, 0.699 (17 fresh seeds recorded, 4 below the stored 0.473).
# On 87698908 RL's coverage was 1.81 times the base's (0.048 against 0.027) and its mass
# more spread: 1.750 answers for half of it, 3.875 for 90 %, the second fresh seed outside
# the stored ranges (the other two: coverage 1.17 and 0.72 times the base's, half the mass
# on 1.000 answers on both, 90 % on 2.125 and 2.000).
# Reading 76 (third, 2026-11-29, `python tests/fresh_seeds.py --seed-list
# 1863273044,692672661 --processes 1 --heavy`): every claim held on 1863273044 and 692672661,
# including not below the base at any k (RL first, base second: pass@1 0.898 vs 0.133 and
# 0.840 vs 0.160; exact mass 0.899 and 0.840 vs 0.116; accepted answers 6.8 and 5.2 times the
# base's; coverage 0.62 and 1.11 times the base's, the first below the stored 0.69 to 1.30;
# answers for 90 % 1.25 and 3.0 against the base's fifth 5.6; for half, 1.0 and 1.5; buggy
# reward 0.81 and 0.84 at step 1, 1.00 at the end; the buggy policy accepted none on both,
# its no-sentence share 0.984 and 0.750: 19 fresh seeds recorded, 4 below the stored 0.473).
# Counts with these two: over half the mass 17 of 17, accepted against coverage 25 of 25,
# the 90 % bound 29 of 29, the buggy verifier's claims 25 of 25 (none accepted on 24),
# pass@1 and the exact mass above the base's 35 of 35, not below at any k 23 + 2 of 25 fresh.
# Pooled with issue 76's first run (10) and its 30 of 2026-11-29 (header), fresh: pass@1 and
# mass above the base 75 of 75, over half the mass 57 of 57, accepted against coverage 64 of
# 65, the 90 % bound 69 of 69, the buggy verifier's two claims 65 of 65 each, not below at
# any k 63 of 65; with FIXED, one more seed on which each holds.
# The fifth cold reading of 2026-11-30 (reader read2932, /work/reading5-29-32.md): RL and the
# buggy RL trained from 1711203345 (vr.rl_policy), every model judged on answers drawn from
# 906614771 (vr.judge_policy), the steps of verifier_runs with the two seeds split. Every
# claim held: pass@1 0.898 vs 0.145, exact mass 0.904 vs 0.116, RL not below the base at any
# k, accepted answers 6.2 times the base's, coverage 1.04 times (0.0332 vs 0.0319), answers
# for 90 % 2.125 against the base's 28, for half 1.125; buggy reward 0.891 at step 1, 1.000
# at the end, none accepted, no sentence 0.9375 (20 fresh seeds recorded, 4 below the stored
# 0.473; 26 buggy runs whose accepted answers are recorded, none on 25). Counted in every pool
# below and in the chapter: each claim's count is one more of one more.


# The SFT model, trained again from other seeds (verifier_runs never draws it: every claim
# here is "on this SFT model", as chapter 29 says). Cold readings' runs of the 90 % bound
# (RL's answers for 90 % of the short accepted mass under a fifth of the base's): the
# readings before session 51 held it on 4 of 5 re-trained bases (it failed on SFT seed
# 1526624481: 5.875 against 4.925); reading 51 on 1 of 2 (failed on SFT seed 1268741160 with
# RL seed 2073121478: 4.625 against 4.600; held on SFT seed 2073121478); reading 51's second on
# 2 of 2 (SFT seeds 599362862 and 699916967: 2.000 < 5.200, 2.125 < 5.050); reading 76's
# third on 2 of 2 (SFT seed 1863273044 with RL seed 692672661: 2.500 < 5.300, pass@1 0.887,
# exact mass 0.897, the buggy verifier 0 accepted and 0.97 no sentence; SFT seed 692672661
# with RL seed 1863273044: 2.875 < 5.175, 0.809, 0.782, 0 accepted, 0.93): 9 of 11.


@functools.lru_cache(maxsize=None)
def run(seed):
    return vr.verifier_runs(seed)


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(77, 77), text="ch29: RL against the exact verifier is above the "
                                        "base at pass@1 and in exact mass on the short "
                                        "accepted answers; 77 of 77 seeds (76 of 76 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_rl_beats_the_base_at_pass_1_and_in_mass(seed):
    r = run(seed)
    assert r["RL pass@1"] > r["base pass@1"], r
    assert r["RL exact mass"] > r["base exact mass"], r


# Asserted with the claim above since the third cold reading (2026-11-28): its pool is the
# 17 fresh seeds from then on, issue 76's 10 and 30, and FIXED
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(59, 59), text="ch29: RL against the exact verifier puts over half "
                                        "its probability on the short accepted answers; "
                                        "59 of 59 seeds (58 of 58 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_rl_puts_most_of_its_mass_on_the_short_accepted_answers(seed):
    r = run(seed)
    assert r["RL exact mass"] > 0.5, r                 # "most of its probability"


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(67, 67), text="ch29: against the buggy verifier the reward ends "
                                        "above 0.95 while the exact verifier accepts under "
                                        "0.02 of the answers (the base: more); 67 of 67 seeds "
                                        "(66 of 66 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_buggy_verifier_is_exploited(seed):
    r = run(seed)
    assert r["buggy RL reward"] > 0.95, r
    assert r["buggy RL accepted"] < 0.02 < r["base accepted"], r   # 0 on most seeds


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(71, 71), text="ch29: RL holds 90 % of a prompt's short accepted "
                                        "mass on under a fifth as many answers as the base; "
                                        "71 of 71 seeds (70 of 70 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_rl_puts_the_mass_on_a_few_answers(seed):
    r = run(seed)
    assert r["RL answers for 90%"] < r["base answers for 90%"] / 5, r


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(67, 67), text="ch29: the buggy verifier already pays most of the "
                                        "SFT model's answers: above 0.7 at step 1; 67 of 67 "
                                        "seeds (66 of 66 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_bug_pays_the_base_before_training(seed):
    r = run(seed)
    assert r["buggy RL reward at step 1"] > 0.7, r
    assert 1 - r["base wrong subject"] > 0.7, r       # what the bug pays the base judged
    for m in ("base", "RL", "buggy RL"):               # the bug pays 1 − wrong subject
        assert abs(r[f"{m} buggy reward"] - (1 - r[f"{m} wrong subject"])) < 1e-12, r


# Not below at any k, counted (issue 76): it held on the 23 fresh seeds the notes above record
# for its present form, and on 8 of the 10 of issue 76's fresh-seeds run (base 1026810899,
# every 100th): on 1026810899 and 1026811299 RL fell below the base at some k, the effect Yue
# et al. (2025) report at large k; and on both of reading 76's third (1863273044, 692672661).
# With FIXED: 34 of 36 (33 of 35 fresh); with issue 76's 30 of 2026-11-29, all of which it
# held on: 64 of 66 (63 of 65 fresh).
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(65, 67), text="ch29: RL against the exact verifier is not below "
                                         "the base at pass@k for any k up to 32 (65 of 67 "
                                         "seeds, 64 of 66 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_rl_is_not_below_the_base_at_any_k(seed):
    r = run(seed)
    assert all(r[f"RL pass@{k}"] >= r[f"base pass@{k}"] for k in vr.KS), r


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(66, 67), text="ch29: RL writes over three times as many accepted "
                                        "answers as the base, but its coverage stays under "
                                        "twice the base's; 66 of 67 seeds (65 of 66 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_rl_finds_few_more_distinct_answers(seed):
    r = run(seed)
    assert r["RL accepted"] > 3 * r["base accepted"], r
    assert r["RL coverage"] < 2 * r["base coverage"], r
