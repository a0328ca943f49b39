"""Tests of nnbook/saving/model_file.py: Sequential.save and load_model (round trips,
damaged files, no unpickling, atomic writes)."""

import os

import numpy as np
import pytest

import nnbook as nb
from small_models import data, mlp


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_round_trip_is_bitwise(tmp_path, dtype):
    model = mlp(dtype=dtype, out="softmax")
    x = data(7)[0].astype(dtype)
    written = model.save(tmp_path / "model")
    assert written == str(tmp_path / "model.npz") and os.path.exists(written)
    loaded = nb.load_model(tmp_path / "model")                # the .npz is found
    assert repr(loaded) == repr(model)
    assert loaded.dtype == dtype
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.predict(x).dtype == dtype
    for k, p in model.params.items():
        assert loaded.params[k] is not p
        np.testing.assert_array_equal(loaded.params[k], p)
    assert loaded.loss is None and loaded.optimizer is None


def test_save_load_compiled_model_keeps_loss_and_optimizer(tmp_path):
    model = mlp(out="linear")
    model.compile(nb.SGD(lr=0.05, momentum=0.8, clipnorm=2.0), nb.MSE())
    x, y = data(10)[0], np.ones((10, 2))
    model.fit(x, y, epochs=2, verbose=0, rng=np.random.default_rng(0))
    path = model.save(tmp_path / "compiled.npz")
    loaded = nb.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert type(loaded.loss) is nb.MSE
    assert type(loaded.optimizer) is nb.SGD
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.evaluate(x, y) == model.evaluate(x, y)
    loaded.fit(x, y, epochs=1, verbose=0, rng=np.random.default_rng(0))   # trainable right away

    logits = mlp(out="linear")
    logits.compile(nb.Adam(lr=0.01), nb.CrossEntropy(from_logits=True))
    loaded = nb.load_model(logits.save(tmp_path / "logits.npz"))
    assert repr(loaded.loss) == "CrossEntropy(from_logits=True)"
    assert repr(loaded.optimizer) == repr(logits.optimizer)


def test_save_load_keeps_input_shape(tmp_path):
    model = nb.Sequential([nb.Flatten(), nb.Dense(6, 2)], input_shape=(2, 3))
    loaded = nb.load_model(model.save(tmp_path / "flat.npz"))
    assert loaded.input_shape == (2, 3)
    assert loaded.output_shapes() == [(6,), (2,)]
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"load_model: no file"):
        nb.load_model(tmp_path / "nothing.npz")


SPRUNG = []                 # records every unpickling of a Trap


def _sprung():
    SPRUNG.append(True)
    return "sprung"


class Trap:
    """An object whose unpickling calls _sprung: if load_model ever unpickled, we would know."""

    def __reduce__(self):
        return (_sprung, ())


