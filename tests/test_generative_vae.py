"""nb.generative.VAE (chapter 25): the negative ELBO's hand-written gradient against finite
differences; for the linear-Gaussian VAE, log p(x) against the density of N(b, WᵀW + σ²I)
and sampling, ELBO ≤ log p(x) on every sample with the gap equal to the KL to the true
posterior and shrinking to 0 as the encoder approaches it; the importance-weighted bound
rising with K on average; training lowers the loss (float64 and float32); save and load;
errors."""

import numpy as np
import pytest

import nnbook as nb

G = nb.generative


def randomised(vae, rng, scale=0.5):
    for net in (vae.encoder, vae.decoder):
        net.set_weights([scale * rng.standard_normal(w.shape) for w in net.get_weights()])
    return vae


@pytest.mark.parametrize("hidden,learn", [((), False), ((5,), True), ((4, 3), True)])
def test_gradient_against_finite_differences(hidden, learn):
    rng = np.random.default_rng(0)
    vae = randomised(G.VAE(3, 2, hidden=hidden, obs_logvar=-0.3, learn_obs_var=learn,
                           kl_weight=0.7, rng=rng), rng)
    x, eps = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    vae.compute_gradients(x, eps=eps)
    f = lambda _: vae.loss(x, eps=eps)
    for p, g in vae.gradient_pairs():
        assert nb.relative_error(g, nb.numerical_gradient(f, p)) < 1e-7
    assert len(vae.gradient_pairs()) == 2 * (len(hidden) + 1) * 2 + learn


def linear_vae(seed, d=3, k=2):
    rng = np.random.default_rng(seed)
    return randomised(G.VAE(d, k, hidden=(), obs_logvar=np.log(0.5), rng=rng), rng), rng


def test_linear_log_prob_is_the_gaussian_density():
    vae, rng = linear_vae(1)
    W, b = vae.decoder.layers[0].params["W"], vae.decoder.layers[0].params["b"]
    cov = W.T @ W + 0.5 * np.eye(3)
    x = rng.standard_normal((6, 3))
    r = x - b
    ref = -0.5 * (np.einsum("ni,ij,nj->n", r, np.linalg.inv(cov), r)
                  + np.linalg.slogdet(2 * np.pi * cov)[1])
    np.testing.assert_allclose(G.linear_log_prob(vae, x), ref, rtol=1e-10)
    s = vae.sample(100000, rng=rng)
    np.testing.assert_allclose(np.cov(s.T), cov, atol=0.03)


def test_elbo_below_log_p_with_the_posterior_kl_as_gap():
    vae, rng = linear_vae(2)
    x = 2 * rng.standard_normal((50, 3))
    exact, log_p = G.linear_elbo(vae, x), G.linear_log_prob(vae, x)
    assert np.all(exact <= log_p)
    mu, lv = vae.encode(x)
    m, C = G.linear_posterior(vae, x)
    # KL(N(μ, diag σ²) ‖ N(m, C)), written out
    Ci = np.linalg.inv(C)
    kl = 0.5 * (np.exp(lv) @ np.diag(Ci) + np.einsum("ni,ij,nj->n", mu - m, Ci, mu - m)
                - 2 + np.linalg.slogdet(C)[1] - lv.sum(1))
    np.testing.assert_allclose(log_p - exact, kl, rtol=1e-8, atol=1e-10)
    xs = rng.standard_normal((3, 3))                          # the sampled ELBO agrees
    np.testing.assert_allclose(vae.elbo(xs, K=10000, rng=rng), G.linear_elbo(vae, xs),
                               atol=0.25)


def set_encoder_to_posterior(vae, x_probe, t):
    """Encoder weights a fraction t of the way from random to the true posterior's map (the
    decoder's W has orthogonal rows, so the posterior covariance is diagonal)."""
    m, C = G.linear_posterior(vae, x_probe)
    W, b = vae.decoder.layers[0].params["W"], vae.decoder.layers[0].params["b"]
    A = W.T @ C / np.exp(vae.obs_logvar[0])               # m(x) = (x − b) A
    target_W = np.concatenate([A, np.zeros_like(A)], 1)
    target_b = np.concatenate([-b @ A, np.log(np.diag(C))])
    enc = vae.encoder.layers[0].params
    enc["W"][...] = (1 - t) * enc["W"] + t * target_W
    enc["b"][...] = (1 - t) * enc["b"] + t * target_b


def test_gap_shrinks_to_zero_as_the_encoder_reaches_the_posterior():
    vae, rng = linear_vae(3, d=4, k=2)
    Q = np.linalg.qr(rng.standard_normal((4, 2)))[0]
    vae.decoder.layers[0].params["W"][...] = (Q * [1.5, 0.8]).T     # orthogonal rows
    x = vae.sample(200, rng=rng)
    start = [(w.copy()) for w in vae.encoder.get_weights()]
    gaps = []
    for t in (0.0, 0.5, 0.9, 1.0):
        vae.encoder.set_weights(start)
        set_encoder_to_posterior(vae, x, t)
        gaps.append(np.mean(G.linear_log_prob(vae, x) - G.linear_elbo(vae, x)))
    assert np.all(np.diff(gaps) < 0) and gaps[0] > 0.1 and gaps[-1] < 1e-10, gaps


