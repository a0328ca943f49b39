"""nnbook/explore/posttraining.py: an RL run's record against the step, as a figure and as
an explorable whose caption follows the step."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

HISTORY = {"accepted": [0.25, 0.5, 0.375, 0.75, 0.625, 0.875],
           "length": [20.0, 19.5, 18.0, 17.25, 16.0, 15.5],
           "kl": [0.0, 0.1, 0.3, 0.6, 0.8, 1.2]}


def test_rl_history_figure_draws_the_three_records_and_marks_the_step():
    fig = nb.explore.rl_history_figure(HISTORY, step=3)
    acc, length, kl = fig.axes
    raw, smooth, dot = acc.lines
    assert np.allclose(raw.get_ydata(), HISTORY["accepted"])
    assert np.allclose(smooth.get_ydata(), np.convolve(HISTORY["accepted"], np.ones(5) / 5,
                                                       mode="valid"))
    assert dot.get_xdata()[0] == 3 and dot.get_ydata()[0] == 0.75
    assert np.allclose(length.lines[0].get_ydata(), HISTORY["length"])
    assert kl.lines[-1].get_ydata()[0] == 0.6
    assert fig._suptitle.get_text() == ("step 3: 75% accepted, answers of 17.2 characters, "
                                        "KL to the start 0.60 nats")
    last = nb.explore.rl_history_figure(HISTORY)
    assert last._suptitle.get_text().startswith("step 5: 88% accepted")


def test_rl_history_refuses_bad_records_and_steps():
    with pytest.raises(ValueError, match="expected a dict with the keys"):
        nb.explore.rl_history_figure([0.1, 0.2])
    with pytest.raises(ValueError, match="of one equal length"):
        nb.explore.rl_history_figure({**HISTORY, "kl": [0.0]})
    with pytest.raises(ValueError, match=r"integer in \[0, 6\) \(the run has 6 steps\), got 6"):
        nb.explore.rl_history_figure(HISTORY, step=6)


def test_rl_history_widget_caption_follows_the_step():
    pytest.importorskip("ipywidgets")
    box = nb.explore.rl_history(HISTORY)
    caption, (slider,) = box.children[1], box.children[0].children
    assert caption.value.startswith("step 5: 88% accepted")
    slider.value = 1
    assert caption.value == ("step 1: 50% accepted, answers of 19.5 characters, KL to the "
                             "start 0.10 nats")
    assert box.redraws == 2
