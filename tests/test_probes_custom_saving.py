"""Probes of a learner's layer at the edges of training: check_gradients on a buggy
backward, and save/load_model with a config NumPy made, a wrong custom_objects, or a
class that changed since the file was written. Each gets the right number or a
ValueError naming the layer and the fix (never "the file may be damaged")."""

import numpy as np
import pytest

import nnbook as nb
from small_models import Scale


X = np.random.default_rng(0).standard_normal((6, 3))


def _saved(layer, tmp_path):
    rng = np.random.default_rng(1)
    model = nb.Sequential([nb.Dense(3, 3, rng=rng), layer, nb.Dense(3, 1, rng=rng)])
    model.compile(nb.Adam(lr=0.01), "mse")
    model.fit(X, X[:, :1], epochs=2, verbose=0)
    return model, model.save(tmp_path / "m")


# check_gradients ---------------------------------------------------------------------------
def test_check_gradients_catches_a_wrong_backward():
    class Doubled(Scale):
        def backward(self, dy):
            dx = super().backward(dy)
            self.grads["s"] = 2 * self.grads["s"]
            return dx

    class ForgotS(Scale):
        def backward(self, dy):
            super().backward(dy)
            return dy                                   # ∂E/∂x without the factor s

    errors = nb.check_gradients(Doubled(), X, rng=np.random.default_rng(2))
    assert errors["x"] < 1e-7 and errors["s"] == pytest.approx(1 / 3, rel=1e-4)
    layer = ForgotS()
    layer.params["s"][:] = [1.0, 2.0, 3.0]
    assert nb.check_gradients(layer, X, rng=np.random.default_rng(2))["x"] > 0.1


def test_check_gradients_names_what_backward_got_wrong():
    class NoDx(Scale):
        def backward(self, dy):
            super().backward(dy)

    class Total(Scale):
        def backward(self, dy):
            dx = super().backward(dy)
            self.grads["s"] = self.grads["s"].sum()
            return dx

    class Listed(Scale):
        def __init__(self):
            super().__init__()
            self.params["s"] = [1.0, 1.0, 1.0]

    with pytest.raises(ValueError, match=r"NoDx.backward returned None; expected ∂E/∂x of "
                                         r"shape \(6, 3\)"):
        nb.check_gradients(NoDx(), X)
    with pytest.raises(ValueError, match=r"Total.grads\['s'\] is of shape \(\) after backward; "
                                         r"expected the shape of params\['s'\], \(3,\)"):
        nb.check_gradients(Total(), X)
    with pytest.raises(ValueError, match=r"Listed.params\['s'\] is a list, expected a float"):
        nb.check_gradients(Listed(), X)


# save / load_model --------------------------------------------------------------------------
def test_keyword_and_numpy_configs_round_trip(tmp_path):
    class NumpyConfig(Scale):
        def get_config(self):
            return {"n": np.int64(self.n), "init_value": np.float32(self.init_value)}

    for layer, custom in [(Scale(3, init_value=2.0), {"Scale": Scale}),
                          (NumpyConfig(3, init_value=0.5), {"NumpyConfig": NumpyConfig})]:
        model, path = _saved(layer, tmp_path)
        back = nb.load_model(path, custom_objects=custom)
        assert back.layers[1].init_value == layer.init_value
        np.testing.assert_array_equal(back.predict(X), model.predict(X))


def test_config_that_json_cannot_hold_is_named_at_save(tmp_path):
    class ArrayConfig(Scale):
        def get_config(self):
            return {"n": self.n, "init_value": np.array([1.0, 2.0])}

    model = nb.Sequential([ArrayConfig(), nb.Dense(3, 1)])
    with pytest.raises(ValueError, match=r"layer 0 \(ArrayConfig\).get_config\(\) returned "
                                         r"init_value= of type ndarray.*\.tolist\(\)"):
        model.save(tmp_path / "a")
    assert not list(tmp_path.iterdir())                 # nothing half-written


@pytest.mark.parametrize("custom, match", [
    ({"Scal": Scale}, r"custom_objects has \['Scal'\], but no 'Scale'"),
    ({"Scale": Scale()}, r"custom_objects\['Scale'\] is an instance of Scale; expected the "
                         r"class itself"),
    ({"Scale": lambda **cfg: Scale(**cfg)}, r"custom_objects\['Scale'\] is <function"),
])
def test_wrong_custom_objects_say_what_was_wrong(custom, match, tmp_path):
    _, path = _saved(Scale(), tmp_path)
    with pytest.raises(ValueError, match=match) as info:
        nb.load_model(path, custom_objects=custom)
    assert type(info.value) is ValueError and "damaged" not in str(info.value)


def test_a_class_that_changed_since_saving_is_named(tmp_path):
    class Renamed(Scale):                               # params["gain"] instead of ["s"]
        def __init__(self, n=3, *, init_value=1.0):
            super().__init__(n, init_value=init_value)
            self.params = {"gain": self.params.pop("s")}
            self.grads = {"gain": self.grads.pop("s")}

    class Wider(Scale):                                 # ignores n: always 4 entries
        def __init__(self, n=3, *, init_value=1.0):
            super().__init__(4, init_value=init_value)

    _, path = _saved(Scale(), tmp_path)
    with pytest.raises(ValueError, match=r"layer 1 \(Renamed\) has params/buffers \['gain'\], "
                                         r"but the file holds \['s'\].*the class changed"):
        nb.load_model(path, custom_objects={"Scale": Renamed})
    with pytest.raises(ValueError, match=r"layer 1 \(Wider\) 's' has shape \(3,\) in the file, "
                                         r"but Wider\(\*\*\{'n': 3, 'init_value': 1.0\}\) makes "
                                         r"\(4,\)"):
        nb.load_model(path, custom_objects={"Scale": Wider})


