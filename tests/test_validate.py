"""nnbook/validate.py's finiteness test, which fit runs on the data and on the weights after
every epoch: a quick sum first, the entry-by-entry test only when the sum is not finite."""

import numpy as np
import pytest

from nnbook.validate import all_finite, finite


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_all_finite_over_several_arrays(dtype):
    ok = [np.ones((3, 2), dtype), np.zeros(4, dtype), np.zeros((0, 5), dtype)]
    assert all_finite(*ok)
    assert all_finite()                                   # nothing to check
    for bad in (np.nan, np.inf, -np.inf):
        arrays = ok + [np.array([1.0, bad, 2.0], dtype)]
        assert not all_finite(*arrays)
        assert not all_finite(arrays[-1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_sum_that_overflows_is_settled_entry_by_entry(dtype):
    big = np.full(4, np.finfo(dtype).max / 2, dtype)      # finite, but the sum overflows
    assert all_finite(big)
    assert all_finite(big, big)                           # and the sum of sums too
    assert not all_finite(big, np.array([np.nan], dtype))


def test_finite_names_the_first_bad_entry():
    x = np.ones((3, 4))
    x[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"Sequential.fit: x contains non-finite .* \(2, 1\)"):
        finite("Sequential.fit", "x", x)
    finite("Sequential.fit", "x", np.array([1, 2]))       # integers are always finite
