"""The promise of the API document (../shared/API.md, beside the checkout), name by
name: what ``import nnbook as nb`` gives, the signatures and defaults, and the
behaviours the document states.
Deeper tests of each module live in the other test files; this one reads like
the document it checks."""

import inspect

import numpy as np
import pytest

import nnbook as nb

CORE = ["Layer", "Dense", "Sigmoid", "Tanh", "ReLU", "Softmax", "Flatten", "MSE",
        "BinaryCrossEntropy", "CrossEntropy", "SGD", "Adam", "Sequential", "load_model",
        "numerical_gradient", "check_gradients"]
CONV = ["Conv2D", "MaxPool2D", "AvgPool2D", "output_size"]
LAYER_CLASSES = ["Dense", "Sigmoid", "Tanh", "ReLU", "Softmax", "Flatten",
                 "Conv2D", "MaxPool2D", "AvgPool2D"]



def defaults(obj):
    sig = inspect.signature(obj)
    return {k: p.default for k, p in sig.parameters.items() if p.default is not inspect.Parameter.empty}


def kinds(obj):
    return {k: p.kind for k, p in inspect.signature(obj).parameters.items()}


# names ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CORE)
def test_top_level_name(name):
    assert hasattr(nb, name), f"nb.{name} is promised by API.md"
    assert name in nb.__all__


@pytest.mark.parametrize("name", CONV)
def test_top_level_conv_name(name):
    assert hasattr(nb, name), f"nb.{name} is promised by API.md"
    assert name in nb.__all__


@pytest.mark.parametrize("name", LAYER_CLASSES)
def test_layers_are_layers(name):
    cls = getattr(nb, name)
    assert isinstance(cls, type) and issubclass(cls, nb.Layer)
    for method in ("forward", "backward"):
        assert callable(getattr(cls, method))


# signatures and defaults ----------------------------------------------------------------------
def test_dense_signature():
    k = kinds(nb.Dense)
    P = inspect.Parameter
    assert list(k)[:2] == ["n_in", "n_out"]
    assert k["n_in"] == k["n_out"] == P.POSITIONAL_OR_KEYWORD
    assert k["init"] == k["rng"] == k["dtype"] == P.KEYWORD_ONLY
    d = defaults(nb.Dense)
    assert d["rng"] is None and d["dtype"] is np.float64
    with pytest.raises(TypeError):
        nb.Dense(2, 3, "xavier")                       # init is keyword-only


@pytest.mark.parametrize("name", ["Sigmoid", "Tanh", "ReLU", "Softmax", "Flatten"])
def test_layers_without_arguments_and_without_params(name):
    layer = getattr(nb, name)()
    assert layer.params == {} and layer.grads == {}


def test_optimizer_defaults():
    d = defaults(nb.SGD)
    assert (d["lr"], d["momentum"], d["clipvalue"], d["clipnorm"]) == (0.01, 0.0, None, None)
    assert list(inspect.signature(nb.SGD).parameters)[:4] == ["lr", "momentum", "clipvalue", "clipnorm"]
    d = defaults(nb.Adam)
    assert (d["lr"], d["beta1"], d["beta2"], d["eps"]) == (0.001, 0.9, 0.999, 1e-8)
    assert list(inspect.signature(nb.Adam).parameters)[:4] == ["lr", "beta1", "beta2", "eps"]
    sgd, adam = nb.SGD(), nb.Adam()
    assert (sgd.lr, sgd.momentum, sgd.clipvalue, sgd.clipnorm) == (0.01, 0.0, None, None)
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps) == (0.001, 0.9, 0.999, 1e-8)


def test_fit_and_gradcheck_signatures():
    d = defaults(nb.Sequential.fit)
    assert d == {"epochs": 1, "batch_size": 32, "shuffle": True, "validation_data": None,
                 "verbose": 1, "rng": None, "validation_split": 0.0, "callbacks": None,
                 "initial_epoch": 0}
    assert list(inspect.signature(nb.Sequential.fit).parameters)[:3] == ["self", "x", "y"]
    assert defaults(nb.numerical_gradient) == {"eps": 1e-6}
    k = kinds(nb.check_gradients)
    assert list(k)[:2] == ["layer", "x"]
    assert k["loss"] == k["y"] == inspect.Parameter.KEYWORD_ONLY


# Layers ----------------------------------------------------------------------------------------
def test_dense_default_init_is_xavier_uniform_with_zero_biases():
    n_in, n_out = 400, 300
    layer = nb.Dense(n_in, n_out, rng=np.random.default_rng(0))
    W, b = layer.params["W"], layer.params["b"]
    limit = np.sqrt(6 / (n_in + n_out))
    assert np.all(np.abs(W) <= limit) and np.abs(W).max() > 0.99 * limit
    assert W.var() == pytest.approx(limit ** 2 / 3, rel=0.03)
    counts, _ = np.histogram(W, bins=8, range=(-limit, limit))
    np.testing.assert_allclose(counts / W.size, 1 / 8, atol=0.01)      # roughly uniform
    np.testing.assert_array_equal(b, 0.0)


