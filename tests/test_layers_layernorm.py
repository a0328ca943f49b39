"""LayerNorm (nnbook/layers/normalization/layernorm.py): values by hand, any leading shape, no dependence on
the batch or on training mode, the backward's invariances, float32, save/load and errors."""

import numpy as np
import pytest

import nnbook as nb


def test_one_vector_by_hand():
    layer = nb.LayerNorm(3, eps=1e-12)
    y = layer.forward(np.array([[1.0, 2.0, 3.0]]))          # μ = 2, σ² = 2/3
    np.testing.assert_allclose(y, [[-np.sqrt(1.5), 0.0, np.sqrt(1.5)]], rtol=1e-9)
    layer.params["gamma"][...] = [1.0, 2.0, 3.0]
    layer.params["beta"][...] = [0.5, 0.5, 0.5]
    np.testing.assert_allclose(layer.forward(np.array([[1.0, 2.0, 3.0]])),
                               [[0.5 - np.sqrt(1.5), 0.5, 0.5 + 3 * np.sqrt(1.5)]], rtol=1e-9)


def test_each_vector_of_any_shape_on_its_own():
    rng = np.random.default_rng(0)
    layer = nb.LayerNorm(4)
    x = rng.standard_normal((2, 3, 4)) * 5 + 3
    y = layer.forward(x)
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1.0, rtol=1e-5)          # ε = 1e-5 in σ² + ε
    for i in range(2):
        for t in range(3):                                               # one vector at a time
            np.testing.assert_allclose(layer.forward(x[i, t][None])[0], y[i, t], rtol=1e-12)


def test_same_in_training_and_inference_and_batch_independent():
    rng = np.random.default_rng(1)
    layer = nb.LayerNorm(5)
    x = rng.standard_normal((6, 5))
    layer.training = True
    y_train = layer.forward(x)
    layer.training = False
    np.testing.assert_array_equal(layer.forward(x), y_train)
    other = np.concatenate([x[:1], 100 * rng.standard_normal((3, 5))])
    np.testing.assert_allclose(layer.forward(other)[0], y_train[0], rtol=1e-12)  # unlike BatchNorm


def test_backward_invariances_and_parameter_gradients():
    rng = np.random.default_rng(2)
    layer = nb.LayerNorm(4)
    x, dy = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    y = layer.forward(x)
    dx = layer.backward(dy)
    np.testing.assert_allclose(dx.sum(axis=-1), 0.0, atol=1e-12)   # shifting x changes nothing
    np.testing.assert_allclose((dx * x).sum(axis=-1), 0.0, atol=1e-4)  # nor scaling (up to ε)
    np.testing.assert_allclose(layer.grads["beta"], dy.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.grads["gamma"], (dy * y).sum(axis=0), rtol=1e-12)  # γ=1, β=0
    assert layer.backward(dy, need_dx=False) is None


def test_float32_and_saving(tmp_path):
    rng = np.random.default_rng(3)
    layer = nb.LayerNorm(4, dtype=np.float32)
    y = layer.forward(rng.standard_normal((2, 5, 4)))                   # float64 data
    assert y.dtype == np.float32 and layer.backward(np.ones((2, 5, 4))).dtype == np.float32
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.LayerNorm(4, eps=1e-3)])
    model.layers[1].params["gamma"][...] = [1, 2, 3, 4]
    back = nb.load_model(model.save(tmp_path / "ln"))
    assert back.layers[1].eps == 1e-3
    x = rng.standard_normal((5, 3))
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_errors():
    with pytest.raises(ValueError, match=r"LayerNorm: expected n_features to be an integer ≥ 1"):
        nb.LayerNorm(0)
    for eps in (0, -1e-5, "small", True, np.inf, np.nan):       # inf once gave zeros
        with pytest.raises(ValueError, match=r"LayerNorm: expected eps > 0 \(a small number "
                                             r"such as 1e-5, added to the variance\), got"):
            nb.LayerNorm(3, eps=eps)
    layer = nb.LayerNorm(3)
    with pytest.raises(ValueError, match=r"LayerNorm\(3\): expected input of shape \(m, 3\) or "
                                         r"\(m, …, 3\) \(features on the last axis\), got \(2, 4\)"):
        layer.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"got \(3,\)"):
        layer.forward(np.zeros(3))
    with pytest.raises(ValueError, match=r"expected samples of shape \(…, 3\).*got \(5, 4\)"):
        nb.Sequential([nb.Dense(2, 4), nb.ReLU(), layer], input_shape=(5, 2))
    with pytest.raises(ValueError, match=r"backward\(\) was called before forward\(\)"):
        layer.backward(np.zeros((1, 3)))
    layer.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(2, 3\)"):
        layer.backward(np.zeros((2, 2)))
    assert nb.LayerNorm(3).get_config() == {"n_features": 3, "eps": 1e-5}
    assert repr(nb.LayerNorm(3)) == "LayerNorm(3)"
    assert nb.Sequential([nb.Dense(2, 3), nb.LayerNorm(3)], input_shape=(4, 2)).output_shapes() \
        == [(4, 3), (4, 3)]
