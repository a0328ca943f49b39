"""Chapter 30's conclusions over seeds, re-run (the form of tests/claims.py): each test trains
the chapter's judge on a seed no notebook or stored table uses (in CI) or on the fresh seeds of
`nox -s fresh_seeds`, and asserts what the chapter says of a seed (stated as k of n). About
1.5 s of CPU a seed with one BLAS thread for the judge, its confusion on 2000 answers and the
exact best-of-n curve; the RL claims add chapter 22's SFT model once (about 5 s) and 40 GRPO
steps against the judge (about 5 s a seed); the Elo claims (section 3) about 1 s a seed.
"""

import functools
from unittest import mock

import numpy as np
import pytest
from claims import seeds

from nnbook.experiments import judges as jd
from nnbook.evaluation import bradley_terry_votes, elo_ratings
from nnbook.evaluation.leaderboards import ELO_SCALE

FIXED = (3050,)                   # no notebook or stored table uses it (3051 too until 2026-12-01)
FALLS = (3050, 3053)              # the same, two on which best-of-n falls (a (k, n) claim)

# Issue 76 (session 55): the claims here are counts over pools that include the 30 fresh seeds
# of 2026-11-29 (listed in tests/test_claims_over_seeds_21_22.py; run by `tests/fresh_seeds.py
# --heavy` at 3063c29): a claim stated "every" until then is 32 of 32 (the 30 and the two CI
# fixed seeds) where the chapter quotes no larger pool; every one of them held on all 30. The
# claims the chapter quotes over its stored seeds and all fresh ones (best-of-n's rise; RL's
# proxy rising and staying above the truth) are stated as those pools. The counted ones took
# the 30's outcomes: the
# fall after best-of-n's peak 22 of 30 (failed on 105392300, 842783200, 959874300, 972831000,
# 1124537100, 1173063400, 1519791000, 2041625600), so 63 of 90; RL against the judge ending
# below 0.05 true acceptance 21 of 30 (64 of 92), its highest true acceptance in the first
# block 21 of 30 (60 of 92). The earlier fresh runs each comment records come on top.
# The fifth cold reading of 2026-11-30 (reader read2932, /work/reading5-29-32.md): the judge
# trained from 1711203345, its confusion on 2000 answers, its writer sample and GRPO's draws
# from 906614771 (judge_run's and judge_rl_run's steps with the two seeds split). The judge
# accepted 53.4 % and 23.8 % (gap 0.296, 314 false accepts); best-of-n rose 0.231 from n = 1
# to 8, peaked at n = 16 and fell by 0.131; RL: the proxy rose 0.447 (0.225 to 0.672), above
# the truth in every block; the truth ended at 0.184 (no collapse), its best block at step
# 35. Elo on votes from 1711203345 and from 906614771: smallest spread 26.6 and 27.4, the
# last 1000 at most 1.69 and 1.66, the last 300 at least 17.6 and 23.4. Every claim held;
# the counted ones took these outcomes (fall: yes; collapse and first block: no). Counted in
# every pool below and in the chapter: the judge 33 of 33; best-of-n's rise 91 of 91 (81
# fresh), its fall 64 of 91 (58 of 81 fresh); RL's rise and end above the truth 93 of 93 (83
# fresh), above in every block 81 of 81 (71 fresh), the collapse 64 of 93 (57 of 83 fresh),
# the first block best 60 of 93; the two Elo claims 34 of 34 (two vote seeds).


@functools.lru_cache(maxsize=None)
def judge(seed):
    """``jd.train_judge(seed)`` at its defaults, trained once per seed (about 0.5 s): the
    judge of ``judge_run(seed)`` is the reward of ``judge_rl_run(seed)``. Keyed by the seed
    itself, so a fresh seed never reads a fixed seed's judge; neither run trains it further."""
    return _TRAIN_JUDGE(seed)


_TRAIN_JUDGE = jd.train_judge


@functools.lru_cache(maxsize=None)
def run(seed):
    with mock.patch.object(jd, "train_judge", judge):       # it calls train_judge(seed)
        return jd.judge_run(seed)