def test_dense_shapes():
    layer = nb.Dense(3, 2)
    assert layer.params["W"].shape == (3, 2) and layer.params["b"].shape == (2,)
    assert set(layer.grads) == set(layer.params)
    y = layer.forward(np.ones((5, 3)))
    assert y.shape == (5, 2)
    assert layer.backward(np.ones((5, 2))).shape == (5, 3)
    assert all(layer.grads[k].shape == layer.params[k].shape for k in layer.params)


def test_setting_params_in_place_changes_the_output():
    layer = nb.Dense(2, 1)
    layer.params["W"][...] = [[1.0], [2.0]]
    layer.params["b"][...] = [0.5]
    np.testing.assert_array_equal(layer.forward(np.array([[3.0, 4.0]])), [[11.5]])


def test_rng_determinism():
    a = nb.Dense(4, 3, rng=np.random.default_rng(42)).params["W"]
    b = nb.Dense(4, 3, rng=np.random.default_rng(42)).params["W"]
    c = nb.Dense(4, 3, rng=np.random.default_rng(43)).params["W"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(nb.Dense(4, 3).params["W"], nb.Dense(4, 3).params["W"])  # rng=None


def test_elementwise_and_softmax_shapes():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    for cls in (nb.Sigmoid, nb.Tanh, nb.ReLU):
        assert cls().forward(x).shape == x.shape
    y = nb.Softmax().forward(x)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0)                     # over the last axis
    assert nb.Flatten().forward(x).shape == (2, 12)
    np.testing.assert_array_equal(nb.Flatten().forward(x)[1], x[1].reshape(-1))   # C order


@pytest.mark.parametrize("bad", [0, -2, 1.0, 2.5, True, False])
def test_constructor_validation(bad):
    with pytest.raises(ValueError, match=r"Dense: expected n_in to be an integer ≥ 1, got"):
        nb.Dense(bad, 1)
    with pytest.raises(ValueError, match=r"Dense: expected n_out to be an integer ≥ 1, got"):
        nb.Dense(1, bad)


def test_forward_names_expected_and_received():
    layer = nb.Dense(4, 2)
    with pytest.raises(ValueError, match=r"Dense\(4 → 2\): expected input of shape \(m, 4\), got \(3, 5\)"):
        layer.forward(np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"expected input of shape \(m, 4\), got \(4,\)"):
        layer.forward(np.ones(4))


def test_float32_model_computes_and_trains_in_float32():
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Dense(2, 3, rng=rng, dtype=np.float32), nb.ReLU(),
                           nb.Dense(3, 1, rng=rng, dtype=np.float32)])
    x = rng.standard_normal((8, 2)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    assert model.predict(x).dtype == np.float32
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, verbose=0, rng=rng)
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert model.predict(x).dtype == np.float32


# Losses ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", [nb.MSE(), nb.BinaryCrossEntropy(), nb.CrossEntropy()])
def test_loss_interface(loss):
    yt, yp = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.3, 0.7], [0.6, 0.4]])
    assert type(loss(yt, yp)) is float
    assert loss.grad(yt, yp).shape == yp.shape


@pytest.mark.parametrize("loss", [nb.MSE(), nb.BinaryCrossEntropy()])
def test_losses_never_broadcast_m_against_m1(loss):
    with pytest.raises(ValueError, match=r"y_true has shape \(3,\) but y_pred has shape \(3, 1\)"):
        loss(np.ones(3) * 0.5, np.ones((3, 1)) * 0.5)
    with pytest.raises(ValueError, match=r"y_true has shape \(3, 1\) but y_pred has shape \(3,\)"):
        loss(np.ones((3, 1)) * 0.5, np.ones(3) * 0.5)


def test_loss_values_as_documented():
    yt, yp = np.array([[1.0, 0.0]]), np.array([[0.9, 0.2]])
    assert nb.MSE()(yt, yp) == pytest.approx((0.01 + 0.04) / 2)
    assert nb.BinaryCrossEntropy()(yt, yp) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)
    assert nb.BinaryCrossEntropy()(np.array([1.0]), np.array([0.0])) < 17      # clipped
    assert nb.CrossEntropy()(np.array([[0.0, 1.0]]), np.array([[0.25, 0.75]])) == pytest.approx(-np.log(0.75))


