"""nnbook.exercises.check keeps its own copy of every input: what the learner's
function does to the inputs it is given (empty a list, rewrite it, zero an
array) changes neither the expected answer nor the verdict. And whatever the
learner's code raises, sys.exit() included, becomes the feedback; only
KeyboardInterrupt (the notebook's stop button) goes through.
"""

import sys

import numpy as np
import pytest

from nnbook import exercises
from nnbook.autodiff import Value

from exercise_solutions import RIGHT
from exercise_solutions_arena import as_a_learners

IDS = sorted(exercises._core.REGISTRY)
FUNCTION_IDS = [i for i in IDS if exercises._core.REGISTRY[i].answer.startswith("function")]
NUMBER_IDS = [i for i in IDS if exercises._core.REGISTRY[i].answer.startswith("a number")]


# inputs ---------------------------------------------------------------------------
def test_a_right_answer_that_empties_its_input_list_is_right():
    def count_params(sizes):
        total = 0
        while len(sizes) > 1:                            # consumes the list it was given
            n_out = sizes.pop()
            total += sizes[-1] * n_out + n_out
        sizes.clear()
        return total

    feedback = exercises.check("00.1", count_params)
    assert feedback.correct, str(feedback)


def test_a_wrong_answer_that_rewrites_its_input_list_is_wrong():
    def count_params(sizes):
        sizes[:] = [2, 1]                                # now the "right" count would be 2·1 + 1
        return 3

    feedback = exercises.check("00.1", count_params)
    assert not feedback.correct and feedback.attempted, str(feedback)
    assert "returned 3, expected 61" in feedback.message, str(feedback)


def _vandalise(value):
    """Empty every list and zero every array inside ``value`` (in place)."""
    if isinstance(value, list):
        for item in value:
            _vandalise(item)
        value.clear()
    elif isinstance(value, dict):
        value.clear()
    elif isinstance(value, tuple):
        for item in value:
            _vandalise(item)
    elif isinstance(value, np.ndarray) and value.flags.writeable and value.dtype != object:
        value[...] = 0
    elif isinstance(value, Value):
        value.data = 0.0


#: 37.1's only input is the Arena, which _vandalise leaves as it is (no list, array or
#: Value): its case only trained the worked solution and the baseline again (about 10 s of
#: CPU), which test_exercises.py's test_the_worked_solution_is_accepted[37.1] already does.
@pytest.mark.parametrize("ex_id", [i for i in FUNCTION_IDS if i != "37.1"])
def test_a_right_answer_may_wreck_its_inputs_after_use(ex_id):
    solution = RIGHT[ex_id]

    def answer(*args):
        result = solution(*args)
        returned = {id(r) for r in (result if isinstance(result, tuple) else (result,))}
        for arg in args:
            if id(arg) not in returned:                  # a result may be an input, as it was given
                _vandalise(arg)
        return result

    answer.__wrapped__ = solution                        # checkers that read the source read the solution's
    feedback = exercises.check(ex_id, answer)
    assert feedback.correct, str(feedback)


def test_a_right_answer_that_mutates_its_input_list_before_use_is_right():
    def count_params(sizes):
        sizes.reverse()                                  # the same count, read backwards
        return sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:]))

    assert exercises.check("00.1", count_params).correct


def test_the_power_exercise_reads_the_gradients_of_the_values_it_handed_over():
    assert exercises.check("14.1", RIGHT["14.1"]).correct
    assert exercises.check("14.2", RIGHT["14.2"]).correct


# exceptions -----------------------------------------------------------------------
class Custom(BaseException):
    """Not an Exception: a bare ``except Exception`` would let it through."""


def exits(*args):
    sys.exit("bye")


def exits_zero(*args):
    sys.exit()


def generator_exit(*args):
    raise GeneratorExit("closed")


def custom(*args):
    raise Custom("odd")


@pytest.mark.parametrize("ex_id", FUNCTION_IDS)
@pytest.mark.parametrize("answer, name", [(exits, "SystemExit: bye"), (exits_zero, "SystemExit"),
                                          (generator_exit, "GeneratorExit: closed"), (custom, "Custom: odd")])
def test_a_base_exception_from_the_learner_is_feedback(ex_id, answer, name):
    if ex_id == "37.1":     # forked, as a learner's recipe is, not a new interpreter (1 s)
        answer = as_a_learners(answer)
    feedback = exercises.check(ex_id, answer)
    assert not feedback.correct and feedback.attempted, str(feedback)
    assert f"raised {name}" in feedback.message, str(feedback)
    assert "checker itself failed" not in feedback.message and "\n" not in str(feedback)


def test_sys_exit_says_to_return_instead():
    feedback = exercises.check("00.1", exits)
    assert "sys.exit() ends the program" in feedback.message, str(feedback)


@pytest.mark.parametrize("ex_id", FUNCTION_IDS)
def test_keyboard_interrupt_still_stops_the_cell(ex_id):
    def interrupted(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        exercises.check(ex_id, interrupted)


class ExitsWhenRead:
    """A value whose conversion to a number calls sys.exit(): it raises inside the checker."""

    def __float__(self):
        sys.exit(2)

    def __array__(self, dtype=None, copy=None):
        sys.exit(2)


@pytest.mark.parametrize("ex_id", NUMBER_IDS)
def test_a_value_that_exits_when_read_is_feedback(ex_id):
    feedback = exercises.check(ex_id, ExitsWhenRead())
    assert not feedback.correct and feedback.attempted, str(feedback)
    assert "raised SystemExit" in feedback.message, str(feedback)


@pytest.mark.parametrize("ex_id", ["07.2", "09.1"])
def test_a_returned_value_that_exits_when_read_is_feedback(ex_id):
    feedback = exercises.check(ex_id, lambda *args: ExitsWhenRead())
    assert not feedback.correct and feedback.attempted, str(feedback)
    assert "SystemExit" in feedback.message, str(feedback)
