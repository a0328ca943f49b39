"""Tests of nnbook/layers/normalization/batchnorm.py: the forward pass by hand, per-channel statistics
for images, running statistics (PyTorch's convention), train vs eval mode,
backward against the long-hand chain rule, dtypes, errors and config."""

import numpy as np
import pytest

import nnbook as nb


def training(layer):
    layer.training = True
    return layer


def test_training_forward_by_hand():
    bn = training(nb.BatchNorm(2, eps=1e-5))
    bn.params["gamma"][...] = [2.0, 0.5]
    bn.params["beta"][...] = [1.0, -1.0]
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 40.0]])
    # column 0: μ = 3, σ² = 8/3;  column 1: μ = 20, σ² = 200
    y = bn.forward(x)
    xhat0 = (x[:, 0] - 3) / np.sqrt(8 / 3 + 1e-5)
    xhat1 = (x[:, 1] - 20) / np.sqrt(200 + 1e-5)
    np.testing.assert_allclose(y, np.stack([2 * xhat0 + 1, 0.5 * xhat1 - 1], axis=1), rtol=1e-13)
    # running: 0.9·(0, 1) + 0.1·(μ, unbiased σ²) with σ²·3/2 = (4, 300)
    np.testing.assert_allclose(bn.buffers["running_mean"], [0.3, 2.0])
    np.testing.assert_allclose(bn.buffers["running_var"], [0.9 + 0.4, 0.9 + 30.0])


def test_output_has_zero_mean_unit_variance_per_channel_for_images():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, (4, 5, 6, 3)) * np.array([1.0, 10.0, 0.1])
    y = training(nb.BatchNorm(3)).forward(x)
    assert y.shape == x.shape
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 1, 2)), 1, rtol=1e-3)     # ε shrinks it a little
    # the same as the dense layer on the (m·h·w, c) matrix
    np.testing.assert_allclose(training(nb.BatchNorm(3)).forward(x.reshape(-1, 3)), y.reshape(-1, 3))


def test_eval_mode_uses_running_statistics():
    bn = nb.BatchNorm(2)
    bn.buffers["running_mean"][...] = [1.0, -2.0]
    bn.buffers["running_var"][...] = [4.0, 0.25]
    bn.params["gamma"][...] = [3.0, 1.0]
    x = np.array([[3.0, -2.0], [1.0, 0.0]])
    y = bn.forward(x)
    np.testing.assert_allclose(y, [[3 * 2 / np.sqrt(4 + 1e-5), 0.0],
                                   [0.0, 2 / np.sqrt(0.25 + 1e-5)]], rtol=1e-13)
    np.testing.assert_array_equal(bn.buffers["running_mean"], [1.0, -2.0])   # untouched
    np.testing.assert_array_equal(bn.forward(x), y)                          # deterministic
    assert not np.allclose(training(bn).forward(x), y)                       # train ≠ eval


def test_running_statistics_converge_to_the_data_statistics():
    rng = np.random.default_rng(1)
    bn = training(nb.BatchNorm(3, momentum=0.1))
    for _ in range(200):
        bn.forward(rng.normal([1.0, -5.0, 0.0], [1.0, 3.0, 0.1], (64, 3)))
    np.testing.assert_allclose(bn.buffers["running_mean"], [1.0, -5.0, 0.0], atol=0.15)
    np.testing.assert_allclose(bn.buffers["running_var"], [1.0, 9.0, 0.01], rtol=0.15)


def test_backward_matches_the_long_hand_chain_rule():
    """The compact formula against the step-by-step graph (cs231n's): x̂, σ², μ in turn."""
    rng = np.random.default_rng(2)
    bn = training(nb.BatchNorm(4))
    bn.params["gamma"][...] = rng.normal(size=4)
    x, dy = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    bn.forward(x)
    dx = bn.backward(dy)
    m, eps, gamma = 6, 1e-5, bn.params["gamma"]
    mu, var = x.mean(0), x.var(0)
    xhat = (x - mu) / np.sqrt(var + eps)
    dxhat = dy * gamma
    dvar = np.sum(dxhat * (x - mu), 0) * -0.5 * (var + eps) ** -1.5
    dmu = np.sum(-dxhat / np.sqrt(var + eps), 0) + dvar * np.mean(-2 * (x - mu), 0)
    dx_long = dxhat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / m + dmu / m
    np.testing.assert_allclose(dx, dx_long, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(bn.grads["gamma"], np.sum(dy * xhat, 0), rtol=1e-12)
    np.testing.assert_allclose(bn.grads["beta"], dy.sum(0), rtol=1e-12)
    np.testing.assert_allclose(dx.sum(0), 0, atol=1e-12)          # dx sums to zero per feature


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 2, 3)])
@pytest.mark.parametrize("train", [True, False])
def test_gradients_against_finite_differences(shape, train):
    rng = np.random.default_rng(3)
    bn = nb.BatchNorm(3)
    bn.training = train
    bn.params["gamma"][...] = rng.uniform(0.5, 2, 3)
    bn.params["beta"][...] = rng.normal(size=3)
    bn.buffers["running_mean"][...] = rng.normal(size=3)
    bn.buffers["running_var"][...] = rng.uniform(0.5, 2, 3)
    errors = nb.check_gradients(bn, rng.normal(size=shape), rng=rng)
    assert set(errors) == {"x", "gamma", "beta"}
    assert max(errors.values()) < 1e-7, errors


