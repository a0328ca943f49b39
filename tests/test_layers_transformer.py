"""TransformerBlock (nnbook/layers/attention/transformer.py): the pre-norm formula from its parts, the
flat parameter names as views over the parts' own arrays (optimizers, set_weights, save/load,
a float32 gradient check, an array replaced in a part), causality, and the errors."""

import numpy as np
import pytest

import nnbook as nb

NAMES = ["ln1.gamma", "ln1.beta", "attn.W_q", "attn.W_k", "attn.W_v", "attn.W_o", "attn.b_q",
         "attn.b_k", "attn.b_v", "attn.b_o", "ln2.gamma", "ln2.beta", "W_1", "b_1", "W_2", "b_2"]


def block(seed=0, **kw):
    rng = np.random.default_rng(seed)
    b = nb.TransformerBlock(6, 2, 10, rng=rng, **kw)
    for p in b.params.values():
        p += 0.3 * rng.standard_normal(p.shape)
    return b


def test_the_pre_norm_formula():
    b = block()
    x = np.random.default_rng(1).standard_normal((2, 4, 6))
    out = b.forward(x)
    p = b.params
    y = x + b.attn.forward(b.ln1.forward(x))                          # y = x + MHA(LN₁(x))
    h = np.maximum(b.ln2.forward(y) @ p["W_1"] + p["b_1"], 0)
    np.testing.assert_allclose(out, y + h @ p["W_2"] + p["b_2"], rtol=1e-12)
    assert b.attention_weights.shape == (2, 2, 4, 4)
    assert not np.triu(b.attention_weights, 1).any()                 # causal by default


def test_params_are_the_parts_live_arrays():
    b = block()
    assert list(b.params) == NAMES and list(b.grads) == NAMES
    assert b.params["attn.W_q"] is b.attn.params["W_q"] and b.params["W_2"] is b.ff2.params["W"]
    x = np.random.default_rng(2).standard_normal((1, 3, 6))
    b.forward(x)
    b.backward(np.ones((1, 3, 6)))
    assert b.grads["ln2.gamma"] is b.ln2.grads["gamma"] and b.grads["b_1"].any()
    before = b.forward(x)
    b.params["W_1"][...] = 0.0                                        # an optimizer's in-place step
    b.params["b_1"][...] = 0.0
    assert not np.allclose(b.forward(x), before)
    y = x + b.attn.forward(b.ln1.forward(x))
    np.testing.assert_allclose(b.forward(x), y + b.params["b_2"], rtol=1e-12)   # no MLP left
    b.params["W_1"] = np.ones((6, 10))                                # an array replaced
    assert b.forward(x) is not None and b.ff1.params["W"] is b.params["W_1"]


def test_an_array_replaced_in_a_part_is_the_blocks_with_nothing_re_bound():
    """The block's params/grads are views over its parts' dicts: one owner per array. The
    old block kept a second dict, so it still listed the part's old array (and its next
    forward put that old array back into the part)."""
    b, x = block(), np.random.default_rng(2).standard_normal((1, 3, 6))
    new_W = b.attn.params["W_q"] + 1.0
    b.attn.params["W_q"] = new_W                                      # replaced in the part
    assert b.params["attn.W_q"] is new_W                              # seen before any forward
    b.ff2.grads["W"] = g = np.zeros_like(b.ff2.grads["W"])
    assert b.grads["W_2"] is g
    out = b.forward(x)
    assert b.attn.params["W_q"] is new_W                              # not put back by forward
    twin = block()
    twin.attn.params["W_q"][...] = new_W
    np.testing.assert_array_equal(out, twin.forward(x))
    assert list(b.params) == NAMES and "W_q" not in b.params
    b.ln1.params = {"gamma": np.full(6, 2.0), "beta": np.zeros(6)}   # a part's dict replaced
    assert b.params["ln1.gamma"] is b.ln1.params["gamma"]
    assert [v is b.ln1.params["beta"] for k, v in b.params.items() if k.startswith("ln1.")] \
        == [False, True]
    assert list(b.params.values())[-1] is b.ff2.params["b"]
    with pytest.raises(KeyError, match="no parameter 'W_q' to replace"):
        b.params["W_q"] = new_W                                       # a name the block lacks
    assert "_links" not in vars(b) and "__setattr__" not in vars(nb.TransformerBlock)


def test_saved_and_loaded_arrays_are_the_parts_own(tmp_path):
    """load_model fills the block's params through the view: the parts hold the loaded
    arrays, and a second forward gives the same numbers (nothing put back from a copy)."""
    model = nb.Sequential([nb.Embedding(5, 6, rng=np.random.default_rng(3)), block(4)])
    ids = np.random.default_rng(5).integers(0, 5, (2, 4))
    back = nb.load_model(model.save(tmp_path / "m"))
    b = back.layers[1]
    assert list(b.params) == NAMES and b.params["W_1"] is b.ff1.params["W"]
    assert b.params["attn.W_o"] is b.attn.params["W_o"]
    assert b.params["ln2.gamma"] is b.ln2.params["gamma"]
    np.testing.assert_array_equal(back.predict(ids), model.predict(ids))
    np.testing.assert_array_equal(back.predict(ids), model.predict(ids))
    for name, p in model.layers[1].params.items():
        np.testing.assert_array_equal(b.params[name], p)


