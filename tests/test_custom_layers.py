"""Learner-written layers are first-class: each style below trains with fit,
evaluates, passes check_gradients and survives save/load_model(custom_objects=...)."""

import numpy as np
import pytest

import nnbook as nb


class AssignDense(nb.Layer):
    """Assigns new gradient arrays in backward (the obvious way); no need_dx."""

    def __init__(self, n_in, n_out, rng=None, dtype=np.float64):
        super().__init__()
        rng = rng or np.random.default_rng(0)
        self.n_in, self.n_out = n_in, n_out
        self.params = {"W": rng.standard_normal((n_in, n_out)).astype(dtype) * 0.5,
                       "b": np.zeros(n_out, dtype=dtype)}
        self.grads = {"W": None, "b": None}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        self.grads["W"] = self.x.T @ dy
        self.grads["b"] = dy.sum(axis=0)
        return dy @ self.params["W"].T

    def output_shape(self, input_shape):
        return (self.n_out,)

    def get_config(self):
        return {"n_in": self.n_in, "n_out": self.n_out}


class InPlaceScale(nb.Layer):
    """y = x ⊙ s, writing its gradient in place; backward takes **kwargs."""

    def __init__(self, n):
        super().__init__()
        self.n = n
        self.params = {"s": np.ones(n)}
        self.grads = {"s": np.zeros(n)}

    def forward(self, x):
        self.x = x
        return x * self.params["s"]

    def backward(self, dy, **kwargs):
        self.grads["s"][...] = (dy * self.x).sum(axis=0)
        return dy * self.params["s"]

    def get_config(self):
        return {"n": self.n}


class Softplus(nb.Activation):
    """Only function and derivative, as Activation's docstring promises."""

    def function(self, x):
        return np.logaddexp(0.0, x)

    def derivative(self, x):
        return nb.sigmoid(x)


def _data(m=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, 3))
    return x, (x[:, :1] - x[:, 1:2] > 0).astype(float)


def _model(first):
    """Each custom style in the middle; the first layer is the custom one under test."""
    rng = np.random.default_rng(1)
    if first == "assign":      # assigned grads, backward(dy) with no need_dx, first layer
        layers = [AssignDense(3, 4), Softplus(), InPlaceScale(4)]
    else:                      # in-place grads, backward(dy, **kwargs), first layer
        layers = [InPlaceScale(3), AssignDense(3, 4), Softplus()]
    return nb.Sequential(layers + [nb.Dense(4, 1, rng=rng), nb.Sigmoid()])


CUSTOM = {"AssignDense": AssignDense, "InPlaceScale": InPlaceScale, "Softplus": Softplus}


@pytest.mark.parametrize("first", ["assign", "inplace"])
def test_custom_layers_train_evaluate_and_round_trip(first, tmp_path):
    model = _model(first)
    model.compile(nb.SGD(lr=0.5), "binary_crossentropy", metrics=["accuracy"])
    x, y = _data()
    before = model.evaluate(x, y)[0]
    hist = model.fit(x, y, epochs=30, batch_size=16, verbose=0, rng=np.random.default_rng(0))
    after, acc = model.evaluate(x, y)
    assert after < 0.5 * before and acc > 0.9
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    path = model.save(tmp_path / "custom")
    with pytest.raises(ValueError, match=r"custom_objects=\{'(AssignDense|InPlaceScale)'"):
        nb.load_model(path)
    back = nb.load_model(path, custom_objects=CUSTOM)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


@pytest.mark.parametrize("layer", [AssignDense(3, 4), InPlaceScale(3), Softplus()])
def test_custom_layers_pass_check_gradients(layer):
    x = np.random.default_rng(2).standard_normal((5, 3))
    errors = nb.check_gradients(layer, x, rng=np.random.default_rng(3))
    assert max(errors.values()) < 1e-7


def test_activation_with_only_function_and_derivative_backpropagates():
    act = Softplus()
    x = np.array([[-1.0, 0.0, 2.0]])
    act.forward(x)
    np.testing.assert_allclose(act.backward(np.ones_like(x)), nb.sigmoid(x))


def test_same_layer_object_twice_is_refused():
    relu = nb.ReLU()
    with pytest.raises(ValueError, match=r"layer 3 is the same object as layer 1 \(ReLU\(\)\)"):
        nb.Sequential([nb.Dense(2, 2), relu, nb.Dense(2, 2), relu])
    dense = nb.Dense(2, 2)
    model = nb.Sequential([dense])
    with pytest.raises(ValueError, match=r"appear only once"):
        model.add(dense)
    assert len(model.layers) == 1


def test_gradients_assigned_each_step_reach_the_optimizer():
    layer = AssignDense(3, 1)
    model = nb.Sequential([layer])
    model.compile(nb.SGD(lr=0.1), "mse")
    x, y = _data(16)
    w0 = layer.params["W"].copy()
    model.train_step(x, y)
    w1 = layer.params["W"].copy()
    model.train_step(x, y)
    assert not np.array_equal(w0, w1) and not np.array_equal(w1, layer.params["W"])


@pytest.mark.parametrize("name", ["Layer", "Activation"])
def test_file_naming_an_abstract_class_is_refused(name, tmp_path):
    model = nb.Sequential([nb.Dense(2, 2), nb.ReLU()])
    path = model.save(tmp_path / "m")
    import json
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arch = json.loads(str(arrays["__architecture__"][()]))
    arch["layers"][1]["class"] = name
    arrays["__architecture__"] = np.array(json.dumps(arch))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=rf"abstract class '{name}'"):
        nb.load_model(path)
