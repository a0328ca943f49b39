"""Chapter 36's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment (nnbook/experiments/probing.py, ``knowledge_row``: chapter 20's
model trained on its budget, nine probes with their controls, an SAE and 60 patched pairs)
on a seed no notebook or stored table uses (in CI) or on the fresh seeds of
`nox -s fresh_seeds`, and asserts what the chapter says of a seed.

Cost with one BLAS thread, a seed: about 30 s (one training, the probes, the SAE), shared
by the claims; every claim is marked heavy (run with NNBOOK_HEAVY=1).

Measured (2026-11-29), on the 5 stored seeds 36 to 40 and the fresh seeds 3601 to 3603
(8 in all): the control above the probe for every label at every layer on 8 of 8; the best
layer's depth probe 0.05 or more below the ceiling on 6 of 8 (not on 38: 0.868 against
0.892, nor on 3601: 0.893 against 0.909); the SAE spliced in between the model and the
mean-ablated layer, a feature with AUC above 0.9 for "between sentences" and none for
"inside a bracket" on 8 of 8; block 1's last position closing over half the KL gap on 8
of 8. Steering (nnbook/experiments/steering.py, ``steering_row``: the model retrained, the
question probe of block 1, 80 texts of 40 characters at α = −0.5, 0, +0.5 times the
residual's mean norm along the probe's and a random direction; about 35 s a seed, so
heavy too), measured (2026-11-29) on the stored seeds 36 to 40 and the fresh seeds 3601
to 3603 (8 in all): both directions, at both signs, leave the grammar a smaller share of
the characters to follow than α = 0 on 8 of 8; the probe's direction at −0.5 writes more
texts that enter a question than at +0.5 on 6 of 8 (not on 37: 0.10 against 0.23, nor on
3601: 0.025 both). The probe's direction moved the question share further than the random
one on 3 of 8 (36, 40, 3602; claimed over 52 seeds since the ninth cold reading, below).
Not claimed: the probe above its chance (4 of 8).
The question probe's gap to its ceiling (3 of 5 stored seeds, 0 of 3 fresh ones
above 0.05) is not claimed.

The 30-fresh-seed pool (2026-11-29, `tests/fresh_seeds.py --heavy` with the pool's seeds
219900 to 2141360800, 6.6 minutes on one core, run again after the ceiling's fix of the same
day with the same outcomes): the control above the probe on 30 of 30; the depth probe 0.05
or more below its ceiling on only 14 of 30 (not on 219900, 418744000, 584997000, 741051000,
842783200, 929566100, 959874300, 972831000, 1146760900, 1265746600, 1345326700, 1384345200,
1448770000, 1467375200, 1909874200, 2041625600); the SAE's three statements on 28 of 30 (not
on 219900, 959874300); block 1's last position over half the KL gap on 26 of 30 (not on
121249900, 418744000, 584997000, 2041625600). Pooled with the 8 above, the first four rates
stated below: 38, 20, 36 and 34 of 38. The two question-steering claims' pool is in their
comment; the inside probe's three steering claims (issue 80) were measured on the same 38
seeds, in theirs (all steering claims now count the cold readings' fourteen too: 52
seeds).

The second cold reading (2026-11-30) ran two seeds outside these pools, 1519873306 and
1064492281, through ``knowledge_row`` and ``steering_row`` (not added to the stated counts).
Every claim held on both except three. The SAE's three statements failed on 1064492281
(the best "between sentences" AUC 0.894). Block 1's last position did not beat its context
on 1519873306 (1.66 against 1.32 bits). Along the probe's direction α = −0.5 wrote *fewer*
questions than +0.5 on both (0.013 against 0.125, 0.075 against 0.163). The probe's
direction moved the question share further than the random one on both (unclaimed: 5 of
10 with the 8 above), and the text now says only that the pool is too small for a rate.

The third cold reading (2026-11-30) ran two more seeds outside the pools, 1338096765 and
1422957390, through ``knowledge_row`` and ``steering_row`` (not added to the stated counts;
the text quotes the readings' four seeds beside the pools). The control beat every probe,
block 1's last position closed over half the KL gap and beat its context (1.64 against
1.93, 1.70 against 2.14 bits), the depth probe reached under half the ceiling's gain (0.34,
0.13), the window made the question near certain at under half of its positions (0.24,
0.25), the best "between sentences" feature fired under half between sentences (0.12,
0.32; on a space 0.93, 0.72) and steering broke the text, on both. The depth probe was
not 0.05 below its ceiling on either (0.878 against 0.901, 0.870 against 0.893). The SAE's
three statements failed on 1338096765 (the best "between sentences" AUC 0.889; the
readings' four seeds: 2 of 4). α = −0.5 wrote more questions than +0.5 on 1422957390 only
(0.300 against 0.038; 1338096765: 0.100 against 0.125; the readings' four: 1 of 4). The
probe's direction moved the question share further than the random one on neither (5 of
12 with the 10 above).

The fourth cold reading (2026-11-30) ran 1875144900 and 1120078340 through
``knowledge_row`` and ``steer_row`` (and 1120078340's data with 1875144900's training seed,
by replacing ``train_model``), not added to the stated counts. On the two seeds the control
beat every probe, the depth probe reached under half the ceiling's gain (0.25, 0.10), the
question was near certain at under half its positions (0.20, 0.33), block 1's last position
closed over half the KL gap (1.74 against a midpoint of 2.01; 1.82 against 1.92) and
steering broke the text. Block 1's last position beat its context on neither (1.74 against
1.71, 1.82 against 1.05; the readings' six: 3 of 6). The SAE's statements failed on
1120078340 (the best "between sentences" AUC 0.890; the readings' six: 3 of 6, 39 of 44).
α = −0.5 wrote more questions than +0.5 on 1120078340 only (0.188 against 0.063;
1875144900: 0.113 against 0.125; readings 2 of 6). The probe's direction moved the share
further than the random one on 1120078340 only (6 of 14). The crossed run (1120078340's
data, 1875144900's training) held the SAE's statements (AUC 0.998) but not the patching
ones: block 1's last position closed under half the gap (2.46 against a midpoint of 2.15)
and lost to the context (1.13).

The fifth cold reading (2026-11-30) ran 1637166922 and 1136648627 (drawn from /dev/urandom)
through ``knowledge_row`` and ``steering_row`` (not added to the stated counts). On both
the control beat every probe, the depth probe reached under half the ceiling's gain (0.12,
0.16), the question was near certain at under half its positions (0.20, 0.32), the SAE's
three statements held (the best "between sentences" AUC 0.965, 0.920; the readings' eight:
5 of 8, 41 of 46), the best "between sentences" feature fired under half between sentences
(0.20, 0.11; on a space 0.71, 0.75), and steering broke the text along all three
directions. The depth probe was 0.05 below its ceiling on 1637166922 only (0.829 against
0.897; 1136648627: 0.859 against 0.906). Block 1's last position closed over half the KL
gap and beat its context on 1136648627 only (1.32 against a midpoint of 2.13 and a context
of 2.37); on 1637166922 it missed the midpoint by 0.01 (2.21 against 2.20) and lost to the
context (1.18): the readings' eight beat the context on 4 of 8 (34 of 46). α = −0.5 wrote
more questions than +0.5 on 1136648627 only (0.213 against 0.125; 1637166922: 0.050 against
0.263; the readings' eight: 3 of 8, 29 of 46). The probe's direction moved the question
share further than the random one on 1637166922 only (7 of 16). The inside probe's three
claims held on both (brackets at α = −0.5, 0, +0.5 along the inside direction: 0, 2, 0 and
3, 3, 2 of 80 texts); its probe sat at its chance on 1637166922 (0.804 both).

The sixth cold reading (2026-11-30) ran 1875561994 and 1354034450 (drawn from /dev/urandom)
through ``knowledge_row`` and ``steering_row`` (both re-run for issue 80, the same
verdicts). Every claim of ``knowledge_row`` held on both (the readings' ten: the SAE's three
statements on 7, 43 of 48 with the pool; block 1's last position beating its context on 6,
36 of 48, on 1875561994 by 0.01 bits, 2.051 against 2.057). Three steering claims failed on
one or both: α = −0.5 along the question probe wrote fewer questions than +0.5 on both (12
against 18 texts, 2 against 9); the inside direction opened more brackets at +0.5 than at
−0.5 on 1354034450 (3 against 0) and moved the bracket share further than the random one on
1875561994 (4 texts against 0). It found the inside direction moving the question share
(below). The two question-share claims below are counted over 48 seeds, the 38 above and the
cold readings' ten (1519873306, 1064492281, 1338096765, 1422957390, 1875144900, 1120078340,
1637166922, 1136648627, 1875561994, 1354034450; ``steering_row`` re-run on all 48 on
2026-11-30, the 38 bit for bit as recorded, 5.7 minutes on one core): the readings' seeds,
drawn after the pool, went against the question probe's count, and leaving them out would
overstate it. The residual's mean norm s over the 48: 17.1 to 24.1.

The seventh cold reading (2026-11-30) ran 911355904 and 1567119636 (drawn from
/dev/urandom) through ``knowledge_row`` and ``steering_row``. It found the readings' tally
for block 1's last position beating its context miscounted since the fourth reading (the
second and third readings' four seeds gave 3 of 4, not 2): ``patch_row`` re-run on the ten
(2026-11-30, by the seventh reading on six and for this fix on 1120078340, 1637166922 and
1136648627; 1875561994 and 1354034450 from the sixth reading's re-run) beats the context
on 6 of 10 (1064492281, 1338096765, 1422957390, 1136648627, 1875561994, 1354034450), and
the counts above now say so. Both of its seeds beat the context (0.87 against 1.92, 1.04
against 2.85 bits): 8 of 12, 38 of 50. The SAE's three statements held on both (the best
"between sentences" AUC 0.935, 0.936): the readings' twelve 9 of 12, 45 of 50. Steering
along the question probe's direction and the random one did not break the text on either
(below), nor along the inside direction on 1567119636: the steering claims that count the
readings' seeds are now stated over 50 seeds, the 38 and the readings' twelve. The
window made the question near certain at 0.27 and 0.40 of the question positions.

The eighth cold reading (2026-12-01) ran 1405382053 and 2091269775 through
``knowledge_row`` and ``steering_row`` (its rows and scripts were in /tmp/read36h). Every
claim of ``knowledge_row`` held on both except the depth probe 0.05 below its ceiling
(0.886 against 0.901, 0.887 against 0.908); those claims stay stated over 38, and the
readings' tallies beside them become: the SAE's three statements on 11 of 14 (47 of 52 with
the 38), block 1's last position beating its context on 10 of 14 (0.53 against 2.75, 0.35
against 3.48 bits; 40 of 52). It re-ran ``steering_row`` on the readings' twelve (every
count quoted for them reproduced) and found the inside probe's two bracket claims still
pooled over 38: they then counted the twelve as the other steering claims did (35 and 32
of 50). On 2091269775, whose unsteered followed
share is typical (0.237), steering along the question probe's and the inside probe's
directions lengthened the followed part at +0.5, so the explanation "where the model
follows little" was dropped (below). α = −0.5 wrote more questions than +0.5 along the
question probe's direction on both (21 against 15 texts, 25 against 10). Its two seeds,
first recorded as not counted in, are now counted into every steering claim as the earlier
readings' are: 52 seeds, the 38 and the readings' fourteen (each claim's comment gives
how the two came out; 32 of 52 for the question probe's direction, p = 0.063).

The ninth cold reading (2026-12-01; seeds 1798174995 and 1816472674, not counted in; rows
and scripts in /tmp/read36i) re-ran ``steering_row`` on the 47 of the 52 that are not
stored (every steering count stated here reproduced) and found the text calling the
question probe's direction against the random one "too few seeds for a rate" while
counting 8 of the 52: over all 52 it moved the question share further on 16, as far on
3, less far on 33, now a claim (below). It also found the text's "more reliably than
that variable's own probe" (42 against 32 of the same 52) unsupported by a paired test
(p = 0.064, below), and cell 21's "4 of the 5 stored seeds" given to the share of the
best "between sentences" feature's firings on a space (over half on 5 of 5; 4 of 5 is
the share on other spaces). The text no longer names the readings: their fourteen seeds
are "from independent re-runs" or "drawn later" there, and their history stays here.

The thirteenth and fourteenth cold readings (2026-12-02; seeds 392954119, 1034640890 and
737859285, 4001823286; rows and scripts in /tmp/read36m and /tmp/read36b) found each
seed's patching verdict rests on one draw of 60 pairs: on 392954119 the chapter's draw
missed the half gap that all its pairs and 19 of 20 other draws cleared; on 737859285 all
1,114 pairs missed it by 0.001 bits and 10 of 20 draws cleared it; seed 36's verdicts held
on all its pairs and on 39 of 40 draws. On the chapter's draw the four went 1 of 4 on each
patching claim (4001823286 met both), and the text now pools them with the 14 earlier
readings' seeds: the half gap 48 of 56, beating the context 41 of 56; the SAE's "between
sentences" AUC above 0.9 on 2 of the 4 (0.893 on 392954119, 0.885 on 737859285): 13 of the
18 drawn later, 49 of 56. The probe claims held on all four; the steering counts (counts,
not claims of every seed) moved by a seed here and there, as the two reports detail; they
are not pooled in.
"""

