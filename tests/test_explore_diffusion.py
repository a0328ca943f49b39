"""nnbook/explore/diffusion.py (chapter 26): the score-field explorable redraws with its
slider and says what the field does as t → 0; the static figure; the flow animation is a GIF
with one frame per picked step; errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


def mixture():
    return nb.data.GaussianMixture([[-1.0, 0.0], [1.0, 0.5]], [0.05 * np.eye(2)] * 2,
                                   [0.5, 0.5])


def test_score_field_figure_and_slider():
    m, s = mixture(), nb.generative.LinearSchedule()
    fig = nb.explore.score_field_figure(m, s, 0.3)
    assert fig.axes[0].get_title() == "$p_t$ and its score, t = 0.30"
    box = nb.explore.score_field(m, s, t=0.5)
    slider, caption = box.children[0].children[0], box.children[1]
    assert box.redraws == 1 and caption.value.startswith("t = 0.50: ᾱ = ")
    late = float(caption.value.rsplit(" ", 1)[1])
    slider.value = 0.02
    early = float(caption.value.rsplit(" ", 1)[1])
    assert box.redraws == 2 and early > 5 * late        # the field sharpens as t → 0


def test_flow_animation_is_a_gif():
    path = np.random.default_rng(0).standard_normal((21, 30, 2))
    gif = nb.explore.flow_animation(path, np.linspace(1, 0, 21), log_prob=mixture(),
                                    n_frames=5, dpi=40)
    assert gif[:6] == b"GIF89a"
    from io import BytesIO

    from PIL import Image
    assert Image.open(BytesIO(gif)).n_frames == 5
    with pytest.raises(ValueError, match=r"flow_animation: expected a path of shape"):
        nb.explore.flow_animation(path[:, :, :1], np.linspace(1, 0, 21))
