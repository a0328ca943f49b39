"""Tests for nnbook.diagnostics: gradient norms per layer (against the model's
own backward and against finite differences) and activation statistics."""

import numpy as np
import pytest

import nnbook as nb
from nnbook import diagnostics


def small_model(rng, last=None):
    layers = [nb.Dense(3, 5, rng=rng), nb.Tanh(), nb.Dense(5, 4, rng=rng), nb.ReLU(),
              nb.Dense(4, 2, rng=rng)]
    if last is not None:
        layers.append(last)
    return nb.Sequential(layers)


def test_exported_at_top_level():
    assert nb.diagnostics is diagnostics
    assert "diagnostics" in nb.__all__
    assert set(diagnostics.__all__) == {"gradient_norms", "activation_stats"}


def test_gradient_norms_match_the_models_own_backward():
    rng = np.random.default_rng(0)
    model = small_model(rng)
    x, y = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    norms = diagnostics.gradient_norms(model, x, y, loss="mse")
    out = model.forward(x)
    model.backward(nb.MSE().grad(y, out))
    expected = [np.linalg.norm(model.layers[i].grads["W"]) for i in (0, 2, 4)]
    assert norms.shape == (3,) and norms.dtype == np.float64
    np.testing.assert_allclose(norms, expected, rtol=1e-12)


def test_gradient_norms_match_finite_differences():
    rng = np.random.default_rng(1)
    model = small_model(rng)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    loss = nb.MSE()
    norms = diagnostics.gradient_norms(model, x, y, loss=loss)
    numeric = [np.linalg.norm(nb.numerical_gradient(lambda _: loss(y, model.forward(x)),
                                                    model.layers[i].params["W"]))
               for i in (0, 2, 4)]
    np.testing.assert_allclose(norms, numeric, rtol=1e-6)


def test_order_is_input_side_first():
    rng = np.random.default_rng(2)
    # layers of different sizes, with a parameter-free layer in between
    model = nb.Sequential([nb.Dense(2, 3, rng=rng), nb.Sigmoid(), nb.Dense(3, 4, rng=rng),
                           nb.Sigmoid(), nb.Dense(4, 1, rng=rng)])
    x, y = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    norms = diagnostics.gradient_norms(model, x, y, loss="mse")
    out = model.forward(x)
    model.backward(nb.MSE().grad(y, out))
    sizes = [model.layers[i].grads["W"].size for i in (0, 2, 4)]
    assert sizes == [6, 12, 4]
    np.testing.assert_allclose(norms, [np.linalg.norm(model.layers[i].grads["W"])
                                       for i in (0, 2, 4)], rtol=1e-12)


def test_a_chain_of_sigmoids_gives_the_product_of_factors():
    """Width 1, no bias: ∂E/∂w_1 = ∂E/∂ŷ · Π_k σ'(z_k) · Π_{k≥2} w_k · x."""
    rng = np.random.default_rng(3)
    L = 12
    w = rng.uniform(0.5, 2.0, L)
    layers = []
    for k in range(L):
        layers += [nb.Dense(1, 1, init=nb.init.constant(w[k])), nb.Sigmoid()]
    model = nb.Sequential(layers)
    x, y = np.array([[0.7]]), np.array([[0.2]])
    q, dsig = 0.7, []
    for k in range(L):
        z = w[k] * q
        q = nb.sigmoid(z)
        dsig.append(q * (1 - q))
    dE_dyhat = 2 * (q - 0.2)                       # MSE with one element
    by_hand = abs(dE_dyhat * np.prod(dsig) * np.prod(w[1:]) * 0.7)
    norms = diagnostics.gradient_norms(model, x, y, loss="mse")
    assert norms.shape == (L,)
    np.testing.assert_allclose(norms[0], by_hand, rtol=1e-10)


def test_uses_the_compiled_loss_and_does_not_update():
    rng = np.random.default_rng(4)
    model = small_model(rng)
    model.compile(nb.SGD(0.5), "mse")
    before = {k: v.copy() for k, v in model.params.items()}
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    a = diagnostics.gradient_norms(model, x, y)
    b = diagnostics.gradient_norms(model, x, y, loss=nb.MSE())
    np.testing.assert_array_equal(a, b)
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize("labels", [True, False])
def test_softmax_crossentropy_fused_equals_unfused(labels):
    rng = np.random.default_rng(5)
    model = small_model(rng, last=nb.Softmax())
    x = rng.standard_normal((8, 3))
    k = rng.integers(0, 2, 8)
    y = k if labels else nb.data.one_hot(k, 2)
    fused = diagnostics.gradient_norms(model, x, y, loss="crossentropy")
    out = model.forward(x)
    model.backward(nb.CrossEntropy().grad(y, out))       # through Softmax's Jacobian
    unfused = [np.linalg.norm(model.layers[i].grads["W"]) for i in (0, 2, 4)]
    np.testing.assert_allclose(fused, unfused, rtol=1e-9)


def test_targets_of_shape_m_for_one_output():
    rng = np.random.default_rng(6)
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 1, rng=rng)])
    x, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    np.testing.assert_array_equal(diagnostics.gradient_norms(model, x, y, loss="mse"),
                                  diagnostics.gradient_norms(model, x, y.reshape(-1, 1), loss="mse"))


