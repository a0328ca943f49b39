"""``LoRA`` (chapter 22): y = x W + b + (α/r)·x A B around a Dense, hand-computed; the
output equals the Dense's at the start; ``fit`` trains A and B only; ``merge`` gives a plain
Dense with the same outputs; counts, saving and every message. On named matrices of another
layer (attention, SwiGLU): the same, the gradients of A and B by hand from ∂E/∂W. Finite
differences of its backward are rows of tests/test_gradients.py."""

import numpy as np
import pytest

import nnbook as nb


def small_lora(alpha=None):
    dense = nb.Dense(2, 3, rng=np.random.default_rng(0))
    dense.params["W"][...] = [[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]
    dense.params["b"][...] = [0.5, 0.0, -0.5]
    lora = nb.LoRA(dense, 1, alpha=alpha, rng=np.random.default_rng(1))
    lora.params["A"][...] = [[1.0], [2.0]]
    lora.params["B"][...] = [[1.0, -1.0, 0.5]]
    return lora


def test_forward_by_hand():
    x = np.array([[1.0, 1.0], [2.0, 0.0]])
    # x W + b = [[1.5, 1, 0.5], [2.5, 0, 3.5]]; x A = [[3], [2]]; (x A) B = [[3,-3,1.5],[2,-2,1]]
    assert np.allclose(small_lora().forward(x), [[4.5, -2.0, 2.0], [4.5, -2.0, 4.5]], atol=0)
    # alpha = 2 with r = 1: the correction counts twice
    assert np.allclose(small_lora(alpha=2).forward(x), [[7.5, -5.0, 3.5], [6.5, -4.0, 5.5]],
                       atol=0)


def test_backward_by_hand():
    lora, x = small_lora(), np.array([[1.0, 1.0]])
    lora.forward(x)
    dx = lora.backward(np.array([[1.0, 0.0, 0.0]]))
    # dh = dy Bᵀ = 1; dA = xᵀ dh = [[1], [1]]; dB = hᵀ dy = 3·[1, 0, 0]; dx = dy Wᵀ + dh Aᵀ
    assert np.allclose(lora.grads["A"], [[1.0], [1.0]], atol=0)
    assert np.allclose(lora.grads["B"], [[3.0, 0.0, 0.0]], atol=0)
    assert np.allclose(dx, [[1.0 + 1.0, 0.0 + 2.0]], atol=0)


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_output_equals_the_dense_at_the_start(shape):
    rng = np.random.default_rng(2)
    dense = nb.Dense(4, 3, rng=rng)
    x = rng.standard_normal(shape)
    lora = nb.LoRA(dense, 2, rng=rng)
    assert np.array_equal(lora.forward(x), dense.forward(x))
    assert lora.params["A"].shape == (4, 2) and np.array_equal(lora.params["B"], np.zeros((2, 3)))
    assert lora.params["W"] is dense.params["W"]      # wrapped, not copied


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_merge_gives_a_plain_dense_with_the_same_outputs(shape):
    rng = np.random.default_rng(3)
    lora = nb.LoRA(nb.Dense(4, 3, rng=rng), 2, alpha=6.0, rng=rng)
    lora.params["B"][...] = rng.standard_normal((2, 3))
    merged = lora.merge()
    x = rng.standard_normal(shape)
    assert type(merged) is nb.Dense
    assert np.abs(merged.forward(x) - lora.forward(x)).max() < 1e-12
    assert np.abs(merged.forward(x) - lora.dense.forward(x)).max() > 0.1


def test_fit_trains_a_and_b_only_and_the_counts_say_so(capsys):
    rng = np.random.default_rng(4)
    base = nb.Dense(6, 5, rng=rng)
    W, b = np.array(base.params["W"]), np.array(base.params["b"])
    model = nb.Sequential([nb.LoRA(base, 2, rng=rng), nb.Tanh(), nb.Dense(5, 1, rng=rng)])
    assert model.count_params(trainable=False) == 6 * 5 + 5
    assert model.count_params(trainable=True) == 2 * (6 + 5) + 5 + 1
    model.compile(nb.Adam(0.01), "mse")
    model.fit(rng.standard_normal((32, 6)), rng.standard_normal((32, 1)), epochs=2, verbose=0)
    lora = model.layers[0]
    assert np.array_equal(lora.params["W"], W) and np.array_equal(lora.params["b"], b)
    assert np.abs(lora.params["B"]).max() > 0
    model.summary()
    assert "Frozen params: 35" in capsys.readouterr().out


def test_a_frozen_lora_trains_nothing():
    rng = np.random.default_rng(5)
    model = nb.Sequential([nb.LoRA(nb.Dense(3, 2, rng=rng), 1, rng=rng)])
    model.layers[0].trainable = False
    assert model.count_params(trainable=True) == 0
    model.compile("sgd", "mse")
    model.compute_gradients(np.ones((2, 3)), np.ones((2, 2)))
    assert model.gradient_pairs() == []


def test_saved_and_loaded_with_the_same_outputs(tmp_path):
    rng = np.random.default_rng(6)
    lora = nb.LoRA(nb.Dense(3, 4, rng=rng), 2, alpha=1.0, rng=rng)
    lora.params["B"][...] = rng.standard_normal((2, 4))
    model = nb.Sequential([lora])
    loaded = nb.load_model(model.save(tmp_path / "lora"))
    got = loaded.layers[0]
    assert type(got) is nb.LoRA and got.rank == 2 and got.alpha == 1.0
    x = rng.standard_normal((4, 3))
    assert np.array_equal(got.forward(x), lora.forward(x))
    assert got.frozen_params == ("W", "b")


def test_float32_dense_gives_a_float32_lora():
    rng = np.random.default_rng(7)
    lora = nb.LoRA(nb.Dense(3, 2, dtype=np.float32, rng=rng), 2, rng=rng)
    assert {p.dtype for p in lora.params.values()} == {np.dtype(np.float32)}
    assert lora.merge().params["W"].dtype == np.float32


def test_repr_and_config():
    lora = small_lora(alpha=2)
    assert repr(lora) == "LoRA(2 → 3, rank=1, alpha=2)"
    assert lora.get_config() == {"dense": {"n_in": 2, "n_out": 3}, "rank": 1, "alpha": 2.0}
    assert lora.scale == 2.0 and small_lora().scale == 1.0


@pytest.mark.parametrize("dense, rank, alpha, message", [
    (nb.ReLU(), 2, None, r"LoRA: expected a layer with a weight matrix to adapt \(a Dense, a "
                         r"MultiHeadAttention, a SwiGLU\), got ReLU\(\)\. .*LoRA\(block\.attn, "
                         r"rank=4, targets=\('W_q', 'W_v'\)\).*nb\.add_lora\(model, rank=4\)"),
    (nb.Dense(2, 2), 0, None, r"LoRA.*rank"),
    (nb.Dense(2, 2), 1.5, None, r"LoRA.*rank"),
    (nb.Dense(2, 2), 1, 0.0, r"LoRA: alpha must be a positive number or None"),
    (nb.Dense(2, 2), 1, float("nan"), r"LoRA: alpha must be a positive number"),
    (nb.Dense(2, 2), 1, True, r"LoRA: alpha must be a positive number"),
])
def test_bad_arguments_are_refused_naming_the_fix(dense, rank, alpha, message):
    with pytest.raises(ValueError, match=message):
        nb.LoRA(dense, rank, alpha=alpha)


def test_dtype_other_than_the_dense_is_refused():
    with pytest.raises(ValueError, match=r"LoRA: dtype float32 differs from the layer's "
                                         r"float64; leave dtype out"):
        nb.LoRA(nb.Dense(2, 2), 1, dtype=np.float32)


def test_bad_input_and_backward_before_forward():
    lora = small_lora()
    with pytest.raises(ValueError, match=r"LoRA\(2 → 3.*expected input of shape \(m, 2\)"):
        lora.forward(np.ones((3, 5)))
    with pytest.raises(ValueError, match="backward\\(\\) was called before forward"):
        small_lora().backward(np.ones((1, 3)))
    lora.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(4, 3\)"):
        lora.backward(np.ones((4, 2)))


def test_float32_lora_saves_and_loads_as_float32(tmp_path):
    rng = np.random.default_rng(8)
    model = nb.Sequential([nb.LoRA(nb.Dense(3, 2, dtype=np.float32, rng=rng), 2, rng=rng)])
    model.layers[0].params["B"][...] = 1.0
    loaded = nb.load_model(model.save(tmp_path / "f32"))
    x = rng.standard_normal((4, 3)).astype(np.float32)
    assert loaded.layers[0].params["A"].dtype == np.float32
    assert np.array_equal(loaded.predict(x), model.predict(x))


def attention_lora(targets=("W_q", "W_v"), seed=9, **kw):
    rng = np.random.default_rng(seed)
    mha = nb.MultiHeadAttention(8, 2, causal=True, n_kv_heads=1, rope=True, rng=rng, **kw)
    return nb.LoRA(mha, 2, targets=targets, alpha=4.0, rng=rng), rng


def test_on_attention_the_output_is_the_layers_until_b_moves():
    lora, rng = attention_lora()
    x = rng.standard_normal((3, 5, 8))
    plain = lora.layer.forward(x)
    assert np.array_equal(lora.forward(x), plain)
    assert lora.params["W_k"] is lora.layer.params["W_k"]       # wrapped, not copied
    assert {k: v.shape for k, v in lora.params.items() if "." in k} == {
        "W_q.A": (8, 2), "W_q.B": (2, 8), "W_v.A": (8, 2), "W_v.B": (2, 4)}   # GQA: W_v (8, 4)
    assert lora.adapter_keys == ("W_q.A", "W_q.B", "W_v.A", "W_v.B")
    assert set(lora.frozen_params) == set(lora.layer.params) and lora.targets == ("W_q", "W_v")
    assert lora.causal and lora.rope                       # the wrapped layer's, read through


def test_on_attention_the_forward_uses_w_plus_the_scaled_product():
    lora, rng = attention_lora(targets="W_o")
    lora.params["W_o.B"][...] = rng.standard_normal((2, 8))
    x = rng.standard_normal((2, 4, 8))
    by_hand = nb.MultiHeadAttention(8, 2, causal=True, n_kv_heads=1, rope=True)
    by_hand.params = {k: np.array(v) for k, v in lora.params.items() if "." not in k}
    by_hand.params["W_o"] += 2.0 * lora.params["W_o.A"] @ lora.params["W_o.B"]   # α/r = 2
    np.testing.assert_allclose(lora.forward(x), by_hand.forward(x), rtol=0, atol=1e-12)


def test_on_attention_the_adapters_gradients_come_from_dw():
    lora, rng = attention_lora()
    for k in lora.adapter_keys:
        lora.params[k][...] = rng.standard_normal(lora.params[k].shape)
    x, dy = rng.standard_normal((2, 4, 8)), rng.standard_normal((2, 4, 8))
    lora.forward(x)
    dx = lora.backward(dy)
    dW = lora.grads["W_q"]                                 # ∂E/∂(W + 2·A B), exact
    A, B = lora.params["W_q.A"], lora.params["W_q.B"]
    np.testing.assert_allclose(lora.grads["W_q.A"], 2.0 * dW @ B.T, rtol=0, atol=1e-12)
    np.testing.assert_allclose(lora.grads["W_q.B"], 2.0 * A.T @ dW, rtol=0, atol=1e-12)
    assert dx.shape == x.shape and lora.backward(dy, need_dx=False) is None


def test_on_attention_merge_gives_a_plain_layer_with_the_same_outputs():
    lora, rng = attention_lora(targets=None)               # None: every matrix
    assert lora.targets == ("W_q", "W_k", "W_v", "W_o")
    for k in lora.adapter_keys:
        lora.params[k][...] = rng.standard_normal(lora.params[k].shape)
    x = rng.standard_normal((2, 5, 8))
    merged = lora.merge()
    assert type(merged) is nb.MultiHeadAttention and merged is not lora.layer
    assert set(merged.params) == set(lora.frozen_params)
    assert np.abs(merged.forward(x) - lora.forward(x)).max() < 1e-12
    assert np.abs(merged.forward(x) - nb.MultiHeadAttention(
        8, 2, causal=True, n_kv_heads=1, rope=True, rng=np.random.default_rng(9)).forward(
        x)).max() > 1e-3


def test_on_swiglu_saved_and_loaded_with_the_same_outputs(tmp_path):
    rng = np.random.default_rng(10)
    lora = nb.LoRA(nb.SwiGLU(4, 6, rng=rng), 3, targets=("W_1", "W_2"), rng=rng)
    lora.params["W_2.B"][...] = rng.standard_normal((3, 4))
    assert repr(lora) == "LoRA(SwiGLU(4, d_ff=6) on W_1, W_2, rank=3, alpha=3)"
    assert lora.get_config() == {"layer": {"class": "SwiGLU", "config": {"d_model": 4, "d_ff": 6}},
                                 "rank": 3, "alpha": 3.0, "targets": ["W_1", "W_2"]}
    model = nb.Sequential([lora])
    x = rng.standard_normal((2, 3, 4))
    loaded = nb.load_model(model.save(tmp_path / "swiglu"))
    assert type(loaded.layers[0]) is nb.LoRA and loaded.layers[0].targets == ("W_1", "W_2")
    assert np.array_equal(loaded.predict(x), model.predict(x))
    assert loaded.count_params(trainable=True) == 3 * (4 + 6) * 2


@pytest.mark.parametrize("targets, message", [
    (("W_x",), r"LoRA: targets \('W_x',\) are not distinct matrices of MultiHeadAttention"
               r".*its matrices are \['W_q', 'W_k', 'W_v', 'W_o'\]"),
    (("W_q", "W_q"), r"not distinct matrices"),
    ((), r"not distinct matrices"),
    (("b_q",), r"its matrices are"),
])
def test_targets_that_are_not_matrices_of_the_layer_are_refused(targets, message):
    with pytest.raises(ValueError, match=message):
        nb.LoRA(nb.MultiHeadAttention(4, 2), 1, targets=targets)


def test_a_lora_is_not_wrapped_again():
    lora, _ = attention_lora()
    with pytest.raises(ValueError, match=r"LoRA: expected a layer with a weight matrix"):
        nb.LoRA(lora, 2)


def test_alpha_set_after_construction_is_the_one_used():
    """Issue 50.3: the scale α/r is read from alpha at every use, so a LoRA whose alpha was
    set later predicts as its saved config says. Catches a scale fixed in __init__."""
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    lora = small_lora()
    lora.alpha = 3.0
    assert lora.scale == 3.0 and lora.get_config()["alpha"] == 3.0
    assert np.allclose(lora.forward(x), small_lora(alpha=3.0).forward(x), rtol=0, atol=1e-15)
    rebuilt = nb.LoRA(lora.get_config()["dense"], 1, alpha=lora.get_config()["alpha"])
    rebuilt.params.update({k: v.copy() for k, v in lora.params.items()})
    assert np.array_equal(rebuilt.forward(x), lora.forward(x))
    with pytest.raises(ValueError, match=r"LoRA: alpha must be a positive number"):
        lora.alpha = 0.0


def tied_lm(seed=0, V=11, D=8):
    rng = np.random.default_rng(seed)
    emb = nb.Embedding(V, D, rng=rng)
    model = nb.Sequential([emb, nb.TransformerBlock(D, 2, 16, rng=rng), nb.Unembedding(emb)])
    model.compile(nb.Adam(1e-2), nb.CrossEntropy(from_logits=True))
    model.layers[0] = nb.LoRA(emb, 2, rng=rng)              # the tied table adapted
    data = np.random.default_rng(seed + 1)
    return model, data.integers(0, V, (4, 6)), data.integers(0, V, (4, 6))


def test_lora_on_a_tied_embedding_saves_loads_and_trains_on(tmp_path):
    """Issue 50.15: save keeps the head's link to the embedding inside the LoRA; loaded,
    the head reads that embedding and training goes on bit for bit. Catches the refusal
    "not an earlier layer of this model" and a head tied to a copy."""
    model, x, y = tied_lm()
    for _ in range(3):
        model.train_step(x, y)
    loaded = nb.load_model(model.save(tmp_path / "tied"))
    assert loaded.layers[2].embedding is loaded.layers[0].layer
    assert np.array_equal(loaded.predict(x), model.predict(x))
    for _ in range(2):
        assert loaded.train_step(x, y) == model.train_step(x, y)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))


