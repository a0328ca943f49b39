"""nnbook/kernels/rows.py: ``row_max`` is ``np.maximum.reduce(…, axis=-1, keepdims=True)``
to the bit, for the shapes attention's softmax gives it and for the ones it hands on."""

import numpy as np
import pytest

from nnbook.kernels.rows import row_max


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(64, 2, 96, 48), (3, 1, 1, 7), (5, 1), (2, 3, 129),
                                   (4, 2, 5, 1), (1, 300)])
def test_row_max_is_numpy_s_max_to_the_bit(shape, dtype):
    """Catches rows cut at the wrong places (another n, a shifted start: another row's max)
    and a result of another shape or dtype."""
    rng = np.random.default_rng(sum(shape))
    S = rng.standard_normal(shape).astype(dtype)
    S[..., -1] += 10.0                       # the max is the last entry of every row
    want = np.maximum.reduce(S, axis=-1, keepdims=True)
    got = row_max(S)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    S[..., 0] += 20.0                        # then the first: a row read from its start
    np.testing.assert_array_equal(row_max(S), np.maximum.reduce(S, axis=-1, keepdims=True))


def test_row_max_with_minus_infinity_nan_and_views():
    """Masked scores (−∞), a NaN (propagates to its row only), a view that is not
    C-contiguous (handed to NumPy's reduce) and empty arrays."""
    S = np.array([[0.5, -np.inf, 2.0], [-np.inf, -1.0, -np.inf], [np.nan, 1.0, 3.0]])
    np.testing.assert_array_equal(row_max(S), [[2.0], [-1.0], [np.nan]])
    T = np.arange(24.0).reshape(4, 6)
    np.testing.assert_array_equal(row_max(T.T), T.T.max(axis=-1, keepdims=True))
    np.testing.assert_array_equal(row_max(T[:, ::2]), T[:, ::2].max(axis=-1, keepdims=True))
    assert row_max(np.zeros((0, 4))).shape == (0, 1)
