"""Tests of nnbook/kernels/online_softmax.py: the loops without checks give exactly the
numbers of chapter 24's checked functions (nnbook/precision/tiles.py), and the tiled
MultiHeadAttention runs on them without importing nnbook.precision."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.kernels import online_softmax as kernel


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_kernels_are_the_checked_functions_bit_for_bit(causal, dtype):
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 3, 10, 4)).astype(dtype) for _ in range(3))
    scale = 0.5                      # 1/√d, a Python float, as the checked function passes it
    out, lse = nb.precision.tiled_attention(q, k, v, tile=3, causal=causal, return_lse=True)
    o2, l2 = kernel.attention_in_tiles(q, k, v, 3, causal, scale)
    assert np.array_equal(out, o2) and np.array_equal(lse, l2)
    d_out = rng.standard_normal(out.shape).astype(dtype)
    want = nb.precision.tiled_attention_backward(q, k, v, out, lse, d_out, tile=4, causal=causal)
    got = kernel.attention_in_tiles_backward(q, k, v, out, lse, d_out, 4, causal, scale)
    assert all(np.array_equal(a, b) for a, b in zip(want, got))


def test_the_online_logsumexp_is_the_kernels():
    x = np.random.default_rng(1).standard_normal((5, 70))
    assert np.array_equal(nb.precision.online_logsumexp(x, tile=8),
                          kernel.logsumexp_in_tiles(x, 8))
    assert kernel.logsumexp_in_tiles(np.full((1, 3), -np.inf), 2)[0] == -np.inf


def test_the_tiled_layer_does_not_import_precision():
    import ast
    import inspect
    from nnbook.layers.attention import tiled
    tree = ast.parse(inspect.getsource(tiled))
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert "kernels.online_softmax" in modules and not any("precision" in m for m in modules)
