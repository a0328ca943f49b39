"""Tests of nnbook/kernels/products.py: X_col's products split into blocks of rows
that OpenBLAS multiplies without packing. The split rule by hand, the products
against one whole product, and Conv2D with blocks (and a remainder) against the
readable loops of conv_impl."""

import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnbook as nb
from nnbook import conv_impl
from nnbook.experiments.seeds import blas_kernels
from nnbook.kernels import products as _blocks

ROOT = Path(__file__).resolve().parents[1]


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


# OpenBLAS kernel families (as threadpoolctl names them) whose float32 products add a whole
# (1000 × 64) @ (64 × 64) product in another order than its row blocks: the AVX2 ones
# (Zen runs Haswell's). Measured 2026-11-29 on an AMD EPYC with OPENBLAS_CORETYPE set:
# Haswell and Zen differ in the last bit on 3 of 4 shapes; Sandybridge, Nehalem and
# Katmai (Core2, Prescott) are equal on all, as the AVX-512 ones (SkylakeX) were in 2026-11.
# float64 is equal on every family tried.
FLOAT32_BLOCKS_DIFFER = {"haswell", "zen"}


def kernel_in_use():
    """The OpenBLAS kernel family NumPy runs here, lower-cased ("haswell"), as threadpoolctl
    reports it: the kernel decides the order of a product's sums, the CPU only which
    kernels can run (OPENBLAS_CORETYPE picks another on the same CPU)."""
    kind, _, arch = blas_kernels().partition(" ")
    return arch.lower() if kind == "openblas" else "unknown"


def test_kernel_in_use_follows_openblas_coretype():
    """What the skip below reads is the kernel that runs, not the CPU's flags: under
    OPENBLAS_CORETYPE=Nehalem (which every x86-64 CPU runs) it says nehalem."""
    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("OPENBLAS_CORETYPE's names are x86-64 kernel families")
    code = ("import sys; sys.path.insert(0, 'tests'); "
            "from test_kernels_products import kernel_in_use; print(kernel_in_use())")
    env = {**os.environ, "OPENBLAS_CORETYPE": "Nehalem"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "nehalem", out.stdout + out.stderr


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_fast_pair_gives_the_taught_products_values_bit_for_bit(dtype):
    """Dense's forward and backward are the products as the notes write them (X W, Xᵀ dY,
    dY Wᵀ); its fast pair (`_affine`, `_gradients`, which a planned step calls) runs them in
    row blocks on 1,000 rows. Their values are the taught products' exactly, so a model
    fitted planned and eagerly has the same weights: on every kernel family but float32
    on the AVX2 ones (FLOAT32_BLOCKS_DIFFER), where the whole product adds in another
    order than its blocks and the last bit differs (checked to 1e-5 there)."""
    rng = np.random.default_rng(0)
    layer = nb.Dense(64, 64, dtype=dtype, rng=rng)
    layer.params["b"][...] = rng.standard_normal(64)
    blocks = _blocks.exact_row_blocks(1000, 64, 64)
    assert blocks > 1                                            # the case is a blocked one
    x = rng.standard_normal((1000, 64)).astype(dtype)
    dy = rng.standard_normal((1000, 64)).astype(dtype)
    W, b = layer.params["W"], layer.params["b"]
    taught_y, taught_dx = layer.forward(x), layer.backward(dy)
    taught_dW = layer.grads["W"].copy()
    fast_y = layer._affine(x).copy()
    fast_dx = layer._gradients(dy).copy()
    # the fast pair computes exactly the blocks' products, on every machine
    assert np.array_equal(fast_y, _blocks.matmul_rows(x, W, blocks) + b)
    assert np.array_equal(fast_dx, _blocks.matmul_rows(dy, W.T, blocks))
    assert np.array_equal(layer.grads["W"], taught_dW)            # Xᵀ dY: one product each
    if dtype == np.float32 and kernel_in_use() in FLOAT32_BLOCKS_DIFFER | {"unknown"}:
        np.testing.assert_allclose(fast_y, taught_y, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(fast_dx, taught_dx, rtol=1e-5, atol=1e-5)
        return
    assert np.array_equal(fast_y, taught_y)
    assert np.array_equal(fast_dx, taught_dx)
