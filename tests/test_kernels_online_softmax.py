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


@pytest.mark.parametrize("tile", [0, -3, 2.5, True])
def test_an_impossible_tile_is_refused_never_a_number(tile):
    # a negative tile made range() empty: the log-sum-exp came back −∞ and attention gave
    # np.empty's memory (catches the loops run with no tile checked); 0 was range()'s own
    # error, which named no kernel
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7))
    q, k, v = (rng.standard_normal((1, 5, 4)) for _ in range(3))
    out, lse = kernel.attention_in_tiles(q, k, v, 2, False, 0.5)
    calls = {"logsumexp_in_tiles": lambda: kernel.logsumexp_in_tiles(x, tile),
             "attention_in_tiles": lambda: kernel.attention_in_tiles(q, k, v, tile, False, 0.5),
             "attention_in_tiles_backward": lambda: kernel.attention_in_tiles_backward(
                 q, k, v, out, lse, np.ones_like(out), tile, False, 0.5)}
    for name, call in calls.items():
        with pytest.raises(ValueError, match=rf"{name}: expected tile, the entries per block, "
                                             rf"as an integer ≥ 1, got {tile!r}"):
            call()
    # the checked entry point refuses it first, with its own message
    with pytest.raises(ValueError, match=r"online_logsumexp: expected tile"):
        nb.precision.online_logsumexp(x, tile=-3)
    assert np.isfinite(kernel.logsumexp_in_tiles(x, np.int64(3))).all()   # NumPy ints serve