def test_training_the_linear_vae_closes_the_gap():
    vae, rng = linear_vae(4, d=3, k=1)
    true = nb.data.GaussianMixture([[0.5, -1.0, 0.0]], [np.diag([2.0, 0.6, 0.6])], [1.0])
    x = true.sample(1000, rng=rng)
    history = vae.fit(x, epochs=60, batch_size=50, optimizer=nb.Adam(lr=1e-2), rng=rng)
    gap = np.mean(G.linear_log_prob(vae, x) - G.linear_elbo(vae, x))
    assert history[-1] < history[0] and 0 <= gap < 0.02, gap


def test_iwae_bound_rises_with_k_on_average():
    vae, rng = linear_vae(5)
    x = 2 * rng.standard_normal((40, 3))
    bounds = [np.mean([G.VAE.iwae_bound(vae, x, K, rng=np.random.default_rng(s)).mean()
                       for s in range(20)]) for K in (1, 4, 16, 64)]
    log_p = G.linear_log_prob(vae, x).mean()
    assert np.all(np.diff(bounds) > 0) and bounds[-1] <= log_p, (bounds, log_p)
    assert abs(bounds[0] - G.linear_elbo(vae, x).mean()) < 0.3        # K = 1: the ELBO


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_lowers_the_loss_on_a_mixture(dtype):
    rng = np.random.default_rng(6)
    mix = nb.data.GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], [0.2 * np.eye(2)] * 2, [0.5, 0.5])
    x = mix.sample(600, rng=rng)
    vae = G.VAE(2, 1, hidden=(16,), obs_logvar=np.log(0.3), learn_obs_var=True, dtype=dtype,
                rng=rng)
    history = vae.fit(x, epochs=30, batch_size=60, optimizer=nb.Adam(lr=1e-2), rng=rng)
    assert history[-5:].mean() < history[:3].mean() - 0.5, history
    assert vae.encoder.layers[0].params["W"].dtype == dtype and vae.obs_logvar.dtype == dtype
    assert vae.sample(5, rng=rng).dtype == dtype and vae.encode(x)[0].shape == (600, 1)
    assert vae.decode(np.zeros((3, 1))).shape == (3, 2)


def test_save_and_load(tmp_path):
    vae, rng = linear_vae(7)
    vae = G.VAE(3, 2, hidden=(4,), kl_weight=0.5, learn_obs_var=True, obs_logvar=-1.0, rng=rng)
    back = G.VAE.load(vae.save(tmp_path / "vae"))
    x = rng.standard_normal((5, 3))
    assert repr(back) == repr(vae) and back.learn_obs_var and back.obs_logvar[0] == -1.0
    for a, b in zip(back.encode(x), vae.encode(x)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(back.decode(x[:, :2]), vae.decode(x[:, :2]))


def test_errors(tmp_path):
    vae, _ = linear_vae(8)
    with pytest.raises(ValueError, match=r"VAE.encode: expected an array of shape \(n, 3\)"):
        vae.encode(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"VAE.loss: expected eps of shape \(2, 2\)"):
        vae.loss(np.zeros((2, 3)), eps=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="VAE.iwae_bound: expected K to be an integer"):
        vae.iwae_bound(np.zeros((2, 3)), 0)
    with pytest.raises(ValueError, match="VAE.fit: expected an nnbook optimizer"):
        vae.fit(np.zeros((2, 3)), optimizer="adam")
    with pytest.raises(ValueError, match="VAE: expected a finite obs_logvar and kl_weight"):
        G.VAE(2, 1, kl_weight=-1.0)
    with pytest.raises(ValueError, match="linear_log_prob: expected a linear-Gaussian VAE"):
        G.linear_log_prob(G.VAE(2, 1), np.zeros((1, 2)))
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="VAE.load: .* was not written by VAE.save"):
        G.VAE.load(tmp_path / "other.npz")


@pytest.mark.parametrize("k", [1, 2])
def test_quadrature_log_prob_is_the_exact_one_for_the_linear_vae(k):
    vae, rng = linear_vae(9, d=3, k=k)
    x = 1.5 * rng.standard_normal((10, 3))
    np.testing.assert_allclose(G.quadrature_log_prob(vae, x, points=201 if k == 1 else 121),
                               G.linear_log_prob(vae, x), rtol=1e-5)


def test_iwae_bound_approaches_the_quadrature_log_prob_of_a_nonlinear_vae():
    rng = np.random.default_rng(10)
    mix = nb.data.GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], [0.2 * np.eye(2)] * 2, [0.5, 0.5])
    x = mix.sample(400, rng=rng)
    vae = G.VAE(2, 1, hidden=(16,), obs_logvar=np.log(0.3), learn_obs_var=True, rng=rng)
    vae.fit(x, epochs=20, batch_size=40, optimizer=nb.Adam(lr=1e-2), rng=rng)
    log_p = G.quadrature_log_prob(vae, x[:50]).mean()
    bounds = [vae.iwae_bound(x[:50], K, rng=rng).mean() for K in (1, 10, 200)]
    assert bounds[0] < bounds[1] < bounds[2] <= log_p + 0.02, (bounds, log_p)
    assert log_p - bounds[2] < log_p - bounds[0]


