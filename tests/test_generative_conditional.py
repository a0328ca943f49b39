"""nb.generative's class-conditional denoiser (chapter 27): the input with the class's one-hot,
the null class as a class of its own (the unconditional pass really gets it), guidance at
w = 0 and w = 1 giving the unconditional and conditional outputs bit for bit, the class
dropped at the stated rate, the gradient through the class input, training towards the
exact class noise, save and load, PyTorch; errors."""

import numpy as np
import pytest

import nnbook as nb

G = nb.generative


def net(dtype=np.float64, seed=0, n_classes=3):
    return G.denoiser(2, n_classes=n_classes, hidden=16, n_freq=4, dtype=dtype,
                      rng=np.random.default_rng(seed))


def test_layers_shapes_and_the_one_hot():
    m = net()
    assert [repr(layer) for layer in m.layers] == [
        "TimeEmbedding(d=6, n_freq=4)", "Dense(14 → 16)", "SiLU()", "Dense(16 → 16)", "SiLU()",
        "Dense(16 → 2)"]
    x = np.arange(6.0).reshape(3, 2)
    inp = G.with_class(x, [0.1, 0.5, 0.9], np.array([2, 0, 3]), 3)
    assert inp.shape == (3, 7)
    np.testing.assert_array_equal(inp[:, :2], x)
    np.testing.assert_array_equal(inp[:, 2:6], [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(inp[:, 6], [0.1, 0.5, 0.9])
    assert G.with_class(x.astype(np.float32), 0.5, 1, 3).dtype == np.float32
    for label in (0, 2, None):
        assert G.class_function(m, label)(x, 0.3).shape == (3, 2)
    assert G.class_function(net(np.float32), 1)(x.astype(np.float32), 0.5).dtype == np.float32


def test_the_null_pass_gets_the_null_class():
    m = net(seed=1)
    x = np.random.default_rng(2).standard_normal((50, 2))
    null = G.class_function(m, None)(x, 0.4)
    # the null class is its own id: feeding it by hand gives the same numbers, and no class's
    # output is the null one (catches a null pass that feeds class 0, or the last class)
    np.testing.assert_array_equal(null, m.predict(G.with_class(x, 0.4, 3, 3)))
    np.testing.assert_array_equal(null, G.class_function(m, 3)(x, 0.4))
    for c in range(3):
        assert np.abs(G.class_function(m, c)(x, 0.4) - null).min() > 1e-8


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_guidance_ends_are_exact_on_the_network(dtype):
    m = net(dtype, seed=3)
    x = np.random.default_rng(4).standard_normal((40, 2)).astype(dtype)
    null, cond = G.class_function(m, None), G.class_function(m, 1)
    assert np.array_equal(G.guided(null, cond, 1.0)(x, 0.6), cond(x, 0.6))
    assert np.array_equal(G.guided(null, cond, 0.0)(x, 0.6), null(x, 0.6))
    # through a sampler too, sample for sample
    s = G.LinearSchedule()
    for w, f in ((1.0, cond), (0.0, null)):
        assert np.array_equal(G.ddim_sample(G.guided(null, cond, w), x, s, steps=10),
                              G.ddim_sample(f, x, s, steps=10))


def test_the_class_is_dropped_at_the_stated_rate():
    rng = np.random.default_rng(5)
    n, p = 20000, 0.2
    x0 = rng.standard_normal((n, 2))
    labels = rng.integers(0, 3, n)
    inp, eps = G.conditional_noise_batch(x0, labels, 3, G.LinearSchedule(), p_uncond=p,
                                         rng=rng)
    assert inp.shape == (n, 7) and eps.shape == (n, 2)
    dropped = inp[:, 5] == 1
    # a binomial count: within 5 standard deviations of n·p (catches 1 − p, or no dropping)
    assert abs(dropped.sum() - n * p) < 5 * np.sqrt(n * p * (1 - p))
    kept = np.argmax(inp[:, 2:6], axis=1)
    np.testing.assert_array_equal(kept[~dropped], labels[~dropped])
    assert np.all(inp[:, 2:6].sum(axis=1) == 1)
    t = inp[:, 6]
    s = G.LinearSchedule()
    np.testing.assert_allclose(inp[:, :2], np.sqrt(s.alpha_bar(t))[:, None] * x0
                               + s.sigma(t)[:, None] * eps)
    inp0, _ = G.conditional_noise_batch(x0[:100], labels[:100], 3, s, p_uncond=0.0, rng=rng)
    assert not inp0[:, 5].any()


def test_gradient_through_the_class_input():
    m = net(seed=6)
    rng = np.random.default_rng(7)
    inp, eps = G.conditional_noise_batch(rng.standard_normal((6, 2)), rng.integers(0, 3, 6),
                                         3, G.LinearSchedule(), p_uncond=0.5, rng=rng)
    errs = nb.check_gradients(m, inp, loss=nb.MSE(), y=eps, rng=rng)
    assert max(errs.values()) < 1e-6, errs


def test_training_approaches_the_exact_class_noise():
    rng = np.random.default_rng(8)
    mix = nb.data.GaussianMixture([[-1.0, 0.0], [1.0, 0.5]], [0.1 * np.eye(2)] * 2,
                                  [0.5, 0.5])
    s = G.LinearSchedule()
    labels = rng.integers(0, 2, 3000)
    data = mix.means[labels] + np.sqrt(0.1) * rng.standard_normal((3000, 2))
    m = G.denoiser(2, n_classes=2, hidden=32, rng=rng)
    m.compile(nb.Adam(lr=3e-3), "mse")
    losses = G.train_denoiser(m, data, labels=labels, schedule=s, steps=1500, p_uncond=0.2,
                              rng=rng)
    assert losses.shape == (1500,) and losses[-300:].mean() < 0.8 * losses[:50].mean()
    x = rng.standard_normal((200, 2))
    for c in (None, 0, 1):
        exact, learned = G.exact_class_noise(mix, s, c), G.class_function(m, c)
        err = np.mean([np.abs(learned(x, t) - exact(x, t)).mean() for t in (0.3, 0.6)])
        assert err < 0.15, (c, err)


def test_save_and_load(tmp_path):
    m = net(seed=9)
    x = G.with_class(np.ones((4, 2)), [0.1, 0.4, 0.7, 0.9], [0, 1, 2, 3], 3)
    back = nb.load_model(m.save(tmp_path / "conditional.npz"))
    np.testing.assert_array_equal(back.predict(x), m.predict(x))
    np.testing.assert_array_equal(G.class_function(back, None)(np.ones((2, 2)), 0.5),
                                  G.class_function(m, None)(np.ones((2, 2)), 0.5))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_against_torch(dtype):
    torch = pytest.importorskip("torch")
    m = net(dtype, seed=10)
    x = G.with_class(np.random.default_rng(11).standard_normal((8, 2)).astype(dtype),
                     0.3, np.arange(8) % 4, 3)
    out = nb.to_torch(m)(torch.tensor(x)).detach().numpy()
    assert out.dtype == dtype
    assert nb.relative_error(out, m.predict(x)) < (1e-10 if dtype == np.float64 else 2e-5)


def test_errors():
    s, m = G.LinearSchedule(), net()
    x, labels = np.zeros((10, 2)), np.zeros(10, int)
    with pytest.raises(ValueError, match=r"with_class: expected the class ids.*got ids from 0 "
                                         r"to 4.*ints"):
        G.with_class(x, 0.5, np.array([0] * 9 + [4]), 3)
    with pytest.raises(ValueError, match=r"with_class: .*got ids from -1"):
        G.with_class(x, 0.5, -1, 3)
    with pytest.raises(ValueError, match=r"with_class: .*got floats \(float64\).*astype"):
        G.with_class(x, 0.5, np.ones(10), 3)
    with pytest.raises(ValueError, match=r"with_class: .*got dtype bool"):
        G.with_class(x, 0.5, True, 3)
    with pytest.raises(ValueError, match=r"with_class: .*one per row \(10,\), got shape \(9,\)"):
        G.with_class(x, 0.5, np.zeros(9, int), 3)
    with pytest.raises(ValueError, match=r"with_time: expected x of shape \(n, d\)"):
        G.with_class(np.zeros(10), 0.5, 0, 3)
    with pytest.raises(ValueError, match=r"with_class: expected n_classes"):
        G.with_class(x, 0.5, 0, 0)
    # the null id is no class of the data
    with pytest.raises(ValueError, match=r"conditional_noise_batch: .*integers 0…2, one"):
        G.conditional_noise_batch(x, np.full(10, 3), 3, s)
    for p in (1.0, -0.1, 1.5, True, "0.1"):
        with pytest.raises(ValueError, match=r"conditional_noise_batch: expected p_uncond.*"
                                             r"\[0, 1\), got"):
            G.conditional_noise_batch(x, labels, 3, s, p_uncond=p)
    with pytest.raises(ValueError, match="conditional_noise_batch: expected schedule"):
        G.conditional_noise_batch(x, labels, 3, None)
    with pytest.raises(ValueError, match="train_denoiser: the model is not compiled"):
        G.train_denoiser(m, x, labels=labels, schedule=s)
    m.compile(nb.Adam(), "mse")
    with pytest.raises(ValueError, match=r"train_denoiser: expected data of shape \(n, 2\), "
                                         r"the d of the model, got \(10, 3\)\. Build the "
                                         r"model with nb.generative.denoiser\(3, n_classes=3\)"):
        G.train_denoiser(m, np.zeros((10, 3)), labels=labels, schedule=s)
    with pytest.raises(ValueError, match=r"train_denoiser: .*got floats"):
        G.train_denoiser(m, x, labels=labels.astype(float), schedule=s)
    with pytest.raises(ValueError, match=r"train_denoiser: expected p_uncond"):
        G.train_denoiser(m, x, labels=labels, schedule=s, p_uncond=1)
    with pytest.raises(ValueError, match=r"train_denoiser: expected objective 'noise'.*without "
                                         r"labels, 'flow'"):
        G.train_denoiser(m, x, labels=labels, objective="flow")
    with pytest.raises(ValueError, match=r"train_denoiser: expected a model from "
                                         r"nb.generative.denoiser\(d, n_classes=n_classes\)"):
        plain = G.denoiser(2)
        plain.compile(nb.Adam(), "mse")
        G.train_denoiser(plain, x, labels=labels, schedule=s)
    with pytest.raises(ValueError, match=r"class_function: expected label.*got 4"):
        G.class_function(m, 4)
    with pytest.raises(ValueError, match=r"class_function: expected label.*got 1.0"):
        G.class_function(m, 1.0)
    with pytest.raises(ValueError, match=r"denoiser: expected n_classes"):
        G.denoiser(2, n_classes=0)
