"""The KV cache (chapter 21): MultiHeadAttention, TransformerBlock and PositionalEmbedding fed
a sequence piece by piece with a cache give the outputs of one forward over the whole
sequence (to 1e-12 in float64), with and without RoPE and GQA; the keys are stored rotated;
the cached attention against a hand-written reference; the bytes; every message."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.layers.attention.dot_product import cached_attention
from nnbook.layers.attention.kv_cache import KVCache, PositionCache

ATTENTION = [dict(), dict(rope=True), dict(n_kv_heads=2), dict(n_kv_heads=1, rope=True),
             dict(n_kv_heads=2, rope=True, bias=False)]


def x_of(m=2, T=9, d=16, seed=3, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal((m, T, d)).astype(dtype)


def piecewise(layer, x, pieces, max_len=None):
    """Outputs of ``layer`` fed ``x`` in the given numbers of positions, with a cache."""
    layer.start_cache(max_len)
    out, t = [], 0
    for n in pieces:
        out.append(layer.forward(x[:, t:t + n]))
        t += n
    return np.concatenate(out, axis=1)


@pytest.mark.parametrize("kw", ATTENTION)
@pytest.mark.parametrize("pieces", [[1] * 9, [4, 1, 1, 3], [9]])
def test_attention_with_a_cache_equals_the_whole_forward(kw, pieces):
    layer = nb.MultiHeadAttention(16, 4, causal=True, rng=np.random.default_rng(0), **kw)
    x = x_of()
    full = layer.forward(x)
    keys = layer._cache[3]                                   # (m, kv, T, dh), rotated
    got = piecewise(layer, x, pieces)
    assert np.abs(got - full).max() < 1e-12
    cache = layer.cache
    kv = kw.get("n_kv_heads", 4)
    assert cache.k.shape == cache.v.shape == (2, kv, 9, 4) and cache.length == 9
    assert np.abs(cache.k - keys).max() < 1e-12             # stored already rotated
    assert layer.attention_weights.shape == (2, 4, pieces[-1], 9)
    layer.clear_cache()
    assert layer.cache is None
    assert np.array_equal(layer.forward(x), full)            # whole sequences again


def test_a_cache_with_no_max_len_grows():
    layer = nb.MultiHeadAttention(8, 2, causal=True, rope=True, rng=np.random.default_rng(1))
    x = x_of(m=1, T=40, d=8)
    full = layer.forward(x)
    assert np.abs(piecewise(layer, x, [1] * 40) - full).max() < 1e-12
    assert piecewise(layer, x, [40], max_len=40).shape == full.shape


@pytest.mark.parametrize("kw", [dict(), dict(norm="rmsnorm", ffn="swiglu", rope=True,
                                             n_kv_heads=2, bias=False), dict(prenorm=False)])
def test_a_block_with_a_cache_equals_the_whole_forward(kw):
    block = nb.TransformerBlock(16, 4, 24, rng=np.random.default_rng(2), **kw)
    x = x_of(T=7)
    full = block.forward(x)
    got = piecewise(block, x, [3, 1, 1, 2], max_len=7)
    assert np.abs(got - full).max() < 1e-12
    assert block.cache is block.attn.cache and block.cache.length == 7
    block.clear_cache()
    assert block.cache is None and block.attn.cache is None


def test_positional_embedding_offsets_by_the_cached_length():
    pe = nb.PositionalEmbedding(6, 4, rng=np.random.default_rng(0))
    x = x_of(T=6, d=4)
    full = pe.forward(x)
    assert np.array_equal(piecewise(pe, x, [2, 1, 3]), full)
    assert isinstance(pe.cache, PositionCache) and pe.cache.length == 6 and pe.cache.nbytes == 0
    with pytest.raises(ValueError, match=r"read 6 positions and got 1 more, past the table's "
                                         r"max_len = 6.*larger max_len"):
        pe.forward(x[:, :1])
    pe.clear_cache()
    assert np.array_equal(pe.forward(x), full)


def test_cached_attention_against_a_reference_with_gqa():
    rng = np.random.default_rng(4)
    m, h, kv, t, L, dh = 2, 6, 3, 3, 5, 4
    cache = KVCache()
    cache.append(rng.standard_normal((m, kv, L, dh)), rng.standard_normal((m, kv, L, dh)))
    q = rng.standard_normal((m, h, t, dh))
    O, A = cached_attention(q, cache)
    heads = nb.kv_head_of(h, kv)
    for b in range(m):
        for j in range(h):
            K, V = cache.k[b, heads[j]], cache.v[b, heads[j]]
            for i in range(t):
                pos = L - t + i                                 # the query's position
                s = K[:pos + 1] @ q[b, j, i]
                w = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
                assert np.allclose(A[b, j, i, :pos + 1], w, atol=1e-14, rtol=0)
                assert np.all(A[b, j, i, pos + 1:] == 0)
                assert np.allclose(O[b, j, i], w @ V[:pos + 1], atol=1e-14, rtol=0)


@pytest.mark.parametrize("dtype, size", [(np.float64, 8), (np.float32, 4)])
def test_nbytes_is_two_layers_m_t_kv_dhead_itemsize(dtype, size):
    rng = np.random.default_rng(0)
    emb = nb.Embedding(10, 16, rng=rng, dtype=dtype)
    blocks = [nb.TransformerBlock(16, 4, 24, norm="rmsnorm", ffn="swiglu", rope=True,
                                  n_kv_heads=2, bias=False, rng=rng, dtype=dtype)
              for _ in range(3)]
    model = nb.Sequential([emb, *blocks, nb.Unembedding(emb)])
    nb.inference.start_cache(model)
    assert nb.inference.cache_nbytes(model) == 0
    model.forward(np.zeros((5, 7), int), training=False)
    model.forward(np.zeros((5, 1), int), training=False)
    assert nb.inference.cache_nbytes(model) == 2 * 3 * 5 * 8 * 2 * 4 * size
    assert blocks[0].cache.k.dtype == dtype
    nb.inference.clear_cache(model)
    assert nb.inference.cache_nbytes(model) == 0


def test_non_causal_attention_refuses_a_cache():
    with pytest.raises(ValueError, match=r"MultiHeadAttention\(8, 2 heads\): a KV cache needs "
                                         r"causal attention"):
        nb.MultiHeadAttention(8, 2, rng=np.random.default_rng(0)).start_cache()
    with pytest.raises(ValueError, match=r"TransformerBlock.*causal=True"):
        nb.TransformerBlock(8, 2, 8, causal=False, rng=np.random.default_rng(0)).start_cache()


@pytest.mark.parametrize("make", [
    lambda: nb.MultiHeadAttention(8, 2, causal=True, rng=np.random.default_rng(0)),
    lambda: nb.TransformerBlock(8, 2, 8, rng=np.random.default_rng(0)),
    lambda: nb.PositionalEmbedding(5, 8, rng=np.random.default_rng(0))])
def test_backward_while_a_cache_is_on_is_refused(make):
    layer = make()
    x = x_of(T=3, d=8)
    y = layer.forward(x)
    layer.backward(np.ones_like(y))
    grads = {k: g.copy() for k, g in layer.grads.items()}
    layer.start_cache()
    layer.forward(x)
    with pytest.raises(ValueError, match=r"backward\(\) while a KV cache is on.*clear_cache\(\)"):
        layer.backward(np.ones_like(y))
    layer.clear_cache()
    with pytest.raises(ValueError, match=r"before forward"):    # the cached step kept nothing
        layer.backward(np.ones_like(y))
    layer.forward(x)
    layer.backward(np.ones_like(y))
    assert all(np.array_equal(layer.grads[k], g) for k, g in grads.items())


def test_a_full_cache_and_another_batch_are_refused():
    layer = nb.MultiHeadAttention(8, 2, causal=True, rng=np.random.default_rng(0))
    layer.start_cache(max_len=4)
    layer.forward(x_of(T=3, d=8))
    with pytest.raises(ValueError, match=r"holds 3 positions of at most max_len = 4.*no room "
                                         r"for 2 more.*start_cache\(max_len="):
        layer.forward(x_of(T=2, d=8))
    with pytest.raises(ValueError, match=r"holds 2 sequences.*clear_cache\(\)"):
        layer.forward(x_of(m=3, T=1, d=8))
    with pytest.raises(ValueError, match="max_len"):
        layer.start_cache(max_len=0)


def test_positionwise_marks_the_per_position_layers():
    rng = np.random.default_rng(0)
    emb = nb.Embedding(5, 4, rng=rng)
    each = [nb.ReLU(), nb.Softmax(), nb.SiLU(), nb.Dense(4, 4, rng=rng), emb, nb.LayerNorm(4),
            nb.RMSNorm(4), nb.SwiGLU(4, 6, rng=rng), nb.Dropout(0.1), nb.Unembedding(emb),
            nb.LoRA(nb.Dense(4, 4, rng=rng), 2, rng=rng)]
    assert all(layer.positionwise for layer in each)
    assert not any(layer.positionwise for layer in (
        nb.LSTM(4, 4, rng=rng), nb.Flatten(), nb.MultiHeadAttention(4, 2, rng=rng),
        nb.PositionalEmbedding(3, 4, rng=rng), nb.Layer()))
    assert nb.Layer.positionwise is False


def _cached_lm(rng, V=7, d=8):
    return nb.Sequential([nb.Embedding(V, d, rng=rng), nb.PositionalEmbedding(12, d, rng=rng),
                          nb.TransformerBlock(d, 2, 16, rng=rng), nb.Dense(d, V, rng=rng)])


def test_a_refused_cached_step_changes_nothing():
    """Attention refuses a step of another batch size; PositionalEmbedding, earlier in the
    model, had already counted its positions, so the next right step read the wrong ones
    (off by about 4 in an issue-40 probe). The model rewinds the caches of the layers
    that ran: the step after the refusal equals the one without it."""
    rng = np.random.default_rng(0)
    model = _cached_lm(rng)
    ids = rng.integers(0, 7, (2, 6))
    whole = model.forward(ids)
    nb.inference.start_cache(model)
    model.forward(ids[:, :3])
    with pytest.raises(ValueError, match=r"holds 2 sequences"):
        model.forward(ids[:1, 3:4])                        # another batch: refused
    assert model.layers[1].cache.length == 3 and model.layers[2].cache.length == 3
    with pytest.raises(ValueError, match=r"max_len = 12"):
        model.forward(ids[:, :1].repeat(10, axis=1))       # past the table: refused
    steps = [model.forward(ids[:, t:t + 1]) for t in range(3, 6)]
    nb.inference.clear_cache(model)
    np.testing.assert_allclose(np.concatenate(steps, axis=1), whole[:, 3:], atol=1e-12)
