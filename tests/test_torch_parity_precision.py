"""Chapter 24's bfloat16 rounding against PyTorch, bit for bit:
``nb.precision.to_bfloat16(x)`` equals ``torch.tensor(x).to(torch.bfloat16).float()`` on
random float32 values over the whole exponent range, on every tie, on subnormals, on the
values next to the overflow, and on infinities and NaN. Skipped without torch (CI's torch
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
