"""The arena's text (nnbook/arena/text.py, chapter 37): the evaluation text fresh for each seed
and apart from the training stream, refused while a recipe runs, with the window bound."""

import math

import numpy as np
import pytest

import nnbook as nb
from nnbook.arena.text import recipe_running, training_text


def test_the_evaluation_text_is_fresh():
    """Planted bug "the evaluation text reused": drawn from the training stream (a recipe
    would have trained on it) or the same for every seed."""
    a, b = nb.arena.evaluation_text(0), nb.arena.evaluation_text(1)
    assert a["text"] != b["text"]
    for seed, ev in ((0, a), (1, b)):
        train = training_text(nb.arena.training_rng(seed), 20 * nb.arena.EVAL_CHARS).text
        assert ev["text"][:300] not in train                  # not any stretch of it
    assert len(a["text"]) >= nb.arena.EVAL_CHARS
    assert a["x"].shape == a["y"].shape == a["bound"].shape == (len(a["x"]), nb.arena.WINDOW)
    assert np.array_equal(a["x"][:, 1:], a["y"][:, :-1])


def test_the_bound_is_the_window_bound_not_the_entropy():
    """Planted bug "the score above the entropy per character": the bound taken as the
    grammar's loss given the whole past, which a 16-character window cannot reach."""
    ev = nb.arena.evaluation_text(0)
    assert ev["bound"].mean() > ev["entropy"].mean() + 0.1
    assert (ev["bound"] >= 0).all() and ev["bound"].max() <= math.log2(26) + 10


def test_a_recipe_cannot_read_the_evaluation_text():
    with recipe_running():
        with pytest.raises(ValueError, match="asked for the evaluation text"):
            nb.arena.evaluation_text(0)
    nb.arena.evaluation_text(0)                              # after it, the harness can


def test_training_streams_differ_by_seed_and_repeat():
    a = nb.arena.training_rng(3).integers(0, 10**9, 4)
    assert np.array_equal(a, nb.arena.training_rng(3).integers(0, 10**9, 4))
    assert not np.array_equal(a, nb.arena.training_rng(4).integers(0, 10**9, 4))
    with pytest.raises(ValueError, match="an int ≥ 0, got -1"):
        nb.arena.training_rng(-1)