def test_crossentropy_labels_agree_with_one_hot_and_are_range_checked():
    p = np.array([[0.1, 0.6, 0.3], [0.7, 0.2, 0.1]])
    assert nb.CrossEntropy()(np.array([1, 0]), p) == nb.CrossEntropy()(np.eye(3)[[1, 0]], p)
    with pytest.raises(ValueError, match=r"label 3 is outside \[0, 3\)"):
        nb.CrossEntropy()(np.array([3, 0]), p)


# Optimizers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [nb.SGD, nb.Adam])
@pytest.mark.parametrize("lr", [0, 0.0, -1e-3])
def test_learning_rate_must_be_positive(cls, lr):
    with pytest.raises(ValueError, match=r"lr > 0"):
        cls(lr=lr)


# Model ----------------------------------------------------------------------------------------------
def small_model(seed=0):
    rng = np.random.default_rng(seed)
    return nb.Sequential([nb.Dense(2, 3, rng=rng), nb.Tanh(), nb.Dense(3, 1, rng=rng), nb.Sigmoid()])


def xor_like(m=16, seed=0):
    x = np.random.default_rng(seed).standard_normal((m, 2))
    return x, (x[:, 0] * x[:, 1] > 0).astype(float)


def test_model_members():
    model = small_model()
    for name in ("layers", "forward", "backward", "predict", "compile", "fit", "evaluate",
                 "summary", "count_params", "save", "train_step", "compute_gradients",
                 "get_weights", "set_weights", "set_training", "stop_training", "metrics"):
        assert hasattr(model, name), name
    assert isinstance(model.predict([[0.0, 1.0]]), np.ndarray)       # array-like in


@pytest.mark.parametrize("loss", ["mse", "mean_squared_error", "binary_crossentropy",
                                  "crossentropy", "categorical_crossentropy"])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_compile_strings(opt, loss):
    model = small_model()
    model.compile(opt, loss)
    assert isinstance(model.optimizer, {"sgd": nb.SGD, "adam": nb.Adam}[opt])


def test_fit_history_and_validation():
    model = small_model()
    model.compile("sgd", "binary_crossentropy")
    x, y = xor_like()
    hist = model.fit(x, y, epochs=3, verbose=0, rng=np.random.default_rng(0))
    assert len(hist.history["loss"]) == 3 and "val_loss" not in hist.history
    hist = model.fit(x, y, epochs=2, validation_data=(x, y), verbose=0, rng=np.random.default_rng(0))
    assert len(hist.history["loss"]) == len(hist.history["val_loss"]) == 2


def test_fit_rng_drives_shuffling():
    x, y = xor_like(40)

    def history(seed):
        model = small_model()
        model.compile(nb.SGD(lr=0.5), "binary_crossentropy")
        return model.fit(x, y, epochs=3, batch_size=4, verbose=0,
                         rng=np.random.default_rng(seed)).history["loss"]

    assert history(1) == history(1)
    assert history(1) != history(2)


def test_non_finite_data_raises_before_training():
    model = small_model()
    model.compile("sgd", "binary_crossentropy")
    x, y = xor_like()
    before = {k: p.copy() for k, p in model.params.items()}
    x[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"non-finite"):
        model.fit(x, y, verbose=0)
    x[5, 1], y[2] = 0.0, np.inf
    with pytest.raises(ValueError, match=r"non-finite"):
        model.fit(x, y, verbose=0)
    for k, p in model.params.items():
        np.testing.assert_array_equal(p, before[k])


def test_divergence_raises_floating_point_error():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3))
    y = x @ np.array([[1.0], [-2.0], [3.0]])
    model = nb.Sequential([nb.Dense(3, 1, rng=rng)])
    model.compile(nb.SGD(lr=1e3), "mse")
    with pytest.raises(FloatingPointError, match=r"(?s)epoch \d+.*learning rate"):
        model.fit(x, y, epochs=500, verbose=0, rng=rng)


def test_evaluate_summary_count_params(capsys):
    model = small_model()
    model.compile("sgd", "binary_crossentropy")
    x, y = xor_like()
    assert type(model.evaluate(x, y)) is float
    assert model.count_params() == (2 * 3 + 3) + (3 * 1 + 1)
    model.summary()
    out = capsys.readouterr().out
    assert "Dense(2 → 3)" in out and "(None, 3)" in out and "Total params: 13" in out


def test_save_and_load_model(tmp_path):
    model = small_model()
    x = xor_like()[0]
    path = model.save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as data:          # one .npz, readable without pickle
        assert len(data.files) >= 1
    np.testing.assert_array_equal(nb.load_model(path).predict(x), model.predict(x))
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really a zip file")
    with pytest.raises(ValueError):
        nb.load_model(tmp_path / "bad.npz")


