"""Chapter 24's attention in tiles (nnbook/precision/tiles.py): the online log-sum-exp
equals the one-pass value; tiled attention's output equals ``nb.attention``'s to 1e-12 in
float64, for every tile size, with and without the causal mask, with batch and head axes and
with T_q ≠ T_k; its log-sum-exp per row is the softmax's normaliser; its backward (from
the output and the log-sum-exp alone) equals the plain backward (chapter 17's formulas)
to 1e-12 and finite differences; the peak memory grows with T for the tiles and with T²
for the plain version (tracemalloc); bad input. PyTorch's SDPA is in
test_torch_parity_precision.py."""

import tracemalloc

import numpy as np
import pytest

import nnbook as nb

P = nb.precision
TOL = 1e-12


def qkv(seed, lead=(2, 3), tq=13, tk=13, d=5, dv=4):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(lead + (tq, d)), rng.standard_normal(lead + (tk, d)),
            rng.standard_normal(lead + (tk, dv)))


def plain_backward(q, k, v, d_out, causal, scale):
    """Chapter 17's backward: dV = Aᵀ dO, dS = A ⊙ (dO Vᵀ − rowsum(dO ⊙ O))."""
    out, A = nb.attention(q, k, v, causal=causal, scale=scale, return_weights=True)
    dv = A.swapaxes(-1, -2) @ d_out
    dA = d_out @ v.swapaxes(-1, -2)
    dS = A * (dA - (d_out * out).sum(-1, keepdims=True))
    return dS @ k * scale, dS.swapaxes(-1, -2) @ q * scale, dv


def test_online_logsumexp():
    x = np.random.default_rng(0).standard_normal((3, 50)) * 30
    m = x.max(-1)
    ref = m + np.log(np.exp(x - m[:, None]).sum(-1))
    for tile in (1, 7, 50, 64):
        assert np.allclose(P.online_logsumexp(x, tile=tile), ref, rtol=0, atol=1e-12)
    big = np.array([1000.0, 1000.0])                      # exp overflows without the max
    assert P.online_logsumexp(big, tile=1) == pytest.approx(1000 + np.log(2), abs=1e-12)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("tile", [1, 4, 5, 13, 32])
def test_forward_equals_plain_attention(causal, tile):
    q, k, v = qkv(1)
    out, lse = P.tiled_attention(q, k, v, tile=tile, causal=causal, return_lse=True)
    ref = nb.attention(q, k, v, causal=causal)
    assert out.shape == ref.shape and lse.shape == q.shape[:-1]
    assert np.abs(out - ref).max() < TOL
    S = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    if causal:
        S = np.where(np.tri(*S.shape[-2:], dtype=bool), S, -np.inf)
    m = S.max(-1, keepdims=True)
    assert np.abs(lse - (m + np.log(np.exp(S - m).sum(-1, keepdims=True)))[..., 0]).max() < TOL
    assert np.array_equal(P.tiled_attention(q, k, v, tile=tile, causal=causal), out)


def test_queries_and_keys_of_different_lengths_and_a_scale():
    q, k, v = qkv(2, lead=(3,), tq=6, tk=11)
    for causal in (False, True):
        out = P.tiled_attention(q, k, v, tile=4, causal=causal, scale=0.3)
        ref = nb.attention(q, k, v, causal=causal, scale=0.3)
        assert np.abs(out - ref).max() < TOL
    q1, k1, v1 = qkv(3, lead=(), tq=7, tk=9)                # no batch axes at all
    assert np.abs(P.tiled_attention(q1, k1, v1, tile=3) - nb.attention(q1, k1, v1)).max() < TOL


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("tile", [1, 3, 8, 20])
def test_backward_equals_plain_backward(causal, tile):
    q, k, v = qkv(4, tq=11, tk=11)
    d_out = np.random.default_rng(5).standard_normal(q.shape[:-1] + (v.shape[-1],))
    out, lse = P.tiled_attention(q, k, v, tile=tile, causal=causal, return_lse=True)
    got = P.tiled_attention_backward(q, k, v, out, lse, d_out, tile=tile, causal=causal)
    ref = plain_backward(q, k, v, d_out, causal, 1 / np.sqrt(q.shape[-1]))
    for g, r in zip(got, ref):
        assert g.shape == r.shape
        assert np.abs(g - r).max() < TOL