def test_float32_stays_float32():
    bn = training(nb.BatchNorm(3, dtype=np.float32))
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    assert bn.forward(x).dtype == np.float32
    assert bn.backward(x).dtype == np.float32
    assert {a.dtype for a in [*bn.params.values(), *bn.grads.values(), *bn.buffers.values()]} \
        == {np.dtype(np.float32)}
    bn.training = False
    assert bn.forward(x).dtype == np.float32


def test_errors():
    with pytest.raises(ValueError, match=r"BatchNorm: expected n_features to be an integer ≥ 1"):
        nb.BatchNorm(0)
    with pytest.raises(ValueError, match=r"BatchNorm: expected 0 ≤ momentum ≤ 1, got 1.5"):
        nb.BatchNorm(3, momentum=1.5)
    with pytest.raises(ValueError, match=r"BatchNorm: momentum=0.99 looks like Keras' convention"
                                         r".*Keras' 0.99 is momentum=0.01 here"):
        nb.BatchNorm(3, momentum=0.99)
    assert nb.BatchNorm(3, momentum=1.0).momentum == 1.0 == nb.BatchNorm(3, momentum=1).momentum
    with pytest.raises(ValueError, match=r"BatchNorm: expected eps > 0, got 0"):
        nb.BatchNorm(3, eps=0)
    bn = training(nb.BatchNorm(3))
    with pytest.raises(ValueError, match=r"BatchNorm\(3\): expected input of shape \(m, 3\) or NHWC "
                                         r"images \(m, h, w, 3\), got \(4, 2\)"):
        bn.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"got \(4, 3, 3\)"):
        bn.forward(np.ones((4, 3, 3)))
    with pytest.raises(ValueError, match=r"training needs more than one value per feature"):
        bn.forward(np.ones((1, 3)))
    bn.training = False
    assert bn.forward(np.ones((1, 3))).shape == (1, 3)                # inference: fine
    with pytest.raises(ValueError, match=r"expected dy of shape \(1, 3\)"):
        bn.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"backward\(\) was called before forward\(\)"):
        nb.BatchNorm(3).backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected samples of shape \(3,\) or \(h, w, 3\), got \(4,\)"):
        bn.output_shape((4,))


def test_config_shapes_and_need_dx():
    bn = nb.BatchNorm(4, momentum=0.01, eps=1e-3)
    assert bn.get_config() == {"n_features": 4, "momentum": 0.01, "eps": 1e-3}
    assert repr(bn) == "BatchNorm(4)" and nb.BatchNorm(**bn.get_config()).get_config() == bn.get_config()
    assert bn.output_shape((4,)) == (4,) and bn.output_shape((5, 5, 4)) == (5, 5, 4)
    assert sorted(bn.params) == sorted(bn.grads) == ["beta", "gamma"]
    assert sorted(bn.buffers) == ["running_mean", "running_var"]
    bn.training = True
    bn.forward(np.arange(8.0).reshape(2, 4))
    assert bn.backward(np.ones((2, 4)), need_dx=False) is None
    np.testing.assert_array_equal(bn.grads["beta"], [2.0] * 4)


# --- BatchNorm inside fit ---------------------------------------------------------------

def _bn_model(rng):
    model = nb.Sequential([nb.Dense(4, 4, rng=rng), nb.BatchNorm(4), nb.Dense(4, 1, rng=rng)])
    model.compile(nb.SGD(lr=0.1), "mse")
    return model


def test_fit_names_batch_size_when_the_last_batch_has_one_sample():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 4)), rng.normal(size=(10, 1))
    with pytest.raises(ValueError, match=r"BatchNorm\(4\).*last batch.*batch_size=9.*batch_size=10"):
        _bn_model(rng).fit(x, y, batch_size=9, verbose=0)


def test_fits_shape_check_leaves_the_running_statistics_alone():
    """fit and evaluate check x with a forward pass of a few samples: in inference mode,
    so BatchNorm's running statistics move only with the training batches."""
    rng = np.random.default_rng(1)
    model = _bn_model(rng)
    model.set_training(True)
    before = {k: v.copy() for k, v in model.layers[1].buffers.items()}
    model.fit(rng.normal(size=(1, 4)), rng.normal(size=(1, 1)), epochs=0, verbose=0)
    model.evaluate(rng.normal(size=(5, 4)), rng.normal(size=(5, 1)))
    for k, v in before.items():
        np.testing.assert_array_equal(model.layers[1].buffers[k], v)