# Gradient checking -----------------------------------------------------------------------------------
def test_gradient_checking():
    g = nb.numerical_gradient(lambda v: float(np.sum(v ** 3)), np.array([1.0, -2.0]))
    np.testing.assert_allclose(g, [3.0, 12.0], rtol=1e-8)
    errors = nb.check_gradients(nb.Dense(3, 2, rng=np.random.default_rng(0)),
                                np.random.default_rng(1).standard_normal((4, 3)))
    assert set(errors) == {"x", "W", "b"}
    assert all(type(v) is float and v < 1e-7 for v in errors.values())


# Conv2D, pooling, output_size (only when present) ------------------------------------------------------
def test_output_size():
    assert nb.output_size(5, 3) == 3
    assert nb.output_size(5, 3, padding=1) == 5
    assert nb.output_size(7, 3, stride=2) == 3
    assert nb.output_size(8, 3, stride=2) == 3           # ⌊(8 − 3)/2⌋ + 1
    assert nb.output_size(4, 6, padding=1) == 1
    for kwargs in ({"stride": 0}, {"padding": -1}):
        with pytest.raises(ValueError):
            nb.output_size(5, 3, **kwargs)
    with pytest.raises(ValueError):
        nb.output_size(5, 0)
    with pytest.raises(ValueError):
        nb.output_size(5, 8, padding=1)                  # f > n + 2p


def test_conv2d_signature_shapes_and_cross_correlation():
    k = kinds(nb.Conv2D)
    assert list(k)[:3] == ["c_in", "c_out", "kernel_size"]
    d = defaults(nb.Conv2D)
    assert d["stride"] == 1 and d["padding"] == 0 and d["rng"] is None
    assert k["stride"] == k["padding"] == k["rng"] == inspect.Parameter.KEYWORD_ONLY
    layer = nb.Conv2D(1, 1, 2, rng=np.random.default_rng(0))
    assert layer.params["W"].shape == (2, 2, 1, 1) and layer.params["b"].shape == (1,)
    layer.params["W"][..., 0, 0] = [[1.0, 2.0], [3.0, 4.0]]
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    y = layer.forward(x)
    assert y.shape == (1, 2, 2, 1)
    # cross-correlation, not convolution: y[0, 0] = 0·1 + 1·2 + 3·3 + 4·4
    assert y[0, 0, 0, 0] == 0 * 1 + 1 * 2 + 3 * 3 + 4 * 4
    with pytest.raises(ValueError):
        layer.forward(np.ones((1, 3, 3, 2)))              # wrong channel count
    with pytest.raises(ValueError):
        layer.forward(np.ones((1, 1, 1, 1)))              # kernel larger than the image
    for bad in ({"stride": 0}, {"padding": -1}):
        with pytest.raises(ValueError):
            nb.Conv2D(1, 1, 2, **bad)
    with pytest.raises(ValueError):
        nb.Conv2D(1, 1, 0)


def test_pooling_signature_values_and_ties():
    assert defaults(nb.MaxPool2D) == {"pool_size": 2, "stride": None, "padding": 0}
    assert defaults(nb.AvgPool2D) == {"pool_size": 2, "stride": None, "padding": 0}
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    mp, ap = nb.MaxPool2D(), nb.AvgPool2D()
    assert mp.params == {} and ap.params == {}
    np.testing.assert_array_equal(mp.forward(x)[0, :, :, 0], [[5.0, 7.0], [13.0, 15.0]])
    np.testing.assert_array_equal(ap.forward(x)[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    # ties: the gradient goes to the first maximum of the window only
    pool = nb.MaxPool2D()
    pool.forward(np.ones((1, 2, 2, 1)))
    np.testing.assert_array_equal(pool.backward(np.ones((1, 1, 1, 1)))[0, :, :, 0], [[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError):
        nb.MaxPool2D(0)


def test_keras_training_api_signatures():
    assert defaults(nb.Sequential.compile) == {"optimizer": "sgd", "loss": "mse", "metrics": None,
                                               "run_eagerly": False}   # Keras', beyond API.md
    assert defaults(nb.Sequential.predict) == {"batch_size": 1024, "verbose": 0}
    assert defaults(nb.Sequential.evaluate) == {"batch_size": 1024, "verbose": 0}
    assert defaults(nb.load_model) == {"custom_objects": None}
    assert nb.Layer.training is False and nb.Layer.buffers == {}
    assert nb.CrossEntropy.fuses_with is nb.Softmax
    assert nb.BinaryCrossEntropy.fuses_with is nb.Sigmoid
    for name in ("value", "gradient", "fused_gradient", "fuses", "targets",
                 "check_targets", "check_predictions"):
        assert callable(getattr(nb.Loss, name)), name
    assert nb.labels.one_hot([2, 0], 3).tolist() == [[0, 0, 1], [1, 0, 0]]
