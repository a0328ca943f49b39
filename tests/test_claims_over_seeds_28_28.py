"""Chapter 28's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment function on a seed no notebook or stored table uses (in CI) or on
the fresh seeds of `nox -s fresh_seeds`, and asserts what the chapter says of every seed.
The test that only re-reads the stored table checks that the text matches it.

Cost with one BLAS thread, a seed: the masked model (1200 steps) with its bound, its loss at
five masking rates beside the oracle's and 800 samples, about 15 s; chapter 20's causal
block on the same budget, about 10 s. Every claim here is marked heavy(ci=True): left out
of a default fresh run (`-- --heavy` adds them), run in CI on the fixed seed.
"""

import functools
import math

import pytest
from claims import seeds

from nnbook.experiments import masked_diffusion as md
from nnbook.experiments import stored
from nnbook.generative import model_conditionals

# Issue 76 (session 53): the claims here are counts over pools that include the 30 fresh seeds
# of 2026-11-29 (listed in tests/test_claims_over_seeds_21_22.py; run by `tests/fresh_seeds.py
# --heavy` at 7a805b3): a claim stated "every" until then is k of (30 + its CI fixed seed) or,
# where the chapter quotes earlier fresh runs, of those runs' seeds + 30. All held on all 30
# but the last claim on one seed (its comment).

FIXED = (4028,)                   # no notebook or stored table uses it


@functools.lru_cache(maxsize=None)
def masked(seed):
    return md.masked_run(seed)


@functools.lru_cache(maxsize=None)
def autoregressive(seed):
    return md.autoregressive_run(seed)


def _se(values):
    return values.std(ddof=1) / math.sqrt(len(values))


# Measured on 20 new seeds, 10,530,100 to 10,532,000 in steps of 100 (2026-11-27,
# NNBOOK_FRESH_SEEDS): test_the_model_is_above_the_exact_denoiser, the then form of the
# gap-order test (replaced since, see its note), the steps test (then 8 > 1 steps) and
# test_the_autoregressive_model_is_closer_to_its_floor each held on all 20. A later cold
# reading's 16 new seeds, 10,280,011 to 10,280,179, held every claim here on all 16; a fourth
# reading's 61,905,850, 16,253,407 and 41,876,103 (2026-11-28) held every claim here on all 3
# (bound 2.084, 2.226, 2.102 bits per character against the grammar's 1.354, 1.360, 1.362);
# a fifth's 4,025,551, 79,637,650 and 21,216,987 (2026-11-28) held every claim here on all 3
# (bound 2.142, 2.148, 1.935 against 1.363, 1.368, 1.360; the bound's excess 12 to 15
# standard errors, each rate's gap 6 or more); a sixth's 46,006,062, 85,815,938 and
# 21,472,338 (2026-11-28) held every claim here on all 3 (bound 2.063, 2.017, 1.981 against
# 1.370, 1.347, 1.357; the bound's excess 13 to 15 standard errors, each rate's gap 4.3 or
# more, the smallest at k = 8).
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(31, 31), text="ch28: the masked model's bound above the grammar's "
                                         "exact −log p(window) by more than 4 standard "
                                         "errors, and its loss at each masking rate no "
                                         "lower than the oracle's by 4 standard errors; 31 of 31 "
                                         "seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_model_is_above_the_exact_denoiser(seed):
    row, parts = masked(seed)
    gap = parts["bound"] - parts["exact"]
    assert gap.mean() > 4 * _se(gap), row
    for k, g in parts["gaps"].items():
        assert g.mean() >= -4 * _se(g), (k, row)


def _gap(row):
    return lambda k: row[f"gap k={k}"]


# The form below (smallest at k = 8, largest at k = 4 or 6) replaced "k = 8 < k = 1 <
# max(k = 4, k = 6)" after the cold reading; measured on 14 new seeds, 10,560,000 to
# 10,560,700 (the reading) and 10,570,100 to 10,570,600 in steps of 100 (2026-11-27): it
# held on all 14; and on a third cold reading's 33,280,013 and 33,280,041 (2026-11-28;
# largest at k = 4 on both, 0.798 and 0.836; smallest at k = 8, 0.024 and 0.021): 16 of 16;
# and on a fourth's 61,905,850, 16,253,407 and 41,876,103 (largest at k = 6, 4, 6: 0.745, 0.889,
# 0.731; smallest at k = 8: 0.023, 0.022, 0.057): 19 of 19; and on a fifth's 4,025,551,
# 79,637,650 and 21,216,987 (largest at k = 4, 6, 4: 0.769 (k = 6 0.766), 0.729, 0.612;
# smallest at k = 8: 0.028, 0.046, 0.033): 22 of 22; and on a sixth's 46,006,062, 85,815,938
# and 21,472,338 (largest at k = 6 on all 3: 0.683, 0.742, 0.716; smallest at k = 8: 0.025,
# 0.023, 0.035): 25 of 25
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(55, 55), text="ch28: of the five masking rates measured, the "
                                         "model's gap to the oracle is smallest with "
                                         "everything hidden (k = 8) and largest at half or "
                                         "three quarters hidden (k = 4 or 6); 55 of 55 new "
                                         "seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_gap_is_largest_in_between(seed):
    r = masked(seed)[0]
    assert min(md.RATES, key=_gap(r)) == 8, r
    assert max(md.RATES, key=_gap(r)) in (4, 6), r


