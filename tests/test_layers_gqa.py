"""Grouped-query attention (chapter 20): the head mapping, n_kv_heads = n_heads is chapter
17's attention, GQA equals MHA with each key/value head copied to its group, 1 is multi-query
attention, bias=False, the parameter shapes, the errors, and saving."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.layers import kv_head_of


def test_the_head_mapping():
    assert kv_head_of(4, 2).tolist() == [0, 0, 1, 1]
    assert kv_head_of(6, 3).tolist() == [0, 0, 1, 1, 2, 2]
    assert kv_head_of(4, 4).tolist() == [0, 1, 2, 3]
    assert kv_head_of(4, 1).tolist() == [0, 0, 0, 0]
    with pytest.raises(ValueError, match=r"kv_head_of: n_kv_heads=3 does not divide n_heads=4; "
                                         r".* Use n_kv_heads in \[1, 2, 4\]"):
        kv_head_of(4, 3)


def randomised(layer, seed):
    rng = np.random.default_rng(seed)
    for p in layer.params.values():
        p[...] = 0.5 * rng.standard_normal(p.shape)
    return layer


def expanded(gqa):
    """Chapter 17's attention with GQA's weights, each key/value head's columns copied to
    every query head of its group."""
    h, k, dh = gqa.n_heads, gqa.n_kv_heads, gqa.d_head
    full = nb.MultiHeadAttention(gqa.d_model, h, causal=gqa.causal, rope=gqa.rope)
    cols = (kv_head_of(h, k)[:, None] * dh + np.arange(dh)).ravel()     # kv column per query column
    for name, p in full.params.items():
        src = gqa.params[name]
        p[...] = src[..., cols] if name[-1] in "kv" else src
    return full


@pytest.mark.parametrize("n_kv, rope, causal", [(1, False, True), (2, False, False), (2, True, True),
                                                (1, True, False)])
def test_gqa_equals_attention_with_its_kv_heads_copied_to_each_group(n_kv, rope, causal):
    rng = np.random.default_rng(5)
    gqa = randomised(nb.MultiHeadAttention(8, 4, n_kv_heads=n_kv, rope=rope, causal=causal), 6)
    full = expanded(gqa)
    x, dy = rng.standard_normal((3, 7, 8)), rng.standard_normal((3, 7, 8))
    np.testing.assert_allclose(gqa.forward(x), full.forward(x), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(gqa.backward(dy), full.backward(dy), rtol=1e-11, atol=1e-13)
    h, dh = 4, 2
    cols = (kv_head_of(h, n_kv)[:, None] * dh + np.arange(dh)).ravel()
    for name, g in gqa.grads.items():
        want = full.grads[name]
        if name[-1] in "kv":       # the copies' gradients add up in the shared columns
            summed = np.zeros_like(g)
            np.add.at(summed.T, cols, want.T) if want.ndim == 2 else np.add.at(summed, cols, want)
            want = summed
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12, err_msg=name)


def test_n_kv_heads_equal_to_n_heads_is_chapter_17s_attention():
    rng = np.random.default_rng(7)
    a = nb.MultiHeadAttention(8, 4, n_kv_heads=4, causal=True, rng=np.random.default_rng(1))
    b = nb.MultiHeadAttention(8, 4, causal=True, rng=np.random.default_rng(1))
    assert a.get_config() == b.get_config() == {"d_model": 8, "n_heads": 4, "causal": True}
    x = rng.standard_normal((2, 5, 8))
    np.testing.assert_array_equal(a.forward(x), b.forward(x))


def test_one_kv_head_is_multi_query_attention():
    rng = np.random.default_rng(8)
    layer = randomised(nb.MultiHeadAttention(6, 3, n_kv_heads=1, bias=False), 9)
    x = rng.standard_normal((2, 4, 6))
    p = layer.params
    K, V = x @ p["W_k"], x @ p["W_v"]                       # one key and value per position
    heads = []
    for h in range(3):
        Q = x @ p["W_q"][:, 2 * h:2 * h + 2]
        S = Q @ K.swapaxes(1, 2) / np.sqrt(2)
        A = np.exp(S - S.max(axis=-1, keepdims=True))
        heads.append(A / A.sum(axis=-1, keepdims=True) @ V)
    np.testing.assert_allclose(layer.forward(x), np.concatenate(heads, axis=-1) @ p["W_o"],
                               rtol=1e-12)


def test_shapes_counts_and_bias_false():
    layer = nb.MultiHeadAttention(8, 4, n_kv_heads=2, bias=False, rng=np.random.default_rng(0))
    assert {k: v.shape for k, v in layer.params.items()} == {
        "W_q": (8, 8), "W_k": (8, 4), "W_v": (8, 4), "W_o": (8, 8)}
    with_bias = nb.MultiHeadAttention(8, 4, n_kv_heads=2, rng=np.random.default_rng(0))
    assert with_bias.params["b_k"].shape == (4,) and with_bias.params["b_o"].shape == (8,)
    assert sum(p.size for p in with_bias.params.values()) == 64 * 2 + 32 * 2 + 8 * 2 + 4 * 2
    assert repr(layer) == "MultiHeadAttention(8, 4 heads, n_kv_heads=2, bias=False)"
    assert layer.get_config() == {"d_model": 8, "n_heads": 4, "causal": False, "n_kv_heads": 2,
                                  "bias": False}


@pytest.mark.parametrize("kwargs, message", [
    ({"n_kv_heads": 3}, "MultiHeadAttention: n_kv_heads=3 does not divide n_heads=4; each "
                        "key/value head serves n_heads / n_kv_heads query heads. Use n_kv_heads "
                        "in [1, 2, 4]."),
    ({"n_kv_heads": 0}, "MultiHeadAttention: expected n_kv_heads to be an integer ≥ 1, got 0."),
    ({"bias": "no"}, "MultiHeadAttention: expected bias=True or False, got 'no'."),
])
def test_bad_gqa_settings_are_named(kwargs, message):
    with pytest.raises(ValueError) as err:
        nb.MultiHeadAttention(8, 4, **kwargs)
    assert message in str(err.value)


def test_a_modern_attention_saves_and_loads(tmp_path):
    rng = np.random.default_rng(10)
    layer = randomised(nb.MultiHeadAttention(8, 4, n_kv_heads=2, rope=True, rope_base=500.0,
                                             bias=False, causal=True), 11)
    model = nb.Sequential([layer])
    back = nb.load_model(model.save(tmp_path / "gqa"))
    assert back.layers[0].get_config() == layer.get_config()
    assert back.layers[0].get_config()["rope_base"] == 500.0
    x = rng.standard_normal((2, 5, 8))
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
