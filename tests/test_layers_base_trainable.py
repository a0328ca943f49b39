"""``layer.trainable`` (chapter 22): a frozen layer's parameters stay bit-identical through
``fit`` and ``train_step`` while gradients still reach the layers before it; the counts in
``count_params`` and ``summary``; saved and loaded."""

import numpy as np

import nnbook as nb


def model_with_frozen_middle(rng):
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 5, rng=rng),
                           nb.Tanh(), nb.Dense(5, 1, rng=rng)])
    model.layers[2].trainable = False
    return model


def test_trainable_defaults_to_true_on_every_layer():
    assert nb.Dense(2, 3).trainable is True and nb.ReLU().trainable is True
    assert nb.Layer().trainable is True


def test_fit_leaves_a_frozen_layer_bit_identical_and_trains_the_others():
    rng = np.random.default_rng(0)
    model = model_with_frozen_middle(rng)
    before = [np.array(p) for p in model.get_weights()]
    x, y = rng.standard_normal((32, 3)), rng.standard_normal((32, 1))
    model.compile(nb.Adam(0.01), "mse")
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    after = model.get_weights()
    assert np.array_equal(after[2], before[2]) and np.array_equal(after[3], before[3])
    # the layer before the frozen one still learns: gradients flow through the frozen layer
    assert not np.array_equal(after[0], before[0])
    assert not np.array_equal(after[4], before[4])


def test_gradients_flow_through_a_frozen_layer_unchanged():
    rng = np.random.default_rng(1)
    model = model_with_frozen_middle(rng)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    model.compile("sgd", "mse")
    model.compute_gradients(x, y)
    frozen_grad = np.array(model.layers[0].grads["W"])
    model.layers[2].trainable = True
    model.compute_gradients(x, y)
    assert np.array_equal(model.layers[0].grads["W"], frozen_grad)
    assert np.abs(frozen_grad).sum() > 0


def test_train_step_hands_the_optimizer_only_trainable_pairs():
    rng = np.random.default_rng(2)
    model = model_with_frozen_middle(rng)
    model.compile("sgd", "mse")
    model.compute_gradients(rng.standard_normal((4, 3)), rng.standard_normal((4, 1)))
    pairs = model.gradient_pairs()
    frozen = {id(p) for p in model.layers[2].params.values()}
    assert len(pairs) == 4 and not any(id(p) in frozen for p, _ in pairs)


def test_count_params_and_summary_show_trainable_and_frozen(capsys):
    model = model_with_frozen_middle(np.random.default_rng(3))
    total = (3 * 4 + 4) + (4 * 5 + 5) + (5 + 1)
    assert model.count_params() == total == 47
    assert model.count_params(trainable=False) == 25
    assert model.count_params(trainable=True) == 22
    model.summary()
    out = capsys.readouterr().out
    assert "Total params: 47" in out and "Trainable params: 22" in out
    assert "Frozen params: 25" in out


def test_summary_without_frozen_layers_has_no_frozen_line(capsys):
    nb.Sequential([nb.Dense(2, 1)]).summary()
    assert "Frozen" not in capsys.readouterr().out


def test_frozen_layer_is_saved_and_loaded(tmp_path):
    rng = np.random.default_rng(4)
    model = model_with_frozen_middle(rng)
    model.compile(nb.Adam(0.01), "mse")
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    loaded = nb.load_model(model.save(tmp_path / "m"))
    assert [layer.trainable for layer in loaded.layers] == [True] * 2 + [False] + [True] * 2
    w = np.array(loaded.layers[2].params["W"])
    loaded.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.array_equal(loaded.layers[2].params["W"], w)


def test_weight_decay_and_global_clipping_leave_a_frozen_layer_alone():
    rng = np.random.default_rng(5)
    model = model_with_frozen_middle(rng)
    before = np.array(model.layers[2].params["W"])
    model.compile(nb.SGD(0.1, weight_decay=0.5, global_clipnorm=0.1), "mse")
    x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert np.array_equal(model.layers[2].params["W"], before)


