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
of 8. The question probe's gap to its ceiling (3 of 5 stored seeds, 0 of 3 fresh ones
above 0.05) is not claimed. The pool is short of the 30 fresh seeds a stated rate needs
(tests/fresh_seeds.py): `nox -s fresh_seeds -- --heavy` is still to run.
"""

import functools

import pytest
from claims import seeds

from nnbook.experiments import probing as pr

FIXED = (3602,)                   # no notebook or stored table uses it


@functools.lru_cache(maxsize=None)
def row(seed):
    return pr.knowledge_row(seed)


@pytest.mark.heavy
@pytest.mark.claim(stated=(8, 8), text="ch36: the control task is read better than the "
                   "parser's state, for every label at every layer")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_control_beats_the_probes(seed):
    r = row(seed)
    assert all(r[f"{n} {k} control"] > r[f"{n} {k} accuracy"]
               for n in pr.PROBED for k in (0, 1, 2))


@pytest.mark.heavy
@pytest.mark.claim(stated=(6, 8), text="ch36: the best layer's depth probe is 0.05 or more "
                   "below the window's ceiling")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_depth_probe_stays_below_its_ceiling(seed):
    r = row(seed)
    assert max(r[f"depth {k} accuracy"] for k in (0, 1, 2)) < r["depth 2 ceiling"] - 0.05


@pytest.mark.heavy
@pytest.mark.claim(stated=(8, 8), text="ch36: the SAE spliced in costs bits, far less than "
                   "the layer's mean; a feature finds 'between sentences' (AUC > 0.9), none "
                   "'inside a bracket'")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_the_sae_finds_the_sentence_boundary_not_the_bracket(seed):
    r = row(seed)
    assert r["SAE model"] < r["SAE spliced"] < r["SAE mean-ablated"]
    assert r["SAE AUC between sentences"] > 0.9
    assert r["SAE AUC inside"] < 0.9


@pytest.mark.heavy
@pytest.mark.claim(stated=(8, 8), text="ch36: window j's residual at block 1's last position "
                   "closes over half the KL gap to the grammar's exact conditional of window j")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_36_block_1s_last_position_carries_the_state(seed):
    r = row(seed)
    assert r["patch last 1"] < (r["patch clean i"] + r["patch own j"]) / 2
