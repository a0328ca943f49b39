"""nb.data.GaussianMixture and nb.data.mixture_mmd: the density integrates to 1, the score is
the gradient of log_prob, the noised mixture's score is the score of the noised samples
(against a Monte-Carlo estimate that uses only samples and the noising kernel), samples have
the mixture's moments, and the kernel distance is 0 on average for true samples with the
spread it states, as is its simulated null (mixture_mmd_null); every error message."""

import numpy as np
import pytest

import nnbook as nb

GM = nb.data.GaussianMixture


def mix2():
    means = np.array([[-2.0, 0.0], [2.0, 0.5], [0.0, 2.0]])
    covs = np.array([0.1 * np.eye(2), [[0.3, 0.1], [0.1, 0.2]], 0.05 * np.eye(2)])
    return GM(means, covs, [0.3, 0.5, 0.2])


def mix1():
    return GM([[-1.0], [1.5]], [[[0.2]], [[0.5]]], [0.4, 0.6])


def test_log_prob_integrates_to_one_in_1d_and_2d():
    g = np.linspace(-8, 8, 4001)
    p = np.exp(mix1().log_prob(g[:, None]))
    assert abs(p.sum() * (g[1] - g[0]) - 1.0) < 1e-8
    g = np.linspace(-6, 6, 601)
    X, Y = np.meshgrid(g, g)
    p = np.exp(mix2().log_prob(np.column_stack([X.ravel(), Y.ravel()])))
    assert abs(p.sum() * (g[1] - g[0]) ** 2 - 1.0) < 1e-6


