"""nnbook/explore/latent.py (chapter 25): the posterior-gap numbers are exact (log p(x) − ELBO
is the KL to the posterior, zero at the posterior, checked against numerical integration);
the explorable redraws with its sliders; the static figure; errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


@pytest.mark.parametrize("mu, sigma, x, w, noise", [(0.0, 1.0, 1.5, 1.5, 0.5),
                                                     (-0.7, 0.3, -2.0, 0.8, 1.1)])
def test_the_numbers_are_exact(mu, sigma, x, w, noise):
    n = nb.explore.posterior_gap_numbers(mu, sigma, x=x, w=w, noise=noise)
    z = np.linspace(-12, 12, 200_001)
    dz = z[1] - z[0]
    log_joint = (-0.5 * z ** 2 - 0.5 * np.log(2 * np.pi)
                 - 0.5 * (x - w * z) ** 2 / noise ** 2 - 0.5 * np.log(2 * np.pi * noise ** 2))
    assert np.isclose(n["log_p"], np.log(np.exp(log_joint).sum() * dz), atol=1e-9)
    q = np.exp(-0.5 * ((z - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    log_q = np.log(np.maximum(q, 1e-300))
    elbo = np.sum(q * (log_joint - log_q)) * dz
    assert np.isclose(n["elbo"], elbo, atol=1e-7)
    assert np.isclose(n["gap"], n["log_p"] - n["elbo"], atol=1e-12) and n["gap"] > 0
    at_post = nb.explore.posterior_gap_numbers(n["post_mean"], n["post_std"], x=x, w=w,
                                               noise=noise)
    assert abs(at_post["gap"]) < 1e-12 and np.isclose(at_post["elbo"], n["log_p"])


def test_slider_and_figure():
    fig = nb.explore.posterior_gap_figure(0.5, 0.4)
    assert fig.axes[0].get_title() == "x = 1.5: posterior and q"
    assert fig.axes[1].get_title().startswith("gap = KL(q ‖ p(z | x)) = ")
    box = nb.explore.posterior_gap()
    mu, caption = box.children[0].children[0], box.children[1]
    assert box.redraws == 1 and caption.value.startswith("μ = 0.00, σ = 1.00: ELBO ")
    mu.value = 1.0
    assert box.redraws == 2 and caption.value.startswith("μ = 1.00, σ = 1.00: ELBO ")


def test_errors():
    with pytest.raises(ValueError, match=r"posterior_gap_numbers: expected sigma > 0"):
        nb.explore.posterior_gap_numbers(0.0, 0.0)
    with pytest.raises(ValueError, match=r"posterior_gap_numbers: expected mu to be a finite"):
        nb.explore.posterior_gap_numbers(float("nan"), 1.0)
