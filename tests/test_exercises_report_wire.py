"""nnbook/exercises/wire.py and kernel.py: a student's answer graded in the report's process,
from data its kernel sends, gets the verdict it gets in the notebook.

One kernel runs every worked solution and every typical wrong answer of
tests/exercise_solutions*.py (functions called over the wire, chapter 14's Value graphs and
Dual numbers, chapter 18's attend callback), and each verdict must equal the one
``nb.exercises.check`` gives in this process: a codec that dropped a dtype, a tuple, a
Value's parents or a callback would turn a ✔ into a ✘ or change the hint."""

import tempfile
from pathlib import Path

import numpy as np
import pytest

from nnbook import exercises
from nnbook.exercises import wire
from nnbook.exercises.kernel import AnswerUnreadable, Kernel

import kernel_solutions
from exercise_solutions import RIGHT, WRONG



@pytest.fixture(scope="module")
def kernel():
    with tempfile.TemporaryDirectory() as folder, \
            Kernel(Path(folder), timeout=600, budget=3000, memory=4096) as k:
        assert k.request(f"{kernel_solutions.LOAD}\n"
                         "import numpy as np, nnbook as nb\n"
                         "from exercise_solutions import RIGHT, WRONG") is None
        yield k


def verdict(ex_id, answer):
    fb = exercises.check(ex_id, answer)
    return fb.correct, fb.attempted, fb.message


# Exercise 37.1's answer is a recipe that trains through the Arena the checker hands it, and
# an Arena cannot cross the wire (its methods return live models): the report does not grade
# it and says so (nnbook/exercises/arena.py, NOT_OVER_THE_WIRE), for right and wrong recipes.
NOT_OVER_THE_WIRE = {"37.1"}


def test_every_solution_and_wrong_answer_gets_the_same_verdict_over_the_wire(kernel):
    differ = []
    for ex_id in sorted(set(RIGHT) - NOT_OVER_THE_WIRE):
        remote = verdict(ex_id, kernel.answer(f"RIGHT[{ex_id!r}]"))
        if remote != verdict(ex_id, RIGHT[ex_id]) or not remote[0]:
            differ.append((ex_id, "right", remote))
    for k, (ex_id, answer, _) in enumerate(WRONG):
        if ex_id in NOT_OVER_THE_WIRE:
            continue
        remote = verdict(ex_id, kernel.answer(f"WRONG[{k}][1]"))
        if remote != verdict(ex_id, answer):
            differ.append((ex_id, k, remote, verdict(ex_id, answer)))
    assert differ == []


def test_a_recipe_read_from_the_kernel_is_not_graded_by_the_report(kernel):
    """37.1 over the wire: the report says it does not grade a recipe, for the right one and
    every wrong one, instead of a verdict from an Arena that did not cross (the mistake
    caught: a right recipe marked wrong for "'Arena' object has no attribute 'model'")."""
    from nnbook.exercises.arena import NOT_OVER_THE_WIRE as SAID
    answers = [("right", "RIGHT['37.1']")] + [(k, f"WRONG[{k}][1]") for k, (ex_id, _, _)
                                              in enumerate(WRONG) if ex_id == "37.1"]
    assert len(answers) > 1
    for name, expr in answers:
        assert verdict("37.1", kernel.answer(expr)) == (False, True, SAID), name
    assert verdict("37.1", RIGHT["37.1"])[0]           # in the notebook it is graded


def test_values_cross_as_data(kernel):
    got = kernel.answer("(np.arange(6, dtype=np.int32).reshape(2, 3), [1.5, float('nan')], "
                        "{('a', 1): None}, np.float32(2), True, 'text', ..., np.array([True]))")
    a, lst, d, f32, flag, text, dots, mask = got
    assert a.dtype == np.int32 and a.shape == (2, 3) and a[1, 2] == 5
    assert isinstance(lst, list) and lst[0] == 1.5 and np.isnan(lst[1])
    assert d == {("a", 1): None} and type(f32) is np.float32 and flag is True
    assert (text, dots, mask.dtype) == ("text", Ellipsis, np.dtype(bool))
    thing = kernel.answer("object()")          # no pickle: only its type's name comes
    assert isinstance(thing, wire.Opaque) and type(thing).__name__ == "object"
    with pytest.raises(AnswerUnreadable, match="NameError"):
        kernel.answer("an_undefined_name")


def test_a_forged_back_reference_is_not_an_object_of_the_report(kernel):
    with pytest.raises(KeyError):
        kernel.codec.decode({"t": "back", "ref": "R999999"})
