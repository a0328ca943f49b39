"""Probes of the custom-layer contract as a learner gets it wrong: gradients of the
wrong shape, backward returning the wrong thing, parameters that are not arrays,
layers that change the shape without saying so, and what reaches check_gradients
and load_model. Each mistake gets a ValueError naming the layer, never a wrong
number or a NumPy error from deep inside."""

import re

import numpy as np
import pytest

import nnbook as nb
from small_models import Scale


def _data(m=20):
    x = np.random.default_rng(0).standard_normal((m, 3))
    return x, (x[:, :1] > 0).astype(float)


def _fit(layer, first=False, epochs=2):
    """The layer in the middle (or first) of a small binary classifier, trained."""
    rng = np.random.default_rng(1)
    head = [nb.Dense(3, 1, rng=rng), nb.Sigmoid()]
    layers = [layer] + head if first else [nb.Dense(3, 3, rng=rng), layer] + head
    model = nb.Sequential(layers)
    model.compile(nb.SGD(lr=0.1), "binary_crossentropy")
    return model.fit(*_data(), epochs=epochs, verbose=0).history["loss"]


def _variant(grad=None, dx=None):
    """A Scale whose gradient or ∂E/∂x is computed by the given (buggy) function."""
    methods = {}
    if grad is not None:
        methods["_grad"] = lambda self, dy: grad(dy * self.x)
    if dx is not None:
        methods["_dx"] = lambda self, dy: dx(dy)
    return type("Buggy", (Scale,), methods)()


# gradients -------------------------------------------------------------------------------
@pytest.mark.parametrize("grad, got", [
    (lambda g: g.sum(), r"\(\)"),                               # scalar: would broadcast
    (lambda g: g.sum(axis=0, keepdims=True), r"\(1, 3\)"),
    (lambda g: g, r"\(20, 3\)"),                                # forgot to sum over the batch
])
def test_gradient_of_the_wrong_shape_names_the_layer(grad, got):
    with pytest.raises(ValueError, match=rf"layer 1 \(Buggy\).*grads\['s'\] has shape {got}, "
                                         r"expected \(3,\)"):
        _fit(_variant(grad=grad))


def test_gradient_given_as_a_list_trains_like_an_array():
    assert _fit(_variant(grad=lambda g: list(g.sum(axis=0)))) == pytest.approx(_fit(Scale()))


# what backward returns -------------------------------------------------------------------
@pytest.mark.parametrize("dx, got", [
    (lambda dy: dy[:, :2], r"shape \(20, 2\)"),
    (lambda dy: dy.sum(axis=0), r"shape \(3,\)"),
    (lambda dy: None, r"None"),
    (lambda dy: (dy, dy), r"a tuple"),
])
def test_backward_returning_the_wrong_dx_is_blamed_on_that_layer(dx, got):
    with pytest.raises(ValueError, match=rf"layer 1 \(Buggy\): backward returned {got}.*"
                                         r"expected ∂E/∂x of shape \(20, 3\)"):
        _fit(_variant(dx=dx))


def test_backward_may_return_nothing_in_the_first_layer_and_lists_elsewhere():
    assert np.isfinite(_fit(_variant(dx=lambda dy: None), first=True)).all()
    assert _fit(_variant(dx=lambda dy: (dy * 1.0).tolist())) == pytest.approx(_fit(Scale()))


def test_backward_with_a_required_need_dx_is_called_with_it():
    class Needy(Scale):
        def backward(self, dy, need_dx):
            self.grads["s"] = self._grad(dy)
            return self._dx(dy) if need_dx else None

    assert _fit(Needy()) == pytest.approx(_fit(Scale()))
    assert _fit(Needy(), first=True) == pytest.approx(_fit(Scale(), first=True))


# what forward returns --------------------------------------------------------------------
@pytest.mark.parametrize("out, got", [
    (lambda y: None, r"None"),
    (lambda y: y[:5], r"shape \(5, 3\)"),
    (lambda y: y.sum(), r"shape \(\)"),
])
def test_forward_returning_the_wrong_thing_is_blamed_on_that_layer(out, got):
    class Odd(Scale):
        def forward(self, x):
            return out(super().forward(x))

    with pytest.raises(ValueError, match=rf"layer 1 \(Odd\): forward returned {got} for a "
                                         r"batch of 20 samples"):
        _fit(Odd())


