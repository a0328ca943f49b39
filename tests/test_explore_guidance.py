"""nnbook/explore/guidance.py (chapter 27): the guidance-weight explorable redraws with its
slider and shows what guided sampling with exact scores does against the tilted density;
the static figure; bad input."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


def mixture():
    # a class (component 1) apart from two others: its tilted density is itself at any w
    return nb.data.GaussianMixture([[-1.5, -1.0], [0.0, 1.5], [1.5, -1.0]],
                                   [0.3 * np.eye(2), 0.1 * np.eye(2), 0.3 * np.eye(2)],
                                   [0.4, 0.3, 0.3])


def numbers(w, **kw):
    return nb.explore.guidance_numbers(mixture(), nb.generative.LinearSchedule(), 1, w, **kw)


def test_w_0_samples_the_mixture_w_1_the_class_and_larger_w_leaves_it():
    m = mixture()
    at_0, at_1, at_4 = numbers(0.0), numbers(1.0), numbers(4.0)
    # the tilted density: the whole mixture at w = 0 (its mean; the grid's square [-3, 3]²
    # cuts 0.3 % of the outer components' mass), the class at w = 1 (its moments)
    assert np.allclose(at_0["tilted_mean"], m.weights @ m.means, atol=0.01)
    assert np.allclose(at_1["tilted_mean"], [0.0, 1.5], atol=1e-6)
    assert abs(at_1["tilted_spread"] - np.sqrt(0.2)) < 1e-4          # the grid's quadrature
    # exact scores: DDIM at w = 1 samples the class (400 samples: the mean within 0.1)
    assert np.allclose(at_1["sample_mean"], [0.0, 1.5], atol=0.1)
    assert abs(at_1["sample_spread"] - np.sqrt(0.2)) < 0.05
    # w = 4: the tilted density stays the class, the samples move away from the other
    # components (up) and narrow: guidance does not sample the tilted density
    assert np.allclose(at_4["tilted_mean"], at_1["tilted_mean"], atol=0.01)
    assert at_4["sample_mean"][1] > at_1["sample_mean"][1] + 0.1
    assert at_4["sample_spread"] < at_1["sample_spread"] - 0.05


def test_same_seed_same_samples():
    assert np.array_equal(numbers(2.0, seed=3)["samples"], numbers(2.0, seed=3)["samples"])
    assert not np.array_equal(numbers(2.0, seed=3)["samples"], numbers(2.0, seed=4)["samples"])


def test_figure_and_slider():
    m, s = mixture(), nb.generative.LinearSchedule()
    fig = nb.explore.guidance_weight_figure(m, s, 1, 2.5, n=50, steps=10)
    assert fig.axes[0].get_title() == "tilted density and guided DDIM, w = 2.50"
    box = nb.explore.guidance_weight(m, s, 1, w=1.0, n=100, steps=20)
    slider, caption = box.children[0].children[0], box.children[1]
    assert box.redraws == 1 and caption.value.startswith("w = 1.00: samples at (")
    slider.value = 6.0
    assert box.redraws == 2 and caption.value.startswith("w = 6.00: samples at (")
    assert caption.value.endswith("the tilted density at (0.00, 1.50), spread 0.44")


def test_bad_input():
    s = nb.generative.LinearSchedule()
    three = nb.data.GaussianMixture([[0.0, 0.0, 0.0]], [np.eye(3)], [1.0])
    with pytest.raises(ValueError, match="guidance_numbers: expected a mixture in 2 dimensions"):
        nb.explore.guidance_numbers(three, s, 0, 1.0)
    with pytest.raises(ValueError, match="guided: "):
        nb.explore.guidance_numbers(mixture(), s, 1, -1.0)
    with pytest.raises(ValueError, match="class_mixture: expected component"):
        nb.explore.guidance_numbers(mixture(), s, 7, 1.0)
