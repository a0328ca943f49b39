"""Chapter 30's conclusions over seeds, re-run (the form of tests/claims.py): each test trains
the chapter's judge on a seed no notebook or stored table uses (in CI) or on the fresh seeds of
`nox -s fresh_seeds`, and asserts what the chapter says of every seed. About 1.5 s of CPU a seed
with one BLAS thread (the judge, its confusion on 2000 answers, the exact best-of-n curve).
"""

import functools

import numpy as np
import pytest
from claims import seeds

from nnbook.experiments import judges as jd

FIXED = (3050, 3051)              # no notebook or stored table uses them


@functools.lru_cache(maxsize=None)
def run(seed):
    return jd.judge_run(seed)


@pytest.mark.claim(stated="every", text="ch30: the judge accepts the grammar's accepted "
                                        "answers more often than its rejected ones by 0.2, "
                                        "and has false accepts")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_the_judge_is_better_than_chance_and_not_exact(seed):
    row = run(seed)
    tpr = row["true accept"] / (row["true accept"] + row["false reject"])
    fpr = row["false accept"] / (row["false accept"] + row["true reject"])
    assert tpr > fpr + 0.2 and row["false accept"] > 0, row


@pytest.mark.claim(stated="every", text="ch30: best-of-n with the judge as selector rises by "
                                        "more than 0.1 from n = 1 to n = 8, peaks before "
                                        "n = 256 and falls by more than 0.01 after its peak")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_30_best_of_n_with_the_judge_rises_then_falls(seed):
    row = run(seed)
    curve = np.array([row[f"n={n}"] for n in jd.NS])
    assert curve[jd.NS.index(8)] - curve[0] > 0.1, row
    assert row["peak n"] < 256 and row["drop after peak"] > 0.01, row
