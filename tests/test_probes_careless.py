"""Probes of Sequential as a hurried learner uses it: data in the wrong type, Keras
habits (classes for objects, validation data that does not fit), set_weights with
the wrong things, saving onto a folder. Each gets the right number, or a ValueError
that names the function, what it got, and the fix."""

import numpy as np
import pytest

import nnbook as nb


def _model(k=1, loss="binary_crossentropy", seed=0):
    rng = np.random.default_rng(seed)
    last = nb.Sigmoid() if k == 1 else nb.Softmax()
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, k, rng=rng), last])
    model.compile(nb.SGD(lr=0.1), loss)
    return model


def _fit(model, x, y, **kw):
    return model.fit(x, y, epochs=2, verbose=0, rng=np.random.default_rng(5), **kw)


X = np.random.default_rng(1).standard_normal((20, 3))
Y = (X[:, 0] > 0).astype(float)
LABELS = np.arange(20) % 3


# the right number from careless but meaningful input ---------------------------------------
@pytest.mark.parametrize("x, y", [
    (X.tolist(), Y.tolist()),                        # lists of lists
    (X, Y.astype(bool)),                             # boolean targets
    (X, Y.astype(np.int8).reshape(-1, 1)),           # int8 column
])
def test_lists_bools_and_small_ints_train_like_float_arrays(x, y):
    expected = _fit(_model(), X, Y).history["loss"]
    assert _fit(_model(), x, y).history["loss"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("y", [LABELS.astype(float), LABELS.reshape(-1, 1).astype(float),
                               LABELS.astype(np.uint8), nb.data.one_hot(LABELS, 3).astype(int)])
def test_float_column_and_one_hot_int_labels_train_like_integer_labels(y):
    expected = _fit(_model(3, "crossentropy"), X, LABELS).history["loss"]
    got = _fit(_model(3, "sparse_categorical_crossentropy"), X, y).history["loss"]
    assert got == pytest.approx(expected, rel=1e-12)


def test_uint8_images_are_the_same_numbers_as_floats():
    imgs = np.random.default_rng(2).integers(0, 256, (4, 5, 5, 1)).astype(np.uint8)
    model = nb.Sequential([nb.Conv2D(1, 2, 3, rng=np.random.default_rng(0)), nb.Flatten()])
    np.testing.assert_array_equal(model.predict(imgs), model.predict(imgs.astype(float)))


# Keras habits ---------------------------------------------------------------------------
@pytest.mark.parametrize("opt, loss, match", [
    (nb.Adam, "mse", r"got the class Adam, expected an instance. Did you mean Adam\(\)\?"),
    ("sgd", nb.MSE, r"got the class MSE, expected an instance. Did you mean MSE\(\)\?"),
])
def test_compile_with_a_class_asks_for_an_instance(opt, loss, match):
    with pytest.raises(ValueError, match=match):
        _model().compile(opt, loss)


def test_validation_data_that_does_not_fit_says_it_is_the_validation_data():
    with pytest.raises(ValueError, match=r"^Sequential.fit\(validation_data\): x_val does not "
                                         r"fit the model. Dense\(3 → 4\): expected input of "
                                         r"shape \(m, 3\), got \(20, 2\)"):
        _fit(_model(), X, Y, validation_data=(X[:, :2], Y))
    with pytest.raises(ValueError, match=r"Sequential.fit\(validation_data\): label 4 is "
                                         r"outside \[0, 3\)"):
        _fit(_model(3, "crossentropy"), X, LABELS, validation_data=(X, np.arange(20) % 5))


def test_fit_without_targets_says_so():
    with pytest.raises(ValueError, match=r"Sequential.fit: got y=None; training needs one "
                                         r"target per sample, e.g. model.fit\(x, y\)"):
        _model().fit(X, None, verbose=0)
    with pytest.raises(ValueError, match=r"Sequential.evaluate: got y=None.*model.evaluate"):
        _model().evaluate(X, None)


# set_weights ----------------------------------------------------------------------------
def test_set_weights_accepts_lists_and_ints_with_the_right_numbers():
    model, weights = _model(), _model(seed=3).get_weights()
    model.set_weights([w.tolist() for w in weights[:-1]] + [np.ones(1, dtype=int)])
    for got, want in zip(model.get_weights(), weights[:-1] + [np.ones(1)]):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("bad, match", [
    ("strings", r"expected numbers in array 0, got dtype <U1"),
    ("ragged", r"could not turn array 0 into an array"),
    ("nan", r"array 1 contains non-finite values .* the first at index \(2,\): nan"),
    ("dict", r"expected a list of arrays in the order of model.get_weights\(\), got dict"),
    ("model", r"got Sequential. To copy another model's weights: "
              r"set_weights\(other.get_weights\(\)\)"),
])
def test_set_weights_refuses_what_is_not_weights_and_keeps_the_old_ones(bad, match):
    model = _model()
    before = model.get_weights()
    weights = [w.copy() for w in before]
    if bad == "strings":
        weights[0] = np.full(weights[0].shape, "a")
    elif bad == "ragged":
        weights[0] = [[1.0, 2.0], [3.0]]
    elif bad == "nan":
        weights[1][2] = np.nan
    else:
        weights = {"W": weights[0]} if bad == "dict" else _model()
    with pytest.raises(ValueError, match=rf"Sequential.set_weights: .*{match}"):
        model.set_weights(weights)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


# save -----------------------------------------------------------------------------------
def test_save_onto_a_folder_is_refused(tmp_path):
    (tmp_path / "run.npz").mkdir()
    for target in (tmp_path, tmp_path / "run", tmp_path / "run.npz"):
        with pytest.raises(ValueError, match=r"Sequential.save: '.*' is a folder; expected a "
                                             r"file name, e.g. '.*model.npz'"):
            _model().save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]
    assert sorted(p.name for p in tmp_path.parent.iterdir() if p.name.startswith(
        tmp_path.name)) == [tmp_path.name]                  # no "<folder>.npz" beside it


