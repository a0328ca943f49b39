"""DDPM's step adds the noise of the forward process's posterior q(x_s | x_t, x_0) (Ho et al.
2020, eq. 7). Issue 54: a posterior variance upside down, β(1 − ᾱ_t)/(1 − ᾱ_s), passed every
other sampler test (with 200 small steps it is close to β̃, and σ² = β is a sampler too), so
this test takes one coarse step and derives the variance another way: by conditioning the
jointly Gaussian (x_s, x_t) given x_0."""

import numpy as np
import pytest

import nnbook as nb

G = nb.generative


@pytest.mark.parametrize("schedule", [G.LinearSchedule(), G.CosineSchedule()], ids=repr)
@pytest.mark.parametrize("t, s", [(1.0, 0.5), (0.6, 0.1), (0.3, 0.25)])
def test_ddpm_step_adds_the_posterior_spread(schedule, t, s):
    f = lambda x, time: 0.3 * x                  # any noise prediction: only the mean uses it
    x, z = np.array([[0.7, -1.2]]), np.array([[1.0, -2.0]])
    spread = (G.ddpm_step(f, x, t, s, schedule, z=z) - G.ddpm_step(f, x, t, s, schedule, z=0 * z)) / z
    # forward process given x_0: x_s = √ᾱ_s x_0 + √(1 − ᾱ_s) e, x_t = √(ᾱ_t/ᾱ_s) x_s + √(1 − ᾱ_t/ᾱ_s) e'
    a_t, a_s = schedule.alpha_bar(t), schedule.alpha_bar(s)
    var_s, var_t = 1 - a_s, 1 - a_t
    cov = np.sqrt(a_t / a_s) * var_s
    posterior_var = var_s - cov ** 2 / var_t     # Var(x_s | x_t, x_0), Gaussian conditioning
    np.testing.assert_allclose(spread ** 2, posterior_var, rtol=1e-10)
    # the variance is not β = 1 − ᾱ_t/ᾱ_s (a valid choice of Ho et al., not the posterior's):
    # the two must differ here, or this test could not tell them apart
    assert abs(posterior_var - (1 - a_t / a_s)) > 1e-3 * posterior_var
