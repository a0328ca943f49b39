"""nnbook/explore/modern.py: RoPE's score depends on t − s only, and its figure and
explorable show it."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


def test_rope_scores_depend_on_the_offset_only():
    r = np.random.default_rng(1)
    q, k = r.normal(size=6), r.normal(size=6)
    S = nb.explore.rope_scores(q, k, 12)
    assert np.isclose(S[0, 0], q @ k)
    for off in range(-11, 12):
        diag = np.diagonal(S, offset=off)
        assert np.ptp(diag) < 1e-12
    assert np.ptp(S) > 0.1
    with pytest.raises(ValueError, match="d_head even"):
        nb.explore.rope_scores(q[:5], k[:5], 4)


def test_rope_score_figure_marks_the_pair_on_the_curve():
    fig = nb.explore.rope_score_figure(t=9, s=2, T=20)
    ax = fig.axes[0]
    curve, ring, dot = ax.lines
    assert dot.get_xdata()[0] == 7 and np.allclose(ring.get_xdata(), 7)
    on_curve = curve.get_ydata()[list(curve.get_xdata()).index(7)]
    assert np.allclose(ring.get_ydata(), on_curve) and np.isclose(dot.get_ydata()[0], on_curve)
    assert len(ring.get_xdata()) == 13 and "t − s = 7" in ax.get_title()
    with pytest.raises(ValueError, match="0 ≤ t, s < T=20, got t=20"):
        nb.explore.rope_score_figure(t=20, s=0, T=20)


def test_rope_score_widget_caption_follows_the_controls():
    pytest.importorskip("ipywidgets")
    box = nb.explore.rope_score(t=12, s=5)
    caption, (t_slider, s_slider) = box.children[1], box.children[0].children
    first = caption.value
    assert first.startswith("t = 12, s = 5: offset 7, score ")
    t_slider.value = 20
    assert "offset 15" in caption.value
    s_slider.value = 13                              # offset 7 again: the same score
    assert caption.value.split("score")[1] == first.split("score")[1]
    assert box.redraws == 3
