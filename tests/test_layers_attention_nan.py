"""A key a query may not read adds nothing to its output, not even a NaN: with a causal
mask, a NaN or inf in the key or value at position s leaves the outputs of the positions
t < s finite and equal to those computed on the prefix alone, in every path softmax
attention takes (``nb.attention``, the tiles of chapter 24, the KV cache's prefill and its
masked steps with a window or left padding). The masked weight is exactly 0, but
0 · NaN = NaN, so a plain ``weights @ v`` let the NaN reach back (``masked_product`` in
nnbook/kernels/online_softmax.py). With finite input every path gives the same bits as
before: the plain product."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.kernels import online_softmax
from nnbook.kernels.online_softmax import attention_in_tiles, masked_product
from nnbook.layers.attention import dot_product
from nnbook.layers.attention.dot_product import _softmax_rows, cached_attention
from nnbook.layers.attention.kv_cache import KVCache

# NumPy warns of the NaN it makes where a query does read the non-finite entry
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning",
                                        "ignore:overflow encountered:RuntimeWarning")

T, S = 8, 4                          # the sequence's length, the position made non-finite
BAD = [np.nan, np.inf]


def qkv(seed=0, m=2, h=3, T=T, d=4):
    return np.random.default_rng(seed).standard_normal((3, m, h, T, d))


def spoiled(a, bad, s=S):
    """A copy of ``a`` (…, T, d) with one entry at position s set to ``bad``."""
    a = a.copy()
    a[..., s, 1] = bad
    return a


def assert_prefix_unchanged(got, finite, prefix, s=S, axis=-2):
    """Positions < s of ``got`` are finite, the very bits of the finite input's outputs,
    and the outputs of the prefix alone (to round-off: a product over fewer keys may
    be summed in another order)."""
    head = np.take(got, np.arange(s), axis=axis)
    assert np.isfinite(head).all()
    assert np.array_equal(head, np.take(finite, np.arange(s), axis=axis))
    np.testing.assert_allclose(head, prefix, rtol=1e-13, atol=1e-15)


# --- the kernel ---------------------------------------------------------------------------

def test_masked_product_of_finite_values_is_the_plain_product_bit_for_bit():
    rng = np.random.default_rng(1)
    w = rng.random((2, 3, 7, 7)) * np.tri(7)
    for v in (rng.standard_normal((2, 3, 7, 5)),
              rng.standard_normal((2, 7, 3, 5)).transpose(0, 2, 1, 3)):      # a strided view
        assert np.array_equal(masked_product(w, v, np.tri(7, dtype=bool)), w @ v)
        assert np.array_equal(masked_product(w, v, None), w @ v)


@pytest.mark.parametrize("bad", BAD)
def test_masked_product_leaves_a_masked_nan_out_and_keeps_a_read_one(bad):
    rng = np.random.default_rng(2)
    allowed = np.tri(6, dtype=bool)
    w = rng.random((6, 6)) * allowed
    v = rng.standard_normal((6, 3))
    out = masked_product(w, spoiled(v, bad, 3), allowed)
    assert np.array_equal(out[:3], (w @ v)[:3])
    assert not np.isfinite(out[3:, 1]).any()              # the rows that read it see it
    assert np.array_equal(out[3:, [0, 2]], (w @ v)[3:, [0, 2]])   # its other entries count
    assert out.dtype == v.dtype
    v32 = spoiled(v.astype(np.float32), bad, 3)
    assert masked_product(w.astype(np.float32), v32, allowed).dtype == np.float32


# --- nb.attention, the whole sequence -----------------------------------------------------

@pytest.mark.parametrize("where", ["k", "v"])
@pytest.mark.parametrize("bad", BAD)
def test_attention_later_nan_or_inf_does_not_reach_back(where, bad):
    q, k, v = qkv()
    arrays = {"k": k, "v": v}
    arrays[where] = spoiled(arrays[where], bad)
    got = nb.attention(q, arrays["k"], arrays["v"], causal=True)
    finite = nb.attention(q, k, v, causal=True)
    prefix = nb.attention(q[..., :S, :], k[..., :S, :], v[..., :S, :], causal=True)
    assert_prefix_unchanged(got, finite, prefix)
    if where == "v":
        assert not np.isfinite(got[..., S:, 1]).any()      # the later positions read it


@pytest.mark.parametrize("bad", BAD)
def test_attention_with_a_mask_leaves_a_masked_key_out(bad):
    q, k, v = qkv(1)
    mask = np.ones((T, T), bool)
    mask[:, S] = False                                     # no query reads key S
    got = nb.attention(q, spoiled(k, bad), spoiled(v, bad), mask=mask)
    keep = np.arange(T) != S
    want = nb.attention(q, k[..., keep, :], v[..., keep, :])
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    assert np.array_equal(got, nb.attention(q, k, v, mask=mask))


def test_attention_of_finite_input_is_the_plain_product_bit_for_bit():
    q, k, v = qkv(2)
    mask = (np.random.default_rng(0).random((T, T)) < 0.7) | np.eye(T, dtype=bool)
    for kw in (dict(causal=True), dict(mask=mask), dict(causal=True, mask=mask), dict()):
        out, A = nb.attention(q, k, v, return_weights=True, **kw)
        assert np.array_equal(out, A @ v)


# --- the tiles (chapter 24) ---------------------------------------------------------------

@pytest.mark.parametrize("tile", [3, 5, 2, 8])
@pytest.mark.parametrize("where", ["k", "v"])
@pytest.mark.parametrize("bad", BAD)
def test_tiles_later_nan_or_inf_does_not_reach_back(tile, where, bad):
    # tiles of 3 and 5 put a query before S and the key S in one tile; a tile of 2 does
    # not (the key S is never read by queries < S) and 8 is one tile
    q, k, v = qkv(3)
    arrays = {"k": k, "v": v}
    arrays[where] = spoiled(arrays[where], bad)
    got, lse = attention_in_tiles(q, arrays["k"], arrays["v"], tile, True, 0.5)
    finite, lse_finite = attention_in_tiles(q, k, v, tile, True, 0.5)
    prefix, _ = attention_in_tiles(*(a[..., :S, :] for a in (q, k, v)), tile, True, 0.5)
    assert_prefix_unchanged(got, finite, prefix)
    assert np.array_equal(lse[..., :S], lse_finite[..., :S])
    checked = nb.precision.tiled_attention(q, arrays["k"], arrays["v"], tile=tile, causal=True)
    assert np.isfinite(checked[..., :S, :]).all()


@pytest.mark.parametrize("tile", [3, 5])
def test_tiles_of_finite_input_are_the_plain_product_bit_for_bit(tile, monkeypatch):
    q, k, v = qkv(4, T=11)
    got = attention_in_tiles(q, k, v, tile, True, 0.5)
    monkeypatch.setattr(online_softmax, "masked_product", lambda w, v, allowed: w @ v)
    want = attention_in_tiles(q, k, v, tile, True, 0.5)
    assert all(np.array_equal(a, b) for a, b in zip(got, want))


# --- the layer: whole forward, tiles, KV-cache prefill, masked steps ---------------------

def layer_and_x(seed=5, **kw):
    layer = nb.MultiHeadAttention(8, 4, causal=True, rng=np.random.default_rng(seed), **kw)
    x = np.random.default_rng(seed + 1).standard_normal((2, T, 8))
    return layer, x


def cached(layer, x, pieces, pad=None):
    layer.start_cache(pad=pad)
    out, t = [], 0
    for n in pieces:
        out.append(layer.forward(x[:, t:t + n]))
        t += n
    layer.clear_cache()
    return np.concatenate(out, axis=1)


LAYERS = [dict(), dict(n_kv_heads=2, rope=True), dict(tile=3), dict(tile=5),
          dict(n_kv_heads=2, tile=3)]


@pytest.mark.parametrize("kw", LAYERS)
@pytest.mark.parametrize("bad", BAD)
def test_layer_later_nan_or_inf_does_not_reach_back(kw, bad):
    layer, x = layer_and_x(**kw)
    finite = layer.forward(x)
    got = layer.forward(spoiled(x, bad))                  # q, k and v at S all non-finite
    assert_prefix_unchanged(got, finite, layer.forward(x[:, :S]))
    assert not np.isfinite(got[:, S:]).all(axis=-1).any()    # every later position reads it


@pytest.mark.parametrize("kw", [dict(), dict(n_kv_heads=2, rope=True), dict(n_kv_heads=1)])
@pytest.mark.parametrize("pieces", [[T], [2, 6], [3, 3, 2]])   # S inside a chunk
@pytest.mark.parametrize("bad", BAD)
def test_cached_prefill_later_nan_or_inf_does_not_reach_back(kw, pieces, bad):
    layer, x = layer_and_x(7, **kw)
    finite = cached(layer, x, pieces)
    got = cached(layer, spoiled(x, bad), pieces)
    assert_prefix_unchanged(got, finite, layer.forward(x[:, :S]))


@pytest.mark.parametrize("where", ["k", "v"])
@pytest.mark.parametrize("bad", BAD)
def test_cached_attention_with_a_nan_or_inf_key_or_value_in_the_cache(where, bad):
    # NaN + (−∞) is NaN: a mask added to the scores let a later key's NaN through
    rng = np.random.default_rng(8)
    m, h, kv, L, t, dh = 2, 4, 2, 7, 5, 3           # queries at positions 2 … 6
    k, v = rng.standard_normal((2, m, kv, L, dh))
    q = rng.standard_normal((m, h, t, dh))
    arrays = {"k": k, "v": v}
    arrays[where] = spoiled(arrays[where], bad, S)
    outs = []
    for kk, vv in ((arrays["k"], arrays["v"]), (k, v)):
        cache = KVCache()
        cache.append(kk, vv)
        outs.append(cached_attention(q, cache)[0])
    cache = KVCache()
    cache.append(k[:, :, :S], v[:, :, :S])
    prefix = cached_attention(q[:, :, :S - (L - t)], cache)[0]    # queries at 2 and 3
    assert_prefix_unchanged(outs[0], outs[1], prefix, s=S - (L - t))


def test_cached_attention_of_finite_input_is_todays_product_bit_for_bit():
    rng = np.random.default_rng(9)
    m, h, kv, L, t, dh = 2, 4, 2, 9, 6, 3
    cache = KVCache()
    cache.append(*rng.standard_normal((2, m, kv, L, dh)))
    q = rng.standard_normal((m, h, t, dh))
    O, A = cached_attention(q, cache)
    k, v = cache.keys_values()
    Sc = q.reshape(m, kv, 2 * t, dh) @ k.swapaxes(-1, -2)         # the mask added, as before
    Sc.reshape(m, h, t, L)[...] += np.triu(np.full((t, L), -np.inf), L - t + 1)
    _softmax_rows(Sc)
    assert np.array_equal(A, Sc.reshape(m, h, t, L))
    assert np.array_equal(O, (Sc @ v).reshape(m, h, t, dh))


@pytest.mark.parametrize("pieces", [[T], [5, 1, 1, 1], [1] * T])
@pytest.mark.parametrize("bad", BAD)
def test_window_steps_leave_a_position_out_of_the_window_out(pieces, bad):
    # window 3: the NaN at position 2 is read by positions 2, 3, 4 only; the rolling cache
    # still holds it, masked, when position 5 is read
    layer, x = layer_and_x(10, window=3, n_kv_heads=2)
    xs = spoiled(x, bad, 2)
    whole = layer.forward(xs)
    got = cached(layer, xs, pieces)
    finite = cached(layer, x, pieces)
    assert not np.isfinite(got[:, 2:5]).all(axis=-1).any()
    assert np.isfinite(got[:, :2]).all() and np.isfinite(got[:, 5:]).all()
    assert np.array_equal(got[:, 5:], finite[:, 5:]) and np.array_equal(got[:, :2], finite[:, :2])
    np.testing.assert_allclose(got[:, 5:], whole[:, 5:], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("pieces", [[T], [4, 1, 1, 1, 1], [1] * T])
@pytest.mark.parametrize("bad", BAD)
def test_padded_steps_never_read_a_nan_or_inf_in_the_padding(pieces, bad):
    # row 1 starts with 3 padding tokens; a NaN in one of them reaches only that padding
    # position itself (a padding query reads itself), never a real token's output
    layer, x = layer_and_x(11, n_kv_heads=2, rope=True)
    xs = x.copy()
    xs[1, 1, 3] = bad
    pad = np.array([0, 3])
    got = cached(layer, xs, pieces, pad=pad)
    finite = cached(layer, x, pieces, pad=pad)
    assert not np.isfinite(got[1, 1]).all()
    keep = np.ones(T, bool)
    keep[1] = False
    assert np.isfinite(got[:, keep]).all()
    assert np.array_equal(got[:, keep], finite[:, keep])
    alone = cached(layer, x[1:, 3:], [T - 3])                       # row 1 without its padding
    np.testing.assert_allclose(got[1:, 3:], alone, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kw", [dict(window=3), dict(pad=np.array([0, 2]))])
def test_masked_steps_of_finite_input_are_the_plain_product_bit_for_bit(kw, monkeypatch):
    layer, x = layer_and_x(12, n_kv_heads=2, window=kw.get("window"))
    got = cached(layer, x, [5, 1, 1, 1], pad=kw.get("pad"))
    monkeypatch.setattr(dot_product, "masked_product", lambda w, v, allowed: w @ v)
    assert np.array_equal(got, cached(layer, x, [5, 1, 1, 1], pad=kw.get("pad")))


def test_the_backward_of_finite_input_is_unchanged(monkeypatch):
    layer, x = layer_and_x(13, n_kv_heads=2)
    dy = np.random.default_rng(14).standard_normal(x.shape)
    grads = []
    for patch in (False, True):
        if patch:
            monkeypatch.setattr(dot_product, "masked_product", lambda w, v, allowed: w @ v)
        y = layer.forward(x)
        dx = layer.backward(dy)
        grads.append((y, dx, {n: g.copy() for n, g in layer.grads.items()}))
    (y0, dx0, g0), (y1, dx1, g1) = grads
    assert np.array_equal(y0, y1) and np.array_equal(dx0, dx1)
    assert all(np.array_equal(g0[n], g1[n]) for n in g0)
