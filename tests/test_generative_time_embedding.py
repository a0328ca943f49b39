"""nb.generative.TimeEmbedding and with_time: hand-computed values, ∂E/∂t by hand against
finite differences (the gradient table has a row too), float32, saving in a model, errors."""

import numpy as np
import pytest

import nnbook as nb

G = nb.generative


def test_values_by_hand():
    layer = G.TimeEmbedding(2, 3, max_freq=4.0)
    np.testing.assert_allclose(layer.freqs, [1.0, 2.0, 4.0])
    x = np.array([[0.5, -1.0, 0.25]])
    y = layer.forward(x)
    w = 0.25 * np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(y, [[0.5, -1.0, *np.sin(w), *np.cos(w)]])
    assert layer.output_shape((3,)) == (8,)
    assert G.TimeEmbedding(1, 1).freqs.tolist() == [1.0]


def test_backward_by_hand_and_against_finite_differences():
    rng = np.random.default_rng(0)
    layer = G.TimeEmbedding(3, 5, max_freq=20.0)
    x = np.column_stack([rng.standard_normal((4, 3)), rng.uniform(0, 1, 4)])
    dy = rng.standard_normal((4, 13))
    layer.forward(x)
    dx = layer.backward(dy)
    t, f = x[:, 3:], layer.freqs
    dt = (dy[:, 3:8] * f * np.cos(f * t) - dy[:, 8:] * f * np.sin(f * t)).sum(1)
    np.testing.assert_allclose(dx, np.column_stack([dy[:, :3], dt]), rtol=1e-12)
    errors = nb.check_gradients(layer, x, dy=dy)
    assert max(errors.values()) < 1e-7
    assert layer.backward(dy, need_dx=False) is None


def test_float32_in_float32_out():
    layer = G.TimeEmbedding(2, 4)
    y = layer.forward(np.ones((3, 3), np.float32))
    assert y.dtype == np.float32
    assert layer.backward(np.ones((3, 10))).dtype == np.float32


def test_with_time():
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(G.with_time(x, 0.5)[:, 2], [0.5] * 3)
    np.testing.assert_array_equal(G.with_time(x, [0.1, 0.2, 0.3])[:, :2], x)
    assert G.with_time(x.astype(np.float32), 0.5).dtype == np.float32


def test_saved_and_loaded_in_a_model(tmp_path):
    model = nb.Sequential([G.TimeEmbedding(2, 3, max_freq=7.0), nb.Dense(8, 2)])
    x = G.with_time(np.ones((4, 2)), np.linspace(0, 1, 4))
    path = model.save(tmp_path / "m.npz")
    back = nb.load_model(path)
    assert repr(back.layers[0]) == "TimeEmbedding(d=2, n_freq=3)"
    assert back.layers[0].max_freq == 7.0
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_errors():
    with pytest.raises(ValueError, match="TimeEmbedding: expected d to be an integer ≥ 1"):
        G.TimeEmbedding(0)
    with pytest.raises(ValueError, match="expected n_freq to be an integer ≥ 1"):
        G.TimeEmbedding(2, 0)
    with pytest.raises(ValueError, match="TimeEmbedding: expected max_freq ≥ 1"):
        G.TimeEmbedding(2, 4, max_freq=0.5)
    layer = G.TimeEmbedding(2, 4)
    with pytest.raises(ValueError, match=r"expected input of shape \(m, 3\): x_t of 2 columns"):
        layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="backward\\(\\) was called before forward"):
        G.TimeEmbedding(2).backward(np.ones((1, 18)))
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(4, 10\)"):
        layer.backward(np.ones((4, 9)))
    with pytest.raises(ValueError, match=r"expected samples of shape \(3,\)"):
        layer.output_shape((5,))
    with pytest.raises(ValueError, match="with_time: expected x of shape"):
        G.with_time(np.ones(3), 0.5)
    with pytest.raises(ValueError, match=r"with_time: expected t to be a number or of shape \(3,\)"):
        G.with_time(np.ones((3, 2)), [0.1, 0.2])


def test_one_time_for_every_row_gives_the_same_as_row_by_row():
    layer = G.TimeEmbedding(2, 4, max_freq=9.0)
    x = G.with_time(np.random.default_rng(1).standard_normal((6, 2)), 0.37)
    dy = np.random.default_rng(2).standard_normal((6, 10))
    y, dx = layer.forward(x), layer.backward(dy)
    for i in range(6):
        np.testing.assert_array_equal(layer.forward(x[i:i + 1])[0], y[i])
        np.testing.assert_array_equal(layer.backward(dy[i:i + 1])[0], dx[i])
