"""Chapter 19's exercises (nnbook/exercises/tokens.py) beyond the shared checks of
test_exercises.py: other right answers are accepted too, and the checker hands the
learner's function only plain ids, pairs and text, nothing that holds the answer
(no tokenizer with an ``encode``, no counts)."""

import numpy as np
import pytest

from nnbook import exercises

from exercise_solutions_tokens import ALSO_RIGHT, RIGHT


@pytest.mark.parametrize("ex_id, answer", ALSO_RIGHT, ids=[a.__name__ for _, a in ALSO_RIGHT])
def test_other_right_answers_are_accepted(ex_id, answer):
    feedback = exercises.check(ex_id, answer)
    assert feedback.correct, str(feedback)


def plain(value):
    """Only ints, strings, and lists or tuples of them."""
    if isinstance(value, (list, tuple)):
        return all(plain(v) for v in value)
    return isinstance(value, (int, str)) and not isinstance(value, bool)


@pytest.mark.parametrize("ex_id", ["19.1", "19.2", "19.3"])
def test_the_checker_hands_over_nothing_that_holds_the_answer(ex_id):
    seen = []

    def spy(*args):
        seen.append(args)
        return RIGHT[ex_id](*args)

    assert exercises.check(ex_id, spy).correct
    assert len(seen) >= 5
    for args in seen:
        assert plain(args), [type(a).__name__ for a in args]


def test_numpy_ids_are_as_good_as_lists():
    def merge(ids, pair, new_id):
        return np.array(RIGHT["19.2"](ids, pair, new_id), dtype=np.int64)

    assert exercises.check("19.2", merge).correct
    assert exercises.check("19.3", lambda t, m: np.array(RIGHT["19.3"](t, m))).correct


def test_floats_are_not_ids():
    feedback = exercises.check("19.2", lambda ids, pair, new: [float(i) for i in ids])
    assert not feedback.correct and "integer ids" in feedback.message, str(feedback)
