"""MultiHeadAttention (nnbook/layers/attention/multihead.py): a head worked by hand, heads as slices of the
features (against a loop written from the formula), rows of weights summing to 1, the causal
mask (a later token never changes an earlier output), no notion of order without positions,
∂E/∂b_k = 0, float32, save/load and every error."""

import math

import numpy as np
import pytest

import nnbook as nb


def identity_attention(d, heads, causal=False):
    layer = nb.MultiHeadAttention(d, heads, causal=causal)
    for n in "qkvo":
        layer.params[f"W_{n}"][...] = np.eye(d)
    return layer


def test_one_head_by_hand():
    layer = identity_attention(2, 1)
    x = np.array([[[1.0, 0.0], [0.0, 1.0]]])                 # Q = K = V = x
    y = layer.forward(x)
    a = 1 / (1 + math.exp(-1 / math.sqrt(2)))                # softmax([1/√2, 0])[0]
    np.testing.assert_allclose(layer.attention_weights, [[[[a, 1 - a], [1 - a, a]]]], rtol=1e-12)
    np.testing.assert_allclose(y, [[[a, 1 - a], [1 - a, a]]], rtol=1e-12)
    causal = identity_attention(2, 1, causal=True)
    np.testing.assert_allclose(causal.forward(x), [[[1, 0], [1 - a, a]]], rtol=1e-12)
    np.testing.assert_array_equal(causal.attention_weights[0, 0, 0], [1.0, 0.0])


def attention_by_hand(layer, x):
    """The formula of the docstring, one sample and one head at a time."""
    p, h, dh = layer.params, layer.n_heads, layer.d_head
    out = []
    for xs in x:                                             # (T, d)
        Q, K, V = (xs @ p[f"W_{n}"] + p[f"b_{n}"] for n in "qkv")
        heads = []
        for j in range(h):
            cols = slice(j * dh, (j + 1) * dh)
            S = Q[:, cols] @ K[:, cols].T / math.sqrt(dh)
            if layer.causal:
                S = np.where(np.tril(np.ones_like(S)) == 1, S, -np.inf)
            heads.append(nb.softmax(S) @ V[:, cols])
        out.append(np.concatenate(heads, axis=1) @ p["W_o"] + p["b_o"])
    return np.array(out)


@pytest.mark.parametrize("causal", [False, True])
def test_heads_split_the_features_in_order(causal):
    rng = np.random.default_rng(0)
    layer = nb.MultiHeadAttention(6, 3, causal=causal, rng=rng)
    for p in layer.params.values():
        p += 0.3 * rng.standard_normal(p.shape)
    x = rng.standard_normal((2, 5, 6))
    np.testing.assert_allclose(layer.forward(x), attention_by_hand(layer, x), rtol=1e-10, atol=1e-12)
    w = layer.attention_weights
    assert w.shape == (2, 3, 5, 5)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-12)
    if causal:
        assert not np.triu(w, 1).any()                       # exactly 0 above the diagonal


def test_a_later_token_never_changes_an_earlier_output():
    rng = np.random.default_rng(1)
    layer = nb.MultiHeadAttention(4, 2, causal=True, rng=rng)
    x = rng.standard_normal((3, 6, 4))
    y = layer.forward(x)
    x2 = x.copy()
    x2[:, 4] += 10 * rng.standard_normal((3, 4))
    y2 = layer.forward(x2)
    np.testing.assert_array_equal(y2[:, :4], y[:, :4])
    assert not np.allclose(y2[:, 4:], y[:, 4:])
    # and the gradient agrees: ∂(output at t)/∂(input at t') is 0 for t' > t
    dy = np.zeros_like(y)
    dy[:, 2] = 1.0
    layer.forward(x)
    assert not layer.backward(dy)[:, 3:].any()


def test_attention_alone_has_no_notion_of_order():
    rng = np.random.default_rng(2)
    layer = nb.MultiHeadAttention(4, 2, rng=rng)
    x = rng.standard_normal((2, 5, 4))
    order = rng.permutation(5)
    np.testing.assert_allclose(layer.forward(x[:, order]), layer.forward(x)[:, order], rtol=1e-12)
    positions = nb.PositionalEmbedding(5, 4, rng=rng)             # what fixes it
    moved = layer.forward(positions.forward(x[:, order]))
    assert not np.allclose(moved, layer.forward(positions.forward(x))[:, order])


def test_the_key_bias_gets_a_zero_gradient():
    rng = np.random.default_rng(3)
    layer = nb.MultiHeadAttention(4, 2, rng=rng)
    layer.params["b_k"][...] = 5.0
    x = rng.standard_normal((2, 3, 4))
    y = layer.forward(x)
    layer.params["b_k"][...] = -3.0                                 # shifts each row of scores
    np.testing.assert_allclose(layer.forward(x), y, rtol=1e-12)
    layer.backward(rng.standard_normal(y.shape))
    assert not layer.grads["b_k"].any() and layer.grads["b_q"].any()


