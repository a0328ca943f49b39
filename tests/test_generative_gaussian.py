"""Chapter 25's Gaussian pieces: the reparameterised sample and its backward against finite
differences, its distribution; the KL to N(0, I) against the closed form of two Gaussians
and against sampling, its gradient against finite differences; the Gaussian
log-likelihood against the density written out; float32; errors."""

import numpy as np
import pytest

import nnbook as nb

G = nb.generative


def draw(seed, n=4, k=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, k)), rng.uniform(-1.5, 1.0, (n, k)), rng.standard_normal((n, k))


def test_reparameterize_is_the_gaussian_sample():
    rng = np.random.default_rng(0)
    mu, lv = np.array([[1.0, -2.0]]), np.array([[np.log(0.25), np.log(4.0)]])
    z = G.reparameterize(np.repeat(mu, 20000, 0), np.repeat(lv, 20000, 0),
                         rng.standard_normal((20000, 2)))
    np.testing.assert_allclose(z.mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(z.std(0), [0.5, 2.0], rtol=0.03)


def test_reparameterize_backward_against_finite_differences():
    mu, lv, eps = draw(1)
    dz = np.random.default_rng(2).standard_normal(mu.shape)
    f = lambda: float(np.sum(dz * G.reparameterize(mu, lv, eps)))
    dmu, dlv = G.reparameterize_backward(dz, lv, eps)
    assert nb.relative_error(dmu, nb.numerical_gradient(lambda _: f(), mu)) < 1e-8
    assert nb.relative_error(dlv, nb.numerical_gradient(lambda _: f(), lv)) < 1e-8


def test_kl_against_the_closed_form_and_sampling():
    mu, lv, _ = draw(3)
    var = np.exp(lv)
    # KL(N(μ, Σ) ‖ N(0, I)) = ½ (tr Σ + μᵀμ − k − log det Σ), with full matrices
    for i in range(len(mu)):
        S = np.diag(var[i])
        ref = 0.5 * (np.trace(S) + mu[i] @ mu[i] - 3 - np.linalg.slogdet(S)[1])
        assert abs(G.gaussian_kl(mu, lv)[i] - ref) < 1e-12
    rng = np.random.default_rng(4)
    e = rng.standard_normal((200000, 3))
    z = mu[0] + np.sqrt(var[0]) * e
    mc = np.mean(-0.5 * np.sum(e * e + lv[0], 1) + 0.5 * np.sum(z * z, 1))
    assert abs(mc - G.gaussian_kl(mu, lv)[0]) < 0.03
    assert np.all(G.gaussian_kl(np.zeros((2, 3)), np.zeros((2, 3))) == 0)


def test_kl_gradient_against_finite_differences_and_formula():
    mu, lv, _ = draw(5)
    dmu, dlv = G.gaussian_kl_grad(mu, lv)
    f = lambda _: float(G.gaussian_kl(mu, lv).sum())
    assert nb.relative_error(dmu, nb.numerical_gradient(f, mu)) < 1e-8
    assert nb.relative_error(dlv, nb.numerical_gradient(f, lv)) < 1e-8
    np.testing.assert_allclose(dlv, 0.5 * (np.exp(lv) - 1))
    zero = G.gaussian_kl_grad(np.zeros((1, 2)), np.zeros((1, 2)))
    assert np.all(zero[0] == 0) and np.all(zero[1] == 0)


def test_gaussian_log_likelihood():
    rng = np.random.default_rng(6)
    x, m = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    for lv in (0.0, np.log(0.3), np.array([0.2, -0.4])):
        var = np.exp(np.broadcast_to(lv, (2,)))
        ref = [np.sum(-0.5 * (xi - mi) ** 2 / var - 0.5 * np.log(2 * np.pi * var))
               for xi, mi in zip(x, m)]
        np.testing.assert_allclose(G.gaussian_log_likelihood(x, m, lv), ref, rtol=1e-12)


def test_float32_stays_float32():
    mu, lv, eps = (a.astype(np.float32) for a in draw(7))
    assert G.reparameterize(mu, lv, eps).dtype == np.float32
    assert all(a.dtype == np.float32 for a in G.reparameterize_backward(mu, lv, eps))
    assert G.gaussian_kl(mu, lv).dtype == np.float32
    assert all(a.dtype == np.float32 for a in G.gaussian_kl_grad(mu, lv))
    # the default logvar 0.0 (a float64 number) used to turn the result into float64
    for logvar in (0.0, np.zeros(3), np.zeros((4, 3))):
        assert G.gaussian_log_likelihood(mu, eps, logvar).dtype == np.float32
        np.testing.assert_allclose(G.gaussian_log_likelihood(mu, eps, logvar),
                                   G.gaussian_log_likelihood(mu.astype(float), eps.astype(float)),
                                   rtol=1e-6)


def test_reparameterize_layer():
    layer = G.Reparameterize(rng=np.random.default_rng(8))
    h = np.random.default_rng(9).standard_normal((6, 4))
    assert np.array_equal(layer.forward(h), h[:, :2])            # inference: the mean
    layer.training = True
    z = layer.forward(h)
    np.testing.assert_allclose(z, G.reparameterize(h[:, :2], h[:, 2:], layer.eps))
    m = nb.Sequential([nb.Dense(3, 4, rng=np.random.default_rng(0)), G.Reparameterize()])
    assert m.predict(np.ones((2, 3))).shape == (2, 2)


def test_errors():
    with pytest.raises(ValueError, match=r"reparameterize: expected mu and logvar of the same"):
        G.reparameterize(np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"reparameterize: expected eps of shape \(2, 3\)"):
        G.reparameterize(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="gaussian_kl: expected mu and logvar"):
        G.gaussian_kl(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="gaussian_log_likelihood: expected logvar to be"):
        G.gaussian_log_likelihood(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="gaussian_log_likelihood: expected x and mean"):
        G.gaussian_log_likelihood(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"Reparameterize: expected input of shape \(m, 2k\)"):
        G.Reparameterize().forward(np.zeros((2, 3)))
    # these were an AttributeError and a message about "mu and logvar" of another function
    with pytest.raises(ValueError, match=r"Reparameterize\(\): backward\(\) was called before"):
        G.Reparameterize().backward(np.zeros((2, 1)))
    layer = G.Reparameterize()
    layer.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"Reparameterize\(\): expected dy of shape \(2, 2\)"):
        layer.backward(np.zeros((2, 4)))