def test_layer_without_W_counts_all_its_gradients():
    class Scale(nb.Layer):
        def __init__(self):
            super().__init__()
            self.params = {"s": np.array([2.0]), "t": np.array([0.5])}
            self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

        def forward(self, x):
            self._x = x
            return x * self.params["s"] + self.params["t"]

        def backward(self, dy, need_dx=True):
            self.grads["s"][...] = np.sum(dy * self._x)
            self.grads["t"][...] = np.sum(dy)
            return dy * self.params["s"] if need_dx else None

    rng = np.random.default_rng(7)
    model = nb.Sequential([nb.Dense(2, 1, rng=rng), Scale()])
    x, y = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    norms = diagnostics.gradient_norms(model, x, y, loss="mse")
    g = model.layers[1].grads
    np.testing.assert_allclose(norms[1], np.hypot(g["s"][0], g["t"][0]), rtol=1e-12)


def test_gradient_norms_errors():
    rng = np.random.default_rng(8)
    model = small_model(rng)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    with pytest.raises(ValueError, match=r"gradient_norms: the model has no loss. Pass loss="):
        diagnostics.gradient_norms(model, x, y)
    with pytest.raises(ValueError, match=r"x has 5 samples but y has 4"):
        diagnostics.gradient_norms(model, x, y[:4], loss="mse")
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'"):
        diagnostics.gradient_norms(model, x, y, loss="hinge")
    with pytest.raises(ValueError, match=r"expected input of shape \(m, 3\), got \(5, 2\)"):
        diagnostics.gradient_norms(model, x[:, :2], y, loss="mse")
    with pytest.raises(ValueError, match=r"x contains NaN or inf"):
        diagnostics.gradient_norms(model, np.full((5, 3), np.nan), y, loss="mse")
    with pytest.raises(ValueError, match=r"no layer with parameters"):
        diagnostics.gradient_norms(nb.Sequential([nb.Tanh()]), x, x, loss="mse")
    with pytest.raises(ValueError, match=r"at least one layer"):
        diagnostics.gradient_norms(nb.Sequential([]), x, y, loss="mse")


def test_activation_stats_by_hand():
    model = nb.Sequential([nb.Dense(2, 2, init=nb.init.constant(1.0)), nb.ReLU()])
    x = np.array([[1.0, -3.0], [2.0, 0.0]])            # Z = [[-2, -2], [2, 2]]
    stats = diagnostics.activation_stats(model, x)
    assert set(stats) == {"mean", "std"}
    np.testing.assert_allclose(stats["mean"], [0.0, 1.0])
    np.testing.assert_allclose(stats["std"], [2.0, 1.0])


def test_activation_stats_he_keeps_relu_scale_and_small_weights_shrink_it():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((512, 64))

    def deep(init):
        layers = []
        for _ in range(10):
            layers += [nb.Dense(64, 64, init=init, rng=rng), nb.ReLU()]
        return nb.Sequential(layers)

    he = diagnostics.activation_stats(deep("he_normal"), x)["std"]
    small = diagnostics.activation_stats(deep("small_random"), x)["std"]
    assert he.shape == (20,)
    assert 0.2 < he[-1] / he[1] < 5                      # ReLU outputs keep their scale
    assert small[-1] < 1e-8 * small[1]                   # 0.01·randn shrinks them every layer


def test_activation_stats_errors():
    with pytest.raises(ValueError, match=r"activation_stats: expected numbers in x"):
        diagnostics.activation_stats(nb.Sequential([nb.Tanh()]), np.array([["a"]]))


def test_gradient_norms_run_the_models_own_step_and_take_custom_layers():
    class Scale(nb.Layer):                       # backward(dy) without need_dx, first layer
        def __init__(self):
            super().__init__()
            self.params, self.grads = {"s": np.ones(3)}, {"s": None}

        def forward(self, x):
            self.x = x
            return x * self.params["s"]

        def backward(self, dy):
            self.grads["s"] = (dy * self.x).sum(axis=0)
            return dy * self.params["s"]

    rng = np.random.default_rng(0)
    model = nb.Sequential([Scale(), nb.Dense(3, 2, rng=rng), nb.Softmax()])
    x, y = rng.standard_normal((5, 3)), np.array([0, 1, 1, 0, 1])
    norms = nb.diagnostics.gradient_norms(model, x, y, loss="crossentropy")
    model.compute_gradients(x, nb.labels.one_hot(y, 2), loss=nb.CrossEntropy())
    expected = [np.linalg.norm(model.layers[0].grads["s"]), np.linalg.norm(model.layers[1].grads["W"])]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)


def test_diagnostics_take_token_ids_for_a_model_that_starts_with_an_embedding():
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Embedding(10, 4, rng=rng), nb.LSTM(4, 5, rng=rng),
                           nb.Dense(5, 3, rng=rng)])
    model.compile(optimizer="sgd", loss=nb.CrossEntropy(from_logits=True))
    ids, y = rng.integers(0, 10, (8, 6)), rng.integers(0, 3, 8)
    norms = nb.diagnostics.gradient_norms(model, ids, y)
    assert norms.shape == (3,) and np.all(norms > 0)
    stats = nb.diagnostics.activation_stats(model, ids)
    assert stats["std"].shape == (3,) and np.all(stats["std"] > 0)
    with pytest.raises(ValueError, match=r"activation_stats: the first layer Embedding\(10 → 4\) "
                                         r"takes token ids of shape \(m, T\), got ids of shape "
                                         r"\(8, 6, 1\).*x\[\.\.\., 0\]"):
        nb.diagnostics.activation_stats(model, ids[..., None])
