"""Chapter 22's exercises (nnbook/exercises/posttraining.py) beyond the shared checks of
test_exercises.py: the checker hands the learner's function only arrays and numbers
(nothing that holds the answer), an overflowing DPO loss is named, and a policy gradient
that is right on the samples is also checked unbiased."""

import numpy as np
import pytest

from nnbook import exercises

from exercise_solutions_posttraining import RIGHT


@pytest.mark.parametrize("ex_id", ["22.1", "22.2", "22.3"])
def test_the_checker_hands_over_only_arrays_and_numbers(ex_id):
    seen = []

    def spy(*args):
        seen.append(args)
        return RIGHT[ex_id](*args)

    assert exercises.check(ex_id, spy).correct
    assert len(seen) >= 3
    for args in seen:
        assert all(isinstance(a, (np.ndarray, float, int)) for a in args), args


def test_a_dpo_loss_that_overflows_is_told_to_compute_it_stably():
    def unstable(lw, ll, rw, rl, beta):
        h = beta * ((lw - rw) - (ll - rl))
        with np.errstate(over="ignore", divide="ignore"):
            return float(np.mean(-np.log(1 / (1 + np.exp(-h)))))

    feedback = exercises.check("22.1", unstable)
    assert not feedback.correct and "stably" in feedback.message, str(feedback)


def test_lists_are_as_good_as_arrays():
    assert exercises.check("22.3", lambda *a: [x.tolist() for x in RIGHT["22.3"](*a)]).correct
    assert exercises.check("22.2", lambda *a: list(RIGHT["22.2"](*a))).correct
