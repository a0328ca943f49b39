"""Tests for nnbook/exercises/attention.py beyond the shared ones in test_exercises.py:
exercise 18.2 hands over a plain function whose dependence pattern no attribute shows, and
a right matrix that was not found by running it is not accepted."""

import numpy as np

from nnbook import exercises

from exercise_solutions_attention import dependence


def test_the_attention_of_18_2_has_no_attribute_that_holds_the_answer():
    seen = {}

    def look(attend, T, d):
        seen["attributes"] = [a for a in dir(attend) if not a.startswith("__")]
        seen["defaults"] = attend.__defaults__
        return dependence(attend, T, d)

    assert exercises.check("18.2", look).correct
    assert seen == {"attributes": [], "defaults": None}
    feedback = exercises.check("18.2", lambda attend, T, d: attend.D)
    assert not feedback.correct and "AttributeError" in feedback.message


def test_a_right_matrix_read_from_the_closure_is_not_accepted():
    def read(attend, T, d):
        cell = next(c.cell_contents for c in attend.__closure__
                    if isinstance(c.cell_contents, np.ndarray) and c.cell_contents.dtype == bool)
        return cell

    feedback = exercises.check("18.2", read)
    assert not feedback.correct
    assert "attend was called 0 time(s): the pattern must be found by running it" in feedback.message