class LazyDense(nb.Layer):
    """Makes W in its first forward, when it sees the input width (Keras' build)."""

    def __init__(self, n_out=2):
        super().__init__()
        self.n_out = n_out

    def forward(self, x):
        if not self.params:
            w = np.random.default_rng(0).standard_normal((x.shape[1], self.n_out))
            self.params, self.grads = {"W": w}, {"W": np.zeros_like(w)}
        self.x = x
        return x @ self.params["W"]

    def backward(self, dy):
        self.grads["W"] = self.x.T @ dy
        return dy @ self.params["W"].T

    def get_config(self):
        return {"n_out": self.n_out}


def test_a_layer_that_builds_its_params_in_forward_trains_and_loads(tmp_path):
    model, path = _saved(LazyDense(3), tmp_path)
    assert model.count_params() == 12 + 9 + 4
    back = nb.load_model(path, custom_objects={"LazyDense": LazyDense})
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    model.fit(X, X[:, :1], epochs=1, verbose=0, shuffle=False)
    back.fit(X, X[:, :1], epochs=1, verbose=0, shuffle=False)     # Adam's moments came back
    np.testing.assert_allclose(back.predict(X), model.predict(X), rtol=1e-12)


class MAE(nb.Loss):
    """Written to the public API: loss(y_true, y_pred) and grad."""

    def __call__(self, y_true, y_pred):
        return float(np.mean(np.abs(np.asarray(y_pred) - y_true)))

    def grad(self, y_true, y_pred):
        return np.sign(y_pred - y_true) / np.size(y_pred)


class PlainSGD(nb.Optimizer):
    """Overrides the public step(pairs) only."""

    def step(self, pairs):
        for p, g in pairs:
            p -= self.lr * g


def test_own_loss_and_optimizer_train_and_load_with_custom_objects(tmp_path):
    model = nb.Sequential([nb.Dense(3, 1, rng=np.random.default_rng(0))])
    model.compile(PlainSGD(lr=0.1), MAE())
    x, y = X, X[:, :1] - X[:, 1:2]
    loss = model.fit(x, y, epochs=3, verbose=0, shuffle=False).history["loss"]
    w = np.random.default_rng(0)
    hand = nb.Sequential([nb.Dense(3, 1, rng=w)])
    hand_losses = []
    for _ in range(3):                                  # one batch of 6: by hand
        d = hand.layers[0]
        out = hand.predict(x)
        hand_losses.append(np.mean(np.abs(out - y)))
        g = np.sign(out - y) / out.size
        d.params["W"] -= 0.1 * (x.T @ g)
        d.params["b"] -= 0.1 * g.sum(axis=0)
    assert loss == pytest.approx(hand_losses, rel=1e-12)
    path = model.save(tmp_path / "own")
    with pytest.raises(ValueError, match=r"the file uses the (loss class 'MAE'|optimizer class "
                                         r"'PlainSGD').*custom_objects=\{'"):
        nb.load_model(path)
    back = nb.load_model(path, custom_objects={"MAE": MAE, "PlainSGD": PlainSGD})
    assert isinstance(back.loss, MAE) and isinstance(back.optimizer, PlainSGD)
    assert back.evaluate(x, y) == pytest.approx(model.evaluate(x, y), rel=1e-12)


def test_check_gradients_refuses_a_forward_that_writes_into_x():
    class ReluInPlace(nb.Layer):
        def forward(self, x):
            self.mask = x > 0
            x[~self.mask] = 0.0
            return x

        def backward(self, dy):
            return dy * self.mask

    x = X.copy()
    with pytest.raises(ValueError, match=r"ReluInPlace.forward tried to change its input x in "
                                         r"place.*np.maximum\(x, 0\)"):
        nb.check_gradients(ReluInPlace(), x)
    np.testing.assert_array_equal(x, X)


def test_a_config_that_includes_dtype_loads(tmp_path):
    class Typed(Scale):
        def __init__(self, n=3, dtype="float64", rng=None):
            super().__init__(n)
            self.dtype = dtype
            self.params = {"s": np.ones(n, dtype=dtype)}
            self.grads = {"s": np.zeros(n, dtype=dtype)}

        def get_config(self):
            return {"n": self.n, "dtype": self.dtype}

    model = nb.Sequential([Typed(3, "float32"), nb.Dense(3, 1, dtype=np.float32)])
    model.layers[0].params["s"][:] = [1.0, 2.0, 3.0]
    back = nb.load_model(model.save(tmp_path / "t"), custom_objects={"Typed": Typed})
    np.testing.assert_array_equal(back.layers[0].params["s"], [1.0, 2.0, 3.0])
    assert back.predict(X).dtype == np.float32


@pytest.mark.parametrize("value, grad, match", [
    (lambda d: np.abs(d), lambda d: np.sign(d), r"MyLoss returned shape \(6, 1\) as the loss; "
                                                r"expected one number.*np.mean"),
    (lambda d: np.mean(np.abs(d)), lambda d: np.sign(d).ravel(),
     r"MyLoss's gradient returned shape \(6,\); expected ∂L/∂y_pred of shape \(6, 1\)"),
    (lambda d: np.mean(np.abs(d)), lambda d: None, r"MyLoss's gradient returned None"),
])
def test_a_learners_loss_that_returns_the_wrong_thing_is_named(value, grad, match):
    class MyLoss(nb.Loss):
        def value(self, yt, yp):
            return value(yp - yt)

        def gradient(self, yt, yp):
            return grad(yp - yt)

    model = nb.Sequential([nb.Dense(3, 1)])
    model.compile("sgd", MyLoss())
    with pytest.raises(ValueError, match=match):
        model.fit(X, X[:, :1], verbose=0)
