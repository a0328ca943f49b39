"""Chapter 20's settings of TransformerBlock: the defaults are chapter 18's block (config,
names, values), the variants' parameters, post-norm by its formula, errors, saving; chapter 28's
bidirectional block (the modern block with causal=False)."""

import numpy as np
import pytest

import nnbook as nb


def test_the_defaults_are_chapter_18s_block():
    a = nb.TransformerBlock(8, 2, 16, rng=np.random.default_rng(0))
    b = nb.TransformerBlock(8, 2, 16, norm="layernorm", ffn="relu", rope=False, n_kv_heads=2,
                            bias=True, prenorm=True, rng=np.random.default_rng(0))
    assert a.get_config() == b.get_config() == {"d_model": 8, "n_heads": 2, "d_ff": 16,
                                                "causal": True}
    assert list(a.params) == ["ln1.gamma", "ln1.beta", "attn.W_q", "attn.W_k", "attn.W_v",
                              "attn.W_o", "attn.b_q", "attn.b_k", "attn.b_v", "attn.b_o",
                              "ln2.gamma", "ln2.beta", "W_1", "b_1", "W_2", "b_2"]
    x = np.random.default_rng(1).standard_normal((2, 5, 8))
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    assert repr(a) == "TransformerBlock(8, 2 heads, d_ff=16, causal)"


def test_the_modern_blocks_parameters():
    block = nb.TransformerBlock(8, 4, 12, norm="rmsnorm", ffn="swiglu", rope=True, n_kv_heads=2,
                                bias=False, rng=np.random.default_rng(0))
    assert {k: v.shape for k, v in block.params.items()} == {
        "ln1.gamma": (8,), "attn.W_q": (8, 8), "attn.W_k": (8, 4), "attn.W_v": (8, 4),
        "attn.W_o": (8, 8), "ln2.gamma": (8,), "W_1": (8, 12), "W_3": (8, 12), "W_2": (12, 8)}
    assert isinstance(block.ln1, nb.RMSNorm) and isinstance(block.ffn, nb.SwiGLU)
    no_bias = nb.TransformerBlock(8, 4, 12, bias=False, rng=np.random.default_rng(0))
    assert sorted(k for k in no_bias.params if "b" in k.split(".")[-1][:1]) == ["ln1.beta",
                                                                               "ln2.beta"]


def test_post_norm_by_its_formula():
    rng = np.random.default_rng(2)
    block = nb.TransformerBlock(6, 2, 10, prenorm=False, causal=False, rng=rng)
    for p in block.params.values():
        p += 0.3 * rng.standard_normal(p.shape)
    x = rng.standard_normal((2, 4, 6))
    out = block.forward(x)
    y = block.ln1.forward(x + block.attn.forward(x))
    ffn = np.maximum(y @ block.params["W_1"] + block.params["b_1"], 0) @ block.params["W_2"]
    want = block.ln2.forward(y + ffn + block.params["b_2"])
    np.testing.assert_allclose(out, want, rtol=1e-12)
    # each output vector is normalised: LayerNorm's γ, β aside, mean 0 and variance 1
    plain = nb.TransformerBlock(6, 2, 10, prenorm=False, rng=rng)
    z = plain.forward(x)
    np.testing.assert_allclose(z.mean(axis=-1), 0, atol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"norm": "batchnorm"}, "TransformerBlock: expected norm= one of ['layernorm', 'rmsnorm', "
                            "'none'], "
                            "got 'batchnorm'."),
    ({"ffn": "gelu"}, "TransformerBlock: expected ffn= one of ['relu', 'swiglu', 'moe'], got 'gelu'."),
    ({"prenorm": "yes"}, "TransformerBlock: expected prenorm=True (GPT-2's block) or False (the "
                         "2017 post-norm block), got 'yes'."),
    ({"n_kv_heads": 3}, "TransformerBlock: n_kv_heads=3 does not divide n_heads=2"),
    ({"rope": True, "n_heads": 8}, "TransformerBlock: rope=True rotates pairs of features"),
    ({"bias": None}, "TransformerBlock: expected bias=True or False, got None."),
])
def test_bad_settings_are_named(kwargs, message):
    kwargs = {"n_heads": 2, **kwargs}
    with pytest.raises(ValueError) as err:
        nb.TransformerBlock(8, kwargs.pop("n_heads"), 16, **kwargs)
    assert message in str(err.value)


def test_a_modern_block_saves_and_loads(tmp_path):
    rng = np.random.default_rng(3)
    block = nb.TransformerBlock(8, 4, 12, norm="rmsnorm", ffn="swiglu", rope=True, n_kv_heads=2,
                                bias=False, prenorm=False, rng=rng)
    model = nb.Sequential([block])
    back = nb.load_model(model.save(tmp_path / "b"))
    assert back.layers[0].get_config() == {
        "d_model": 8, "n_heads": 4, "d_ff": 12, "causal": True, "norm": "rmsnorm",
        "ffn": "swiglu", "prenorm": False, "n_kv_heads": 2, "rope": True, "bias": False}
    x = rng.standard_normal((2, 5, 8))
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


