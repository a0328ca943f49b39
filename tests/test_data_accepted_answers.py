"""nnbook/data/accepted_answers.py: the exact set against the verifier and the grammar's
own probabilities, counts by hand, errors."""

import pytest

from nnbook.data.accepted_answers import accepted_answers
from nnbook.data.subject_task import SubjectTask

TASK = SubjectTask()


def test_short_answers_by_hand():
    # at most 14 characters: "the cats run." (13) and the like
    found = accepted_answers(TASK, "cats", 14)
    # "the" or "some", "cats", a short intransitive verb, "." or "!" (a question needs
    # "do the" and 16 characters; "sleep" makes 15)
    assert "the cats run." in found and "some cats run!" in found
    assert all(TASK.verify(TASK.prompt("cats"), a) and len(a) <= 14 for a in found)
    hand = {f"{d} cats {v}{e}" for d in ("the", "some") for v in ("run", "sing", "jump")
            for e in ".!" if len(f"{d} cats {v}{e}") <= 14}
    assert set(found) == hand


def test_every_sentence_is_counted_once():
    lang = TASK.language
    total = sum(len(accepted_answers(TASK, s, 16)) for s in TASK.subjects)
    # every sentence of ≤ 16 characters has one subject; the grammar's mass on them is
    # the sum of e^{−nll}, which must not exceed 1
    mass = sum(2.718281828459045 ** -lang.nll(a) for s in TASK.subjects
               for a in accepted_answers(TASK, s, 16))
    assert total == 166 and 0 < mass < 1


def test_errors():
    with pytest.raises(ValueError, match="expected a SubjectTask"):
        accepted_answers(TASK.language, "cats", 10)
    with pytest.raises(ValueError, match="expected a subject among"):
        accepted_answers(TASK, "cows", 10)
    with pytest.raises(ValueError, match="max_chars an integer from 2 to 28"):
        accepted_answers(TASK, "cats", 40)