def test_quadrature_errors():
    with pytest.raises(ValueError, match="quadrature_log_prob: expected a VAE with a latent"):
        G.quadrature_log_prob(G.VAE(3, 3), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="quadrature_log_prob: expected half_width > 0"):
        G.quadrature_log_prob(G.VAE(3, 1), np.zeros((1, 3)), half_width=0.0)


# Held-out checks of the promise (issue 39)


def test_constructor_errors_name_the_argument():
    # hidden=64 (the denoiser's spelling) was "TypeError: 'int' object is not iterable",
    # obs_logvar="a" or None a TypeError from np.isfinite
    with pytest.raises(ValueError, match=r"VAE: expected hidden to be a tuple of layer widths, "
                                         r"e.g. \(64,\) .* got 64"):
        G.VAE(2, 1, hidden=64)
    for bad in ("a", None, True):
        with pytest.raises(ValueError, match="VAE: expected a finite obs_logvar"):
            G.VAE(2, 1, obs_logvar=bad)
    assert G.VAE(2, 1, hidden=[3, 2]).hidden == (3, 2)


def test_fit_refuses_nan_data_and_stops_when_the_loss_diverges():
    # both used to train on silently, returning [nan] or [inf] and NaN weights
    vae = G.VAE(2, 1, hidden=(3,), rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((10, 2))
    x[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"VAE.fit: x contains non-finite values .* \(4, 1\)"):
        vae.fit(x, epochs=1, rng=np.random.default_rng(0))
    before = [w.copy() for w in vae.encoder.get_weights()]
    with np.errstate(over="ignore"), pytest.raises(
            FloatingPointError, match=r"VAE.fit: the loss became inf in epoch 0 .* smaller "
                                      r"learning rate"):
        vae.fit(np.full((10, 2), 1e200), epochs=2, rng=np.random.default_rng(0))
    for a, b in zip(vae.encoder.get_weights(), before):              # no step on that loss
        np.testing.assert_array_equal(a, b)


def test_load_of_a_damaged_file_is_a_value_error(tmp_path):
    # these were KeyError, json.JSONDecodeError and NumPy's advice to unpickle the file
    good = G.VAE(2, 1, hidden=(3,), rng=np.random.default_rng(0)).save(tmp_path / "good")
    arrays = dict(np.load(good))
    cases = {"no_weights": {"config": arrays["config"]},
             "bad_json": {**arrays, "config": np.array("{not json")},
             "bad_config": {**arrays, "config": np.array('{"d": 2, "latnt": 1}')}}
    for name, content in cases.items():
        np.savez(tmp_path / name, **content)
    (tmp_path / "garbage.npz").write_bytes(b"not a zip file at all")
    for name in (*cases, "garbage"):
        with pytest.raises(ValueError, match=r"VAE.load: .* is not a readable VAE file"):
            G.VAE.load(tmp_path / f"{name}.npz")
    with pytest.raises(FileNotFoundError):
        G.VAE.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("half_width", ["5", None, np.inf, True])
def test_quadrature_half_width_must_be_a_finite_number(half_width):
    # "5" and None were TypeErrors from `>`, inf gave a grid of NaN and a NaN answer
    with pytest.raises(ValueError, match=r"quadrature_log_prob: expected half_width > 0, a "
                                         r"finite number"):
        G.quadrature_log_prob(G.VAE(2, 1, hidden=(3,)), np.zeros((1, 2)), half_width=half_width)


@pytest.mark.parametrize("learn", [False, True])
def test_training_after_load_goes_on_exactly(tmp_path, learn):
    """Issue 50.9: save keeps the optimizer (settings, moments, step count), so fit after
    VAE.load gives the weights fit on the saved model gives, bit for bit. Catches a file
    without the optimizer: load then trained with a fresh Adam (moments 0, step 1)."""
    x = np.random.default_rng(3).standard_normal((64, 3))
    vae = G.VAE(3, 2, hidden=(4,), learn_obs_var=learn, rng=np.random.default_rng(4))
    vae.fit(x, epochs=2, batch_size=16, optimizer=nb.Adam(lr=1e-2, clipnorm=5.0),
            rng=np.random.default_rng(5))
    back = G.VAE.load(vae.save(tmp_path / "vae"))
    assert repr(back.optimizer) == repr(vae.optimizer)
    assert back.optimizer.iterations == vae.optimizer.iterations == 8
    on = vae.fit(x, epochs=2, batch_size=16, rng=np.random.default_rng(6))
    after = back.fit(x, epochs=2, batch_size=16, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(on, after)
    for a, b in zip(vae.encoder.get_weights() + vae.decoder.get_weights() + [vae.obs_logvar],
                    back.encoder.get_weights() + back.decoder.get_weights() + [back.obs_logvar]):
        np.testing.assert_array_equal(a, b)
