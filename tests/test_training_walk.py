"""Tests of the training walk as a learner or experimenter uses it (nnbook/training/model.py,
loop.py): training mode in train_step and around a callback's predict, randomness only
from rng= (also after load_model), initial_epoch, float32 in and out, divergence in the
last step, summary's shapes from the data, and loading through the class registry."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.callbacks import Callback, LearningRateScheduler


class Spy(nb.Layer):
    """An identity layer that records ``self.training`` at every forward."""

    def __init__(self):
        super().__init__()
        self.modes, self.sizes = [], []

    def forward(self, x):
        self.modes.append(self.training)
        self.sizes.append(len(x))
        return x

    def backward(self, dy):
        return dy


def regression(rng, m=64, n=3):
    x = rng.standard_normal((m, n))
    return x, x @ np.arange(1.0, n + 1).reshape(n, 1)


# --------------------------------------------------------------------------
# training mode

def test_train_step_in_a_learners_loop_runs_in_training_mode():
    rng = np.random.default_rng(0)
    x, y = regression(rng)
    spy, bn = Spy(), nb.BatchNorm(3)
    model = nb.Sequential([spy, bn, nb.Dense(3, 1, rng=rng)])
    model.compile(nb.SGD(lr=0.01), "mse")
    for _ in range(3):
        model.train_step(x[:16], y[:16])
    assert spy.modes == [True, True, True]
    assert not np.allclose(bn.buffers["running_mean"], 0.0)    # BatchNorm updated them


def test_train_step_drops_with_dropout():
    rng = np.random.default_rng(1)
    drop = nb.Dropout(0.5, rng=np.random.default_rng(2))
    model = nb.Sequential([nb.Dense(4, 8, rng=rng), drop, nb.Dense(8, 1, rng=rng)])
    model.compile("sgd", "mse")
    model.train_step(rng.standard_normal((10, 4)), rng.standard_normal((10, 1)))
    assert drop.mask is not None and (drop.mask == 0).any()


def test_a_callbacks_predict_leaves_the_epoch_in_training_mode():
    rng = np.random.default_rng(3)
    x, y = regression(rng)
    spy = Spy()
    model = nb.Sequential([spy, nb.Dense(3, 1, rng=rng)])
    model.compile(nb.SGD(lr=0.01), "mse")
    marks = []

    class PeekEveryBatch(Callback):
        def on_batch_end(self, batch, logs=None):
            marks.append(len(spy.modes))
            self.model.predict(x[:4])                 # batches of 4: the callback's
            self.model.evaluate(x[:4], y[:4])

    model.fit(x, y, epochs=2, batch_size=16, verbose=0, rng=rng, callbacks=[PeekEveryBatch()])
    assert len(marks) == 8
    sizes = spy.sizes
    batches = [mode for mode, size in zip(spy.modes, sizes) if size == 16]
    peeks = [mode for mode, size in zip(spy.modes, sizes) if size == 4]
    assert batches[:8] == [True] * 8 and peeks and not any(peeks)   # then fit's final check
    assert [layer.training for layer in model.layers] == [False, False]   # after fit


# --------------------------------------------------------------------------
# randomness only from rng=

def dropout_model(rng):
    return nb.Sequential([nb.Dense(4, 16, rng=rng), nb.ReLU(), nb.Dropout(0.5),
                          nb.Dense(16, 1, rng=rng)])


def test_loaded_dropout_model_trains_identically_with_the_same_rng(tmp_path):
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((40, 4)), rng.standard_normal((40, 1))
    model = dropout_model(rng)
    model.compile(nb.Adam(lr=0.01), "mse")
    model.fit(x, y, epochs=1, verbose=0, rng=np.random.default_rng(5))
    path = model.save(tmp_path / "drop")
    runs = []
    for _ in range(2):
        back = nb.load_model(path)
        back.fit(x, y, epochs=3, batch_size=8, verbose=0, rng=np.random.default_rng(6))
        runs.append(back.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    other = nb.load_model(path)
    other.fit(x, y, epochs=3, batch_size=8, verbose=0, rng=np.random.default_rng(7))
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0], other.get_weights()))


def test_dropout_without_rng_is_seeded_by_fit_and_given_back():
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((32, 4)), rng.standard_normal((32, 1))
    start = dropout_model(rng)
    weights, runs = start.get_weights(), []
    for _ in range(2):
        model = dropout_model(np.random.default_rng(0))
        model.set_weights(weights)
        model.compile(nb.SGD(lr=0.05), "mse")
        model.fit(x, y, epochs=2, batch_size=8, verbose=0, rng=np.random.default_rng(9))
        assert model.layers[2].rng is None          # fit lent it a generator and took it back
        runs.append(model.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_dropout_with_its_own_rng_keeps_it():
    own = np.random.default_rng(10)
    drop = nb.Dropout(0.3, rng=own)
    model = nb.Sequential([nb.Dense(2, 3), drop])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2)), np.ones((4, 3)), verbose=0, rng=np.random.default_rng(1))
    assert drop.rng is own


# --------------------------------------------------------------------------
# initial_epoch, the learning rate 0, divergence

def test_initial_epoch_continues_numbering_schedules_and_callbacks():
    rng = np.random.default_rng(11)
    x, y = regression(rng)
    model = nb.Sequential([nb.Dense(3, 1, rng=rng)])
    model.compile(nb.SGD(lr=0.01), "mse")
    seen = []

    class Epochs(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(epoch)

    hist = model.fit(x, y, epochs=5, initial_epoch=2, verbose=0, rng=rng,
                     callbacks=[Epochs(), LearningRateScheduler(lambda e: 0.01 / (1 + e))])
    assert hist.epoch == [2, 3, 4] and seen == [2, 3, 4]
    assert len(hist.history["loss"]) == 3
    assert hist.history["learning_rate"] == pytest.approx([0.01 / 3, 0.01 / 4, 0.01 / 5])
    assert model.fit(x, y, epochs=2, initial_epoch=2, verbose=0).epoch == []
    with pytest.raises(ValueError, match="initial_epoch"):
        model.fit(x, y, epochs=2, initial_epoch=-1, verbose=0)


def test_checkpoint_saved_at_learning_rate_zero_loads(tmp_path):
    rng = np.random.default_rng(12)
    x, y = regression(rng)
    for opt in (nb.SGD(lr=0.1, momentum=0.9), nb.Adam(lr=0.01), nb.RMSProp(lr=0.01)):
        model = nb.Sequential([nb.Dense(3, 1, rng=rng)])
        model.compile(opt, "mse")
        model.fit(x, y, epochs=3, verbose=0, rng=rng,
                  callbacks=[LearningRateScheduler(lambda e: 0.01 * (2 - e) / 2)])
        assert model.optimizer.lr == 0.0          # a cosine or linear schedule's last epoch
        back = nb.load_model(model.save(tmp_path / type(opt).__name__))
        assert back.optimizer.lr == 0.0
        np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_a_refused_optimizer_names_its_cause_not_damage(tmp_path):
    model = nb.Sequential([nb.Dense(3, 1)])
    model.compile(nb.SGD(lr=0.1), "mse")
    model.optimizer.lr = -1.0                      # a setting no optimizer can be built with
    path = model.save(tmp_path / "neg")
    with pytest.raises(ValueError) as info:
        nb.load_model(path)
    assert "damaged" not in str(info.value) and "SGD" in str(info.value)


def test_divergence_in_the_last_step_raises_naming_the_epoch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([[1.0], [2.0], [3.0]])
    model = nb.Sequential([nb.Dense(3, 1, rng=np.random.default_rng(1))])
    model.compile(nb.SGD(lr=1e3), "mse")
    # the loss is finite at every step of these 45 epochs (≈ 5e299 at the last), and
    # infinite at the weights the last step leaves
    with pytest.raises(FloatingPointError, match=r"epoch 44 .*after the last step"):
        model.fit(x, y, epochs=45, batch_size=64, verbose=0, rng=np.random.default_rng(2))


# --------------------------------------------------------------------------
# float32 stays float32

def float32_cases(rng):
    f32 = np.float32
    return [
        (nb.Dense(3, 2, dtype=f32, rng=rng), (4, 3)),
        (nb.Conv2D(2, 3, 3, padding=1, dtype=f32, rng=rng), (2, 5, 5, 2)),
        (nb.MaxPool2D(2), (2, 4, 4, 3)),
        (nb.AvgPool2D(2), (2, 4, 4, 3)),
        (nb.Flatten(), (2, 3, 4)),
        (nb.Sigmoid(), (4, 3)), (nb.Tanh(), (4, 3)), (nb.ReLU(), (4, 3)), (nb.Softmax(), (4, 3)),
        (nb.Dropout(0.5, rng=rng), (4, 3)),
        (nb.BatchNorm(3, dtype=f32), (4, 3)),
        (nb.RNN(3, 4, dtype=f32, rng=rng), (2, 5, 3)),
        (nb.LSTM(3, 4, return_sequences=True, dtype=f32, rng=rng), (2, 5, 3)),
        (nb.GRU(3, 4, dtype=f32, rng=rng), (2, 5, 3)),
        (nb.Embedding(5, 3, dtype=f32, rng=rng), (2, 4)),           # token ids in [0, 3)
        (nb.PositionalEmbedding(6, 3, dtype=f32, rng=rng), (2, 4, 3)),
        (nb.Dense(3, 2, dtype=f32, rng=rng), (2, 4, 3)),
        (nb.LayerNorm(3, dtype=f32), (2, 4, 3)),
        (nb.MultiHeadAttention(4, 2, causal=True, dtype=f32, rng=rng), (2, 5, 4)),
        (nb.TransformerBlock(4, 2, 8, dtype=f32, rng=rng), (2, 5, 4)),
        # chapter 20
        (nb.RMSNorm(3, dtype=f32), (2, 4, 3)),
        (nb.SiLU(), (4, 3)),
        (nb.SwiGLU(4, 6, dtype=f32, rng=rng), (2, 5, 4)),
        (nb.MultiHeadAttention(8, 4, n_kv_heads=2, rope=True, bias=False, causal=True,
                               dtype=f32, rng=rng), (2, 5, 8)),
        (nb.TransformerBlock(8, 4, 6, norm="rmsnorm", ffn="swiglu", rope=True, n_kv_heads=2,
                             bias=False, dtype=f32, rng=rng), (2, 5, 8)),
        (nb.TransformerBlock(4, 2, 8, prenorm=False, dtype=f32, rng=rng), (2, 5, 4)),
        (nb.Unembedding(nb.Embedding(5, 3, dtype=f32, rng=rng)), (2, 4, 3)),
        (nb.LoRA(nb.Dense(3, 2, dtype=f32, rng=rng), 2, rng=rng), (4, 3)),
        (nb.precision.RoundTo("bfloat16"), (4, 3)),                    # chapter 24
        (nb.LoRA(nb.Dense(3, 2, dtype=f32, rng=rng), 1, alpha=2.0, rng=rng), (2, 4, 3)),
        (nb.LoRA(nb.MultiHeadAttention(8, 4, n_kv_heads=2, rope=True, causal=True, dtype=f32,
                                       rng=rng), 2, targets=("W_q", "W_v"), rng=rng), (2, 5, 8)),
        (lora_block(rng, f32), (2, 5, 8)),
        # chapter 25
        (nb.generative.Reparameterize(rng=rng), (4, 6)),
        # chapter 26
        (nb.generative.TimeEmbedding(3, 4), (4, 4)),
        # chapter 31
        (nb.LinearAttention(4, 2, dtype=f32, rng=rng), (2, 5, 4)),
        (nb.DeltaNet(4, 2, form="chunked", chunk=2, dtype=f32, rng=rng), (2, 5, 4)),
        (nb.TransformerBlock.modern(4, 2, mixer="delta", dtype=f32, rng=rng), (2, 5, 4)),
        # chapter 33: every option on (capacity, shared expert, both balances)
        (nb.MixtureOfExperts(4, 6, 3, 2, shared_expert=True, capacity_factor=1.0,
                             aux_weight=0.01, balance_rate=0.01, dtype=f32, rng=rng), (2, 5, 4)),
        (nb.TransformerBlock.modern(4, 2, ffn="moe", moe={"n_experts": 3, "k": 2}, dtype=f32,
                                    rng=rng), (2, 5, 4)),
        # chapter 36: the sparse autoencoder's code, with its L1 in the backward
        (nb.interpret.SparseCode(l1=0.1), (4, 6)),
        (nb.interpret.SparseCode("topk", k=2, l1=0.1), (2, 5, 6)),
    ]


def lora_block(rng, dtype):
    """A modern block with LoRA on its attention and its SwiGLU (chapter 22)."""
    block = nb.TransformerBlock(8, 4, 6, norm="rmsnorm", ffn="swiglu", rope=True, n_kv_heads=2,
                                bias=False, dtype=dtype, rng=rng)
    block.attn = nb.LoRA(block.attn, 2, targets=("W_q", "W_k"), rng=rng)
    block.ffn = nb.LoRA(block.ffn, 2, rng=rng)
    return block


@pytest.mark.parametrize("training", [False, True])
def test_every_layer_returns_float32_after_a_float32_forward(training):
    rng = np.random.default_rng(13)
    for layer, shape in float32_cases(rng):
        layer.training = training
        ids = layer.integer_input                  # token ids in: no ∂E/∂x comes out
        y = layer.forward(rng.integers(0, 3, shape) if ids else
                          rng.standard_normal(shape).astype(np.float32))
        assert y.dtype == np.float32, layer
        dx = layer.backward(rng.standard_normal(y.shape))        # float64 dy
        assert dx is None if ids else dx.dtype == np.float32, layer


def test_every_layer_with_parameters_is_in_the_float32_table():
    rng = np.random.default_rng(14)
    covered = {type(layer) for layer, _ in float32_cases(rng)}
    layers = {cls for cls in nb.registry.registered().values() if issubclass(cls, nb.Layer)}
    assert layers <= covered, sorted(c.__name__ for c in layers - covered)


def test_float32_model_stays_float32_with_float64_data():
    rng = np.random.default_rng(15)
    f32 = np.float32
    dense = nb.Dense(3, 4, dtype=f32, rng=rng)
    x = rng.standard_normal((5, 3))
    assert dense.forward(x).dtype == np.float32
    model = nb.Sequential([nb.Dense(3, 4, dtype=f32, rng=rng), nb.Tanh(),
                           nb.Dense(4, 1, dtype=f32, rng=rng)])
    assert model.predict(x).dtype == np.float32
    assert model.forward(x).dtype == np.float32
    assert model(x).dtype == np.float32
    model.compile("adam", "mse")
    model.fit(x, rng.standard_normal((5, 1)), verbose=0, rng=rng)
    assert all(p.dtype == np.float32 for p in model.params.values())


# --------------------------------------------------------------------------
# summary after data

def test_summary_shows_the_real_shapes_once_the_model_has_seen_data():
    rng = np.random.default_rng(16)
    model = nb.Sequential([nb.Conv2D(1, 8, 3, rng=rng), nb.ReLU(), nb.MaxPool2D(2)])
    lines = []
    model.summary(print_fn=lines.append)
    assert "(None, None, None, 8)" in lines[0]
    model.predict(rng.standard_normal((2, 8, 8, 1)))
    lines.clear()
    model.summary(print_fn=lines.append)
    assert "(None, 6, 6, 8)" in lines[0] and "(None, 3, 3, 8)" in lines[0]
    assert "None, None" not in lines[0]


# --------------------------------------------------------------------------
# the class registry

def test_loading_does_not_depend_on_the_top_level_exports(tmp_path, monkeypatch):
    model = nb.Sequential([nb.Dense(3, 4), nb.ReLU(), nb.Dropout(0.2), nb.Dense(4, 1)])
    model.compile(nb.Adam(lr=0.01), nb.MSE())
    path = model.save(tmp_path / "m")
    for name in ("Dropout", "Dense", "ReLU", "Adam", "MSE"):
        monkeypatch.delattr(nb, name)
    back = nb.load_model(path)
    assert [type(layer).__name__ for layer in back.layers] == ["Dense", "ReLU", "Dropout",
                                                               "Dense"]
    assert type(back.optimizer).__name__ == "Adam"


def test_every_class_nnbook_saves_by_name_is_registered():
    table = nb.registry.registered()
    for name in ("Dense", "Flatten", "Sigmoid", "Tanh", "ReLU", "Softmax", "Conv2D",
                 "MaxPool2D", "AvgPool2D", "Dropout", "BatchNorm", "MSE",
                 "BinaryCrossEntropy", "CrossEntropy", "SGD", "RMSProp", "Adam"):
        assert table[name] is getattr(nb, name)
    for abstract in ("Layer", "Activation", "Loss", "Optimizer"):
        assert abstract not in table


def test_a_registered_learners_layer_loads_without_custom_objects(tmp_path, monkeypatch):
    monkeypatch.setattr(nb.registry, "_CLASSES", nb.registry.registered())  # undone after

    @nb.register_class
    class Scale(nb.Layer):
        def __init__(self, factor=2.0):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

        def backward(self, dy):
            return dy * self.factor

        def get_config(self):
            return {"factor": self.factor}

    model = nb.Sequential([nb.Dense(2, 2), Scale(3.0)])
    back = nb.load_model(model.save(tmp_path / "s"))
    assert isinstance(back.layers[1], Scale) and back.layers[1].factor == 3.0

    with pytest.raises(ValueError, match=r"'Dense' already belongs to nnbook.*name='MyDense'"):
        @nb.register_class
        class Dense(nb.Layer):
            pass

    @nb.register_class(name="MyDense")
    class Dense(nb.Layer):                           # noqa: F811
        pass
    assert nb.registry.lookup("MyDense") is Dense
    with pytest.raises(ValueError, match="expected a class"):
        nb.register_class(Scale(1.0))


# --------------------------------------------------------------------------
# integer ids reach a first layer that declares integer_input

class Lookup(nb.Layer):
    """A learner's embedding: a table row per id (declares integer_input)."""

    integer_input = True

    def __init__(self, vocab=5, dim=2):
        super().__init__()
        self.params = {"W": np.arange(vocab * dim, dtype=float).reshape(vocab, dim)}
        self.grads = {"W": np.zeros((vocab, dim))}
        self.seen = []

    def forward(self, ids):
        self.seen.append(ids.dtype)
        self.ids = ids
        return self.params["W"][ids]

    def backward(self, dy):
        self.grads["W"][...] = 0
        np.add.at(self.grads["W"], self.ids, dy)
        return None