import functools

import pytest
from claims import seeds

from nnbook.experiments import probing as pr
from nnbook.experiments import steering as st

FIXED = (3602,)                   # no notebook or stored table uses it


@functools.lru_cache(maxsize=None)
def row(seed):
    return pr.knowledge_row(seed)


@pytest.mark.heavy
@pytest.mark.claim(stated=(38, 38), text="ch36: the control task is read better than the "
                   "parser's state, for every label at every layer (38 of 38 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_control_beats_the_probes(seed):
    r = row(seed)
    assert all(r[f"{n} {k} control"] > r[f"{n} {k} accuracy"]
               for n in pr.PROBED for k in (0, 1, 2))


@pytest.mark.heavy
@pytest.mark.claim(stated=(20, 38), text="ch36: the best layer's depth probe is 0.05 or more "
                   "below the window's ceiling (20 of 38 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_depth_probe_stays_below_its_ceiling(seed):
    r = row(seed)
    assert max(r[f"depth {k} accuracy"] for k in (0, 1, 2)) < r["depth 2 ceiling"] - 0.05


@pytest.mark.heavy
@pytest.mark.claim(stated=(36, 38), text="ch36: the SAE spliced in costs bits, far less than "
                   "the layer's mean; a feature finds 'between sentences' (AUC > 0.9), none "
                   "'inside a bracket' (36 of 38 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_sae_finds_the_sentence_boundary_not_the_bracket(seed):
    r = row(seed)
    assert r["SAE model"] < r["SAE spliced"] < r["SAE mean-ablated"]
    assert r["SAE AUC between sentences"] > 0.9
    assert r["SAE AUC inside"] < 0.9


@pytest.mark.heavy
@pytest.mark.claim(stated=(34, 38), text="ch36: window j's residual at block 1's last position "
                   "closes over half the KL gap to the grammar's exact conditional of window j "
                   "(34 of 38 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_block_1s_last_position_carries_the_state(seed):
    r = row(seed)
    assert r["patch last 1"] < (r["patch clean i"] + r["patch own j"]) / 2


# The four claims below came from a cold reading (2026-11-29) and were measured on the whole
# 38-seed pool at once (2026-11-30, ``knowledge_row`` on the 5 stored seeds, 3601 to 3603 and
# the 30 fresh seeds above, whose outcomes on the four claims above were the recorded ones):
# on 34 of 38 the best layer's depth
# probe reached under half of the ceiling's gain over chance (not on 842783200, 959874300,
# 1467375200, 1909874200: texts whose ceiling sat within 0.015 of chance at the best layer,
# or at or below it at every layer, where the share means little: 0.61, none, 0.52, 31.9);
# the window made the question near certain at under half of the question positions on 38
# of 38 (0.18 to 0.36 of them, 0.356 on 1448770000, as the eleventh cold reading re-ran
# them; 0.40 on the seventh cold reading's 1567119636); the best
# "between sentences" feature's firings were under half between sentences on 37 of 38 (not
# on 1345326700; on a space for over half of them on 37 of 38, not on 741051000, nor on
# either of the eighth cold reading's two, 1405382053 and 2091269775: 0.33 and 0.44 of
# the firings on a space; on 12 of the readings' fourteen, so 49 of 52, the count the
# text quotes, claimed below since the eleventh cold reading, which re-ran the 52; on other spaces than a sentence's end over half on 4 of the
# 5 stored seeds, not on 39, and on 11 of the readings' fourteen); block 1's
# last position beat its context on 30 of 38 (not on 38, 121249900, 418744000, 584997000,
# 929566100, 959874300, 2041625600, 2130162700).
# The CI seed 3602 passes all four.


@pytest.mark.heavy
@pytest.mark.claim(stated=(34, 38), text="ch36: the best layer's depth probe reaches under "
                   "half of the ceiling's gain over chance, (probe − chance) / (ceiling − "
                   "chance) (34 of 38 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_depth_probe_reaches_under_half_the_ceilings_gain(seed):
    assert pr.ceiling_gain(row(seed), "depth") < 0.5


@pytest.mark.heavy
@pytest.mark.claim(stated=(38, 38), text="ch36: the 16-character window makes the "
                   "question near certain (above 0.99) at under half of the held-out "
                   "positions inside a question (38 of 38 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_window_rarely_makes_the_question_certain(seed):
    assert row(seed)["question certain"] < 0.5


@pytest.mark.heavy
@pytest.mark.claim(stated=(37, 38), text="ch36: under half of the firings of the SAE "
                   "feature that best matches 'between sentences' are between sentences "
                   "(37 of 38 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_between_sentences_feature_fires_mostly_elsewhere(seed):
    assert row(seed)["SAE between precision"] < 0.5


@pytest.mark.heavy
@pytest.mark.claim(stated=(49, 52), text="ch36: over half of the firings of the SAE feature "
                   "that best matches 'between sentences' are on a space (49 of 52 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_between_sentences_feature_fires_mostly_on_spaces(seed):
    assert row(seed)["SAE between on spaces"] > 0.5


@pytest.mark.heavy
@pytest.mark.claim(stated=(30, 38), text="ch36: window j's residual at block 1's last "
                   "position brings the KL lower than at block 1's context (30 of 38 "
                   "seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_block_1s_last_position_beats_its_context(seed):
    r = row(seed)
    assert r["patch last 1"] < r["patch context 1"]


@functools.lru_cache(maxsize=None)
def steer(seed):
    return st.steering_row(seed)


@pytest.mark.heavy
# The 30-fresh-seed pool (2026-11-29, 7.4 minutes on one core): steering broke the text on
# 29 of 30 (not on 1523877300); α = −0.5 wrote more questions than +0.5 on 20 of 30 (not on
# 121249900, 573014800, 929566100, 1124537100, 1233287500, 1265746600, 1909874200,
# 2017658700, 2130162700, 2141360800). Pooled with the 8 measured with the chapter: 37 and
# 26 of 38. The cold readings' first ten seeds held the claim below (10 of 10); the seventh
# reading's two did not (911355904: the probe's direction at +0.5 0.160 against 0.153
# unsteered; 1567119636: 0.171 against 0.105, and the random direction at +0.5 0.108).
# Counted as the question-share claims are (the readings' seeds join the pool): 47 of 50.
# The eighth cold reading's two, counted in the same way: it held on 1405382053, not on
# 2091269775 (the probe's direction at +0.5 0.239 against 0.237 unsteered, 6 characters
# of 3,200 more): 48 of 52. The seventh reading's two seeds have the lowest and the
# fourth-lowest unsteered followed share of the 52 (0.105, 0.153; the others 0.146 to
# 0.394), but 1523877300's is typical (0.241; at α = −0.5 0.248 along the probe's
# direction, 0.264 along the random one; ``steering_row`` re-run 2026-12-01), and so is
# 2091269775's (0.237): a low unsteered share makes an exception likelier, it does not
# explain them all. Over the 50 before the eighth reading's two, the smaller of the two
# directions' margins (followed at α = 0 minus the larger at ±0.5) rises with the
# unsteered share, r = 0.63 (0.68 over the 38 and the seventh reading's two; not
# recomputed over the 52).
@pytest.mark.claim(stated=(48, 52), text="ch36: steering block 1 by ±0.5 of the residual's "
                   "norm, along the probe's or a random direction, lowers the share of "
                   "characters the grammar follows (48 of 52 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_steering_breaks_the_text(seed):
    r = steer(seed)
    for name in ("probe", "random"):
        assert max(r[f"{name} -0.5 followed"], r[f"{name} 0.5 followed"]) \
            < r[f"{name} 0.0 followed"]


# The cold readings' ten seeds (2026-11-30): α = −0.5 wrote more questions than +0.5 on
# 3 (1422957390, 1120078340, 1136648627; in texts, 24 against 3, 15 against 5, 17 against
# 10), fewer on the other 7. 26 of 38 and 3 of 10: 29 of 48, a count a fair coin reaches
# (29 or more) with p = 0.097, so the chapter states no lean (Fisher's test of 26/38
# against 3/10: p = 0.036). The seventh reading's two: more on 911355904 (4 against 2
# texts), fewer on 1567119636 (1 against 9): 30 of 50, p = 0.101. The eighth reading's
# two: more on both (1405382053: 21 against 15 texts; 2091269775: 25 against 10): 32 of
# 52, p = 0.063 (about one time in sixteen). Stated over the 52.


@pytest.mark.heavy
@pytest.mark.claim(stated=(32, 52), text="ch36: along the question probe's direction, α = −0.5 "
                   "writes more texts that enter a question than α = +0.5 on 32 of 52 seeds, "
                   "a count a fair coin reaches about one time in sixteen")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_probes_direction_lowers_the_question_share(seed):
    r = steer(seed)
    assert r["probe -0.5 question"] > r["probe 0.5 question"]


# The question probe's direction against the random one (ninth cold reading, 2026-12-01,
# ``steering_row`` on the 47 seeds not stored, the stored five from the table): moved in
# texts (as the notebook's cell 35 counts), the question share moved further along the
# probe's direction on 16 of 52 (36, 40, 3602; 418744000, 972831000, 1146760900,
# 1467375200, 1519791000, 1909874200, 2017658700, 2041625600; 1519873306, 1064492281,
# 1120078340, 1637166922, 1567119636), as far on 3 (929566100, 1124537100, 911355904),
# less far on 33: no further on 36 of 52 (on 27 of the first 38, 9 of the readings'
# fourteen). The two directions are exchangeable if the probe's carries nothing: a
# two-sided sign test on the 49 untied seeds gives p = 0.021 (one-sided, the random
# direction further, 0.011). The mean move over the 52: 8.6 texts along the probe's
# direction, 12.7 along the random one. The reading's own two seeds: no further on both
# (6 against 11 texts, 13 against 36). It fails on the CI seed 3602 (16 texts against 0),
# so this claim's CI seed is 3603 (9 against 14; not stored, not in any notebook).


@pytest.mark.heavy
@pytest.mark.claim(stated=(36, 52), text="ch36: the question probe's direction moves the "
                   "number of texts that enter a question (α = −0.5 to +0.5) no further "
                   "than a random direction of the same length (36 of 52 seeds)")
@pytest.mark.parametrize("seed", seeds(3603))
def test_36_the_probes_direction_moves_questions_no_more_than_a_random_one(seed):
    r = steer(seed)
    moved = {name: abs(texts(r, f"{name} 0.5 question") - texts(r, f"{name} -0.5 question"))
             for name in ("probe", "random")}
    assert moved["probe"] <= moved["random"]


# The inside probe (issue 80, 2026-11-30): ``steer_row`` also steers block 1 along the
# direction of the probe of "inside a bracket" (the parser's depth 1 or more, against 0; the
# depth itself has three values, and ``probe_direction`` takes a two-class probe), against
# the same random direction, and counts the texts whose followed part opens a bracket (the
# parser's depth 1 or more after some character). Measured on the 5 stored seeds 36 to 40,
# 3601 to 3603 and the 30 fresh seeds of the pool above (38 in all; ``steering_row`` on each,
# 3.8 minutes on one core for the 33 not stored), the question probe's columns equal to those
# recorded above on every seed: along the inside probe's direction both signs lowered the
# followed share on 38 of 38; α = +0.5 wrote more texts that open a bracket than α = −0.5 on
# only 10 (40, 418744000, 584997000, 741051000, 1146760900, 1384345200, 1385633600,
# 1519791000, 1523877300, 2141360800; as many as the random direction: 10), and the same
# number on 11; the inside direction moved the bracket share further than the random one on
# 15 compared as floats (14 in texts: see below; 36, 219900, 531243100, 584997000, 972831000,
# 1146760900, 1173063400, 1345326700, 1384345200, 1385633600, 1448770000, 1519791000,
# 1523877300, 1909874200, 2141360800).
# The inside probe above its chance on 34 of 38 (by 0.027 at most; not on 418744000,
# 573014800, 959874300, 1384345200): claimed below since the eleventh cold reading, which
# re-ran the 38 and found the same count. At α = 0, 0 to 12 of the 80 texts open a
# bracket (0.061 in the mean over the 38 seeds); at α = ±0.5 along the inside direction
# 0.030 (both signs), along the random one 0.021 and 0.020: the push shortens what the
# grammar follows, and the brackets go with it, whichever the sign. The CI seed 3602
# passes all three (its bracket shares 0.025 at −0.5 and 0.0125 at +0.5, the random
# direction's 0.05 and 0.0375).


@pytest.mark.heavy
@pytest.mark.claim(stated=(34, 38), text="ch36: the probe of 'inside a bracket' at block 1 "
                   "is above its chance, barely (34 of 38 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_inside_probe_is_above_its_chance(seed):
    r = steer(seed)
    assert r["inside probe accuracy"] > r["inside probe chance"]


@pytest.mark.heavy
# The cold readings' seeds, counted into the pool as above: the inside direction broke the
# text on 10 of their 12 (not on 1064492281: 0.305 at α = −0.5 against 0.302 unsteered, in
# ``steering_row`` re-run on 2026-11-30; nor on 1567119636: 0.154 at −0.5 against 0.105):
# 48 of 50. The eighth cold reading's two, counted in: it held on 1405382053, not on
# 2091269775 (0.242 at +0.5 against 0.237 unsteered, a typical share): 49 of 52.
@pytest.mark.claim(stated=(49, 52), text="ch36: steering block 1 by ±0.5 of the residual's "
                   "norm along the inside probe's direction lowers the share of characters "
                   "the grammar follows (49 of 52 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_steering_along_the_inside_probe_breaks_the_text(seed):
    r = steer(seed)
    assert max(r["inside -0.5 followed"], r["inside 0.5 followed"]) < r["inside 0.0 followed"]


@pytest.mark.heavy
# The cold readings' twelve (``steering_row`` re-run by the eighth cold reading,
# 2026-12-01): α = +0.5 wrote no more bracket-opening texts than −0.5 on 7 (more on
# 1064492281, 1338096765, 1875144900, 1354034450, 911355904; the same number on 1519873306,
# 1422957390, 1637166922): 35 of 50, counted as the other steering claims are (+0.5 more
# on 15 of 50, the random direction's +0.5 more on 11). The eighth reading's two, counted
# in: more on both (3 texts at +0.5 against 2 at −0.5 on 1405382053, 4 against 0 on
# 2091269775; the random direction's 1 against 0, 1 against 4): 35 of 52 (+0.5 more on
# 17 of 52, the random direction's on 12; the same number at both signs on 14).
@pytest.mark.claim(stated=(35, 52), text="ch36: along the inside probe's direction, α = +0.5 "
                   "(towards 'inside a bracket') writes no more texts that open a bracket "
                   "than α = −0.5 (35 of 52 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_inside_probes_direction_opens_no_more_brackets(seed):
    r = steer(seed)
    assert r["inside 0.5 bracket"] <= r["inside -0.5 bracket"]


# The fifth cold reading (2026-11-30) re-ran ``steering_row`` on the 38 seeds (the stored
# five equal to the table bit for bit; every count above reproduced) and found the claim
# below compared two differences of shares, k/80 − j/80, as floats: equal moves in texts
# came out unequal in the last bit (on 1146760900 the inside direction moved from 3 to 4
# texts, the random one from 0 to 1, and 0.05 − 0.0375 = 0.012500000000000004 > 0.0125
# made it "further"). Compared in texts, the inside direction moved the share further on
# 14 of 38 (the list above without 1146760900), as far on 11 (39, 40, 3602, 3603,
# 929566100, 1124537100, 1146760900, 1467375200, 1678136900, 2041625600, 2130162700; on
# 3603, 1467375200, 1678136900 and 2130162700 neither moved at all), less far on 13: no
# further on 24 of 38. On the cold readings' twelve (re-run by the eighth reading) no
# further on 8 (further on 1338096765, 1875561994, 911355904, 1567119636; as far on
# 1064492281, 1875144900, 1637166922, 1136648627, 1354034450): 32 of 50 (further on 18,
# as far on 16). The eighth reading's two, counted in: no further on 1405382053 (as far,
# 1 text both), further on 2091269775 (4 against 3): 33 of 52 (further on 19, as far on
# 17), the count the claim now states.


def texts(r, key):
    """A share of the 80 texts as the number of texts (the share is k / 80 exactly)."""
    return round(r[key] * st.N_TEXTS)


@pytest.mark.heavy
@pytest.mark.claim(stated=(33, 52), text="ch36: the inside probe's direction moves the number "
                   "of texts that open a bracket (α = −0.5 to +0.5) no further than a random "
                   "direction of the same length (33 of 52 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_inside_probes_direction_moves_brackets_no_more_than_a_random_one(seed):
    r = steer(seed)
    moved = {name: abs(texts(r, f"{name} 0.5 bracket") - texts(r, f"{name} -0.5 bracket"))
             for name in ("inside", "random")}
    assert moved["inside"] <= moved["random"]


# The inside probe's direction and the question share (sixth cold reading, 2026-11-30):
# along it α = −0.5 (away from "inside") wrote more texts that enter a question than
# α = +0.5 on 31 of the 38 seeds above (not on 39, 3603, 584997000, 842783200, 1124537100,
# 1523877300, 2130162700; the same number on 842783200) and on 8 of the cold readings' ten
# (not on 1064492281, 10 texts both, nor 1136648627, 6 against 11): 39 of 48, a count a
# fair coin reaches with p = 7.6e-6; with the seventh reading's two (1567119636: 7 against
# 4 texts; 911355904: 3 both), 40 of 50, p = 1.2e-5; with the eighth reading's two (more
# on both: 1405382053, 22 against 14 texts; 2091269775, 20 against 13), 42 of 52,
# p = 4.5e-6. The 38 seeds' mean question share at
# α = −0.5, 0, +0.5: 0.242, 0.168, 0.096 along it; 0.186, 0.168, 0.129 along the question
# probe's direction (26 of 38); 0.158, 0.168, 0.186 along the random one (17 of 38).
# It moved the share further (in texts) than the question probe's direction on 21 of 38,
# as far on 2. The CI seed 3602 passes (26 against 20 texts).
# Against the question probe's direction over the same 52 seeds (ninth cold reading,
# 2026-12-01): −0.5 above +0.5 along the inside direction only on 17, along the question
# probe's only on 7 (both on 25, neither on 3): exact McNemar (a two-sided sign test on
# the 24 discordant seeds) p = 0.064; unpaired, Fisher's test of 42/52 against 32/52
# gives 0.050. Not claimed, and the text no longer says "more reliably than that
# variable's own probe". Mean question texts, −0.5 minus +0.5, over the 52: 11.4 along
# the inside direction, 3.4 along the question probe's, −3.2 along the random one.


@pytest.mark.heavy
@pytest.mark.claim(stated=(42, 52), text="ch36: along the inside probe's direction, α = −0.5 "
                   "writes more texts that enter a question than α = +0.5 (42 of 52 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_inside_probes_direction_lowers_the_question_share(seed):
    r = steer(seed)
    assert r["inside -0.5 question"] > r["inside 0.5 question"]