def damaged_files(tmp_path):
    good = tmp_path / "good.npz"
    mlp().save(good)
    raw = good.read_bytes()
    files = {}

    def put(name, content):
        files[name] = tmp_path / name
        files[name].write_bytes(content)

    put("truncated.npz", raw[: len(raw) // 2])
    put("empty.npz", b"")
    put("random.npz", np.random.default_rng(0).bytes(len(raw)))
    np.savez(tmp_path / "plain.npz", W=np.ones((3, 4)))                   # no architecture
    files["plain.npz"] = tmp_path / "plain.npz"
    np.savez(tmp_path / "pickled.npz", __architecture__=np.array([Trap()], dtype=object))
    files["pickled.npz"] = tmp_path / "pickled.npz"
    np.savez(tmp_path / "notadict.npz", __architecture__=np.array("[1, 2]"))
    files["notadict.npz"] = tmp_path / "notadict.npz"
    np.savez(tmp_path / "foreign.npz", __architecture__=np.array('{"format": "keras"}'))
    files["foreign.npz"] = tmp_path / "foreign.npz"
    with np.load(good) as d:                                              # a weight is missing
        np.savez(tmp_path / "noweights.npz", __architecture__=d["__architecture__"])
    files["noweights.npz"] = tmp_path / "noweights.npz"
    return files


def test_damaged_files_raise_value_error(tmp_path):
    for name, path in damaged_files(tmp_path).items():
        with pytest.raises(ValueError, match=r"load_model: .* is not a readable nnbook model"):
            nb.load_model(path)


def test_load_model_never_unpickles(tmp_path):
    path = damaged_files(tmp_path)["pickled.npz"]
    SPRUNG.clear()
    with np.load(path, allow_pickle=True) as d:       # the trap works when unpickled …
        d["__architecture__"]
    assert SPRUNG == [True]
    SPRUNG.clear()
    with pytest.raises(ValueError, match=r"not a readable nnbook model.*[Oo]bject arrays cannot be loaded"):
        nb.load_model(path)
    assert SPRUNG == []                               # … and load_model did not spring it


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    mlp(seed=0).save(path)
    before = path.read_bytes()
    real_savez = np.savez

    def savez_then_crash(file, *args, **kwargs):
        real_savez(file, *args, **kwargs)
        file.write(b"half written")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", savez_then_crash)
    with pytest.raises(OSError, match="disk full"):
        mlp(seed=1).save(path)
    assert path.read_bytes() == before                 # the old model is intact
    assert os.listdir(tmp_path) == ["model.npz"]       # no temporary file left behind


def _rewrite(path, out, arch_edit=None, array_edit=None):
    """Copy the model file at ``path`` to ``out`` with its architecture or arrays changed."""
    import json
    with np.load(path, allow_pickle=False) as d:
        arrays = {k: d[k] for k in d.files}
    arch = json.loads(str(arrays.pop("__architecture__")[()]))
    if arch_edit:
        arch_edit(arch)
    if array_edit:
        array_edit(arrays)
    np.savez(out, __architecture__=np.array(json.dumps(arch)), **arrays)


def test_load_rejects_float16_and_complex_weights(tmp_path):
    path = mlp().save(tmp_path / "m.npz")
    _rewrite(path, tmp_path / "f16.npz", arch_edit=lambda a: a.update(dtype="float16"))
    with pytest.raises(ValueError, match="dtype float16, expected float32 or float64"):
        nb.load_model(tmp_path / "f16.npz")
    _rewrite(path, tmp_path / "cplx.npz",
             array_edit=lambda a: a.update({"0.W": a["0.W"].astype(complex)}))
    with pytest.raises(ValueError, match="layer 0 W holds complex128, expected floats"):
        nb.load_model(tmp_path / "cplx.npz")


def test_load_turns_an_absurd_layer_size_into_value_error(tmp_path):
    path = mlp().save(tmp_path / "m.npz")
    _rewrite(path, tmp_path / "huge.npz",
             arch_edit=lambda a: a["layers"][0]["config"].update(n_in=10**12, n_out=10**12))
    with pytest.raises(ValueError, match="does not hold what its architecture says"):
        nb.load_model(tmp_path / "huge.npz")


# saving loses nothing ---------------------------------------------------------------------------
def _resume_equals_uninterrupted(opt, tmp_path):
    x, y = data(32)
    kw = dict(batch_size=8, verbose=0)
    a = mlp()
    a.compile(opt(), "binary_crossentropy")
    a.fit(x, y, epochs=5, rng=np.random.default_rng(0), **kw)
    b = mlp()
    b.compile(opt(), "binary_crossentropy")
    rng = np.random.default_rng(0)
    b.fit(x, y, epochs=3, rng=rng, **kw)
    c = nb.load_model(b.save(tmp_path / "half"))
    c.fit(x, y, epochs=2, rng=rng, **kw)
    for wa, wc in zip(a.get_weights(), c.get_weights()):
        np.testing.assert_array_equal(wa, wc)


@pytest.mark.parametrize("opt", [
    lambda: nb.SGD(lr=0.1, momentum=0.9), lambda: nb.Adam(lr=0.01),
    lambda: nb.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda: nb.RMSProp(lr=0.01, momentum=0.5, weight_decay=1e-3),
    lambda: nb.RMSProp(lr=0.01, centered=True),
], ids=["momentum", "adam", "nesterov+decay", "rmsprop", "rmsprop-centered"])
def test_three_epochs_save_load_two_epochs_equals_five(opt, tmp_path):
    _resume_equals_uninterrupted(opt, tmp_path)


def test_batchnorm_and_dropout_round_trip_with_their_running_statistics(tmp_path):
    """Part II's layers: γ, β and BatchNorm's running statistics come back exactly and Dropout
    keeps its rate, so the loaded model predicts exactly as the saved one."""
    rng = np.random.default_rng(3)
    model = nb.Sequential([nb.Dense(3, 6, rng=rng), nb.BatchNorm(6), nb.ReLU(), nb.Dropout(0.3, rng=rng),
                           nb.Dense(6, 1, rng=rng), nb.Sigmoid()])
    model.compile(nb.SGD(lr=0.1, momentum=0.9), "binary_crossentropy")
    x, y = data(40)
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, rng=rng)
    back = nb.load_model(model.save(tmp_path / "bn"))
    bn, bn_back = model.layers[1], back.layers[1]
    assert set(bn_back.buffers) == {"running_mean", "running_var"}
    for k in ("running_mean", "running_var"):
        np.testing.assert_array_equal(bn_back.buffers[k], bn.buffers[k])
        assert not np.allclose(bn.buffers[k], 0 if k == "running_mean" else 1)   # they did move
    assert back.layers[3].rate == 0.3
    assert [w.shape for w in back.get_weights()] == [w.shape for w in model.get_weights()]
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


class _Momentum(nb.Optimizer):
    """A stand-in optimizer with the contract's get_state/set_state (its own step)."""

    def __init__(self, lr=0.1, momentum=0.9):
        super().__init__(lr)
        self.momentum = momentum
        self.v: dict[int, np.ndarray] = {}
        self.order: list[int] = []

    def step(self, pairs):
        for p, g in pairs:
            v = self.v.setdefault(id(p), np.zeros_like(p))
            v *= self.momentum
            v -= self.lr * g
            p += v

    def get_config(self):
        return {"lr": self.lr, "momentum": self.momentum}

    def get_state(self, params):
        return {f"{i}.v": self.v[id(p)].copy() for i, p in enumerate(params) if id(p) in self.v}

    def set_state(self, params, state):
        self.v = {id(p): state[f"{i}.v"].copy() for i, p in enumerate(params) if f"{i}.v" in state}


def test_optimizer_state_goes_through_get_state_and_set_state(tmp_path, monkeypatch):
    from nnbook import registry
    monkeypatch.setitem(registry._CLASSES, "_Momentum", _Momentum)   # as @nb.register_class does
    _resume_equals_uninterrupted(lambda: _Momentum(lr=0.1, momentum=0.9), tmp_path)


def test_buffers_are_saved_and_loaded(tmp_path):
    class Running(nb.Layer):
        def __init__(self):
            super().__init__()
            self.buffers = {"mean": np.zeros(3)}

        def forward(self, x):
            return x - self.buffers["mean"]

        def backward(self, dy):
            return dy

    model = nb.Sequential([Running(), nb.Dense(3, 1)])
    model.layers[0].buffers["mean"][...] = [1.0, 2.0, 3.0]
    assert model.get_weights()[0].tolist() == [1.0, 2.0, 3.0]
    back = nb.load_model(model.save(tmp_path / "buf"), custom_objects={"Running": Running})
    assert back.layers[0].buffers["mean"].tolist() == [1.0, 2.0, 3.0]


def test_file_keeps_the_users_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = mlp().save(tmp_path / "perm")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_missing_folder_is_reported_with_the_users_path(tmp_path):
    target = tmp_path / "no_such_dir" / "model"
    with pytest.raises(FileNotFoundError, match=r"no_such_dir.*does not exist"):
        mlp().save(target)


def test_metrics_and_param_keys_in_the_file(tmp_path):
    model = mlp()
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    path = model.save(tmp_path / "keys")
    with np.load(path) as f:
        assert {"0.W", "0.b", "2.W", "2.b"} <= set(f.files)
    assert nb.load_model(path).metrics == ["accuracy"]


class _Twice(nb.Layer):
    """A learner's layer that doubles its input; no parameters."""

    def forward(self, x):
        return 2 * x

    def backward(self, dy):
        return 2 * dy


def test_a_class_registered_under_a_name_is_saved_and_loaded_under_it(tmp_path, monkeypatch):
    from nnbook import registry
    monkeypatch.setattr(registry, "_CLASSES", registry.registered())      # undone after
    Dense = type("Dense", (_Twice,), {})                                 # a learner's own Dense
    nb.register_class(name="MyDense")(Dense)
    Doubler = nb.register_class(name="Doubler")(type("Twice", (_Twice,), {}))
    model = nb.Sequential([nb.Dense(2, 2), Dense(), Doubler()], input_shape=(2,))
    back = nb.load_model(model.save(tmp_path / "m"))
    assert [type(layer) for layer in back.layers] == [nb.Dense, Dense, Doubler]
    x = np.ones((1, 2))
    assert np.allclose(back.predict(x), model.predict(x))


def test_an_unregistered_class_named_like_an_nnbook_one_is_refused_at_save(tmp_path):
    Dense = type("Dense", (_Twice,), {})
    model = nb.Sequential([Dense()], input_shape=(2,))
    with pytest.raises(ValueError, match=r"Sequential.save: layer 0 is a .*Dense, but the name "
                                         r"'Dense' belongs to nnbook.*register_class\(name='MyDense'\)"):
        model.save(tmp_path / "m")


@pytest.mark.parametrize("keep", [10, 100, 0.5])
def test_a_truncated_file_is_refused_and_left_closed(tmp_path, keep):
    import gc
    import warnings
    path = nb.Sequential([nb.Dense(2, 3)], input_shape=(2,)).save(tmp_path / "m")
    with open(path, "rb") as f:
        whole = f.read()
    bad = tmp_path / "bad.npz"
    bad.write_bytes(whole[:keep if isinstance(keep, int) else int(len(whole) * keep)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="is not a readable nnbook model"):
            nb.load_model(bad)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_a_learners_loss_is_saved_with_its_own_config(tmp_path, monkeypatch):
    """model_file.py asks the loss for ``get_config`` instead of reading attributes by name:
    a learner's loss with arguments of its own comes back with them."""
    from nnbook import registry
    monkeypatch.setattr(registry, "_CLASSES", registry.registered())      # undone after

    @nb.register_class
    class Huber(nb.MSE):
        def __init__(self, delta=1.0):
            self.delta = float(delta)

        def get_config(self):
            return {"delta": self.delta}

    model = mlp(out="linear")
    model.compile("sgd", Huber(delta=0.25))
    loaded = nb.load_model(model.save(tmp_path / "huber.npz"))
    assert type(loaded.loss) is Huber and loaded.loss.delta == 0.25
    ce = mlp(out="linear")
    ce.compile("sgd", nb.CrossEntropy(from_logits=True, ignore_index=-100))
    back = nb.load_model(ce.save(tmp_path / "ce.npz")).loss
    assert back.get_config() == {"from_logits": True, "ignore_index": -100}


@pytest.mark.parametrize("edit, what", [
    (lambda a: a["layers"][0]["config"].update(n_in=20000, n_out=20000), "Dense"),
    (lambda a: a["layers"].insert(0, {"class": "Embedding",
                                      "config": {"vocab_size": 10**6, "dim": 4000}}), "Embedding"),
])
def test_a_file_whose_configuration_outgrows_its_arrays_is_refused_before_building(
        tmp_path, edit, what):
    """A file claiming Dense(20000, 20000) beside 3 × 4 arrays made load_model allocate
    6.1 GB before it compared them (a slightly bigger lie exhausted the memory). The sizes
    in each layer's configuration are checked against the arrays the file holds for it
    first: nothing big is ever allocated."""
    import tracemalloc
    path = mlp().save(tmp_path / "m.npz")
    _rewrite(path, tmp_path / "lie.npz", arch_edit=edit)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=rf"load_model: .*layer 0 \({what}\).*config.*"
                                             rf"file holds .*numbers for it"):
            nb.load_model(tmp_path / "lie.npz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20e6


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_weights_in_a_file_are_named(tmp_path, bad):
    """A model saved after it diverged would predict NaN; load_model names the arrays."""
    model = mlp()
    model.layers[2].params["W"][1, 0] = bad
    with pytest.raises(ValueError, match=r"load_model: .* layer 2 \(Dense\) W holds 1 "
                                         r"(NaN|infinite) value.*diverged.*earlier"):
        nb.load_model(model.save(tmp_path / "nan.npz"))


def save_checkpoint(model, optimizer, iteration, out):
    """CS336's checkpoint (assignment 1) on top of nnbook: the step count is the
    optimizer's (Keras' ``optimizer.iterations``), which ``model.save`` records."""
    assert model.optimizer is optimizer
    optimizer.iterations = int(iteration)
    model.save(out)


def load_checkpoint(src, model, optimizer):
    """Into the given model and optimizer, as CS336's; returns the iteration."""
    saved = nb.load_model(src)
    model.set_weights(saved.get_weights())
    optimizer.set_state(list(model.params.values()),
                        saved.optimizer.get_state(list(saved.params.values())))
    return saved.optimizer.iterations


def test_a_checkpoint_keeps_the_step_count(tmp_path):
    """Issue 50.20: model.save records the optimizer's step count and load_model restores
    it, so save_checkpoint/load_checkpoint → iteration are a few lines (above), and
    training resumes bit for bit (Adam's bias correction reads the count). Catches a
    file without the count: the loaded optimizer would start again at step 0."""
    x, y = data()
    model, other = mlp(), mlp(seed=5)
    for m in (model, other):
        m.compile(nb.Adam(lr=1e-2), "binary_crossentropy")
    y = y[:, None]
    for _ in range(7):
        model.train_step(x, y)
    assert model.optimizer.iterations == 7
    assert nb.load_model(model.save(tmp_path / "m")).optimizer.iterations == 7
    save_checkpoint(model, model.optimizer, 7, tmp_path / "ckpt.npz")
    assert load_checkpoint(tmp_path / "ckpt.npz", other, other.optimizer) == 7
    assert other.optimizer.iterations == 7
    for _ in range(3):
        assert other.train_step(x, y) == model.train_step(x, y)
    assert all(np.array_equal(a, b) for a, b in zip(other.get_weights(), model.get_weights()))