def test_integer_ids_reach_a_first_layer_that_declares_integer_input():
    ids = np.array([[0, 1], [4, 4], [2, 3]])
    lookup = Lookup()
    model = nb.Sequential([lookup, nb.Flatten(), nb.Dense(4, 1)])
    model.compile(nb.SGD(lr=0.01), "mse")
    model.fit(ids, np.ones((3, 1)), epochs=2, verbose=0, rng=np.random.default_rng(0))
    model.predict(ids)
    model.evaluate(ids, np.ones((3, 1)))
    assert {dt.kind for dt in lookup.seen} == {"i"}
    assert not np.array_equal(lookup.params["W"][4], [8.0, 9.0])     # trained: id 4's row moved
    plain = nb.Sequential([nb.Dense(2, 1)])
    plain.forward(np.array([[1, 2]]))
    assert plain.predict(np.array([[1, 2]])).dtype == np.float64    # others still get floats


# --------------------------------------------------------------------------
# no forward the user did not ask for

class Counter(Spy):
    """``Spy`` that declares its output shape, so nnbook never needs to measure it."""

    def output_shape(self, input_shape):
        return tuple(input_shape)


def test_fit_runs_one_forward_per_batch_and_none_before_the_first():
    rng = np.random.default_rng(0)
    x, y = regression(rng, m=10)
    spy = Counter()
    model = nb.Sequential([spy, nb.Dense(3, 1, rng=rng)])
    model.compile(nb.SGD(lr=0.01), "mse")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, rng=rng,
              validation_data=(x[:6], y[:6]))
    # 3 training batches (4 + 4 + 2) per epoch, then one validation batch of 6
    assert spy.sizes == [4, 4, 2, 6] * 2
    assert spy.modes == [True, True, True, False] * 2
    spy.sizes.clear()
    model.evaluate(x, y)
    assert spy.sizes == [10]                        # evaluate's one batch, nothing before it


