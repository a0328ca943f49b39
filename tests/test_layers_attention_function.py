"""``nb.attention(q, k, v, *, mask=None, causal=False)`` (nnbook/layers/attention/multihead.py, chapter 17):
by hand, masks and the causal rule, grouped heads by broadcasting, PyTorch's
``scaled_dot_product_attention`` when installed, every message; and ``MultiHeadAttention``
calls it: its output is the function's on its own projections, head by head."""

import numpy as np
import pytest

import nnbook as nb


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_by_hand():
    q = np.array([[1.0, 0.0], [0.0, 2.0]])
    k = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 0.0]])
    v = np.array([[1.0], [10.0], [100.0]])
    s = np.array([[1.0, 2.0, 0.0], [2.0, 0.0, 0.0]]) / np.sqrt(2)   # q kᵀ / √d
    np.testing.assert_allclose(nb.attention(q, k, v), softmax(s) @ v, rtol=1e-14)
    out, w = nb.attention(q, k, v, scale=1.0, return_weights=True)
    np.testing.assert_allclose(w, softmax(s * np.sqrt(2)), rtol=1e-14)
    np.testing.assert_allclose(out, w @ v, rtol=1e-14)


def test_mask_and_causal():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 3, 4, 5)) for _ in range(3))
    causal = nb.attention(q, k, v, causal=True)
    assert np.array_equal(causal, nb.attention(q, k, v, mask=np.tri(4, dtype=bool)))
    _, w = nb.attention(q, k, v, causal=True, return_weights=True)
    assert np.array_equal(w[..., np.triu_indices(4, 1)[0], np.triu_indices(4, 1)[1]],
                          np.zeros((2, 3, 6)))
    np.testing.assert_allclose(causal[..., 0, :], v[..., 0, :], rtol=1e-14)   # sees itself
    keep = rng.random((2, 1, 4, 4)) < 0.6
    keep[..., 0] = True                                # every query attends key 0 at least
    both = nb.attention(q, k, v, mask=keep, causal=True)
    assert np.array_equal(both, nb.attention(q, k, v, mask=keep & np.tri(4, dtype=bool)))
    s = q @ k.swapaxes(-1, -2) / np.sqrt(5)
    np.testing.assert_allclose(nb.attention(q, k, v, mask=keep),
                               softmax(np.where(keep, s, -np.inf)) @ v, rtol=1e-12)


def test_grouped_heads_by_indexing_the_shared_keys():
    rng = np.random.default_rng(1)
    q = rng.standard_normal((2, 4, 3, 6))                       # 4 query heads
    k, v = rng.standard_normal((2, 2, 3, 6)), rng.standard_normal((2, 2, 3, 6))   # 2 kv
    group = nb.kv_head_of(4, 2)
    out = nb.attention(q, k[:, group], v[:, group], causal=True)
    for h in range(4):
        assert np.array_equal(out[:, h], nb.attention(q[:, h], k[:, group[h]], v[:, group[h]],
                                                      causal=True))


@pytest.mark.parametrize("settings", [dict(), dict(causal=True),
                                      dict(causal=True, n_kv_heads=1, rope=True, bias=False)])
def test_multi_head_attention_is_the_function_on_its_projections(settings, monkeypatch):
    rng = np.random.default_rng(2)
    mha = nb.MultiHeadAttention(8, 4, rng=rng, **settings)
    x = rng.standard_normal((3, 5, 8))
    calls = []
    real = nb.layers.attention.multihead.attention
    monkeypatch.setattr(nb.layers.attention.multihead, "attention",
                        lambda *a, **kw: calls.append(kw) or real(*a, **kw))
    y = mha.forward(x)
    assert len(calls) == 1 and calls[0]["scale"] == 1.0
    p, kv = mha.params, mha.n_kv_heads
    zero = np.zeros(8)
    q = x @ p["W_q"] + p.get("b_q", zero)
    k = x @ p["W_k"] + p.get("b_k", zero[:kv * 2])
    v = x @ p["W_v"] + p.get("b_v", zero[:kv * 2])
    heads = lambda a, n: a.reshape(3, 5, n, 2).transpose(0, 2, 1, 3)   # noqa: E731
    q, k, v = heads(q, 4), heads(k, kv), heads(v, kv)
    if mha.rope:                                       # (…, T, d_head): by position
        theta = nb.rope_angles(5, 2)
        q, k = (nb.apply_rope(a, np.cos(theta), np.sin(theta)) for a in (q, k))
    group = nb.kv_head_of(4, kv)
    o = nb.attention(q, k[:, group], v[:, group], causal=mha.causal)
    expected = o.transpose(0, 2, 1, 3).reshape(3, 5, 8) @ p["W_o"] + p.get("b_o", zero)
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("args, kwargs, message", [
    ((np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 1))), {},
     r"attention: expected q \(…, T_q, d\), k \(…, T_k, d\) and v \(…, T_k, d_v\), got "
     r"\(2, 3\), \(2, 4\) and \(2, 1\)\. q and k need the same d"),
    ((np.ones(3), np.ones((2, 3)), np.ones((2, 1))), {}, r"attention: expected q"),
    ((np.ones((2, 3)), np.ones((4, 3)), np.ones((2, 1))), {}, r"k and v the same T_k"),
    ((np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 1))), {"mask": np.ones((2, 2))},
     r"attention: expected mask as booleans broadcastable to the scores' shape \(2, 2\).*"
     r"got float64 \(2, 2\)\. From an additive 0/−inf mask: mask = \(additive == 0\)"),
    ((np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 1))), {"mask": np.ones((3, 2), bool)},
     r"broadcastable to the scores' shape"),
    ((np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 1))),
     {"mask": np.array([[False, True], [False, False]]), "causal": True},
     r"attention: a query may attend no key"),
])
def test_bad_arguments_are_refused(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        nb.attention(*args, **kwargs)


def test_pytorchs_scaled_dot_product_attention_agrees():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((2, 3, 4, 5)) for _ in range(3))
    keep = rng.random((4, 4)) < 0.7
    keep[:, 0] = True
    t = [torch.tensor(a) for a in (q, k, v)]
    for kwargs, torch_kwargs in ((dict(causal=True), dict(is_causal=True)),
                                 (dict(mask=keep), dict(attn_mask=torch.tensor(keep)))):
        expected = F.scaled_dot_product_attention(*t, **torch_kwargs).numpy()
        np.testing.assert_allclose(nb.attention(q, k, v, **kwargs), expected, rtol=0,
                                   atol=1e-12)


def test_no_keys_and_batch_axes_that_do_not_broadcast_are_named():
    """Issue 50.13: nb.attention names these two mistakes (NumPy's reduction and
    broadcasting errors did not); broadcasting axes still work as before."""
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"attention: got no keys .*T_k ≥ 1"):
        nb.attention(q, np.zeros((2, 3, 0, 5)), np.zeros((2, 3, 0, 4)))
    with pytest.raises(ValueError, match=r"attention: the leading axes \(batch, heads\) of "
                                         r"q \(2, 3\), k \(2, 2\) and v \(2, 2\) do not "
                                         r"broadcast"):
        nb.attention(q, rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((2, 2, 6, 4)))
    k, v = rng.standard_normal((2, 1, 6, 5)), rng.standard_normal((2, 1, 6, 4))
    shared = nb.attention(q, k, v)                           # one key head for all three
    assert np.array_equal(shared, nb.attention(q, np.repeat(k, 3, 1), np.repeat(v, 3, 1)))
