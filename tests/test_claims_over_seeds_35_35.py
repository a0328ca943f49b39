"""Chapter 35's conclusions over seeds, re-run (the form of tests/claims.py): each test runs
the chapter's experiment (nnbook/experiments/distillation.py, ``distil_row``: a teacher and
four students of equal size and tokens) on a seed no notebook or stored table uses (in CI)
or on the fresh seeds of `nox -s fresh_seeds`, and asserts what the chapter says of a seed.

Cost with one BLAS thread, a seed: about 40 s on an idle core (a teacher and four
students), shared by the claims; every claim is marked heavy (run with NNBOOK_HEAVY=1).

MEASURED
"""

import functools

import pytest
from claims import seeds

from nnbook.experiments import distillation as ex

FIXED = (3501,)                   # no notebook or stored table uses it


@functools.lru_cache(maxsize=None)
def row(seed):
    return ex.distil_row(seed)


@pytest.mark.heavy
@pytest.mark.claim(stated=TEACHER, text="ch35: the teacher is below every student in bits "
                   "above the window bound")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_35_the_teacher_is_below_every_student(seed):
    r = row(seed)
    assert r["teacher"] < min(r[k] for k in ex.STUDENTS)


@pytest.mark.heavy
@pytest.mark.claim(stated=SOFT, text="ch35: the soft student (τ = 2) is below the "
                   "data-only student")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_35_the_soft_student_is_below_the_data_only_one(seed):
    r = row(seed)
    assert r["soft"] < r["data"]


@pytest.mark.heavy
@pytest.mark.claim(stated=HARD, text="ch35: the hard student (the teacher's samples) is "
                   "above the data-only student")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_35_the_hard_student_is_above_the_data_only_one(seed):
    r = row(seed)
    assert r["hard"] > r["data"]


@pytest.mark.heavy
@pytest.mark.claim(stated=ONPOLICY, text="ch35: the on-policy student is above the "
                   "data-only student in bits above the window bound")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_35_the_on_policy_student_is_above_the_data_only_one(seed):
    r = row(seed)
    assert r["on-policy"] > r["data"]


@pytest.mark.heavy
@pytest.mark.claim(stated=OWN, text="ch35: the soft student has the lowest reverse KL to "
                   "the teacher on text it writes itself")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_35_the_soft_student_is_closest_on_its_own_samples(seed):
    r = row(seed)
    own = {k: r[f"KL(s|t) own {k}"] for k in ex.STUDENTS}
    assert own["soft"] == min(own.values())


@pytest.mark.heavy
@pytest.mark.claim(stated=INHERITS, text="ch35: at the teacher's confident errors the soft "
                   "student gives the teacher's character more probability than the "
                   "data-only student")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_35_the_soft_student_inherits_the_teachers_mistakes(seed):
    r = row(seed)
    assert r["errors"] > 0 and r["mistake soft"] > r["mistake data"]
