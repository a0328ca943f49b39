"""The parser's state per character, the probes' labels (nnbook/data/parser_states.py)."""

import numpy as np
import pytest

import nnbook as nb

TEXT = "the cat (that sees a dog) runs. do the cats run? some birds that run sing!"
# each label's character under TEXT's, hand-checked ("." is −1, open)
EXPECTED = {
    "depth":       "00000000111111111111111100000000000000000000000000000000000000000000000000",
    "inside":      "00000000111111111111111100000000000000000000000000000000000000000000000000",
    "question":    "0000000000000000000000000000000.1111111111111111.0000000000000000000000000",
    "verb_number": "........00000000000000000.......11111111111......1111111111.11111111......",
}


def _decode(s):
    return np.array([-1 if c == "." else int(c) for c in s])


def test_the_labels_of_a_hand_checked_text():
    """"the cat" may still become "cats" (−1 until the space); the space after "birds" may
    open the main verb, so it is open too; a question's verb is plural whatever its subject."""
    labels = nb.data.Language(2).state_labels(TEXT)
    for name, want in EXPECTED.items():
        assert np.array_equal(labels[name], _decode(want)), name


def test_nested_brackets_count_up_and_down():
    text = "a dog (that a cat (that sees some frogs) likes) sleeps."
    depth = nb.data.Language(2).state_labels(text)["depth"]
    assert depth.max() == 2 and depth[text.index("some")] == 2
    assert depth[text.index("likes")] == 1 and depth[-1] == 0


def test_a_rejected_text_is_named():
    with pytest.raises(ValueError, match="Language.state_labels: the grammar rejects"):
        nb.data.Language(2).state_labels("the cat run.")