def test_a_float32_block_checks_its_gradients_in_float64():
    b = block(3)
    b32 = nb.TransformerBlock(6, 2, 10, dtype=np.float32, rng=np.random.default_rng(0))
    for k, p in b.params.items():
        b32.params[k][...] = p
    x = np.random.default_rng(4).standard_normal((2, 3, 6))
    errors = nb.check_gradients(b32, x, rng=np.random.default_rng(5))
    del errors["attn.b_k"]                                            # its gradient is 0
    assert max(errors.values()) < 1e-6, errors
    assert all(p.dtype == np.float32 for p in b32.params.values())   # put back
    assert b32.forward(x).dtype == np.float32 and b32.attn.params["W_q"].dtype == np.float32


def test_causal_and_not():
    x = np.random.default_rng(6).standard_normal((1, 5, 6))
    for causal in (True, False):
        b = block(7, causal=causal)
        y = b.forward(x)
        x2 = x.copy()
        x2[0, 3] += 1.0
        same = np.array_equal(b.forward(x2)[0, :3], y[0, :3])
        assert same == causal


def test_saving_and_training(tmp_path):
    rng = np.random.default_rng(8)
    model = nb.Sequential([nb.Embedding(5, 6, rng=rng), block(9, causal=False),
                           nb.Dense(6, 5, rng=rng)])
    model.compile(nb.Adam(lr=0.01), nb.CrossEntropy(from_logits=True))
    ids = rng.integers(0, 5, (8, 4))
    model.fit(ids, ids, epochs=2, batch_size=4, verbose=0, rng=rng)
    back = nb.load_model(model.save(tmp_path / "block"))
    assert back.layers[1].get_config() == {"d_model": 6, "n_heads": 2, "d_ff": 10, "causal": False}
    assert sorted(k for k in back.params if k.startswith("1.")) == sorted("1." + n for n in NAMES)
    np.testing.assert_array_equal(back.predict(ids), model.predict(ids))
    other = nb.Sequential([nb.Embedding(5, 6), nb.TransformerBlock(6, 2, 10, causal=False),
                           nb.Dense(6, 5)])
    other.set_weights(model.get_weights())
    np.testing.assert_array_equal(other.predict(ids), model.predict(ids))


def test_errors():
    with pytest.raises(ValueError, match=r"TransformerBlock: d_model=6 is not divisible by n_heads=4"):
        nb.TransformerBlock(6, 4, 8)
    with pytest.raises(ValueError, match=r"TransformerBlock: expected d_ff to be an integer ≥ 1"):
        nb.TransformerBlock(6, 2, 0)
    b = nb.TransformerBlock(6, 2, 8)
    with pytest.raises(ValueError, match=r"TransformerBlock\(6, 2 heads, d_ff=8, causal\): expected "
                                         r"input of shape \(m, T, 6\), got \(2, 6\)"):
        b.forward(np.zeros((2, 6)))
    with pytest.raises(ValueError, match=r"expected samples of shape \(T, 6\), got \(4, 5\)"):
        nb.Sequential([nb.Embedding(3, 5), b], input_shape=(4,))
    with pytest.raises(ValueError, match=r"backward\(\) was called before forward\(\)"):
        b.backward(np.zeros((1, 2, 6)))
    b.forward(np.zeros((1, 2, 6)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(1, 2, 6\)"):
        b.backward(np.zeros((1, 2, 5)))
    assert nb.Sequential([nb.Embedding(3, 6), b], input_shape=(4,)).output_shapes() == [(4, 6)] * 2


def test_an_empty_sequence_is_refused_by_name():
    block = nb.TransformerBlock(4, 2, 8)
    with pytest.raises(ValueError, match=r"^TransformerBlock\(4, 2 heads, d_ff=8, causal\): expected "
                                         r"input of shape \(m, T, 4\), got \(2, 0, 4\)\. The sequences "
                                         r"have no positions \(T = 0\)"):
        block.forward(np.zeros((2, 0, 4)))
    model = nb.Sequential([nb.Embedding(10, 4), block])
    with pytest.raises(ValueError, match=r"^TransformerBlock.*T = 0"):
        model.predict(np.zeros((2, 0), int))


def test_a_block_after_a_recurrent_layer_without_return_sequences_names_it():
    x = np.random.default_rng(0).normal(size=(3, 6, 4))
    with pytest.raises(ValueError, match=r"got \(3, 4\)\. If the layer before this one is an RNN, "
                                         r"LSTM or GRU, give it return_sequences=True"):
        nb.Sequential([nb.LSTM(4, 4), nb.TransformerBlock(4, 2, 8)]).predict(x)
