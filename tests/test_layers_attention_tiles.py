"""Chapter 24's ``tile=`` on MultiHeadAttention and TransformerBlock: the same outputs,
∂E/∂x and parameter gradients as plain attention to 1e-12 in float64 (causal or not,
grouped-query heads, RoPE, no bias, T = 1, a tile larger than T or of 1), no T × T
weights kept, float32, the KV cache, save and load, setting it on a trained model, and the
messages for bad input."""

import numpy as np
import pytest

import nnbook as nb

SETTINGS = [dict(causal=True), dict(causal=False), dict(causal=True, n_kv_heads=2, rope=True),
            dict(causal=True, n_kv_heads=1, bias=False), dict(causal=False, n_kv_heads=2)]


def pair(tile, seed=1, **kw):
    plain = nb.MultiHeadAttention(16, 4, rng=np.random.default_rng(seed), **kw)
    tiled = nb.MultiHeadAttention(16, 4, rng=np.random.default_rng(seed), tile=tile, **kw)
    return plain, tiled


def largest_differences(a, b, x, dy):
    ya, yb = a.forward(x), b.forward(x)
    dxa, dxb = a.backward(dy), b.backward(dy)
    grads = max(np.abs(a.grads[k] - b.grads[k]).max() for k in a.grads)
    return np.abs(ya - yb).max(), np.abs(dxa - dxb).max(), grads


@pytest.mark.parametrize("kw", SETTINGS)
@pytest.mark.parametrize("T, tile", [(13, 5), (1, 4), (9, 1), (8, 64), (16, 8)])
def test_same_outputs_and_gradients_as_plain_attention(kw, T, tile):
    rng = np.random.default_rng(T * 100 + tile)
    x = rng.standard_normal((3, T, 16))
    dy = rng.standard_normal(x.shape)
    a, b = pair(tile, **kw)
    assert max(largest_differences(a, b, x, dy)) < 1e-12
    assert b.attention_weights is None and a.attention_weights is not None


def test_against_finite_differences():
    layer = nb.MultiHeadAttention(8, 2, causal=True, n_kv_heads=1, rope=True, tile=3,
                                  rng=np.random.default_rng(2))
    x = np.random.default_rng(3).standard_normal((2, 7, 8))
    dy = np.random.default_rng(4).standard_normal(x.shape)
    layer.forward(x)
    dx = layer.backward(dy)
    numeric = nb.numerical_gradient(lambda z: (layer.forward(z) * dy).sum(), x.copy())
    assert nb.relative_error(dx, numeric) < 1e-7


def test_float32():
    a, b = pair(4, causal=True, dtype=np.float32)
    x = np.random.default_rng(5).standard_normal((2, 11, 16)).astype(np.float32)
    ya, yb = a.forward(x), b.forward(x)
    assert yb.dtype == np.float32 and np.abs(ya - yb).max() < 1e-5
    dxb = b.backward(np.ones_like(yb))
    assert dxb.dtype == np.float32 and b.grads["W_q"].dtype == np.float32
    assert np.abs(a.backward(np.ones_like(ya)) - dxb).max() < 1e-4


def test_the_backward_uses_the_forwards_setting():
    a, b = pair(4, causal=True)
    x = np.random.default_rng(6).standard_normal((2, 10, 16))
    dy = np.random.default_rng(7).standard_normal(x.shape)
    a.forward(x)
    b.forward(x)
    b.tile = None                                     # changed between forward and backward
    assert np.abs(a.backward(dy) - b.backward(dy)).max() < 1e-12


def lm(tile, seed=0):
    rng = np.random.default_rng(seed)
    return nb.Sequential([nb.Embedding(13, 16, rng=rng)]
                         + [nb.TransformerBlock(16, 4, 24, norm="rmsnorm", ffn="swiglu",
                                                rope=True, n_kv_heads=2, tile=tile, rng=rng)
                            for _ in range(2)]
                         + [nb.RMSNorm(16), nb.Dense(16, 13, rng=rng)])


