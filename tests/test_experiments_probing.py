"""nnbook/experiments/probing.py's ``probe``: the ceiling beside a probe (chapter 36)."""

import numpy as np

from nnbook.experiments import probing as pr


def test_the_ceiling_keeps_every_column_when_a_text_never_reaches_a_label_value():
    # the mistake caught (a cold reading, 2026-11-29): the label's first column found from
    # the largest label present, so a held-out text that never reaches depth 2 dropped the
    # depth-0 column and the ceiling came out NaN (on 2 fresh seeds of 2)
    rng = np.random.default_rng(0)
    n = 400
    labels = rng.integers(0, 2, n)                       # depths 0 and 1 only
    posterior = np.tile([0.7, 0.2, 0.1], (n, 1))        # the grammar's columns 0, 1, 2
    h = rng.normal(size=(n, 4))
    r = pr.probe(h, labels, posterior, rng.integers(0, 26, n), np.random.default_rng(1))
    assert abs(r["ceiling"] - 0.7) < 1e-12 and np.isfinite(r["noise"])


def test_the_questions_column_of_minus_one_is_left_out():
    # the question's columns are −1, 0, 1: its ceiling renormalises over 0 and 1 only (the
    # mistake caught: the −1 column kept, or a column of a known label dropped)
    rng = np.random.default_rng(2)
    n = 400
    labels = np.where(rng.random(n) < 0.2, -1, rng.integers(0, 2, n))
    posterior = np.tile([0.5, 0.3, 0.2], (n, 1))
    h = rng.normal(size=(n, 4))
    r = pr.probe(h, labels, posterior, rng.integers(0, 26, n), np.random.default_rng(3),
                 first=pr.FIRST_COLUMN["question"])
    assert abs(r["ceiling"] - 0.6) < 1e-12