def test_both_estimators_are_unbiased_and_reparameterisation_has_less_variance():
    # f(z) = Σ (z − c)²: E_q f = Σ (μ − c)² + σ², so ∇_μ = 2(μ − c), ∇_{log σ²} = σ²
    c = np.array([1.0, -0.5])
    mu, lv = np.array([0.3, 0.2]), np.array([np.log(0.5), np.log(2.0)])
    f = lambda z: np.sum((z - c) ** 2, axis=1)
    grad_f = lambda z: 2 * (z - c)
    eps = np.random.default_rng(10).standard_normal((200000, 2))
    exact = np.concatenate([2 * (mu - c), np.exp(lv)])
    rep = np.concatenate(G.reparameterized_gradients(grad_f, mu, lv, eps), axis=1)
    sf = np.concatenate(G.score_function_gradients(f, mu, lv, eps), axis=1)
    for est in (rep, sf):
        se = est.std(0) / np.sqrt(len(est))
        assert np.all(np.abs(est.mean(0) - exact) < 5 * se + 1e-12)
    assert np.all(rep.var(0) < sf.var(0))


def test_estimator_errors():
    f = lambda z: z.sum(1)
    with pytest.raises(ValueError, match=r"score_function_gradients: expected eps of shape"):
        G.score_function_gradients(f, np.zeros(3), np.zeros(3), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"reparameterized_gradients: expected grad_f to"):
        G.reparameterized_gradients(f, np.zeros(2), np.zeros(2), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"score_function_gradients: expected f to return"):
        G.score_function_gradients(lambda z: z, np.zeros(2), np.zeros(2), np.zeros((4, 2)))