def test_one_component_is_the_gaussian_formula():
    S = np.array([[0.5, 0.2], [0.2, 0.3]])
    m = GM([[1.0, -1.0]], [S], [1.0])
    x = np.array([[0.3, 0.4], [1.0, -1.0]])
    d = x - [1.0, -1.0]
    P = np.linalg.inv(S)
    want = -0.5 * np.einsum("ni,ij,nj->n", d, P, d) - 0.5 * np.log(np.linalg.det(2 * np.pi * S))
    np.testing.assert_allclose(m.log_prob(x), want, rtol=1e-12)
    np.testing.assert_allclose(m.score(x), -d @ P, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("make", [mix1, mix2])
def test_score_is_the_gradient_of_log_prob(make):
    m = make()
    x = np.random.default_rng(0).normal(0, 1.5, (7, m.d))
    h, num = 1e-5, np.empty_like(x)
    for j in range(m.d):
        e = np.zeros(m.d)
        e[j] = h
        num[:, j] = (m.log_prob(x + e) - m.log_prob(x - e)) / (2 * h)
    np.testing.assert_allclose(m.score(x), num, rtol=1e-6, atol=1e-7)


def test_samples_have_the_mixtures_moments_and_labels():
    m = mix2()
    x, lab = m.sample(200_000, rng=np.random.default_rng(1), return_labels=True)
    assert x.shape == (200_000, 2) and lab.shape == (200_000,)
    mean = m.weights @ m.means
    second = np.einsum("k,kij->ij", m.weights, m.covs + np.einsum("ki,kj->kij", m.means, m.means))
    np.testing.assert_allclose(x.mean(0), mean, atol=0.02)
    np.testing.assert_allclose(x.T @ x / len(x), second, atol=0.03)
    np.testing.assert_allclose(np.bincount(lab) / len(lab), m.weights, atol=0.005)
    again = m.sample(5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(again, m.sample(5, rng=np.random.default_rng(3)))


def test_responsibilities_sum_to_one():
    r = mix2().responsibilities(np.random.default_rng(2).normal(size=(9, 2)))
    assert r.shape == (9, 3) and np.allclose(r.sum(1), 1.0) and np.all(r >= 0)


def test_noised_is_the_law_of_the_noised_samples():
    m = mix2()
    assert np.allclose(m.noised(1.0).covs, m.covs) and np.allclose(m.noised(1.0).means, m.means)
    z = m.noised(0.0)
    assert np.allclose(z.means, 0) and np.allclose(z.covs, np.eye(2))
    a = 0.4
    rng = np.random.default_rng(4)
    x0 = m.sample(400_000, rng=rng)
    xt = np.sqrt(a) * x0 + np.sqrt(1 - a) * rng.standard_normal(x0.shape)
    noised = m.noised(a)
    np.testing.assert_allclose(xt.mean(0), noised.weights @ noised.means, atol=0.01)
    # the score of the noised data, E[∇ log q(x_t | x_0) | x_t], by self-normalised weights
    pts = np.array([[0.0, 0.0], [1.0, 0.3], [-1.2, 0.5]])
    for p in pts:
        logw = -0.5 * ((p - np.sqrt(a) * x0) ** 2).sum(1) / (1 - a)
        w = np.exp(logw - logw.max())
        cond = -(p - np.sqrt(a) * x0) / (1 - a)                     # ∇ log q(x_t | x_0)
        mc = (w[:, None] * cond).sum(0) / w.sum()
        np.testing.assert_allclose(noised.score(p[None])[0], mc, atol=0.03)


def test_mmd_is_zero_on_average_for_true_samples_with_the_stated_spread():
    m = mix2()
    rng = np.random.default_rng(5)
    vals = np.array([nb.data.mixture_mmd(m.sample(40, rng=rng), m).value for _ in range(1500)])
    r = nb.data.mixture_mmd(m.sample(40, rng=rng), m)
    assert abs(vals.mean()) < 4 * vals.std() / np.sqrt(len(vals))
    assert abs(vals.std() / r.null_std - 1) < 0.12
    assert r.bandwidth == pytest.approx(np.mean(np.sqrt([0.1, 0.25, 0.05])))


def test_mmd_sees_a_wrong_density():
    m = mix2()
    rng = np.random.default_rng(6)
    right = nb.data.mixture_mmd(m.sample(1000, rng=rng), m)
    wide = nb.data.mixture_mmd(1.2 * m.sample(1000, rng=rng), m)
    one_mode = nb.data.mixture_mmd(m.sample(1000, rng=rng) * 0 + m.means[1], m, bandwidth=0.5)
    assert abs(right.z) < 4 and wide.z > 10 and one_mode.z > 100


def test_mmd_matches_a_reference_sample_estimate():
    # −2 E g(x) + c against the same terms estimated from a large sample of p
    m = mix1()
    rng = np.random.default_rng(7)
    x = m.sample(300, rng=rng)
    y = m.sample(3000, rng=rng)
    h = 0.6
    k = lambda a, b: np.exp(-((a[:, None, 0] - b[None, :, 0]) ** 2) / (2 * h * h))
    kxx, kyy = k(x, x), k(y, y)
    est = ((kxx.sum() - len(x)) / (len(x) * (len(x) - 1)) - 2 * k(x, y).mean()
           + (kyy.sum() - len(y)) / (len(y) * (len(y) - 1)))
    assert abs(nb.data.mixture_mmd(x, m, bandwidth=h).value - est) < 2e-3


def test_the_simulated_null_is_mixture_mmd_on_true_samples():
    # the same draws, in the same order, as calling mixture_mmd on fresh true samples; and
    # its mean and spread are the closed form's 0 and 1 (5 standard errors; 400 draws)
    m = mix2()
    z = nb.data.mixture_mmd_null(m, 50, 400, rng=np.random.default_rng(11))
    rng = np.random.default_rng(11)
    again = [nb.data.mixture_mmd(m.sample(50, rng=rng), m).z for _ in range(3)]
    assert z.shape == (400,) and np.allclose(z[:3], again, rtol=0, atol=1e-12)
    assert abs(z.mean()) < 5 / np.sqrt(400) and abs(z.std() - 1) < 0.25
    wide = nb.data.mixture_mmd_null(m, 50, 2, rng=np.random.default_rng(1), bandwidth=3.0)
    assert wide.shape == (2,)


def test_the_simulated_null_refuses_bad_arguments():
    m = mix2()
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="mixture_mmd_null: expected mixture to be a "
                                         "GaussianMixture, got list"):
        nb.data.mixture_mmd_null([0.0], 10, 5, rng=rng)
    with pytest.raises(ValueError, match=r"mixture_mmd_null: expected n \(samples per set\) "
                                         "to be an integer ≥ 2, got 1"):
        nb.data.mixture_mmd_null(m, 1, 5, rng=rng)
    with pytest.raises(ValueError, match="mixture_mmd_null: expected draws to be an integer "
                                         "≥ 1, got 0"):
        nb.data.mixture_mmd_null(m, 10, 0, rng=rng)
    with pytest.raises(ValueError, match="mixture_mmd_null: expected rng, a "
                                         r"np.random.Generator \(e.g."):
        nb.data.mixture_mmd_null(m, 10, 5, rng=0)
    with pytest.raises(ValueError, match="mixture_mmd: expected bandwidth"):
        nb.data.mixture_mmd_null(m, 10, 5, rng=rng, bandwidth=-1.0)


def test_errors_name_the_argument():
    good_m, good_c, good_w = [[0.0, 0.0]], [np.eye(2)], [1.0]
    with pytest.raises(ValueError, match="GaussianMixture: expected means of shape"):
        GM([0.0, 0.0], good_c, good_w)
    with pytest.raises(ValueError, match=r"expected covs of shape \(k, d, d\) = \(1, 2, 2\)"):
        GM(good_m, np.eye(2), good_w)
    with pytest.raises(ValueError, match=r"expected weights of shape \(1,\)"):
        GM(good_m, good_c, [0.5, 0.5])
    with pytest.raises(ValueError, match="weights ≥ 0 that sum to 1"):
        GM([[0.0], [1.0]], [[[1.0]], [[1.0]]], [0.5, 0.6])
    with pytest.raises(ValueError, match="weights ≥ 0 that sum to 1"):
        GM([[0.0], [1.0]], [[[1.0]], [[1.0]]], [1.5, -0.5])
    with pytest.raises(ValueError, match="positive-definite covs, but covs\\[0\\]"):
        GM(good_m, [np.diag([1.0, 0.0])], good_w)
    with pytest.raises(ValueError, match="symmetric covs"):
        GM(good_m, [[[1.0, 0.5], [0.0, 1.0]]], good_w)
    with pytest.raises(ValueError, match="means contains non-finite"):
        GM([[np.nan, 0.0]], good_c, good_w)
    m = GM(good_m, good_c, good_w)
    with pytest.raises(ValueError, match=r"log_prob: expected x of shape \(n, 2\)"):
        m.log_prob(np.zeros(2))
    with pytest.raises(ValueError, match=r"score: expected x of shape \(n, 2\)"):
        m.score(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="noised: expected alpha_bar, a number in"):
        m.noised(1.5)
    with pytest.raises(ValueError, match="expected n to be an integer ≥ 1"):
        m.sample(0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="expected rng to be a np.random.Generator"):
        m.sample(3, rng=3)
    with pytest.raises(ValueError, match="mixture_mmd: expected mixture to be a Gauss"):
        nb.data.mixture_mmd(np.zeros((3, 2)), "p")
    with pytest.raises(ValueError, match="mixture_mmd: expected at least 2 samples"):
        nb.data.mixture_mmd(np.zeros((1, 2)), m)
    with pytest.raises(ValueError, match="mixture_mmd: expected bandwidth, a number > 0"):
        nb.data.mixture_mmd(np.zeros((3, 2)), m, bandwidth=0)
    assert repr(m) == "GaussianMixture(k=1, d=2)"


# Held-out checks of the promise (issue 39): an independent density, far points, zero weights


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("diagonal", [True, False])
def test_log_prob_is_scipys_density_even_far_away(d, k, diagonal):
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal
    rng = np.random.default_rng(10 * d + k)
    means = 3.0 * rng.normal(size=(k, d))
    if diagonal:
        covs = np.stack([np.diag(rng.uniform(0.1, 2.0, d)) for _ in range(k)])
    else:
        A = rng.normal(size=(k, d, d))
        covs = A @ A.transpose(0, 2, 1) + 0.2 * np.eye(d)
    m = GM(means, covs, rng.dirichlet(np.ones(k)))
    x = np.vstack([4.0 * rng.normal(size=(20, d)), np.full((1, d), 1e3), np.full((1, d), -1e4)])
    want = logsumexp([np.log(w) + multivariate_normal(mu, S).logpdf(x).reshape(len(x))
                      for mu, S, w in zip(m.means, m.covs, m.weights)], axis=0)
    got = m.log_prob(x)
    assert np.all(np.isfinite(got)) and np.all(np.isfinite(m.score(x)))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_array_equal(m.log_prob(x.astype(np.float32)),
                                  m.log_prob(x.astype(np.float32).astype(np.float64)))


def test_a_component_of_weight_zero_never_counts():
    # it used to count as weight 1e-300: far from the others it took over log p and the score
    m = GM([[0.0], [100.0]], [[[1.0]], [[1.0]]], [1.0, 0.0])
    one = GM([[0.0]], [[[1.0]]], [1.0])
    x = np.array([[0.5], [50.0], [100.0]])
    np.testing.assert_array_equal(m.log_prob(x), one.log_prob(x))
    np.testing.assert_array_equal(m.score(x), one.score(x))
    np.testing.assert_array_equal(m.responsibilities(x)[:, 1], 0.0)


def test_nan_or_inf_points_are_refused_not_answered_with_nan():
    m = mix2()
    for bad in ([[np.nan, 0.0]], [[0.0, np.inf]]):
        for method in ("log_prob", "score", "responsibilities"):
            with pytest.raises(ValueError, match=rf"{method}: x contains non-finite values"):
                getattr(m, method)(bad)
    samples = m.sample(5, rng=np.random.default_rng(0))
    samples[3, 1] = np.nan                                          # a sampler that diverged
    with pytest.raises(ValueError, match=r"mixture_mmd: x contains non-finite .* \(3, 1\)"):
        nb.data.mixture_mmd(samples, m)


def test_float32_weights_sum_to_one_to_float32_precision():
    # np.float32(1/3) * 3 sums to 1 + 3e-8: it used to be refused as "(sum 1)"
    w = np.full(3, 1 / 3, np.float32)
    m = GM(np.arange(3.0)[:, None], np.ones((3, 1, 1)), w)
    assert m.weights.dtype == np.float64 and abs(m.weights.sum() - 1.0) < 1e-15
    assert m.sample(4, rng=np.random.default_rng(0)).shape == (4, 1)
    with pytest.raises(ValueError, match=r"sum to 1, got .* \(sum 1\.0100000"):
        GM(np.arange(3.0)[:, None], np.ones((3, 1, 1)), np.float32([0.34, 0.34, 0.33]))
    with pytest.raises(ValueError, match=r"\(sum 1\.000001\)"):            # float64: 1e-8
        GM(np.arange(2.0)[:, None], np.ones((2, 1, 1)), [0.5, 0.500001])
