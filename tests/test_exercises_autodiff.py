"""Tests for nnbook/exercises/autodiff.py beyond the shared ones in test_exercises.py: the
answers of 14.2 and 14.3 cannot come from a shortcut the handed-over objects offer."""

from nnbook import exercises
from nnbook.autodiff import Value

from exercise_solutions import directional_derivative


def _backward_and_read(output):
    output.backward()
    return {node: node.grad for node in output.topological_order()}


def test_14_2_refuses_value_backward_called_through_a_helper():
    feedback = exercises.check("14.2", lambda output: _backward_and_read(output))
    assert not feedback.correct
    assert "made Value.backward() run (through a helper" in feedback.message
    assert Value.backward.__name__ == "backward"              # the method is put back


def test_14_3_hands_over_f_with_no_uncounted_way_to_call_it():
    seen = {}

    def look(f, x, v):
        seen["defaults"] = f.__defaults__
        return directional_derivative(f, x, v)

    assert exercises.check("14.3", look).correct
    assert seen["defaults"] is None

    def differences_through_the_default(f, x, v, eps=1e-6):
        plain = f.__defaults__[0]
        return (plain(list(x + eps * v)) - plain(list(x - eps * v))) / (2 * eps)

    feedback = exercises.check("14.3", differences_through_the_default)
    assert not feedback.correct and "TypeError" in feedback.message