def test_save_without_extension_and_over_an_old_file_round_trip(tmp_path):
    old = _model(seed=4)
    old.save(tmp_path / "m.npz")
    model = _model()
    path = model.save(tmp_path / "m")                        # adds .npz, replaces the old one
    assert path.endswith("m.npz")
    np.testing.assert_array_equal(nb.load_model(path).predict(X), model.predict(X))


# dtypes ---------------------------------------------------------------------------------
def test_a_float32_model_may_start_with_a_layer_without_parameters():
    imgs = np.random.default_rng(3).random((5, 2, 2, 1))
    for first in (nb.Flatten(), nb.Dropout(0.5, rng=np.random.default_rng(0))):
        first = [nb.Flatten()] if isinstance(first, nb.Flatten) else [nb.Flatten(), first]
        model = nb.Sequential(first + [nb.Dense(4, 2, dtype=np.float32)])
        model.compile("sgd", "mse")
        model.fit(imgs, np.zeros((5, 2)), verbose=0)
        assert model.dtype == model.predict(imgs).dtype == np.float32


def test_mixed_dtypes_name_the_layer_that_set_the_model_dtype():
    with pytest.raises(ValueError, match=r"layer 2 \(Dense\(4 → 1\)\) holds \['float64'\] "
                                         r"parameters but the model is float32 \(from layer 0, "
                                         r"Dense\(3 → 4\)\)"):
        nb.Sequential([nb.Dense(3, 4, dtype=np.float32), nb.ReLU(), nb.Dense(4, 1)])


# Keras' layer spellings -------------------------------------------------------------------
@pytest.mark.parametrize("make, match", [
    (lambda: nb.Dense(3, 1, input_shape=(3,)),
     r"Dense\(3, 1\) already knows its input size.*Sequential\(\[...\], input_shape=\(3,\)\)"),
    (lambda: nb.Dense(4, input_dim=3), r"Dense\(units=4, input_dim=3\) write Dense\(3, 4\)"),
    (lambda: nb.Dense(4, activation="tanh", input_shape=(3,)),
     r"Dense\(units=4, activation='tanh', input_shape=\(3,\)\) write Dense\(3, 4\), then an "
     r"activation layer such as Tanh\(\)"),
    (lambda: nb.Conv2D(8, 3),
     r"got Conv2D\(8, 3\), Keras' \(filters, kernel_size\).*Conv2D\(1, 8, 3\)"),
    (lambda: nb.Activation("relu"), r"one class per activation: write nb.ReLU\(\), not Keras'"),
    (lambda: nb.ReLU(0.1), r"ReLU: takes no arguments, got ReLU\(0.1\).*Activation subclass"),
    (lambda: nb.Softmax(axis=1), r"Softmax: takes no arguments, got Softmax\(axis=1\)"),
])
def test_keras_layer_spellings_get_nnbooks_spelling(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("k, loss", [(1, "binary_crossentropy"), (3, "crossentropy")])
def test_class_names_as_targets_are_shown_with_the_fix(k, loss):
    names = np.array(["cat", "dog", "owl"])[LABELS]
    with pytest.raises(ValueError, match=r"Sequential.fit: expected .* got dtype <U3 \(e.g. "
                                         r"'cat'\).*np.unique\(y, return_inverse=True\)"):
        _fit(_model(k, loss), X, names)


def test_validation_data_given_positionally_and_an_int_rng_are_explained():
    model = _model()
    with pytest.raises(ValueError, match=r"got an array as epochs; fit's third and fourth "
                                         r"arguments are epochs and batch_size.*validation_data="):
        model.fit(X, Y, X, Y)
    with pytest.raises(ValueError, match=r"got an array as batch_size"):
        model.fit(X, Y, 2, X)
    with pytest.raises(ValueError, match=r"^Sequential.fit: expected rng to be a np.random."
                                         r"Generator or None, got int. Create one with "
                                         r"np.random.default_rng\(seed\): "
                                         r"rng=np.random.default_rng\(0\)"):
        model.fit(X, Y, verbose=0, rng=0)
    with pytest.raises(ValueError, match=r"^Dense\(3 → 2\): expected rng"):
        nb.Dense(3, 2, rng=42)
    with pytest.raises(ValueError, match=r"expected n_in to be an integer ≥ 1, got an array "
                                         r"of shape \(2, 2\)\.$"):
        nb.Dense(np.ones((2, 2), dtype=int), 3)


@pytest.mark.parametrize("layers, shape, fix", [
    ([nb.Conv2D(1, 2, 3), nb.Flatten(), nb.Dense(10, 1)], (6, 6, 1),
     r"got \(32,\). The previous layer gives 32 values: use Dense\(32, 1\)"),
    ([nb.Conv2D(1, 2, 3), nb.Dense(32, 1)], (6, 6, 1),
     r"got \(4, 4, 2\). Add Flatten\(\) before this layer"),
])
def test_a_dense_that_does_not_fit_says_what_would(layers, shape, fix):
    with pytest.raises(ValueError, match=r"layer \d does not fit the one before it. Dense.*" + fix):
        nb.Sequential(layers, input_shape=shape)


@pytest.mark.parametrize("val, got", [
    ((X, Y, np.ones(20)), r"got a tuple of 3 items. nnbook has no sample weights"),
    (X, r"got a ndarray\.$"),
])
def test_validation_data_that_is_not_a_pair_says_what_it_got(val, got):
    with pytest.raises(ValueError, match=r"expected validation_data=\(x_val, y_val\), " + got):
        _fit(_model(), X, Y, validation_data=val)