# parameters ------------------------------------------------------------------------------
@pytest.mark.parametrize("value, what", [
    ([1.0, 1.0, 1.0], "a list"), (1.0, "a float"),
    (np.ones(3, dtype=np.int64), "an array of dtype int64"),
])
def test_parameters_that_are_not_float_arrays_are_refused(value, what):
    class Loose(Scale):
        def __init__(self):
            super().__init__()
            self.params = {"s": value}

    with pytest.raises(ValueError, match=rf"layer 0 \(Loose\).*params\['s'\] is {what}.*"
                                         r"np.array\(\.\.\., dtype=float\)"):
        nb.Sequential([Loose(), nb.Dense(3, 1)])


# shapes ----------------------------------------------------------------------------------
class KeepTwo(nb.Layer):
    """Keeps the first two features; no output_shape, so the model must find it out."""

    def forward(self, x):
        self.shape = x.shape
        return x[:, :2]

    def backward(self, dy):
        dx = np.zeros(self.shape)
        dx[:, :2] = dy
        return dx


def test_shape_changing_layer_without_output_shape_builds_trains_and_summarises(capsys):
    model = nb.Sequential([nb.Dense(3, 3, rng=np.random.default_rng(0)), KeepTwo(),
                           nb.Dense(2, 1, rng=np.random.default_rng(1))])
    assert model.output_shapes() == [(3,), (2,), (1,)]
    model.summary()
    assert re.search(r"KeepTwo\(\) +\(None, 2\)", capsys.readouterr().out)
    model.compile(nb.SGD(lr=0.1), "mse")
    loss = model.fit(*_data(), epochs=3, verbose=0).history["loss"]
    assert loss[-1] < loss[0]


def test_measuring_a_layer_leaves_its_random_generator_alone():
    class Noise(KeepTwo):
        def __init__(self, rng):
            super().__init__()
            self.rng = rng

        def forward(self, x):
            return super().forward(x) + self.rng.normal(size=(len(x), 2))

    layer = Noise(np.random.default_rng(7))
    model = nb.Sequential([nb.Dense(3, 3), layer, nb.Dense(2, 1)])
    model.summary(print_fn=lambda s: None)
    assert model.output_shapes()[1] == (2,)
    assert layer.rng.normal() == np.random.default_rng(7).normal()


def test_output_shape_as_an_int_works_and_a_wrong_one_is_blamed_on_its_layer():
    class AsInt(KeepTwo):
        def output_shape(self, input_shape):
            return 2                                    # (2,) meant

    class Wrong(KeepTwo):
        def output_shape(self, input_shape):
            return tuple(input_shape)                   # forgot that it keeps two

    assert nb.Sequential([nb.Dense(3, 3), AsInt(), nb.Dense(2, 1)]).output_shapes()[1] == (2,)
    model = nb.Sequential([nb.Dense(3, 3), Wrong(), nb.Dense(3, 1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"layer 1 \(Wrong\).output_shape says \(3,\) per "
                                         r"sample, but its forward returned \(2,\)"):
        model.fit(*_data(), verbose=0)


def test_a_sigmoid_subclass_with_another_function_is_not_fused():
    """BCE's fused gradient (ŷ − y) is right only for the sigmoid itself."""
    class HalfSigmoid(nb.Sigmoid):
        def function(self, x):
            return 0.5 * nb.sigmoid(x)

        def derivative(self, x):
            s = nb.sigmoid(x)
            return 0.5 * s * (1 - s)

        def backward(self, dy, need_dx=True):
            return nb.Activation.backward(self, dy, need_dx)

    model = nb.Sequential([nb.Dense(3, 1, rng=np.random.default_rng(0)), HalfSigmoid()])
    model.compile(nb.SGD(lr=0.1), "binary_crossentropy")
    x, y = _data()
    model.compute_gradients(x, y)
    fitted = model.layers[0].grads["W"].copy()
    model.backward(model.loss.grad(y, model.forward(x)))           # the chain rule, unfused
    np.testing.assert_allclose(fitted, model.layers[0].grads["W"], rtol=1e-12)


# activations and the Keras habit ---------------------------------------------------------
def test_activation_without_derivative_and_layer_with_call_are_explained():
    class OnlyFunction(nb.Activation):
        def function(self, x):
            return np.maximum(x, 0)

    with pytest.raises(NotImplementedError, match=r"OnlyFunction: define derivative\(x\)"):
        _fit(OnlyFunction())

    class KerasStyle(nb.Layer):
        def call(self, x):
            return x

    with pytest.raises(NotImplementedError, match=r"KerasStyle: define forward\(x\).*call"):
        _fit(KerasStyle())


def test_a_layer_that_computes_in_float64_keeps_a_float32_model_float32():
    class Upcast(nb.Layer):                             # np.zeros defaults to float64
        def forward(self, x):
            return x + np.zeros(x.shape)

        def backward(self, dy):
            return dy + np.zeros(dy.shape)

    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Dense(3, 3, rng=rng, dtype=np.float32), Upcast(),
                           nb.Dense(3, 1, rng=rng, dtype=np.float32)])
    model.compile("sgd", "mse")
    x, y = _data()
    model.fit(x.astype(np.float32), y, epochs=1, verbose=0)
    assert model(x.astype(np.float32)).dtype == model.predict(x).dtype == np.float32
    assert {w.dtype for w in model.get_weights()} == {np.dtype(np.float32)}


