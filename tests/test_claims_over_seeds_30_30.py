"""Chapter 30's conclusions over seeds, re-run (the form of tests/claims.py): each test trains
the chapter's judge on a seed no notebook or stored table uses (in CI) or on the fresh seeds of
`nox -s fresh_seeds`, and asserts what the chapter says of every seed (or of k of n). About
1.5 s of CPU a seed with one BLAS thread for the judge, its confusion on 2000 answers and the
exact best-of-n curve; the RL claims add chapter 22's SFT model once (about 5 s) and 40 GRPO
steps against the judge (about 5 s a seed).
"""

import functools

import numpy as np
import pytest
from claims import seeds

from nnbook.experiments import judges as jd

FIXED = (3050, 3051)              # no notebook or stored table uses them
FALLS = (3050, 3053)              # the same, two on which best-of-n falls (a (k, n) claim)


@functools.lru_cache(maxsize=None)
def run(seed):
    return jd.judge_run(seed)


@functools.lru_cache(maxsize=None)
def rl_run(seed):
    return jd.judge_rl_run(seed)


@pytest.mark.claim(stated="every", text="ch30: the judge accepts the grammar's accepted "
                                        "answers more often than its rejected ones by 0.2, "
                                        "and has false accepts")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_the_judge_is_better_than_chance_and_not_exact(seed):
    row = run(seed)
    tpr = row["true accept"] / (row["true accept"] + row["false reject"])
    fpr = row["false accept"] / (row["false accept"] + row["true reject"])
    assert tpr > fpr + 0.2 and row["false accept"] > 0, row


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
# n = 256). Fresh seeds so far: the rise on 21 of 21, the fall on 11 of 21.
@pytest.mark.claim(stated="every", text="ch30: best-of-n with the judge as selector rises by "
                                        "more than 0.1 from n = 1 to n = 8")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_best_of_n_with_the_judge_rises(seed):
    row = run(seed)
    assert row["n=8"] - row["n=1"] > 0.1, row


@pytest.mark.claim(stated=(6, 10), text="ch30: best-of-n with the judge as selector peaks "
                                        "before n = 256 and falls by more than 0.01 after "
                                        "its peak")
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
# Pooled: the collapse on 21 of 33 seeds (14 of 23 fresh), "about two in three" in the text;
# highest first on 19 of 33; the proxy's rise and its end above the truth on all 23 fresh
# seeds (every block checked on the last 11).
@pytest.mark.claim(stated="every", text="ch30: GRPO rewarded by the judge raises the judge's "
                                        "acceptance by more than 0.1 from its first 5 steps "
                                        "to its last 5, and it stays above the grammar's in "
                                        "every 5-step block")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_rl_raises_the_judges_acceptance_above_the_truth(seed):
    row = rl_run(seed)
    assert row["proxy rise"] > 0.1, row
    blocks = [k for k in row if k.startswith("true ") and k[5:].isdigit()]
    assert len(blocks) == 8 and all(row[f"proxy {k[5:]}"] > row[k] for k in blocks), row


@pytest.mark.claim(stated=(21, 33), text="ch30: GRPO rewarded by the judge ends (its last 5 "
                                        "steps) with true acceptance below 0.05")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_rl_against_the_judge_loses_the_true_acceptance(seed):
    row = rl_run(seed)
    assert row["true 40"] < 0.05, row


@pytest.mark.claim(stated=(19, 33), text="ch30: GRPO rewarded by the judge has its highest true "
                                        "acceptance in its first 5 steps")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_rl_against_the_judge_never_rises_first(seed):
    row = rl_run(seed)
    assert row["true peak step"] == jd.BLOCK, row
