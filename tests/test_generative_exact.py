"""nb.generative's exact functions for a GaussianMixture: the optimal noise prediction is
E[ε | x_t] (against a Monte-Carlo estimate that uses only data samples and the noising
kernel), the marginal velocity is E[x_1 − x_0 | x_t] (the same way) and equals
(x + (1 − t)·score_t)/t, flow_marginal has the moments of the path's samples; errors."""

import numpy as np
import pytest

import nnbook as nb

G = nb.generative


def mixture():
    return nb.data.GaussianMixture([[-1.5, 0.0], [1.0, 1.0]],
                                   [0.2 * np.eye(2), [[0.3, 0.1], [0.1, 0.15]]], [0.4, 0.6])


def weighted_mean(logw, values):
    w = np.exp(logw - logw.max())
    return (w[:, None] * values).sum(0) / w.sum()


def test_exact_noise_is_the_posterior_mean_of_the_noise():
    m, s = mixture(), G.LinearSchedule()
    x0 = m.sample(300_000, rng=np.random.default_rng(0))
    f = G.exact_noise(m, s)
    for t in (0.1, 0.4):
        a, sig = s.alpha_bar(t), s.sigma(t)
        for p in np.array([[0.0, 0.0], [1.0, 0.8], [-1.0, 0.2]]):
            eps = (p - np.sqrt(a) * x0) / sig                           # the ε that gives p
            mc = weighted_mean(-0.5 * (eps ** 2).sum(1), eps)
            np.testing.assert_allclose(f(p[None], t)[0], mc, atol=0.03)
    np.testing.assert_allclose(f(x0[:5], 0.3), -s.sigma(0.3) * G.exact_score(m, s)(x0[:5], 0.3))


def test_exact_velocity_is_the_posterior_mean_of_the_path_velocity():
    m = mixture()
    x1 = m.sample(300_000, rng=np.random.default_rng(1))
    v = G.exact_velocity(m)
    for t in (0.3, 0.7):
        for p in np.array([[0.0, 0.0], [1.0, 0.8]]):
            x0 = (p - t * x1) / (1 - t)                                 # the noise that gives p
            mc = weighted_mean(-0.5 * (x0 ** 2).sum(1), x1 - x0)
            np.testing.assert_allclose(v(p[None], t)[0], mc, atol=0.03)


def test_velocity_from_the_score_and_at_the_ends():
    m = mixture()
    v = G.exact_velocity(m)
    x = np.random.default_rng(2).standard_normal((6, 2))
    for t in (0.2, 0.5, 0.9):
        score = G.flow_marginal(m, t).score(x)
        np.testing.assert_allclose(v(x, t), (x + (1 - t) * score) / t, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(v(x, 0.0), m.weights @ m.means - x, atol=1e-12)
    np.testing.assert_allclose(v(x, 1.0), x, atol=1e-12)


def test_flow_marginal_has_the_paths_moments():
    m = mixture()
    rng = np.random.default_rng(3)
    t = 0.6
    x1 = m.sample(200_000, rng=rng)
    xt = (1 - t) * rng.standard_normal(x1.shape) + t * x1
    fm = G.flow_marginal(m, t)
    np.testing.assert_allclose(xt.mean(0), fm.weights @ fm.means, atol=0.01)
    second = np.einsum("k,kij->ij", fm.weights, fm.covs + np.einsum("ki,kj->kij", fm.means, fm.means))
    np.testing.assert_allclose(xt.T @ xt / len(xt), second, atol=0.02)


def test_errors():
    m, s = mixture(), G.LinearSchedule()
    with pytest.raises(ValueError, match="exact_score: expected mixture to be a nb.data.Gauss"):
        G.exact_score(np.zeros(2), s)
    with pytest.raises(ValueError, match="exact_noise: expected schedule to be a NoiseSchedule"):
        G.exact_noise(m, "linear")
    with pytest.raises(ValueError, match="flow_marginal: expected t, a number in"):
        G.flow_marginal(m, 1.5)
    with pytest.raises(ValueError, match="exact_velocity: expected mixture"):
        G.exact_velocity(None)


def test_flow_marginal_refuses_a_time_that_is_not_a_number():
    """Found by chapter 26's cold reading: the string "0.5" was taken as t = 0.5, and "a"
    was a bare float() error that named no argument."""
    m = nb.data.GaussianMixture([[0.0, 0.0]], [np.eye(2)], [1.0])
    for t in ("0.5", "a", None, [0.5]):
        with pytest.raises(ValueError, match="flow_marginal: expected t, a number in"):
            G.flow_marginal(m, t)
        with pytest.raises(ValueError, match="flow_marginal: expected t, a number in"):
            G.exact_velocity(m)(np.zeros((3, 2)), t)


def test_exact_score_and_noise_refuse_a_time_that_is_not_one_number():
    """Held-out check (issue 39): the string "0.5" was taken as t = 0.5 and a time per row
    was "TypeError: only 0-dimensional arrays can be converted to Python scalars"."""
    m, s = mixture(), G.LinearSchedule()
    x = np.zeros((3, 2))
    for f, name in ((G.exact_score(m, s), "exact_score"), (G.exact_noise(m, s), "exact_noise")):
        for t in ("0.5", None, True, [0.5]):
            with pytest.raises(ValueError, match=rf"{name}: expected t, one number in \[0, 1\]"):
                f(x, t)
        with pytest.raises(ValueError, match=r"got an array of shape \(3,\)\. For a time per "
                                              r"row, call it once for each time"):
            f(x, np.full(3, 0.5))
        np.testing.assert_array_equal(f(x, np.float32(0.5)), f(x, float(np.float32(0.5))))
        np.testing.assert_array_equal(f(x, np.array(0.5)), f(x, 0.5))
