"""nb.data.SubjectTask (chapter 22): the prompt → answer task whose success the grammar decides
exactly: verdicts on hand-made answers, the generator's pairs (fixed text for a seed, on every
Python), and every message."""

import numpy as np
import pytest

import nnbook as nb

TASK = nb.data.SubjectTask()


@pytest.mark.parametrize("prompt, answer, verdict", [
    ("(cats) ", "the cats run.", "accepted"),
    ("(cats) ", "the cats (that a dog sees) run.", "accepted"),
    ("(cats) ", "do some big cats chase a frog?", "accepted"),
    ("(dog) ", "a dog that the cats like sleeps!", "accepted"),
    ("(cats) ", "the cat runs.", "wrong subject"),
    ("(cat) ", "the cats run.", "wrong subject"),
    ("(dog) ", "the cats (that a dog sees) run.", "wrong subject"),     # dog is not the subject
    ("(cats) ", "the cats runs.", "not in the language"),               # no agreement
    ("(cats) ", "the cats run. the cats run.", "not in the language"),  # two sentences
    ("(cats) ", " the cats run.", "not in the language"),
    ("(cats) ", "cats cats cats", "not in the language"),
    ("(cats) ", "", "no sentence"),
])
def test_verdicts_on_hand_made_answers(prompt, answer, verdict):
    assert TASK.verdict(prompt, answer) == verdict
    assert TASK.verify(prompt, answer) is (verdict == "accepted")


def test_prompts_and_subjects():
    assert TASK.subjects == ("cat", "cats", "dog", "dogs", "bird", "birds", "frog", "frogs")
    assert TASK.prompt("frogs") == "(frogs) "
    assert TASK.subject_of_prompt("(frogs) ") == "frogs"
    assert TASK.subject_of("does a red bird hear the dogs?") == "bird"
    assert TASK.subject_of("run.") is None
    # a prompt never occurs in the language's text: "(" is always followed by "that"
    text = TASK.language.sample(3000, rng=np.random.default_rng(0))
    assert "(" in text and all(f"({s})" not in text for s in TASK.subjects)
    assert set(TASK.prompt("cats")) <= set(TASK.language.vocab)


def test_answer_of_cuts_at_the_first_end_mark():
    assert TASK.answer_of("the cats run. the dog") == "the cats run."
    assert TASK.answer_of("does a cat run? yes") == "does a cat run?"
    assert TASK.answer_of("the cats run") == ""


def test_the_same_seed_gives_the_same_pairs_on_every_python():
    pairs = TASK.sample(4, rng=np.random.default_rng(0))
    assert pairs == [("(birds) ", "the birds chase a dog that runs!"),
                     ("(cat) ", "a cat that jumps sings."),
                     ("(cats) ", "do some cats sing?"),
                     ("(birds) ", "the birds sing.")]


def test_every_sampled_answer_is_verified_and_subjects_are_uniform():
    pairs = TASK.sample(800, rng=np.random.default_rng(1))
    prompts, answers = zip(*pairs)
    assert TASK.accepted_share(prompts, answers) == 1.0
    counts = np.array([prompts.count(TASK.prompt(s)) for s in TASK.subjects])
    assert counts.sum() == 800 and counts.min() > 70 and counts.max() < 130
    shuffled = answers[1:] + answers[:1]            # answers about other subjects, mostly
    assert TASK.accepted_share(prompts, shuffled) < 0.3


def test_a_shallower_language():
    task = nb.data.SubjectTask(max_depth=0)
    assert repr(task) == "SubjectTask(max_depth=0)"
    assert all("that" not in a for _, a in task.sample(20, rng=np.random.default_rng(2)))
    assert not task.verify("(cats) ", "the cats (that a dog sees) run.")


@pytest.mark.parametrize("call, message", [
    (lambda: TASK.prompt("horse"), r"SubjectTask\.prompt: expected a subject among .*"
                                   r"got 'horse'\. A plural subject ends in s"),
    (lambda: TASK.verify("cats: ", "the cats run."), r"SubjectTask: expected a prompt such as "
                                                     r"'\(cats\) '.*task\.prompt\(subject\)"),
    (lambda: TASK.verify("(horse) ", "the cats run."), r"expected a prompt such as"),
    (lambda: TASK.verify(None, "the cats run."), r"expected a prompt such as"),
    (lambda: TASK.verdict("(cats) ", [1, 2]), r"SubjectTask\.verdict: expected the answer as "
                                              r"a string, got list"),
    (lambda: TASK.sample(0), r"SubjectTask\.sample.*n"),
    (lambda: TASK.accepted_share(["(cats) "], []), r"SubjectTask\.accepted_share: expected as "
                                                   r"many answers as prompts"),
])
def test_messages_name_the_fix(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_preference_pair_takes_the_first_accepted_and_the_first_rejected():
    answers = ["the cat runs.", "the cats run.", "the cats runs.", "some cats sing!"]
    assert TASK.preference_pair("(cats) ", answers) == ("the cats run.", "the cat runs.")
    assert TASK.preference_pair("(cats) ", answers[1:2] + answers[3:]) is None   # all accepted
    assert TASK.preference_pair("(dog) ", answers) is None                       # all rejected
