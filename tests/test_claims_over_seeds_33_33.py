"""Chapter 33's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment (nnbook/experiments/experts.py, ``moe_row``: five models trained
on chapter 20's budget) on a seed no notebook or stored table uses (in CI) or on the fresh
seeds of `nox -s fresh_seeds`, and asserts what the chapter says of a seed.

Cost with one BLAS thread, a seed: about 50 s (five trainings), shared by the claims; every
claim is marked heavy (run with NNBOOK_HEAVY=1).

Measured (2026-11-29), on the 5 stored seeds 33 to 37 and the fresh seeds 3301 to 3303
(8 in all): the dense model of d_ff 340 below the one of d_ff 85 on 7 of 8 (not on 3302:
0.168 against 0.160 bits above the window bound); the unbalanced MoE above the dense model
of equal active parameters on 7 of 8 (not on 3303: 0.129 against 0.155); the bias-balanced
MoE above the dense model of equal total parameters on 7 of 8 (not on 3303: 0.122 against
0.127); both balancings' load max/mean below the unbalanced MoE's on 8 of 8; I(expert;
character class) above 10 times its plug-in bias on 8 of 8 (0.082 to 0.312 bits); I(expert;
depth) at most 0.005 bits on these 8, so under a tenth of I(expert; class) on 8 of 8.

A cold reading (reading-33-34, 2026-11-29) ran two more fresh seeds, 855786687 and
762676017 (dense 85, dense 340 / MoE none, aux, bias in bits above the window bound):
855786687: 0.152, 0.123 / 0.172, 0.151, 0.166; load max/mean 1.448, 1.048, 1.099;
I(class) 0.184 (10 x bias 0.029), I(depth) 0.0018 (bias 0.0014).
762676017: 0.146, 0.147 / 0.175, 0.186, 0.181; load max/mean 1.255, 1.018, 1.038;
I(class) 0.271 (10 x bias 0.029), I(depth) 0.0107 (bias 0.0014, 7.4 times it; none of 400
shuffles or circular shifts of the labels reached it). So the depth claim is a size, not
independence: the old bound `I(expert; depth) < 0.01` fails on 762676017, while depth's
information stays under a tenth of the class's (0.0107 against 0.271). With them the counts
over the 10 seeds measured were 8, 9, 9, 10 and 10 of 10.

The 30-fresh-seed pool (2026-11-29, `tests/fresh_seeds.py --heavy` with the pool's seeds
219900 to 2141360800, 65 minutes on 2 cores; then each seed's row recorded with
``moe_row``, which gave the same outcomes): the dense model of d_ff 340 below the one of
d_ff 85 on 20 of 30 (the rows 0.107 to 0.180 and 0.107 to 0.170 bits above the window
bound); the unbalanced MoE above the dense model of equal active parameters on 22 of 30; the
bias-balanced MoE above the dense model of equal total parameters on 26 of 30 (the MoE
below both dense models on 121249900, 929566100 and 2141360800); both balancings below the
unbalanced load on 28 of 30 (not on 105392300, 2130162700); I(expert; class) 0.102 to 0.389
bits, above 10 times its bias on 30 of 30, and I(expert; depth) 0.0008 to 0.0195 bits, at
most 0.085 of the class's (1173063400: 0.0195 against 0.230, bias 0.0014; the old bound
`< 0.01` failed there, the size holds), so under a tenth of it on 30 of 30. Pooled with the
10 above: 28, 31, 35, 38 and 40 of 40.

A second cold reading (reading2-33-34, 2026-11-30) ran two more fresh seeds (same layout):
1586988506: 0.150, 0.169 / 0.147, 0.165, 0.178; load max/mean 1.801, 1.043, 1.054;
I(class) 0.385 (10 x bias 0.029), I(depth) 0.0012. Here the dense model of d_ff 340 was
above the one of d_ff 85, and the unbalanced MoE below both dense models.
1253305800: 0.158, 0.133 / 0.174, 0.184, 0.168; load max/mean 1.1203, 1.0412, 1.1197 (the
bias's below the unbalanced by 0.0007); I(class) 0.213, I(depth) 0.0031. Pooled, the 42
seeds give the rates stated below: 29, 32, 37, 40 and 42 of 42. Over the 42 the
bias-balanced MoE was below both dense models on 4 (3303, 121249900, 929566100,
2141360800) and the unbalanced one on 2 (121249900, 1586988506): 5 seeds in all.

A third cold reading (read3334, 2026-11-30) ran two more fresh seeds (same layout):
1833140519: 0.1514, 0.1596 / 0.1725, 0.1827, 0.1556; load max/mean 1.351, 1.066, 1.024;
I(class) 0.208, I(question) 0.0335, I(depth) 0.0017 (bias 0.0007). Here the dense model of
d_ff 340 was above the one of d_ff 85 and the bias-balanced MoE below the dense model of
d_ff 340 (but above the one of d_ff 85).
1277034652: 0.1468, 0.1578 / 0.1782, 0.2067, 0.2009; load max/mean 1.168, 1.048, 1.099;
I(class) 0.133, I(question) 0.0258, I(depth) 0.0007 (bias 0.0007). The dense model of d_ff
340 above the one of d_ff 85 again. Pooled, the 44 seeds give the rates stated below: 29,
34, 38, 42 and 44 of 44; below both dense models, the bias-balanced MoE on 4 of 44 and the
unbalanced one on 2 (neither on these two).

A fourth cold reading (read3334b, 2026-11-30) ran two more fresh seeds (same layout):
1975645455: 0.1447, 0.1377 / 0.1824, 0.1563, 0.1773; load max/mean 1.593, 1.086, 1.007;
I(class) 0.260, I(question) 0.0309, I(depth) 0.0026 (bias 0.0007). Every claim holds.
1350994673: 0.1605, 0.1652 / 0.1800, 0.1736, 0.1609; load max/mean 1.289, 1.019, 1.020;
I(class) 0.487 (the largest measured), I(question) 0.0571, I(depth) 0.0024 (bias 0.0014).
Here the dense model of d_ff 340 was above the one of d_ff 85, and the bias-balanced MoE
below the one of d_ff 340 (above the one of d_ff 85 by 0.0004). Pooled, the 46 seeds give
the rates stated below: 30, 36, 39, 44 and 46 of 46; below both dense models, the
bias-balanced MoE on 4 of 46 and the unbalanced one on 2 (neither on these two).

A fifth cold reading (read3334c, 2026-11-30) ran two more fresh seeds (same layout):
2130273051: 0.1511, 0.1272 / 0.1671, 0.1491, 0.1682; load max/mean 1.144, 1.071, 1.021;
I(class) 0.181, I(question) 0.0385, I(depth) 0.0067 (bias 0.0014). Every claim holds.
1591272214: 0.1672, 0.1418 / 0.1713, 0.1661, 0.1680; load max/mean 1.323, 1.021, 1.023;
I(class) 0.176, I(question) 0.0398, I(depth) 0.0009 (bias 0.0014). Every claim holds.
Pooled, the 48 seeds give the rates stated below: 32, 38, 41, 46 and 48 of 48; below both
dense models, the bias-balanced MoE on 4 of 48 and the unbalanced one on 2 (neither on
these two). The same reading split the training seed from the data seed both ways (not
in the pool, whose seed draws both): training 2130273051 on 1591272214's text, 0.1195,
0.1620 / 0.1691, 0.1794, 0.1886, loads 1.200, 1.030, 1.075; training 1591272214 on
2130273051's text, 0.1433, 0.1451 / 0.1633, 0.1888, 0.1690, loads 1.319, 1.023, 1.062;
I(class) 0.178 and 0.197, I(depth) 0.0019 and 0.0031. On both the dense model of d_ff 340
was above the one of d_ff 85 (the first claim, a rate of 32 of 48, not a law); every other
claim held.

The pool's extreme depth, 1173063400 (its row file was lost; re-run 2026-11-30 with
``moe_row``): dense 85 0.1297, dense 340 0.1363 / MoE none 0.1475, aux 0.1313, bias 0.1645;
load max/mean 1.198, 1.023, 1.043; I(class) 0.2302, I(depth) 0.01945 (bias 0.00145, 13.4
times it), so I(depth) / I(class) = 0.0845, the largest ratio of the 42.

What the router's choice tells, all 48 seeds (block 2 of the bias-balanced MoE, held out;
bits; seed, I(expert; class), I(expert; question), I(expert; depth)). The 30-seed pool's
rows were first recorded before ``Language.state_labels``' fix, which changed the question
label only; every value below was measured with today's code (2026-11-30,
``moe_row(seed, names=("MoE, bias",))``, which gave the pool's class, depth and bits
columns again to 5 digits):
  33 0.232 0.0106 0.0007; 34 0.107 0.0138 0.0034; 35 0.199 0.0531 0.0009
  36 0.273 0.0259 0.0007; 37 0.292 0.0229 0.0022; 3301 0.209 0.0303 0.0015
  3302 0.082 0.0105 0.0052; 3303 0.312 0.0494 0.0023; 219900 0.185 0.0407 0.0050
  105392300 0.285 0.0515 0.0053; 121249900 0.298 0.0524 0.0048; 418744000 0.162 0.0419 0.0033
  531243100 0.133 0.0063 0.0038; 573014800 0.282 0.0364 0.0036; 584997000 0.327 0.0502 0.0077
  741051000 0.348 0.0672 0.0043; 762676017 0.271 0.0436 0.0107; 842783200 0.307 0.0571 0.0008
  855786687 0.184 0.0355 0.0018; 929566100 0.242 0.0435 0.0029; 959874300 0.257 0.0484 0.0024
  972831000 0.298 0.0407 0.0012; 1124537100 0.147 0.0243 0.0019; 1146760900 0.233 0.0192 0.0029
  1173063400 0.230 0.0272 0.0195; 1233287500 0.171 0.0674 0.0053; 1253305800 0.213 0.0163 0.0031
  1265746600 0.183 0.0283 0.0062; 1345326700 0.238 0.0434 0.0028; 1384345200 0.268 0.0465 0.0054
  1385633600 0.265 0.0225 0.0016; 1448770000 0.169 0.0300 0.0048; 1467375200 0.336 0.0223 0.0056
  1519791000 0.102 0.0175 0.0075; 1523877300 0.111 0.0473 0.0022; 1586988506 0.385 0.0622 0.0012
  1678136900 0.218 0.0357 0.0024; 1909874200 0.116 0.0279 0.0024; 2017658700 0.389 0.0459 0.0076
  2041625600 0.130 0.0184 0.0042; 2130162700 0.208 0.0425 0.0045; 2141360800 0.119 0.0187 0.0087
  1833140519 0.208 0.0335 0.0017; 1277034652 0.133 0.0258 0.0007 (the third reading)
  1975645455 0.260 0.0309 0.0026; 1350994673 0.487 0.0571 0.0024 (the fourth reading)
  2130273051 0.181 0.0385 0.0067; 1591272214 0.176 0.0398 0.0009 (the fifth reading)
Class 0.082 to 0.487 bits (above 10 times its plug-in bias on 48 of 48), question 0.006 to
0.067 (above 10 times its bias on 44 of 48), depth 0.0007 to 0.0195 (at most 0.085 of the
class's). Depth against shuffles of its labels (p, the share of shuffles whose I
reaches the measured one): 762676017 none of 400 (0.0107 bits), 1253305800 p = 0.005 (400
shuffles), 34 p = 0.025 (the first cold reading), 1586988506 p = 0.14 (400 shuffles), and
the third reading's two seeds, drawn for this: 1833140519 p = 0.058 and 1277034652 p =
0.41 (400 shuffles each); the fourth reading's two, drawn for this too: 1975645455 p =
0.0025 and 1350994673 p = 0.13 (400 shuffles each); the fifth reading's two, drawn for
this: 2130273051 none of 400 (0.0067 bits) and 1591272214 p = 0.73. At p = 0.025 or less
on five of the ten seeds tested; 762676017 was tested because its value was the largest
then seen, so among the other nine, four.
"""

