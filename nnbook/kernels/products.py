"""Tall matrix products in blocks of rows that BLAS multiplies without packing (chapter
08's convolutions, and every ``Dense`` on many rows): ``row_blocks`` chooses the blocks,
``matmul_rows`` and ``matmul_t_rows`` multiply, ``dense_matmul`` and ``dense_matmul_t``
are Dense's two products. Why, and what it was measured to save: benchmarks/README.md,
"Where the speed comes from".
"""

# Each output row is still one product of the same kernel, so a forward product's values do
# not change (checked bit for bit in tests/test_kernels_products.py), except in float32 on
# OpenBLAS's AVX2 (Haswell) kernels, where a whole product adds in another order than its
# blocks and the last bit can differ; ∂E/∂W adds the blocks' sums, which changes only its
# last bits.

from __future__ import annotations

import numpy as np

SMALL = 10 ** 6          # OpenBLAS's limit for its small-matrix kernels: m·n·k ≤ 10⁶
LEAST_ROWS = 128         # narrower blocks spend more on calls than they save
MANY = 128               # rows up to which one np.dot is best (the least Python per call)


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



def exact_row_blocks(rows: int, k: int, n: int) -> int:
    """``row_blocks``, but 1 (whole) unless the product is over the limit, the blocks
    split the rows evenly and n is a multiple of 16: only then do the blocks' products
    equal the whole product bit for bit (measured over 222 shapes, float32 and float64,
    on AVX-512 kernels; a remainder of rows, or a last partial group of 16 columns, goes
    through kernels that add in another order, and so does a whole float32 product on
    OpenBLAS's AVX2 kernels). ``Dense`` uses it, so a model's numbers do not depend on
    its batch size's blocks (but in that float32 case):
    ``exact_row_blocks(1000, 64, 64)`` is 5 blocks of 200."""
    if rows * k * n <= SMALL or n % 16:
        return 1
    blocks = row_blocks(rows, k, n)
    return blocks if rows % blocks == 0 else 1


def matmul_rows(A, B, blocks: int, out=None):
    """A @ B, as ``blocks`` products of ⌊rows/blocks⌋ rows (plus one for the rest), into
    ``out`` when given (C-ordered, of the result's shape and dtype).

    Shapes: A (rows, k), B (k, n) → (rows, n), C-ordered.
    """
    if blocks == 1:
        return np.matmul(A, B, out=out)
    rows, n = A.shape[0], B.shape[1]
    r = rows // blocks
    main = r * blocks
    if out is None:
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


def dense_matmul(A, B, out=None):
    """A @ B for a Dense layer (X W forward, dY Wᵀ backward), into ``out`` when given: one
    ``np.dot`` up to ``MANY`` rows, else in the ``exact_row_blocks`` that OpenBLAS
    multiplies without packing, with the same values.

    Shapes: A (m, k), B (k, n) → (m, n).
    """
    if len(A) <= MANY:
        return np.dot(A, B, out=out)
    blocks = exact_row_blocks(A.shape[0], *B.shape)
    return np.dot(A, B, out=out) if blocks == 1 else matmul_rows(A, B, blocks, out)


def dense_matmul_t(A, D, out):
    """Aᵀ D into ``out`` (Dense's ∂E/∂W = Xᵀ dY): ``np.dot`` on C-ordered arrays, else
    ``np.matmul`` (on a strided view np.dot may round otherwise than matmul).

    Shapes: A (m, k), D (m, n) → out (k, n).
    """
    if A.flags.c_contiguous and D.flags.c_contiguous:
        return np.dot(A.T, D, out=out)
    return np.matmul(A.T, D, out=out)
