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


#: the verdicts of the worked solutions read from the kernel, kept by the test below for the
#: test after it (the file runs in one worker: --dist loadfile): 37.1's runs the recipe in a
#: process of the report's, five seeds trained (about 7 s of CPU), which that test would
#: otherwise do a second time for the same verdict.
REMOTE_RIGHT = {}


def test_every_solution_and_wrong_answer_gets_the_same_verdict_over_the_wire(kernel):
    differ = []
    for ex_id in sorted(RIGHT):
        remote = REMOTE_RIGHT[ex_id] = verdict(ex_id, kernel.answer(f"RIGHT[{ex_id!r}]"))
        if remote != verdict(ex_id, RIGHT[ex_id]) or not remote[0]:
            differ.append((ex_id, "right", remote))
    for k, (ex_id, answer, _) in enumerate(WRONG):
        remote = verdict(ex_id, kernel.answer(f"WRONG[{k}][1]"))
        if remote != verdict(ex_id, answer):
            differ.append((ex_id, k, remote, verdict(ex_id, answer)))
    assert differ == []


def test_a_recipe_read_from_the_kernel_is_graded_in_a_process_of_the_reports_own(kernel):
    """37.1 over the wire: the Arena a recipe trains through cannot cross to the kernel, so
    the report runs the recipe's source with the imports it used in a process of its own
    (nnbook/exercises/arena.py, _in_a_process). The test above holds it to the notebook's
    verdicts; this one to its parts. The mistakes caught: a right recipe marked wrong for
    "'Arena' object has no attribute 'model'" (the Arena sent to the kernel), or for a
    NameError (the kernel's imports not rebuilt), and a stub graded as a wrong recipe."""
    fn = kernel.answer("RIGHT['37.1']")
    assert ("nb", "nnbook", "") in fn.__nnbook_imports__
    assert ("modern_layers", "nnbook.arena.baseline", "modern_layers") in fn.__nnbook_imports__
    right = REMOTE_RIGHT.get("37.1") or verdict("37.1", fn)      # the same call's verdict
    assert right[0] and right[2].startswith("right:"), right
    assert kernel.request("def stub(arena):\n    ...  # your code here\n") is None
    assert verdict("37.1", kernel.answer("stub"))[:2] == (False, False)       # not attempted
    assert kernel.request("LR = 0.02\ndef uses_a_number(arena):\n    nb.AdamW(lr=LR)\n") is None
    said = verdict("37.1", kernel.answer("uses_a_number"))
    assert not said[0] and "NameError" in said[2] and "define it inside recipe" in said[2]
    # it runs in a sandboxed kernel of the report's (kernel.py's marker in its environment),
    # not in the report's own process (the mistake caught: the student's code unsandboxed)
    assert kernel.request("def where(arena):\n    import os\n    raise RuntimeError(os.environ"
                          ".get('NNBOOK_REPORT_KERNEL', 'the report'))\n") is None
    said = verdict("37.1", kernel.answer("where"))
    assert "nnbook-report-" in said[2] and kernel.marker not in said[2], said


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