import functools

import pytest
from claims import seeds

from nnbook.experiments import experts as ex

FIXED = (3301,)                   # no notebook or stored table uses it


@functools.lru_cache(maxsize=None)
def row(seed):
    return ex.moe_row(seed)


@pytest.mark.heavy
@pytest.mark.claim(stated=(32, 48), text="ch33: the dense model of equal total parameters "
                   "is below the one of equal active parameters (32 of 48 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_33_the_wider_dense_model_is_better(seed):
    r = row(seed)
    assert r["dense 340"] < r["dense 85"]


@pytest.mark.heavy
@pytest.mark.claim(stated=(38, 48), text="ch33: at chapter 20's budget the unbalanced MoE "
                   "is above the dense model of equal active parameters (38 of 48 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_33_the_moe_is_above_the_dense_model_of_equal_active_parameters(seed):
    r = row(seed)
    assert r["MoE, none"] > r["dense 85"]


@pytest.mark.heavy
@pytest.mark.claim(stated=(41, 48), text="ch33: at chapter 20's budget the bias-balanced "
                   "MoE is above the dense model of equal total parameters (41 of 48 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_33_the_moe_is_above_the_dense_model_of_equal_total_parameters(seed):
    r = row(seed)
    assert r["MoE, bias"] > r["dense 340"]


@pytest.mark.heavy
@pytest.mark.claim(stated=(46, 48), text="ch33: Switch's loss and the selection bias each "
                   "bring the load's max/mean below the unbalanced MoE's (46 of 48 seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_33_both_balancings_balance(seed):
    r = row(seed)
    assert r["MoE, aux load max/mean"] < r["MoE, none load max/mean"]
    assert r["MoE, bias load max/mean"] < r["MoE, none load max/mean"]


@pytest.mark.heavy
@pytest.mark.claim(stated=(48, 48), text="ch33: the router's choice tells about the "
                   "character read (above 10 times the plug-in bias), and far less about "
                   "the depth (under a tenth of the character class's information; 48 of 48 "
                   "seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_33_the_router_sorts_mostly_by_character_slightly_by_depth(seed):
    r = row(seed)
    assert r["I(expert; class)"] > 10 * r["bias class"]
    assert r["I(expert; depth)"] < r["I(expert; class)"] / 10