# 8 steps against 4, not against 1: at 1 step every character is drawn from its own
# marginal and no run accepts any window (0 on the 5 stored seeds and on the cold reading's
# 32 runs), so "8 > 1" asserted only that one window of 200 was accepted. 8 > 4 held on the
# reading's 16 seeds with both sampling seeds (32 of 32), and on the 5 stored; on a fourth
# reading's 3 (0.125, 0.04, 0.13 at 8 steps against 0.09, 0, 0.055 at 4); on a fifth's 3
# (0.075, 0.08, 0.145 against 0.07, 0.05, 0.05). 4,025,551's 0.075 against 0.07 is 15 windows
# against 14, a near tie of one draw of 200: the same model on 4 other sampling seeds gave
# 0.045 to 0.12 at 8 steps against 0.025 to 0.045 at 4, and on 2000 windows 0.099 against
# 0.036. A sixth reading's 3: 0.12, 0.11, 0.08 at 8 steps against 0.045, 0.055, 0.025 at 4,
# 0 at 1 step. Not asserted, and not said by the text: 4 > 2 steps (on 16,253,407: 0 at 4 steps,
# 0.01 at 2).
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(31, 31), text="ch28: the masked model's samples: more accepted at "
                                         "8 steps than at 4, and under half at 8 steps; 31 of 31 "
                                         "seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_more_steps_more_accepted_but_mostly_impossible(seed):
    r = masked(seed)[0]
    assert r["accepted 8 steps"] > r["accepted 4 steps"], r
    assert r["accepted 8 steps"] < 0.5, r


@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(31, 31), text="ch28: on the same budget the masked bound's excess "
                                         "over its floor is larger than chapter 20's "
                                         "autoregressive loss's excess over its floor; 31 of 31 "
                                         "seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_the_autoregressive_model_is_closer_to_its_floor(seed):
    r, a = masked(seed)[0], autoregressive(seed)
    assert r["bound"] - r["exact"] > a["AR"] - a["AR floor"], (r, a)


def _bits(values):
    return values.mean() / md.T / math.log(2)    # bits per character


# Measured on 6 new seeds, 10,570,100 to 10,570,600 in steps of 100 (2026-11-27): the
# left-to-right excess was 0.515 to 0.729 bits per character, what the other orders add
# 0.061 to 0.332, and the autoregressive model's excess 0.068 to 0.085 (6.6 to 10.6 times
# less); both comparisons held on all 6. A later cold reading's 16 new seeds (10,280,011
# to 10,280,179): both held on 16 of 16; what the other orders add was 0.029 to 0.325
# (within 2 standard errors of 0 on 5 of 16), so the notebook gives it as a range, not
# as seed 28's 0.190; left to right over 4 times the AR excess by a thin margin (4.4 to
# 9.1 times). A third cold reading's 33,280,013 and 33,280,041 (2026-11-28): left to
# right 0.612 and 0.551 bits above the grammar, the other orders 0.116 and 0.298 (0.16
# and 0.35 of the gap), 7.5 and 8.2 times the AR excess: both held. A fourth's 61,905,850,
# 16,253,407 and 41,876,103 (2026-11-28): left to right 0.513, 0.673, 0.537 above the grammar,
# the other orders 0.217, 0.193, 0.203 (0.30, 0.22, 0.27 of the gap), 6.2, 7.9, 7.9 times the
# AR excess (0.082, 0.085, 0.068): both held. A fifth's 4,025,551, 79,637,650 and 21,216,987
# (2026-11-28): left to right 0.761, 0.590, 0.484 above the grammar, the other orders 0.018 ±
# 0.050 (nothing measurable), 0.190, 0.090 (0.02, 0.24, 0.16 of the gap), 11.0, 6.7, 7.7
# times the AR excess (0.069, 0.089, 0.063): both held. A sixth's 46,006,062, 85,815,938 and
# 21,472,338 (2026-11-28): left to right 0.571, 0.556, 0.515 above the grammar, the other
# orders 0.122, 0.114, 0.109 (0.18, 0.17, 0.17 of the gap; about 2.3 standard errors each),
# 5.6, 9.1, 6.5 times the AR excess (0.101, 0.061, 0.080): both held. Issue 76's 30 fresh
# seeds of 2026-11-29 (tests/test_claims_over_seeds_21_22.py lists them): both held on 29; on
# 1,467,375,200 left to right was 0.655 above the grammar and the other orders 0.176, but the
# autoregressive model's excess was 0.184 (the largest recorded), so 3.6 times, not over 4:
# 62 of 63 new seeds.
@pytest.mark.heavy(ci=True)
@pytest.mark.claim(stated=(62, 63), text="ch28: read left to right only, the masked model "
                                         "stays further above the grammar's −log p(window) "
                                         "than the other orders add to its bound, and more "
                                         "than 4 times as far as chapter 20's autoregressive "
                                         "model above its floor (62 of 63 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_most_of_the_gap_is_the_conditionals_not_the_orders(seed):
    row, parts = masked(seed)
    a = autoregressive(seed)
    lr = md.left_to_right_nll(model_conditionals(parts["model"]), parts["held"][:, 1:])
    lr_over, orders = _bits(lr - parts["exact"]), _bits(parts["bound"] - lr)
    assert lr_over > orders, (lr_over, orders, row)
    assert lr_over > 4 * (a["AR"] - a["AR floor"]), (lr_over, a)


def test_the_text_matches_the_stored_table():
    table = stored("28_masked_diffusion")
    assert table.every(lambda r: r["bound"] > r["exact"])
    assert table.every(lambda r: min(md.RATES, key=_gap(r)) == 8)
    assert table.every(lambda r: max(md.RATES, key=_gap(r)) in (4, 6))
    assert table.every(lambda r: r["accepted 8 steps"] > r["accepted 4 steps"])
    assert table.every(lambda r: r["accepted 8 steps"] < 0.5)
    assert table.every(lambda r: r["bound"] - r["exact"] > r["AR"] - r["AR floor"])