def test_float32_and_need_dx():
    rng = np.random.default_rng(4)
    layer = nb.MultiHeadAttention(4, 2, causal=True, rng=rng, dtype=np.float32)
    y = layer.forward(rng.standard_normal((2, 3, 4)))
    assert y.dtype == layer.attention_weights.dtype == np.float32
    assert layer.backward(rng.standard_normal(y.shape)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    assert layer.backward(np.ones(y.shape), need_dx=False) is None


def test_initial_weights_and_saving(tmp_path):
    rng = np.random.default_rng(5)
    layer = nb.MultiHeadAttention(8, 2, causal=True, rng=rng)
    assert list(layer.params) == ["W_q", "W_k", "W_v", "W_o", "b_q", "b_k", "b_v", "b_o"]
    limit = math.sqrt(6 / 16)                                       # Xavier/Glorot uniform
    assert all(np.abs(layer.params[f"W_{n}"]).max() <= limit for n in "qkvo")
    assert not any(layer.params[f"b_{n}"].any() for n in "qkvo")
    model = nb.Sequential([nb.Embedding(5, 8, rng=rng), layer])
    ids = rng.integers(0, 5, (3, 4))
    back = nb.load_model(model.save(tmp_path / "mha"))
    assert back.layers[1].causal and back.layers[1].n_heads == 2
    np.testing.assert_array_equal(back.predict(ids), model.predict(ids))


def test_errors():
    with pytest.raises(ValueError, match=r"MultiHeadAttention: d_model=6 is not divisible by "
                                         r"n_heads=4; each head takes d_model / n_heads features\. "
                                         r"Use n_heads in \[1, 2, 3, 6\]"):
        nb.MultiHeadAttention(6, 4)
    with pytest.raises(ValueError, match=r"MultiHeadAttention: expected n_heads to be an integer"):
        nb.MultiHeadAttention(6, 0)
    with pytest.raises(ValueError, match=r"expected causal=True or False, got 'yes'"):
        nb.MultiHeadAttention(6, 2, causal="yes")
    layer = nb.MultiHeadAttention(4, 2)
    with pytest.raises(ValueError, match=r"MultiHeadAttention\(4, 2 heads\): expected input of "
                                         r"shape \(m, T, 4\), got \(5, 4\)\. If the layer before "
                                         r"this one is an RNN, LSTM or GRU, give it "
                                         r"return_sequences=True.* For one sequence, add a batch "
                                         r"axis: x\[None\]"):
        layer.forward(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"got \(2, 5, 3\)\. Check the previous layer"):
        layer.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"expected samples of shape \(T, 4\), got \(5, 3\)"):
        nb.Sequential([nb.Dense(2, 3), layer], input_shape=(5, 2))
    with pytest.raises(ValueError, match=r"backward\(\) was called before forward\(\)"):
        layer.backward(np.zeros((1, 2, 4)))
    layer.forward(np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(1, 2, 4\)"):
        layer.backward(np.zeros((1, 3, 4)))
    assert repr(nb.MultiHeadAttention(4, 2, causal=True)) == "MultiHeadAttention(4, 2 heads, causal)"
    # one head is "1 head" in every attention layer's repr (and so in their error messages)
    assert repr(nb.MultiHeadAttention(4, 1)) == "MultiHeadAttention(4, 1 head)"
    assert repr(nb.LinearAttention(4, 1)) == "LinearAttention(4, 1 head)"
    assert repr(nb.DeltaNet(4, 2)) == "DeltaNet(4, 2 heads)"
    assert repr(nb.TransformerBlock(4, 1, 8)).startswith("TransformerBlock(4, 1 head, d_ff=8")
    assert nb.MultiHeadAttention(4, 2).get_config() == {"d_model": 4, "n_heads": 2, "causal": False}


def test_an_empty_sequence_is_refused_by_name():
    layer = nb.MultiHeadAttention(4, 2, causal=True)
    with pytest.raises(ValueError, match=r"^MultiHeadAttention\(4, 2 heads, causal\): expected input "
                                         r"of shape \(m, T, 4\), got \(2, 0, 4\)\. The sequences have "
                                         r"no positions \(T = 0\)"):
        layer.forward(np.zeros((2, 0, 4)))


def test_attention_after_a_recurrent_layer_without_return_sequences_names_it():
    x = np.random.default_rng(0).normal(size=(3, 6, 4))
    with pytest.raises(ValueError, match=r"got \(3, 4\)\. If the layer before this one is an RNN, "
                                         r"LSTM or GRU, give it return_sequences=True"):
        nb.Sequential([nb.LSTM(4, 4), nb.MultiHeadAttention(4, 2)]).predict(x)
    with pytest.raises(ValueError, match=r"got \(4,\)\. .*return_sequences=True"):
        nb.Sequential([nb.GRU(4, 4), nb.MultiHeadAttention(4, 2)], input_shape=(6, 4))