@pytest.mark.parametrize("prenorm", [True, False])
def test_no_norm_is_the_block_without_its_norms(prenorm, tmp_path):
    rng = np.random.default_rng(4)
    block = nb.TransformerBlock(8, 4, 12, norm="none", ffn="swiglu", rope=True, n_kv_heads=2,
                                prenorm=prenorm, rng=rng)
    assert not any(k.startswith("ln") for k in block.params)
    assert block.get_config()["norm"] == "none" and "norm='none'" in repr(block)
    x = rng.standard_normal((2, 5, 8))
    out = block.forward(x)
    y = x + block.attn.forward(x)              # both orders are the same without a norm
    np.testing.assert_allclose(out, y + block.ffn.forward(y), rtol=1e-12, atol=1e-12)
    model = nb.Sequential([block])
    back = nb.load_model(model.save(tmp_path / "none"))
    assert back.layers[0].get_config() == block.get_config()
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    assert block.forward(x.astype(np.float32)).dtype == np.float64


def test_eps_and_rope_base_reach_the_norms_and_the_attention(tmp_path):
    """Other courses' blocks use ε = 1e-5 in RMSNorm and other RoPE bases: the block takes
    both (None: each norm's own ε, so chapters 18 and 20 are unchanged)."""
    make = lambda **kw: nb.TransformerBlock(8, 2, 12, norm="rmsnorm", ffn="swiglu",  # noqa
                                            rope=True, rng=np.random.default_rng(0), **kw)
    plain, other = make(), make(eps=1e-5, rope_base=500.0)
    assert plain.ln1.eps == 1e-6 and plain.eps is None and "eps" not in plain.get_config()
    assert other.ln1.eps == other.ln2.eps == 1e-5 and other.attn.rope_base == 500.0
    assert other.get_config()["eps"] == 1e-5 and other.get_config()["rope_base"] == 500.0
    assert nb.TransformerBlock(8, 2, 12, eps=1e-6).ln1.eps == 1e-6     # a LayerNorm too
    x = np.random.default_rng(1).standard_normal((2, 5, 8)) * 1e-3      # ε matters here
    assert np.abs(plain.forward(x) - other.forward(x)).max() > 1e-6
    model = nb.Sequential([other])
    loaded = nb.load_model(model.save(tmp_path / "block"))
    assert np.array_equal(loaded.predict(x), model.predict(x))
    assert repr(loaded.layers[0]).endswith("rope=True, rope_base=500.0, eps=1e-05)")


@pytest.mark.parametrize("eps", [0.0, -1e-5, True, "1e-5"])
def test_a_bad_eps_is_refused(eps):
    with pytest.raises(ValueError, match=r"TransformerBlock: expected eps > 0 for its norms "
                                         r"\(None: the norm's own"):
        nb.TransformerBlock(8, 2, 12, eps=eps)


@pytest.mark.parametrize("norm", ["layernorm", "rmsnorm"])
def test_eps_and_rope_base_go_to_torch_and_back(norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    model = nb.Sequential([nb.TransformerBlock(8, 2, 12, norm=norm, rope=True, eps=3e-4,
                                               rope_base=100.0, rng=rng)])
    x = rng.standard_normal((2, 5, 8)) * 0.01
    torch_model = nb.to_torch(model)
    got = torch_model(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, model.predict(x), rtol=0, atol=1e-10)
    back = nb.from_torch(torch_model)
    assert back.layers[0].eps == 3e-4 and back.layers[0].rope_base == 100.0


# chapter 28: the bidirectional block is chapter 20's modern block with causal=False -------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_bidirectional_modern_block(dtype, tmp_path):
    """Without the mask a change at the last position reaches every earlier output (a
    causal mask left on would keep them equal), the hand-written backward matches finite
    differences, and the setting survives saving."""
    rng = np.random.default_rng(28)
    make = lambda causal: nb.TransformerBlock.modern(  # noqa: E731
        8, 4, causal=causal, rng=np.random.default_rng(5), dtype=dtype)
    x = rng.standard_normal((2, 6, 8)).astype(dtype)
    x2 = x.copy()
    x2[:, -1] += 1.0
    for causal in (True, False):
        block = make(causal)
        early = np.abs(block.forward(x2)[:, :-1] - block.forward(x)[:, :-1]).max(axis=-1)
        assert (early == 0).all() if causal else (early > 1e-3).all(), early
    block = make(False)
    assert not block.causal and not block.attn.causal and block.forward(x).dtype == dtype
    errors = nb.check_gradients(block, x.astype(np.float64), rng=np.random.default_rng(6))
    assert max(errors.values()) < 1e-6, errors
    model = nb.Sequential([block])
    back = nb.load_model(model.save(tmp_path / "bidirectional"))
    assert back.layers[0].get_config()["causal"] is False
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_a_bidirectional_block_refuses_a_cache_and_a_window():
    """A KV cache keeps the earlier keys fixed and a sliding window looks at the past only:
    neither means anything once every position reads the later ones."""
    block = nb.TransformerBlock.modern(8, 4, causal=False, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"a KV cache needs causal attention \(causal=True\)"):
        block.start_cache()
    with pytest.raises(ValueError, match=r"TransformerBlock: window=3 is a sliding window over "
                                         r"the past, which needs causal=True; got causal=False"):
        nb.TransformerBlock.modern(8, 4, causal=False, window=3)
    with pytest.raises(ValueError, match=r"window=2 is a sliding window over the past"):
        block.attn.window = 2
