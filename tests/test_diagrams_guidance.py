"""The diagram of chapter 27: the unconditional, conditional and guided scores at one
point, drawn to scale from their numbers, and its errors."""

import numpy as np
import pytest
from figure_helpers import arrows, close_figures, texts  # noqa: F401

import nnbook as nb
from nnbook.diagrams._draw import BACK, EDGE, SERIES


def tip(arrow):
    return np.array(arrow.xy)


@pytest.mark.parametrize("w", [0.5, 1.0, 3.0])
def test_the_guided_arrow_is_u_plus_w_times_c_minus_u(w):
    u, c = np.array([-0.7, -0.4]), np.array([-0.8, 0.2])
    ax = nb.diagrams.guidance_vectors(u, c, w)
    (a_u,), (a_c,), (a_g,) = arrows(ax, EDGE), arrows(ax, SERIES[0]), arrows(ax, BACK)
    scale = np.linalg.norm(tip(a_c)) / np.linalg.norm(c)            # one scale for all three
    assert np.allclose(tip(a_u), scale * u) and np.allclose(tip(a_g), scale * (u + w * (c - u)))
    assert f"u + {w:g}·(c − u)" in texts(ax) and "c = ∇ log p(x | c)" in texts(ax)


def test_with_t_the_labels_say_the_noise_level_and_name_the_class_score_v():
    # catches labels that call the class's score c (the class's own name) or drop the t
    ax = nb.diagrams.guidance_vectors([-0.7, -0.4], [-0.8, 0.2], 3.0, t=0.3)
    assert {"u = ∇ log pₜ(x)", "v = ∇ log pₜ(x | c)", "u + 3·(v − u)"} <= set(texts(ax))
    assert "t = 0.3" in ax.get_title() and not any(s.startswith("c =") for s in texts(ax))


def test_w_0_draws_the_guided_arrow_on_u():
    u, c = np.array([1.0, 0.5]), np.array([0.2, 1.0])
    ax = nb.diagrams.guidance_vectors(u, c, 0)
    assert np.allclose(tip(arrows(ax, BACK)[0]), tip(arrows(ax, EDGE)[0]))


def test_bad_input():
    with pytest.raises(ValueError, match="guidance_vectors: expected uncond to be a finite 2-vector"):
        nb.diagrams.guidance_vectors([1.0, 2.0, 3.0], [0.0, 1.0], 2.0)
    with pytest.raises(ValueError, match="guidance_vectors: expected cond to be a finite 2-vector"):
        nb.diagrams.guidance_vectors([1.0, 2.0], [np.nan, 1.0], 2.0)
    with pytest.raises(ValueError, match="guidance_vectors: expected w, the guidance weight"):
        nb.diagrams.guidance_vectors([1.0, 2.0], [0.0, 1.0], -1.0)
    with pytest.raises(ValueError, match="guidance_vectors: expected t, the noise level"):
        nb.diagrams.guidance_vectors([1.0, 2.0], [0.0, 1.0], 2.0, t=1.5)


# --- the gallery: each diagram of nnbook/diagrams/guidance.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "guidance_vectors": [lambda: nb.diagrams.guidance_vectors([-0.73, -0.40], [-0.83, 0.22], 3),
                         lambda: nb.diagrams.guidance_vectors([1.0, 0.0], [0.0, 1.0], 0.5),
                         lambda: nb.diagrams.guidance_vectors([-0.73, -0.40], [-0.83, 0.22], 3,
                                                              t=0.3)],
}
