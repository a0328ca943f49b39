"""Tall matrix products in blocks of rows that BLAS multiplies without packing.

OpenBLAS (the BLAS in NumPy's wheels) multiplies a product whose sizes give
m·n·k ≤ 10⁶ with small-matrix kernels that read the operands where they lie.
Bigger products are first copied into packed panels. For a convolution's tall,
thin X_col (m·h_o·w_o rows, f·f·c_in + 1 columns), that copy is as long as the
product itself, so splitting the rows into equal blocks under that size, in one
batched ``np.matmul``, makes the forward product and ∂E/∂W about 1.4–2× faster on
CPUs with AVX-512. Where BLAS has no such kernels the split costs about as much
as it saves (measured within a few per cent either way). Each output row is still
one product, so the forward values do not change; ∂E/∂W adds the blocks' sums,
which changes only its last bits.
"""

from __future__ import annotations

import numpy as np

SMALL = 10 ** 6          # OpenBLAS's limit for its small-matrix kernels: m·n·k ≤ 10⁶
LEAST_ROWS = 128         # narrower blocks spend more on calls than they save


def row_blocks(rows: int, k: int, n: int) -> int:
    """How many equal blocks of rows to split an (rows × k) @ (k × n) product into
    (1: leave it whole). The fewest blocks under the limit, or up to three more if
    that many divide the rows evenly (no product for a remainder):
    ``row_blocks(12544, 73, 16)`` is 16 blocks of 784 rows."""
    most = SMALL // max(k * n, 1)
    if rows <= most or most < LEAST_ROWS:
        return 1
    fewest = -(-rows // most)
    return next((b for b in range(fewest, fewest + 4) if rows % b == 0), fewest)


def matmul_rows(A, B, blocks: int):
    """A @ B, as ``blocks`` products of ⌊rows/blocks⌋ rows (plus one for the rest).

    Shapes: A (rows, k), B (k, n) → (rows, n), C-ordered.
    """
    if blocks == 1:
        return A @ B
    rows, n = A.shape[0], B.shape[1]
    r = rows // blocks
    main = r * blocks
    out = np.empty((rows, n), dtype=np.result_type(A, B))
    np.matmul(A[:main].reshape(blocks, r, A.shape[1]), B, out=out[:main].reshape(blocks, r, n))
    if main < rows:
        np.matmul(A[main:], B, out=out[main:])
    return out


def matmul_t_rows(A, D, blocks: int):
    """Aᵀ D, as the sum over ``blocks`` blocks of rows of their own Aᵀ D.

    Shapes: A (rows, k), D (rows, n) → (k, n).
    """
    if blocks == 1:
        return A.T @ D
    rows, k, n = A.shape[0], A.shape[1], D.shape[1]
    r = rows // blocks
    main = r * blocks
    parts = np.matmul(A[:main].reshape(blocks, r, k).transpose(0, 2, 1), D[:main].reshape(blocks, r, n))
    total = parts.sum(axis=0)                                          # (k, n)
    if main < rows:
        total += A[main:].T @ D[main:]
    return total