def test_merge_lora_keeps_a_tied_head_on_the_merged_embedding():
    """Issue 50.12: merging a LoRA around a tied Embedding leaves the Unembedding reading
    the layer the model now holds, with W + (α/r)·A B. Catches a merged copy (the head
    then reads the old table and predict blames "model.layers was changed directly")."""
    model, x, y = tied_lm()
    for _ in range(3):
        model.train_step(x, y)
    before = model.predict(x)
    assert nb.merge_lora(model) == ["0.W"]
    assert isinstance(model.layers[0], nb.Embedding)
    assert model.layers[2].embedding is model.layers[0]
    assert np.allclose(model.predict(x), before, rtol=0, atol=1e-12)


def test_lora_on_a_tied_embedding_gradients_by_finite_differences():
    """The adapters of a tied table get both uses' gradient (the embedding's rows and the
    head's product): every entry of A and B against central differences of the model's
    loss. Catches a head that read the base W (its use would add nothing to A and B)."""
    model, x, y = tied_lm()
    rng = np.random.default_rng(3)
    model.params["0.W.B"][...] = 0.5 * rng.standard_normal(model.params["0.W.B"].shape)
    model.compute_gradients(x, y)
    analytic = {k: model.grads[k].copy() for k in ("0.W.A", "0.W.B")}
    for key, g in analytic.items():
        p, eps = model.params[key], 1e-6
        numeric = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            keep = p[i]
            p[i] = keep + eps
            up = model.compute_gradients(x, y)[0]
            p[i] = keep - eps
            down = model.compute_gradients(x, y)[0]
            p[i] = keep
            numeric[i] = (up - down) / (2 * eps)
        assert np.max(np.abs(g - numeric)) < 1e-8 * max(1.0, np.max(np.abs(g))), key