def test_a_layer_without_output_shape_can_tell_the_measuring_forward_apart():
    class Counting(nb.Layer):
        def __init__(self):
            super().__init__()
            self.calls, self.measured = 0, []

        def forward(self, x):
            self.measured.append(self.measuring)
            self.calls += 1
            return 2 * x

        def backward(self, dy):
            return 2 * dy

    rng = np.random.default_rng(0)
    x, y = regression(rng, m=8)
    layer = Counting()
    model = nb.Sequential([layer, nb.Dense(3, 1, rng=rng)])
    model.compile(nb.SGD(lr=0.01), "mse")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0, rng=rng,
              validation_data=(x, y))
    # measured once for the training data and once for the validation data, with the
    # flag up; what those calls set is put back, so calls counts only the 2 + 1 real ones
    assert layer.measured == [True, True, False, False, False] and layer.calls == 3
    assert not layer.measuring


# --------------------------------------------------------------------------
# train_step, test_step and compute_gradients take fit's targets

def classifier(rng):
    model = nb.Sequential([nb.Dense(3, 4, rng=np.random.default_rng(5)), nb.Softmax()])
    model.compile(nb.SGD(lr=0.1), "crossentropy", metrics=["accuracy"])
    return model


def test_steps_take_integer_labels_as_fit_does():
    rng = np.random.default_rng(0)
    x, labels = rng.standard_normal((6, 3)), np.array([0, 3, 1, 1, 2, 0])
    onehot = np.eye(4)[labels]
    a, b = classifier(rng), classifier(rng)
    assert a.test_step(x, labels) == b.test_step(x, onehot)
    assert a.train_step(x, labels) == b.train_step(x, onehot)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    va, _ = a.compute_gradients(x, labels)
    vb, _ = b.compute_gradients(x, onehot)
    assert va == vb and all(np.array_equal(a.grads[k], b.grads[k]) for k in a.grads)