def test_a_model_in_tiles_trains_saves_loads_and_generates(tmp_path):
    ids = np.random.default_rng(8).integers(0, 13, (4, 12))
    plain, tiled = lm(None), lm(5)
    for model in (plain, tiled):
        model.compile(optimizer="sgd", loss=nb.CrossEntropy(from_logits=True))
        model.compute_gradients(ids[:, :-1], ids[:, 1:])
    assert max(np.abs(plain.grads[k] - tiled.grads[k]).max() for k in plain.grads) < 1e-12
    assert tiled.layers[1].get_config()["tile"] == 5 and "tile" not in plain.layers[1].get_config()
    back = nb.load_model(tiled.save(tmp_path / "tiled"))
    assert back.layers[1].tile == 5 and back.layers[1].attn.tile == 5
    assert np.array_equal(back.predict(ids), tiled.predict(ids))
    out = nb.generate(tiled, ids[:1, :4], 10, temperature=0)      # the cache attends plainly
    assert np.array_equal(out, nb.generate(plain, ids[:1, :4], 10, temperature=0))


def test_set_on_a_trained_model_and_saved_alone(tmp_path):
    model = lm(None)
    ids = np.arange(10)[None] % 13
    before = model.predict(ids)
    for block in model.layers[1:3]:
        block.tile = 4
    assert np.abs(model.predict(ids) - before).max() < 1e-12
    layer = nb.Sequential([nb.MultiHeadAttention(8, 2, causal=True, tile=3,
                                                 rng=np.random.default_rng(0))])
    back = nb.load_model(layer.save(tmp_path / "mha"))
    assert back.layers[0].tile == 3 and repr(back.layers[0]).endswith("tile=3)")


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, "64"])
def test_bad_tiles_are_refused_by_name(bad):
    with pytest.raises(ValueError, match=r"MultiHeadAttention: expected tile=None \(plain "
                                         r"attention.*or an integer ≥ 1.*got " + repr(bad)
                       .replace(".", r"\.")):
        nb.MultiHeadAttention(8, 2, tile=bad)
    with pytest.raises(ValueError, match=r"TransformerBlock: expected tile=None"):
        nb.TransformerBlock(8, 2, 16, tile=bad)
    layer = nb.MultiHeadAttention(8, 2, causal=True)
    with pytest.raises(ValueError, match=r"MultiHeadAttention\(8, 2 heads, causal\): "
                                         r"expected tile=None"):
        layer.tile = bad
    assert layer.tile is None


def test_tiles_and_a_window_are_refused_together():
    fix = r"Use tile=None with a window, or window=None with tiles\."
    with pytest.raises(ValueError, match=r"MultiHeadAttention: tile=8 with window=4: .*" + fix):
        nb.MultiHeadAttention(8, 2, causal=True, window=4, tile=8)
    layer = nb.MultiHeadAttention(8, 2, causal=True, window=4)
    with pytest.raises(ValueError, match=r"MultiHeadAttention\(8, 2 heads, causal, window=4\): "
                                         r"tile=8 with window=4"):
        layer.tile = 8
    block = nb.TransformerBlock(8, 2, 16, tile=8)
    with pytest.raises(ValueError, match=r"TransformerBlock\(8, 2 heads.*tile=8\): tile=8 with "
                                         r"window=3"):
        block.window = 3
    assert block.window is None and block.tile == 8


def test_the_layer_in_tiles_against_pytorch():
    torch = pytest.importorskip("torch")
    layer = nb.MultiHeadAttention(16, 4, causal=True, n_kv_heads=2, rope=True, tile=3,
                                  rng=np.random.default_rng(9))
    module = nb.to_torch(nb.Sequential([layer]))[0]
    x = np.random.default_rng(10).standard_normal((2, 11, 16))
    dy = np.random.default_rng(11).standard_normal(x.shape)
    tx = torch.tensor(x, requires_grad=True)
    ty = module(tx)
    ty.backward(torch.tensor(dy))
    assert np.abs(layer.forward(x) - ty.detach().numpy()).max() < 1e-12
    assert np.abs(layer.backward(dy) - tx.grad.numpy()).max() < 1e-12
