"""Chapter 23, sliding-window attention (``window=`` on MultiHeadAttention and
TransformerBlock) and its rolling KV cache: the mask, the gradients, cached equal to
uncached to 1e-12 with a prompt longer than W read in chunks, at most W entries kept,
save/load, PyTorch parity on equal weights, and the messages."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.inference import cache_nbytes, clear_cache, generate, start_cache


def windowed(W=4, V=13, d=16, seed=0, rope=True, pos=False):
    rng = np.random.default_rng(seed)
    layers = [nb.Embedding(V, d, rng=rng)]
    if pos:
        layers.append(nb.PositionalEmbedding(48, d, rng=rng))
    layers += [nb.TransformerBlock(d, 4, 24, norm="rmsnorm", ffn="swiglu", rope=rope,
                                   n_kv_heads=2, window=W, rng=rng) for _ in range(2)]
    return nb.Sequential(layers + [nb.RMSNorm(d), nb.Dense(d, V, rng=rng)])


def test_weights_are_zero_outside_the_window():
    rng = np.random.default_rng(0)
    mha = nb.MultiHeadAttention(8, 2, causal=True, window=3, rng=rng)
    mha.forward(rng.standard_normal((2, 7, 8)))
    A = mha.attention_weights
    t, s = np.arange(7)[:, None], np.arange(7)
    outside = (s > t) | (s <= t - 3)
    assert np.all(A[..., outside] == 0) and np.allclose(A.sum(-1), 1)


def test_window_as_long_as_the_text_is_full_attention():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 8))
    a = nb.MultiHeadAttention(8, 2, causal=True, window=6, rng=np.random.default_rng(2))
    b = nb.MultiHeadAttention(8, 2, causal=True, rng=np.random.default_rng(2))
    assert np.array_equal(a.forward(x), b.forward(x))


def test_gradients_of_a_windowed_block():
    rng = np.random.default_rng(3)
    block = nb.TransformerBlock(8, 2, 12, rope=True, window=2, rng=rng)
    x = rng.standard_normal((2, 5, 8))
    assert max(nb.check_gradients(block, x, rng=rng).values()) < 1e-6


@pytest.mark.parametrize("chunk", [1, 3, 4, 9])
@pytest.mark.parametrize("pos", [False, True])
def test_chunked_prefill_equals_the_whole_forward(chunk, pos):
    model, rng = windowed(W=4, pos=pos), np.random.default_rng(4)
    ids = rng.integers(0, 13, (2, 17))                      # longer than W
    whole = model.forward(ids, training=False)
    start_cache(model)
    parts = [model.forward(ids[:, i:i + chunk], training=False) for i in range(0, 17, chunk)]
    kept = model.layers[-3].cache.k.shape[2]
    nbytes = cache_nbytes(model)
    clear_cache(model)
    assert np.allclose(np.concatenate(parts, axis=1), whole, rtol=0, atol=1e-12)
    assert kept == 4                                        # at most W entries
    assert nbytes == 2 * 2 * (2 * 2 * 4 * 4 * 8)            # 2 layers · k, v · m·kv·W·dh·8


def test_cached_generation_equals_uncached_past_the_window():
    model = windowed(W=5)
    ids = np.random.default_rng(5).integers(0, 13, (3, 12))
    a, za = generate(model, ids, 40, rng=np.random.default_rng(6), return_logits=True)
    b, zb = generate(model, ids, 40, rng=np.random.default_rng(6), return_logits=True,
                     use_cache=False)
    assert np.array_equal(a, b) and np.allclose(za, zb, rtol=0, atol=1e-12)


def test_ragged_prompts_with_a_window():
    model = windowed(W=3)
    prompts = [[1, 2, 3, 4, 5, 6, 7], [8], [9, 10, 11]]
    texts, logits = generate(model, prompts, 20, rng=np.random.default_rng(7),
                             return_logits=True)
    for p, text, z in zip(prompts, texts, logits):
        alone = model.forward(text[None, :-1], training=False)[0, len(p) - 1:]
        assert np.allclose(z, alone, rtol=0, atol=1e-12)


def test_rope_runs_past_a_learned_table_only_with_rope():
    with pytest.raises(ValueError, match=r"past its position table"):
        generate(windowed(W=4, rope=False, pos=True), [[1, 2]], 60)
    assert generate(windowed(W=4), [[1, 2]], 60, temperature=0).shape == (1, 62)


def test_window_saves_and_loads(tmp_path):
    model = windowed(W=4)
    model.save(tmp_path / "w.npz")
    back = nb.load_model(tmp_path / "w.npz")
    assert back.layers[1].window == 4 and back.layers[1].attn.window == 4
    ids = np.arange(10)[None] % 13
    assert np.array_equal(back.forward(ids, training=False), model.forward(ids, training=False))


def test_window_set_on_a_trained_model():
    model = windowed(W=None)
    for block in model.layers[1:3]:
        block.window = 4
    assert "window=4" in repr(model.layers[1])
    ids = np.arange(9)[None] % 13
    assert np.allclose(model.forward(ids, training=False),
                       windowed(W=4).forward(ids, training=False), atol=1e-12)


@pytest.mark.parametrize("make, match", [
    (lambda: nb.MultiHeadAttention(8, 2, causal=True, window=0),
     r"MultiHeadAttention: expected window=None \(full attention\) or an integer W ≥ 1.*got 0"),
    (lambda: nb.MultiHeadAttention(8, 2, causal=True, window=2.5), r"got 2.5"),
    (lambda: nb.MultiHeadAttention(8, 2, window=3),
     r"window=3 is a sliding window over the past, which needs causal=True"),
    (lambda: nb.TransformerBlock(8, 2, 8, window=True), r"TransformerBlock: expected window")])
def test_bad_window(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_window_changed_while_caching_is_refused():
    model = windowed(W=4)
    start_cache(model)
    with pytest.raises(ValueError, match=r"TransformerBlock.*window changed to 2 while a KV "
                                         r"cache is on.*clear_cache\(\) first"):
        model.layers[1].window = 2
    clear_cache(model)


def test_torch_parity_of_a_windowed_block():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    block = nb.TransformerBlock(16, 4, 24, norm="rmsnorm", ffn="swiglu", rope=True,
                                n_kv_heads=2, window=3, rng=rng)
    x = rng.standard_normal((2, 9, 16))
    tb = nb.to_torch(nb.Sequential([block]))
    with torch.no_grad():
        y = tb(torch.tensor(x)).numpy()
    assert np.allclose(block.forward(x), y, rtol=0, atol=1e-12)
    assert nb.from_torch(tb).layers[0].window == 3


def test_no_warning_past_the_training_windows_with_a_window_inside_them():
    import warnings
    rng = np.random.default_rng(9)
    model = nb.Sequential([nb.Embedding(11, 8, rng=rng),
                           nb.TransformerBlock(8, 2, 8, rope=True, rng=rng),
                           nb.Dense(8, 11, rng=rng)])
    model.compile(optimizer=nb.AdamW(), loss=nb.CrossEntropy(from_logits=True))
    x = rng.integers(0, 11, (4, 6))
    model.fit(x, x, epochs=1, batch_size=4, verbose=0, rng=rng)
    with pytest.warns(UserWarning, match=r"the model will read 23 positions"):
        generate(model, x[:1, :3], 21, rng=rng)
    model.layers[1].window = 6                        # attends to the last 6 only
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generate(model, x[:1, :3], 21, rng=rng)
    model.layers[1].window = 7                        # longer than the training windows
    with pytest.warns(UserWarning, match=r"the model will read"):
        generate(model, x[:1, :3], 21, rng=rng)