def test_a_frozen_batchnorm_keeps_gamma_and_beta_but_updates_running_statistics():
    rng = np.random.default_rng(6)
    bn = nb.BatchNorm(4)
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), bn, nb.Dense(4, 1, rng=rng)])
    bn.trainable = False
    gamma, mean = np.array(bn.params["gamma"]), np.array(bn.buffers["running_mean"])
    model.compile(nb.Adam(0.01), "mse")
    model.fit(rng.standard_normal((16, 3)), rng.standard_normal((16, 1)), epochs=1, verbose=0)
    assert np.array_equal(bn.params["gamma"], gamma)
    assert not np.array_equal(bn.buffers["running_mean"], mean)


def _block_model(rng, **kw):
    return nb.Sequential([nb.Embedding(7, 8, rng=rng), nb.TransformerBlock(8, 2, 16, rng=rng, **kw),
                          nb.Dense(8, 7, rng=rng)])


def _fit(model, rng, epochs=2):
    x, y = rng.integers(0, 7, (6, 5)), rng.integers(0, 7, (6, 5))
    model.compile(nb.Adam(lr=0.05), nb.CrossEntropy(from_logits=True))
    model.fit(x, y, epochs=epochs, batch_size=3, verbose=0, rng=rng)


def test_freezing_a_part_of_a_block_is_honoured(tmp_path):
    """``block.attn.trainable = False`` freezes the block's ``attn.*`` arrays (counted as
    frozen, left bit-identical by fit, kept by save), not only the block's own flag."""
    rng = np.random.default_rng(0)
    model = _block_model(rng)
    block = model.layers[1]
    block.attn.trainable = False
    attn = {k: np.array(p) for k, p in block.params.items() if k.startswith("attn.")}
    n_attn = sum(p.size for p in attn.values())
    assert model.count_params(trainable=False) == n_attn
    assert set(block.frozen_params) == set(attn)
    ff1 = np.array(block.params["W_1"])
    _fit(model, rng)
    for k, p in attn.items():
        assert np.array_equal(block.params[k], p), k
    assert not np.array_equal(block.params["W_1"], ff1)
    back = nb.load_model(model.save(tmp_path / "frozen_attn.npz"))
    assert back.count_params(trainable=False) == n_attn
    assert set(back.layers[1].frozen_params) == set(attn)
    block.attn.trainable = True                         # unfrozen: trains again
    assert model.count_params(trainable=False) == 0


def test_freezing_the_norms_or_the_swiglu_of_a_block_is_honoured():
    rng = np.random.default_rng(1)
    model = _block_model(rng, norm="rmsnorm", ffn="swiglu")
    block = model.layers[1]
    block.ln1.trainable = block.ffn.trainable = False
    frozen = {k: np.array(p) for k, p in block.params.items() if k.startswith("ln1.")
              or k in ("W_1", "W_2", "W_3")}
    _fit(model, rng)
    assert all(np.array_equal(block.params[k], p) for k, p in frozen.items())
    assert model.count_params(trainable=False) == sum(p.size for p in frozen.values())


def test_keras_model_trainable_false_freezes_every_layer():
    """Keras' ``model.trainable = False`` freezes the whole model (every layer's flag),
    where it used to set an attribute that fit never read."""
    rng = np.random.default_rng(2)
    model = model_with_frozen_middle(rng)
    model.layers[2].trainable = True
    assert model.trainable is True
    model.trainable = False
    assert model.trainable is False and all(not l.trainable for l in model.layers)
    assert model.count_params(trainable=True) == 0
    before = model.get_weights()
    x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    model.compile(nb.SGD(lr=0.1), "mse")
    model.fit(x, y, epochs=2, verbose=0, rng=rng)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    model.trainable = True
    assert all(l.trainable for l in model.layers)
    model.fit(x, y, epochs=1, verbose=0, rng=rng)
    assert not np.array_equal(before[0], model.get_weights()[0])