def test_steps_never_broadcast_a_column_against_a_row():
    rng = np.random.default_rng(0)
    x, y = regression(rng, m=5)                     # y: (5, 1)
    model = nb.Sequential([nb.Dense(3, 1, rng=np.random.default_rng(1))])
    model.compile(nb.SGD(lr=0.01), "mse")
    by_hand = float(np.mean((model.predict(x) - y) ** 2))
    assert model.test_step(x, y[:, 0])["loss"] == pytest.approx(by_hand, rel=1e-12)
    assert model.test_step(x, y)["loss"] == pytest.approx(by_hand, rel=1e-12)
    value, _ = model.compute_gradients(x, list(y[:, 0]))
    assert value == pytest.approx(by_hand, rel=1e-12)
    assert model.train_step(x, y[:, 0])["loss"] == pytest.approx(by_hand, rel=1e-12)
    for step in (model.train_step, model.test_step, model.compute_gradients):
        with pytest.raises(ValueError, match=r"the batch has 5 samples but y has 4; expected "
                                             r"one target per sample"):
            step(x, y[:4])


def test_steps_take_sequence_ids_as_fit_does():
    rng = np.random.default_rng(0)
    ids, targets = rng.integers(0, 5, (3, 4)), rng.integers(0, 5, (3, 4))

    def lm():
        r = np.random.default_rng(2)
        model = nb.Sequential([nb.Embedding(5, 6, rng=r), nb.Dense(6, 5, rng=r)])
        model.compile(nb.SGD(lr=0.1), nb.CrossEntropy(from_logits=True))
        return model

    a, b = lm(), lm()
    onehot = np.eye(5)[targets]                      # (3, 4, 5)
    assert a.test_step(ids, targets) == b.test_step(ids, onehot)
    assert a.train_step(ids, targets) == b.train_step(ids, onehot)
    with pytest.raises(ValueError, match=r"integer labels of shape \(3, 3\)"):
        a.train_step(ids, targets[:, :3])
