"""Chapter 24's bfloat16 rounding against PyTorch, bit for bit:
``nb.precision.to_bfloat16(x)`` equals ``torch.tensor(x).to(torch.bfloat16).float()`` on
random float32 values over the whole exponent range, on every tie, on subnormals, on the
values next to the overflow, and on infinities and NaN. Then ``tiled_attention`` and its
backward against ``torch.nn.functional.scaled_dot_product_attention`` and autograd in
float64, with and without ``is_causal``, to 1e-12. Skipped without torch (CI's torch
job runs it)."""

import numpy as np
import pytest

import nnbook as nb

torch = pytest.importorskip("torch")


def theirs(x):
    return torch.tensor(x).to(torch.bfloat16).float().numpy()


def same_bits(ours, ref):
    nan = np.isnan(ref)
    assert np.array_equal(np.isnan(ours), nan)
    assert np.array_equal(ours.view(np.uint32)[~nan], ref.view(np.uint32)[~nan])


def test_random_bit_patterns():
    rng = np.random.default_rng(24)
    bits = rng.integers(0, 2 ** 32, size=200_000, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    same_bits(nb.precision.to_bfloat16(x), theirs(x))


def test_every_tie_and_its_neighbours():
    rng = np.random.default_rng(1)
    upper = rng.integers(0, 2 ** 16, size=20_000, dtype=np.uint64).astype(np.uint32) << 16
    low = np.array([0x7FFF, 0x8000, 0x8001, 0x0000, 0xFFFF], dtype=np.uint32)
    x = (upper[:, None] | low[None, :]).ravel().view(np.float32)
    same_bits(nb.precision.to_bfloat16(x), theirs(x))


def test_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 3.3895e38, -3.3895e38, 3.4e38,
                  np.finfo(np.float32).max, np.finfo(np.float32).tiny, 1e-45, -1e-45,
                  1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8], dtype=np.float32)
    same_bits(nb.precision.to_bfloat16(x), theirs(x))


def test_random_normal_values_in_a_matrix():
    x = np.random.default_rng(2).standard_normal((64, 33)).astype(np.float32)
    ours = nb.precision.to_bfloat16(x)
    assert ours.shape == x.shape
    same_bits(ours, theirs(x))


@pytest.mark.parametrize("causal", [False, True])
def test_tiled_attention_against_sdpa(causal):
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((2, 3, 17, 8)) for _ in range(3))
    d_out = rng.standard_normal((2, 3, 17, 8))
    out, lse = nb.precision.tiled_attention(q, k, v, tile=5, causal=causal, return_lse=True)
    grads = nb.precision.tiled_attention_backward(q, k, v, out, lse, d_out, tile=6,
                                                  causal=causal)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=causal)
    ref.backward(torch.tensor(d_out))
    assert np.abs(out - ref.detach().numpy()).max() < 1e-12
    for ours, t in zip(grads, (tq, tk, tv)):
        assert np.abs(ours - t.grad.numpy()).max() < 1e-12
