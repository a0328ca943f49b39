"""nnbook/explore/xor.py: training on XOR is deterministic and solves it."""

import matplotlib
import pytest

matplotlib.use("Agg")

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

def test_xor_figure_shows_a_solved_xor():
    fig = nb.explore.xor_figure(4, 1.0, 300)
    assert "accuracy 100%" in fig.axes[0].get_title()


def test_xor_training_is_deterministic():
    _, a = nb.explore.train_xor(3, 0.5, 40, seed=1)
    _, b = nb.explore.train_xor(3, 0.5, 40, seed=1)
    assert (a == b).all() and len(a) == 40


def test_xor_training_has_a_seed_slider_that_changes_the_start():
    pytest.importorskip("ipywidgets")
    box = nb.explore.xor_training(hidden=2)
    seed = {c.description: c for c in box.children[0].children}["seed"]
    assert (seed.min, seed.max, seed.value) == (0, 19, 0)
    before = box.redraws
    seed.value = 4
    assert box.redraws == before + 1 and "seed 4" in box.children[1].value
    _, a = nb.explore.train_xor(2, 1.0, 5, seed=0)
    _, b = nb.explore.train_xor(2, 1.0, 5, seed=4)
    assert not (a == b).all()