@pytest.mark.parametrize("call", ["fit", "fit_shuffled", "predict", "evaluate"])
def test_a_forward_that_writes_into_its_input_cannot_change_the_data(call):
    class DoubleInPlace(nb.Layer):                      # x *= 2 compounded every epoch
        def forward(self, x):
            x *= 2
            return x

        def backward(self, dy):
            return 2 * dy

    model = nb.Sequential([DoubleInPlace(), nb.Dense(3, 1)])
    model.compile("sgd", "mse")
    x, y = _data()
    kept = x.copy()
    with pytest.raises(ValueError, match=r"layer 0 \(DoubleInPlace\): forward tried to change "
                                         r"its input x in place.*x = x.copy\(\)"):
        {"fit": lambda: model.fit(x, y, shuffle=False, verbose=0),
         "fit_shuffled": lambda: model.fit(x, y, verbose=0),
         "predict": lambda: model.predict(x),
         "evaluate": lambda: model.evaluate(x, y)}[call]()
    np.testing.assert_array_equal(x, kept)
    out = nb.Sequential([nb.Flatten()]).predict(x)      # a view of the data comes back writable
    out[0, 0] = 7.0
    np.testing.assert_array_equal(x, kept)


def test_layers_appended_to_model_layers_directly_are_checked_before_use():
    relu = nb.ReLU()
    model = nb.Sequential([nb.Dense(3, 3), relu, nb.Dense(3, 3)])
    model.layers.append(relu)                           # bypasses add(): gradients 55 % off
    model.layers.append(nb.Dense(3, 1))
    model.compile("sgd", "mse")
    x, y = _data()
    for call in (lambda: model.fit(x, y, verbose=0), lambda: model.predict(x),
                 lambda: model.evaluate(x, y)):
        with pytest.raises(ValueError, match=r"layer 3 is the same object as layer 1.*"
                                             r"model.layers was changed directly"):
            call()
    model.layers[3] = nb.ReLU()                         # fixed by hand: now accepted
    assert model.predict(x).shape == (20, 1)


def test_float16_parameters_of_a_learners_layer_are_refused():
    class Half(Scale):
        def __init__(self):
            super().__init__()
            self.params = {"s": np.ones(3, dtype=np.float16)}

    with pytest.raises(ValueError, match=r"layer 0 \(Half\): params\['s'\] is an array of "
                                         r"dtype float16; nnbook trains in float32 or float64"):
        nb.Sequential([Half()])


def test_a_parameter_replaced_by_a_list_after_building_is_named():
    layer = Scale()
    model = nb.Sequential([nb.Dense(3, 3), layer, nb.Dense(3, 1)])
    model.compile("sgd", "mse")
    layer.params["s"] = [2.0, 2.0, 2.0]                 # "setting the weights" by hand
    with pytest.raises(ValueError, match=r"train_step: layer 1 \(Scale\): params\['s'\] is a "
                                         r"list; parameters must be float NumPy arrays"):
        model.fit(*_data(), verbose=0)
