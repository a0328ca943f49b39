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


def test_a_long_text_keeps_its_labels():
    """The parser's weights are renormalised after every character: unnormalised, they
    underflow to 0 after about 1,900 characters, the live states vanish and every later
    question and verb-number label goes wrong. Each sentence's question label is its mark."""
    language = nb.data.Language(2)
    text = language.sample(4000, rng=np.random.default_rng(5))
    labels = language.state_labels(text)
    starts = [0] + [k + 2 for k, c in enumerate(text[:-2]) if c in ".!?"]
    ends = [k for k, c in enumerate(text) if c in ".!?"]
    for s, e in zip(starts, ends):
        want = int(text[e] == "?")
        assert (labels["question"][s:e + 1] == want).all(), (s, e)
    assert (labels["verb_number"][-200:] >= 0).any()


def test_the_window_states_match_the_labels_and_the_window_bound():
    """Read from a stack, each label gives the true label positive probability everywhere;
    the distributions sum to 1; the losses are window_bound's exactly; a window that
    starts at the text's start knows the depth for sure once it has read a bracket's
    match, and a short window is never surer than the whole text."""
    language = nb.data.Language(2)
    text = language.sample(600, rng=np.random.default_rng(6))
    w = language.window_states(text, 12)
    m = len(w["bound"])
    labels = language.state_labels(text)
    for name, shift in (("depth", 0), ("inside", 0), ("question", 1)):
        y = labels[name][:m * 12].reshape(m, 12) + shift
        assert np.abs(w[name].sum(-1) - 1).max() < 1e-12
        assert (np.take_along_axis(w[name], y[..., None], -1) > 0).all(), name
    assert np.array_equal(w["bound"], language.window_bound(text, 12))
    assert np.array_equal(w["inside"][..., 0], w["depth"][..., 0])
    ceiling = w["depth"].max(-1).mean()
    assert 0.5 < ceiling < 1.0


def test_window_states_misuse_is_named():
    language = nb.data.Language(2)
    with pytest.raises(ValueError, match="window \\+ 1"):
        language.window_states("the cat runs.", 16)
    with pytest.raises(ValueError, match="rejects"):
        language.window_states("the cat run. the cats run.", 4)