# RL against the judge from an SFT model trained again from other seeds (judge_rl_run never
# draws it; chapter 30 says every run starts from one SFT model). Cold reading 51's first
# reader (judge, GRPO, SFT seeds among 686146528, 875569568, 1268741160, 2073121478) and its
# second (599362862, 699916967), two runs each: the judge's acceptance rose on all four, the
# true acceptance collapsed on three. Reading 76's third (readings/reading76-ch29-32), SFT and
# judge/GRPO seeds 1863273044 and 692672661 crossed: SFT 1863273044, the proxy rose 0.559 and
# the truth went from 0.109 to 0.013 (best in the first block); SFT 692672661, the proxy rose
# 0.272 and the truth went from 0.159 to exactly 0.050 (16 of 320, best in the first block),
# so the strict "below 0.05" failed by one answer. All six: the rise on 6, the collapse on 4.


@functools.lru_cache(maxsize=None)
def rl_run(seed):
    with mock.patch.object(jd, "train_judge", judge):       # the judge of run(seed)
        return jd.judge_rl_run(seed)


# The margin was 0.2 until a ninth cold reading (readings/ch30-reading9): its seed 96338284
# trained a judge accepting 41.5% of the accepted answers and 23.9% of the rejected ones, a
# gap of 0.176. Sixteen more fresh seeds drawn for it (29732833, 62976579, 50718710, 39125077,
# 17857845, 37177422, 96568206, 54070206, 9221289, 49587975, 5498602, 28738916, 86024385,
# 17908204, 35218337, 83879671) gave gaps 0.243 to 0.380; its other two seeds 0.282 and 0.310;
# the 10 stored 0.276 to 0.338. Above 0.2 on 18 of those 19 fresh seeds, above 0.1 on all.
# Reading 76's third (readings/reading76-ch29-32): 1863273044 and 692672661 gave 0.323 and 0.266.
@pytest.mark.claim(stated=(33, 33), text="ch30: the judge accepts the grammar's accepted "
                                        "answers more often than its rejected ones by 0.1, "
                                        "and has false accepts; 33 of 33 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_the_judge_is_better_than_chance_and_not_exact(seed):
    row = run(seed)
    tpr = row["true accept"] / (row["true accept"] + row["false reject"])
    fpr = row["false accept"] / (row["false accept"] + row["true reject"])
    assert tpr > fpr + 0.1 and row["false accept"] > 0, row


# Each seed draws its judge and its writer's 400 draws (jd.writer_seed). Stored: 10 seeds,
# 30 … 39 (tables/30_judges.json): the rise on all 10, the fall on 6. Measured on 10 new seeds
# (187049500, 192450800, 919380900, 966498100, 981729200, 1292391300, 1397733200, 1533878800,
# 1577136700, 1611392100; `python tests/fresh_seeds.py --seeds 10 -k test_30_best_of_n`): the
# rise on all 10, the fall on 6 (not on 187049500, 919380900, 1397733200, 1611392100). A
# second cold reading (readings/ch30-reading2) ran 10300017 and 10411113: the rise and the
# fall on both (peaks at n = 16 and 8, drops 0.051 and 0.017). A third (readings/ch30-reading3)
# ran 13572469, 24681357, 17320508 and 22360679: the rise on all 4 (0.200 to 0.230), the fall
# on 2 (24681357 and 22360679: peaks at n = 8, drops 0.039 and 0.140). A fourth
# (readings/ch30-reading4) ran 31622776 and 57721566, and 27182818, 16180339 and 14142135
# (seeds the chapter never used; chapter 31's readings had): the rise on all 5 (0.204 to
# 0.228), the fall on 1 (31622776: peak at n = 64, drop 0.026; the other four highest at
# n = 256). A fifth (readings/ch30-reading5) ran 61942720, 93714188 and 35152832: the rise
# on all 3 (0.200, 0.226, 0.209), the fall on 2 (61942720 and 35152832: peaks at n = 8, drops
# 0.078 and 0.129; 93714188 highest at n = 256 after a dip, 0.583 at n = 16, 0.568 at 64).
# A sixth (readings/ch30-reading6) ran 63451468, 28699704 and 40859614: the rise on all 3
# (0.208, 0.219, 0.220), the fall on 2 (63451468 and 40859614: peaks at n = 8, drops 0.223 and
# 0.042; 28699704 highest at n = 256).
# A seventh (readings/ch30-reading7) ran 18236598, 74490261 and 74330339: the rise on all 3
# (0.169, 0.170, 0.197), the fall on 2 (18236598 and 74490261: peaks at n = 8, drops 0.217
# and 0.154; 74330339 peaks at n = 16 and drops 0.0099, not more than 0.01).
# An eighth (readings/ch30-reading8) ran 6710196, 98833938 and 56239320: the rise on all 3
# (0.219, 0.189, 0.206), the fall on all 3 (peaks at n = 16, 8 and 8, drops 0.106, 0.123 and
# 0.076).
# A ninth (readings/ch30-reading9) ran 96338284, 77378119 and 31340169: the rise on all 3
# (0.169, 0.239, 0.232), the fall on all 3 (peaks at n = 8, 32 and 8, drops 0.057, 0.0146 and
# 0.148).
# A tenth (readings/ch30-reading10) ran 26478797, 71425756 and 54143696: the rise on all 3
# (0.183, 0.204, 0.177), the fall on all 3 (peaks at n = 8, 16 and 8, drops 0.033, 0.019 and
# 0.030).
# An eleventh (readings/ch30-reading11) ran 1544535, 41418417 and 15871157: the rise on all 3
# (0.204, 0.190, 0.233), the fall on 2 (1544535 and 15871157: peaks at n = 8 and 32, drops
# 0.146 and 0.070; 41418417 highest at n = 256, 0.607, after 0.548 at n = 8 and 0.547 at 16).
# A twelfth (readings/ch30-reading12) ran 9839734, 40653975 and 51298989: the rise on all 3
# (0.178, 0.223, 0.175), the fall on all 3 (peaks at n = 8 on all 3, drops 0.069, 0.060 and
# 0.099).
# A thirteenth (readings/ch30-reading13) ran 13168712, 78310054 and 59037031: the rise on all
# 3 (0.171, 0.201, 0.212), the fall on 2 (13168712 and 78310054: peaks at n = 8 and 128, drops
# 0.037 and 0.022; 59037031 highest at n = 256, 0.707).
# Reading 76's third (readings/reading76-ch29-32; `python tests/fresh_seeds.py --seed-list
# 1863273044,692672661 --processes 1 --heavy`) ran 1863273044 and 692672661: the rise on both
# (0.207, 0.199), the fall on both (peaks at n = 8 and 32, drops 0.213 and 0.069).
# Fresh seeds so far: the rise on 50 of 50, the fall on 35 of 50. The fall is stated as the
# pool the chapter cites (until reading 76 it was stated as the stored 6 of 10 alone): stored
# 6 of 10 + fresh 33 of 48 + reading 76's 2 of 2 = 41 of 60. With issue 76's 30 (header): the
# rise on 80 of 80 fresh seeds, stated as the chapter quotes it with the 10 stored (the rise
# on all 10): 90 of 90; the fall 57 of 80 fresh, 63 of 90.
@pytest.mark.claim(stated=(91, 91), text="ch30: best-of-n with the judge as selector rises by "
                                        "more than 0.1 from n = 1 to n = 8; 91 of 91 seeds "
                                        "(10 stored, 81 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_best_of_n_with_the_judge_rises(seed):
    row = run(seed)
    assert row["n=8"] - row["n=1"] > 0.1, row


@pytest.mark.claim(stated=(64, 91), text="ch30: best-of-n with the judge as selector peaks "
                                        "before n = 256 and falls by more than 0.01 after "
                                        "its peak; 64 of 91 seeds")
@pytest.mark.parametrize("seed", seeds(*FALLS))
def test_30_best_of_n_with_the_judge_then_falls(seed):
    row = run(seed)
    assert row["peak n"] < 256 and row["drop after peak"] > 0.01, row


# RL against the judge (section 6). Stored: 10 seeds, 30 … 39 (tables/30_judge_rl.json); the
# (k, n) claims hold on FIXED, as tests/claims.py asks of a fixed seed. Measured on 10 new seeds
# (468845700, 487113900, 557169900, 926765800, 1029229200, 1390342200, 1803137900, 1827612300,
# 1881561400, 2015487000; `python tests/fresh_seeds.py --seeds 10 -k
# test_claims_over_seeds_30_30`): the every-seed claim held on all 10 (as it then read: the
# proxy ended above the truth; every block is checked since the second reading), true
# acceptance below 0.05 at the end on 5 (the others ended at 0.12 to 0.83), highest in the
# first 5 steps on 6.
# A cold reading (readings/ch30) ran two more (judges from 10000019 and 10000223, GRPO's draws
# from 10000931 and 10004447): the collapse on neither, the true acceptance highest in the last
# 5 steps on both. A second cold reading (readings/ch30-reading2) ran 10300017 and 10411113
# (the proxy above the truth in every block on both): the collapse on both (true acceptance
# 0.009 and 0.006 at the end), highest in the first 5 steps on 10300017 only (10411113 at
# step 25). A third cold reading (readings/ch30-reading3) ran 13572469, 24681357, 17320508 and
# 22360679 (the proxy above the truth in every block on all 4): the collapse on 13572469 and
# 24681357 (true acceptance 0.000 at the end on both), highest in the first 5 steps on the same
# two (17320508 ended at 0.200, highest at step 40; 22360679 at 0.166, highest at step 10).
# A fourth (readings/ch30-reading4) ran 31622776, 57721566, 27182818, 16180339 and 14142135
# (the proxy above the truth in every block on all 5): the collapse on all 5 (true acceptance
# 0.000, 0.016, 0.000, 0.041, 0.000 at the end), highest in the first 5 steps on all 5.
# A fifth (readings/ch30-reading5) ran 61942720, 93714188 and 35152832 (the proxy above the
# truth in every block on all 3): the collapse on all 3 (true acceptance 0.009, 0.000, 0.022
# at the end), highest in the first 5 steps on all 3.
# A sixth (readings/ch30-reading6) ran 63451468, 28699704 and 40859614 (the proxy above the
# truth in every block on all 3): the collapse on 28699704 only (true acceptance 0.000 at the
# end, highest in the first 5 steps); 63451468 ended at 0.403 (highest at step 30, 0.563) and
# 40859614 at 0.166 (highest at step 20).
# A seventh (readings/ch30-reading7) ran 18236598, 74490261 and 74330339 (the proxy above the
# truth in every block on all 3): the collapse on 18236598 and 74490261 (true acceptance 0.000
# and 0.009 at the end, highest in the first 5 steps on both); 74330339 ended at 0.759, its
# highest block the last.
# An eighth (readings/ch30-reading8) ran 6710196, 98833938 and 56239320 (the proxy above the
# truth in every block on all 3): the collapse on 6710196 and 56239320 (true acceptance 0.003
# and 0.006 at the end, highest in the first 5 steps on both); 98833938 ended at 0.188, its
# highest block the last (0.178 in the first).
# A ninth (readings/ch30-reading9) ran 96338284, 77378119 and 31340169 (the proxy above the
# truth in every block on all 3): the collapse on 96338284 and 77378119 (true acceptance 0.000
# at the end on both, highest in the first 5 steps on both); 31340169 ended at 0.150, its
# highest block at step 35 (0.119 in the first).
# A tenth (readings/ch30-reading10) ran 26478797, 71425756 and 54143696 (the proxy above the
# truth in every block on all 3; its rise 0.553, 0.447 and 0.366): the collapse on all 3 (true
# acceptance 0.000, 0.009 and 0.006 at the end, from 0.097, 0.113 and 0.153 in the first 5
# steps), highest in the first 5 steps on all 3.
# An eleventh (readings/ch30-reading11) ran 1544535, 41418417 and 15871157 (the proxy above
# the truth in every block on all 3; its rise 0.656, 0.528 and 0.613): the collapse on all 3
# (true acceptance 0.000 at the end on all 3, from 0.125, 0.097 and 0.062 in the first 5
# steps), highest in the first 5 steps on 1544535 and 15871157 (41418417 at step 20, 0.125).
# A twelfth (readings/ch30-reading12) ran 9839734, 40653975 and 51298989 (the proxy above the
# truth in every block on all 3; its rise 0.578, 0.722 and 0.606): the collapse on all 3 (true
# acceptance 0.003, 0.000 and 0.000 at the end, from 0.113, 0.119 and 0.097 in the first 5
# steps), highest in the first 5 steps on all 3.
# A thirteenth (readings/ch30-reading13) ran 13168712, 78310054 and 59037031 (the proxy above
# the truth in every block on all 3; its rise 0.547, 0.547 and 0.603): the collapse on
# 59037031 only (true acceptance 0.000 at the end, from 0.081, highest in the first 5 steps);
# 78310054 ended at 0.053, just above 0.05 (highest at step 10, 0.166), and 13168712 at 0.750,
# its highest block the last.
# Reading 76's third (readings/reading76-ch29-32) ran 1863273044 and 692672661 (the proxy above
# the truth in every block on both; its rise 0.472 and 0.656, its smallest lead over the truth
# in a block 0.203 and 0.147): the collapse on both (true acceptance 0.103 in the first 5 steps
# and 0.000 at the end on both), highest in the first 5 steps on 1863273044 (692672661 at step
# 15).
# Pooled: the collapse on 43 of 62 seeds (36 of 52 fresh), "about two in three" in the text;
# highest first on 39 of 62 (with issue 76's 30 of 2026-11-29: 64 of 92 and 60 of 92); the
# proxy's rise and its end above the truth on all 52 fresh seeds (every block checked on the
# last 40), and on the 30 of 2026-11-29 (every block checked). So the rise and the end above
# the truth held on 82 of 82 fresh seeds, 92 of 92 with the 10 stored (stored: the rise 0.366
# to 0.644, above the truth in every block); "above in every block", checked on 40 + 30 fresh
# seeds, on 70 of 70, 80 of 80 with the stored. Two claims, so that each is stated as the
# pool the chapter quotes for it.
@pytest.mark.claim(stated=(93, 93), text="ch30: GRPO rewarded by the judge raises the judge's "
                                        "acceptance by more than 0.1 from its first 5 steps "
                                        "to its last 5, and ends (its last 5 steps) above the "
                                        "grammar's; 93 of 93 seeds (10 stored, 83 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_rl_raises_the_judges_acceptance_above_the_truth(seed):
    row = rl_run(seed)
    assert row["proxy rise"] > 0.1, row
    assert row["proxy 40"] > row["true 40"], row


@pytest.mark.claim(stated=(81, 81), text="ch30: GRPO rewarded by the judge keeps the judge's "
                                        "acceptance above the grammar's in every 5-step "
                                        "block; 81 of 81 seeds (10 stored, 71 fresh)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_rl_keeps_the_judges_acceptance_above_the_truth_in_every_block(seed):
    row = rl_run(seed)
    blocks = [k for k in row if k.startswith("true ") and k[5:].isdigit()]
    assert len(blocks) == 8 and all(row[f"proxy {k[5:]}"] > row[k] for k in blocks), row


@pytest.mark.claim(stated=(64, 93), text="ch30: GRPO rewarded by the judge ends (its last 5 "
                                        "steps) with true acceptance below 0.05; 64 of 93 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_rl_against_the_judge_loses_the_true_acceptance(seed):
    row = rl_run(seed)
    assert row["true 40"] < 0.05, row


@pytest.mark.claim(stated=(60, 93), text="ch30: GRPO rewarded by the judge has its highest true "
                                        "acceptance in its first 5 steps; 60 of 93 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_rl_against_the_judge_never_rises_first(seed):
    row = rl_run(seed)
    assert row["true peak step"] == jd.BLOCK, row


# Elo against Bradley–Terry (section 3): one draw of 4000 votes from six known strengths, Elo
# replayed over 20 orders of them. The notebook draws once (from its rng); the fifth reading
# (readings/ch30-reading5) drew 32 more: every model's spread over orders 17 points or more,
# its Fisher standard error 8.6 to 10.1; the last 1000 votes alone end at most 0.9 to 2.8
# points from the full run (above the notebook's former bound of 2 on 7 of 32), the last 300
# at least 17. The sixth (readings/ch30-reading6) ran 63451468, 28699704 and 40859614:
# smallest spread 25.9, the last 1000 at most 1.19, 2.23 and 1.52, the last 300 at least 20.1.
# The seventh (readings/ch30-reading7) ran 18236598, 74490261 and 74330339: smallest spread
# 25.8, the last 1000 at most 1.74, 1.26 and 2.24, the last 300 at least 27.2, 15.2 and 26.0
# (15.2 above the largest standard error, 10.1, as the claim asks).
# The eighth (readings/ch30-reading8) ran 6710196, 98833938 and 56239320: smallest spread
# 21.8, 28.4 and 22.9, the last 1000 at most 1.46, 1.90 and 1.55, the last 300 at least 24.0,
# 23.9 and 27.1.
# The ninth (readings/ch30-reading9) ran 96338284, 77378119 and 31340169: smallest spread
# 22.7, 26.3 and 26.2, the last 1000 at most 1.25, 1.60 and 1.87, the last 300 at least 23.2,
# 25.1 and 22.9.
# The tenth (readings/ch30-reading10) ran 26478797, 71425756 and 54143696: smallest spread
# 27.0, 30.5 and 24.3, the last 1000 at most 2.14, 1.62 and 1.52, the last 300 at least 18.7,
# 22.8 and 21.6.
# The eleventh (readings/ch30-reading11) ran 1544535, 41418417 and 15871157: smallest spread
# 27.3, 28.4 and 23.5, the last 1000 at most 1.05, 1.94 and 1.74, the last 300 at least 22.7,
# 21.1 and 21.7.
# The twelfth (readings/ch30-reading12) ran 9839734, 40653975 and 51298989: smallest spread
# 30.0, 27.8 and 24.1, the last 1000 at most 1.78, 1.36 and 1.64, the last 300 at least 18.8,
# 22.4 and 22.5.
# The thirteenth (readings/ch30-reading13) ran 13168712, 78310054 and 59037031: smallest
# spread 27.4, 29.7 and 28.1, the last 1000 at most 2.39, 1.94 and 1.48, the last 300 at least
# 24.5, 23.3 and 30.4.
# Reading 76's third (readings/reading76-ch29-32) ran 1863273044 and 692672661: both Elo claims
# held (values not recorded).
THETA = np.array([-1.2, -0.6, -0.1, 0.3, 0.6, 1.0])
THETA = THETA - THETA.mean()                     # the notebook's normalisation
ORDERS, VOTES = 20, 4000


@functools.lru_cache(maxsize=None)
def elo_orders(seed):
    """Each model's standard deviation over ORDERS orders of VOTES votes drawn from
    ``default_rng(seed)``, the largest distance of the last 1000 votes replayed alone from
    the full run, the smallest of the last 300, and each model's Bradley–Terry standard
    error at VOTES votes from the Fisher information, all in Elo points."""
    r = np.random.default_rng(seed)
    votes = bradley_terry_votes(THETA, VOTES, rng=r)
    ratings, last = [], {300: [], 1000: []}
    for _ in range(ORDERS):
        shuffled = [votes[i] for i in r.permutation(VOTES)]
        _, full = elo_ratings(shuffled, players=range(6), k=16)
        ratings.append(full - full.mean())
        for n in last:
            _, tail = elo_ratings(shuffled[-n:], players=range(6), k=16)
            last[n].append(np.abs(tail - full).max())
    fisher = np.zeros((6, 6))
    for i in range(6):
        for j in range(6):
            if i != j:
                p, e = 1 / (1 + np.exp(THETA[j] - THETA[i])), np.eye(6)[i] - np.eye(6)[j]
                fisher += p * (1 - p) * np.outer(e, e) / 30
    se = np.sqrt(np.diag(np.linalg.pinv(fisher)) / VOTES) * ELO_SCALE
    return np.std(ratings, axis=0, ddof=1), max(last[1000]), min(last[300]), se


@pytest.mark.claim(stated=(34, 34), text="ch30: Elo's standard deviation over 20 orders of the "
                                        "same 4000 votes exceeds every model's Bradley–Terry "
                                        "standard error; 34 of 34 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_elo_moves_with_the_order_more_than_bt_with_the_noise(seed):
    sd, _, _, se = elo_orders(seed)
    assert np.all(sd > se), (sd, se)


@pytest.mark.claim(stated=(34, 34), text="ch30: the last 1000 votes replayed alone from 1500 end "
                                        "within half the smallest Bradley–Terry standard "
                                        "error of Elo's full run; the last 300 farther than "
                                        "the largest; 34 of 34 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_elo_is_decided_by_its_last_votes(seed):
    _, gap_1000, gap_300, se = elo_orders(seed)
    assert gap_1000 < se.min() / 2 and gap_300 > se.max(), (gap_1000, gap_300, se)
