"""nb.generative.denoiser and its training: the layers it builds, the training pairs of
denoising score matching and flow matching rebuild x_t, train_denoiser brings the learned
noise prediction towards the exact one (float64 and float32), save and load; errors."""

import numpy as np
import pytest

import nnbook as nb

G = nb.generative


def test_layers_and_shapes():
    m = G.denoiser(2, hidden=16, depth=3, n_freq=4, rng=np.random.default_rng(0))
    assert [repr(layer) for layer in m.layers] == [
        "TimeEmbedding(d=2, n_freq=4)", "Dense(10 → 16)", "SiLU()", "Dense(16 → 16)", "SiLU()",
        "Dense(16 → 16)", "SiLU()", "Dense(16 → 2)"]
    assert G.as_function(m)(np.ones((5, 2)), 0.3).shape == (5, 2)
    m32 = G.denoiser(3, dtype=np.float32, rng=np.random.default_rng(0))
    assert G.as_function(m32)(np.ones((2, 3)), 0.5).dtype == np.float32


def test_training_pairs_rebuild_x_t():
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((500, 2))
    s = G.CosineSchedule()
    inp, eps = G.noise_batch(x0, s, rng=rng)
    t = inp[:, 2]
    assert inp.shape == (500, 3) and np.all((t >= 0) & (t <= 1))
    np.testing.assert_allclose(inp[:, :2], np.sqrt(s.alpha_bar(t))[:, None] * x0
                               + s.sigma(t)[:, None] * eps)
    assert abs(eps.std() - 1) < 0.1
    inp, v = G.flow_batch(x0, rng=rng)
    t = inp[:, 2:]
    np.testing.assert_allclose(inp[:, :2], x0 - (1 - t) * v)             # x_t = x_1 − (1 − t) v
    assert G.noise_batch(x0.astype(np.float32), s, rng=rng)[0].dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_training_approaches_the_exact_noise_prediction(dtype):
    rng = np.random.default_rng(2)
    mix = nb.data.GaussianMixture([[-1.0], [1.0]], [[[0.1]], [[0.1]]], [0.5, 0.5])
    s = G.LinearSchedule()
    model = G.denoiser(1, hidden=32, dtype=dtype, rng=rng)
    model.compile(nb.Adam(lr=3e-3), "mse")
    data = mix.sample(2000, rng=rng)
    losses = G.train_denoiser(model, data, schedule=s, steps=1500, batch_size=128, rng=rng)
    assert losses.shape == (1500,) and losses[-300:].mean() < 0.7 * losses[:50].mean()
    assert model.layers[1].params["W"].dtype == dtype
    x = np.linspace(-2, 2, 41)[:, None]
    exact, learned = G.exact_noise(mix, s), G.as_function(model)
    err = np.mean([np.abs(learned(x, t) - exact(x, t)).mean() for t in (0.2, 0.5, 0.8)])
    assert err < 0.12, err


def test_flow_objective_trains():
    rng = np.random.default_rng(3)
    mix = nb.data.GaussianMixture([[-1.0], [1.0]], [[[0.1]], [[0.1]]], [0.5, 0.5])
    model = G.denoiser(1, hidden=32, rng=rng)
    model.compile(nb.Adam(lr=3e-3), "mse")
    losses = G.train_denoiser(model, mix.sample(2000, rng=rng), objective="flow", steps=800,
                              rng=rng)
    x = np.linspace(-1.5, 1.5, 31)[:, None]
    err = np.abs(G.as_function(model)(x, 0.5) - G.exact_velocity(mix)(x, 0.5)).mean()
    assert losses[-200:].mean() < losses[:50].mean() and err < 0.25, err


def test_save_and_load(tmp_path):
    model = G.denoiser(2, hidden=8, rng=np.random.default_rng(4))
    x = G.with_time(np.ones((3, 2)), [0.1, 0.5, 0.9])
    back = nb.load_model(model.save(tmp_path / "denoiser.npz"))
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_errors():
    s = G.LinearSchedule()
    model = G.denoiser(2, rng=np.random.default_rng(0))
    data = np.zeros((10, 2))
    with pytest.raises(ValueError, match="train_denoiser: the model is not compiled"):
        G.train_denoiser(model, data, schedule=s)
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match="train_denoiser: expected objective 'noise'"):
        G.train_denoiser(model, data, objective="score", schedule=s)
    with pytest.raises(ValueError, match="objective 'noise' needs a schedule"):
        G.train_denoiser(model, data)
    with pytest.raises(ValueError, match=r"train_denoiser: expected data of shape \(n, d\)"):
        G.train_denoiser(model, np.zeros(4), schedule=s)
    with pytest.raises(ValueError, match="noise_batch: expected schedule to be a NoiseSchedule"):
        G.noise_batch(data, None)
    with pytest.raises(ValueError, match="as_function: expected a model with predict"):
        G.as_function(lambda x: x)
    with pytest.raises(ValueError, match="denoiser: expected hidden to be an integer ≥ 1"):
        G.denoiser(2, hidden=0)


def test_train_denoiser_refuses_nan_data_and_data_of_another_width():
    """Held-out check (issue 39): NaN data trained on silently (losses all NaN), and data of
    the wrong width was refused by the TimeEmbedding as a (batch_size, d + 1) input it
    tells the user to build with with_time."""
    model = G.denoiser(2, hidden=4, depth=1, rng=np.random.default_rng(0))
    model.compile(nb.Adam(lr=1e-3), "mse")
    data = np.zeros((5, 2))
    data[2, 0] = np.nan
    with pytest.raises(ValueError, match=r"train_denoiser: data contains non-finite .*\(2, 0\)"):
        G.train_denoiser(model, data, schedule=G.LinearSchedule(), steps=2)
    with pytest.raises(ValueError, match=r"train_denoiser: expected data of shape \(n, 2\), the "
                                         r"d of the model's TimeEmbedding\(d=2, n_freq=8\), got "
                                         r"\(5, 3\)\. Build the model with nb.generative."
                                         r"denoiser\(3\)"):
        G.train_denoiser(model, np.zeros((5, 3)), objective="flow", steps=2)