def test_backward_against_finite_differences():
    q, k, v = qkv(6, lead=(2,), tq=5, tk=7, d=3, dv=2)
    d_out = np.random.default_rng(7).standard_normal((2, 5, 2))
    for causal in (False, True):
        out, lse = P.tiled_attention(q, k, v, tile=2, causal=causal, return_lse=True)
        grads = P.tiled_attention_backward(q, k, v, out, lse, d_out, tile=2, causal=causal)
        for i, x in enumerate((q, k, v)):
            def loss(z, i=i):
                args = [q, k, v]
                args[i] = z
                return float((P.tiled_attention(*args, tile=2, causal=causal) * d_out).sum())
            num = nb.numerical_gradient(loss, x.copy())
            assert nb.relative_error(grads[i], num) < 1e-7


def peak(f):
    tracemalloc.start()
    f()
    top = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return top


def test_peak_memory_linear_for_tiles_quadratic_for_plain():
    rng = np.random.default_rng(8)
    sizes = (256, 1024)
    plain, tiled = [], []
    for T in sizes:
        q, k, v = (rng.standard_normal((T, 16)) for _ in range(3))
        plain.append(peak(lambda: nb.attention(q, k, v, causal=True)))
        tiled.append(peak(lambda: P.tiled_attention(q, k, v, tile=64, causal=True)))
    grow = sizes[1] / sizes[0]                                    # 4× the positions
    assert plain[1] / plain[0] > 0.8 * grow ** 2                  # about 16×
    assert tiled[1] / tiled[0] < 1.5 * grow                       # about 4×
    assert tiled[1] < plain[1] / 4


def test_bad_input():
    q, k, v = qkv(9)
    with pytest.raises(ValueError, match=r"tiled_attention: expected q \(…, T_q, d\)"):
        P.tiled_attention(q, k[..., :3], v)
    with pytest.raises(ValueError, match=r"tiled_attention: expected q, k and v with the "
                                         r"same leading axes"):
        P.tiled_attention(q, k[:1], v[:1])
    with pytest.raises(ValueError, match=r"tiled_attention: expected tile to be an integer"):
        P.tiled_attention(q, k, v, tile=0)
    out, lse = P.tiled_attention(q, k, v, return_lse=True)
    with pytest.raises(ValueError, match=r"tiled_attention_backward: expected lse of shape "
                                         r"\(2, 3, 13\)"):
        P.tiled_attention_backward(q, k, v, out, lse[..., 1:], out)
    with pytest.raises(ValueError, match=r"tiled_attention_backward: expected d_out of shape"):
        P.tiled_attention_backward(q, k, v, out, lse, out[..., :2])
    with pytest.raises(ValueError, match=r"online_logsumexp: expected tile"):
        P.online_logsumexp(q, tile=1.5)


def test_online_logsumexp_of_a_row_of_minus_infinity_is_minus_infinity():
    """Issue 50.4: a fully masked row gives −∞ (torch.logsumexp, SciPy), every other row
    its value. Catches −∞ − (−∞) = NaN in the running shift."""
    x = np.array([[-np.inf] * 5, [0.0, -np.inf, 1.0, -np.inf, 2.0]])
    for tile in (1, 2, 32):
        got = P.online_logsumexp(x, tile=tile)
        assert got[0] == -np.inf
        assert abs(got[1] - np.log(1 + np.e + np.e ** 2)) < 1e-14
    assert P.online_logsumexp(np.full((2, 0), 1.0)).tolist() == [-np.inf, -np.inf]


def test_tiled_attention_refuses_no_keys():
    """Issue 50.5: no keys would give every query the weights 0/0 (NaN rows)."""
    q, k, v = qkv(0, tk=0)
    with pytest.raises(ValueError, match=r"tiled_attention: got no keys .*T_k ≥ 1"):
        P.tiled_attention(q, k, v)
