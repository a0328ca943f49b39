"""Tests of nnbook/kernels/products.py: X_col's products split into blocks of rows
that OpenBLAS multiplies without packing. The split rule by hand, the products
against one whole product, and Conv2D with blocks (and a remainder) against the
readable loops of conv_impl."""

import numpy as np
import pytest

import nnbook as nb
from nnbook import conv_impl
from nnbook.kernels import products as _blocks


@pytest.mark.parametrize("rows, k, n, want", [
    (12544, 73, 16, 16),    # ⌊10⁶/1168⌋ = 856 rows at most: 15 blocks, 16 divide 12544 (784 rows)
    (856, 73, 16, 1),       # fits under the limit: whole
    (858, 73, 16, 2),       # just over: two blocks of 429 rows
    (1369, 73, 16, 2),      # 37²: 2..5 divide none, so 2 blocks of 684 and a remainder of 1
    (6272, 289, 64, 1),     # blocks under 10⁶ would hold 54 rows (< 128): whole
    (10 ** 7, 1, 1, 10),    # 10 blocks of 10⁶ rows
])
def test_row_blocks_by_hand(rows, k, n, want):
    assert _blocks.row_blocks(rows, k, n) == want
    if want > 1:
        assert (rows // want) * k * n <= _blocks.SMALL
        assert rows // want >= _blocks.LEAST_ROWS


@pytest.mark.parametrize("rows, blocks", [(1000, 1), (1000, 4), (1001, 4), (7, 3)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_blocked_products_match_one_product(rows, blocks, dtype):
    rng = np.random.default_rng(rows + blocks)
    A = rng.standard_normal((rows, 11)).astype(dtype)
    B = rng.standard_normal((11, 5)).astype(dtype)
    D = rng.standard_normal((rows, 5)).astype(dtype)
    tol = 1e-12 if dtype == "float64" else 1e-4
    for a in (A, np.asfortranarray(A)):                 # X_col is C-ordered, or Fortran for thin images
        y = _blocks.matmul_rows(a, B, blocks)
        assert y.shape == (rows, 5) and y.dtype == dtype and y.flags.c_contiguous
        np.testing.assert_allclose(y, a @ B, rtol=tol, atol=tol)
        g = _blocks.matmul_t_rows(a, D, blocks)
        assert g.shape == (11, 5) and g.dtype == dtype
        np.testing.assert_allclose(g, a.T @ D, rtol=tol, atol=tol * np.sqrt(rows))


@pytest.mark.parametrize("m, side, c_in, c_out, dtype", [
    (8, 14, 8, 16, "float64"),   # 1568 rows of 73: 2 blocks
    (1, 37, 8, 16, "float64"),   # 1369 rows: 2 blocks and a remainder row
    (16, 28, 1, 8, "float32"),   # 12544 rows of 10 (X_col stored Fortran-ordered): 2 blocks
])
def test_conv_with_blocked_products_matches_the_loops(m, side, c_in, c_out, dtype):
    rng = np.random.default_rng(side)
    layer = nb.Conv2D(c_in, c_out, 3, padding=1, rng=rng, dtype=dtype)
    layer.params["b"][...] = rng.standard_normal(c_out)
    x = rng.standard_normal((m, side, side, c_in)).astype(dtype)
    y = layer.forward(x)
    assert layer._last[1]["blocks"] > 1
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))).astype(float)
    W = layer.params["W"].astype(float)
    tol = 1e-10 if dtype == "float64" else 2e-3
    np.testing.assert_allclose(y, conv_impl.forward_loops(xp, W, layer.params["b"].astype(float), 1), atol=tol)
    dy = rng.standard_normal(y.shape).astype(dtype)
    dxp, dW, db = conv_impl.backward_loops(dy.astype(float), xp, W, 1)
    dx = layer.backward(dy)
    np.testing.assert_allclose(dx, dxp[:, 1:-1, 1:-1], atol=tol)
    np.testing.assert_allclose(layer.grads["W"], dW, rtol=tol, atol=tol)
    np.testing.assert_allclose(layer.grads["b"], db, rtol=tol, atol=tol)


@pytest.mark.parametrize("rows, k, n, want", [
    (1000, 64, 64, 5),      # 5 blocks of 200 rows (≤ 244 under 10⁶)
    (1000, 18, 64, 2),      # 2 blocks of 500
    (2048, 64, 64, 1),      # row_blocks gives 9 and a remainder: whole
    (2048, 64, 10, 1),      # 10 columns: a partial group of 16, whole
    (200, 64, 64, 1),       # under the limit: whole
])
def test_exact_row_blocks_by_hand(rows, k, n, want):
    assert _blocks.exact_row_blocks(rows, k, n) == want


def float32_blocks_differ_here(blocks):
    """Whether this machine's BLAS adds a whole float32 (1000 × 64) @ (64 × 64) product in
    another order than its row blocks, tried on numbers of their own: OpenBLAS's AVX2
    kernels do (reported as Haswell by NumPy 2's OpenBLAS, under another name by NumPy
    1.26's), its AVX-512 ones do not."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((1000, 64)).astype(np.float32)
    B = rng.standard_normal((64, 64)).astype(np.float32)
    return not np.array_equal(np.dot(A, B), _blocks.matmul_rows(A, B, blocks))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_on_many_rows_gives_the_whole_products_values_bit_for_bit(dtype):
    """Dense's forward and ∂E/∂x run in blocks on 1,000 rows; their values are the
    single product's exactly, so a model's numbers do not depend on the blocks. Not in
    float32 on OpenBLAS's AVX2 kernels (an AMD EPYC without AVX-512, 2026-11-26): there
    the whole product adds in another order than its blocks, and the last bit differs."""
    rng = np.random.default_rng(0)
    layer = nb.Dense(64, 64, dtype=dtype, rng=rng)
    layer.params["b"][...] = rng.standard_normal(64)
    blocks = _blocks.exact_row_blocks(1000, 64, 64)
    assert blocks > 1                                            # the case is a blocked one
    x = rng.standard_normal((1000, 64)).astype(dtype)
    dy = rng.standard_normal((1000, 64)).astype(dtype)
    W, b = layer.params["W"], layer.params["b"]
    forward, backward = layer.forward(x), layer.backward(dy)
    # Dense computes exactly the blocks' products, on every machine
    assert np.array_equal(forward, _blocks.matmul_rows(x, W, blocks) + b)
    assert np.array_equal(backward, _blocks.matmul_rows(dy, W.T, blocks))
    if dtype == np.float32 and float32_blocks_differ_here(blocks):
        np.testing.assert_allclose(forward, np.dot(x, W) + b, rtol=1e-5, atol=1e-5)
        return
    assert np.array_equal(forward, np.dot(x, W) + b)
    assert np.array_equal(backward, np.dot(dy, W.T))
