"""Chapter 24's number formats (nnbook/precision/formats.py): rounding float32 to bfloat16
(nearest, ties to even, on the upper 16 bits) checked against bit patterns made by hand;
the precision of each format (machine epsilon, unit roundoff, the sum that stalls); bad
input. The same rounding against PyTorch is in test_torch_parity_precision.py."""

import numpy as np
import pytest

import nnbook as nb

P = nb.precision


def f32(bits):
    """The float32 values of the given 32-bit patterns."""
    return np.array(bits, dtype=np.uint32).view(np.float32)


def test_exact_bfloat16_values_are_kept():
    x = np.array([0.0, -0.0, 1.0, -2.0, 0.5, 3.0, 1.0078125, 2.0 ** -126, 2.0 ** 100],
                 dtype=np.float32)
    y = P.to_bfloat16(x)
    assert y.dtype == np.float32
    assert np.array_equal(y.view(np.uint32), x.view(np.uint32))   # -0.0 keeps its sign


def test_rounding_by_hand_bit_patterns():
    # 1 + 2^-8 is half-way between 1 and 1 + 2^-7: ties to even goes down to 1
    # 1 + 3·2^-8 is half-way between 1 + 2^-7 (odd) and 1 + 2^-6: goes up
    cases = {0x3F808000: 0x3F800000,        # tie, even below: down
             0x3F818000: 0x3F820000,        # tie, odd below: up
             0x3F808001: 0x3F810000,        # just above the tie: up
             0x3F807FFF: 0x3F800000,        # just below the tie: down
             0xBF808001: 0xBF810000,        # negative: the magnitude rounds the same way
             0x7F7FFFFF: 0x7F800000,        # the largest float32 rounds to +inf
             0x00008000: 0x00000000,        # a subnormal tie rounds to (even) zero
             0x00018000: 0x00020000}        # a subnormal tie, odd below: up
    got = P.to_bfloat16(f32(list(cases))).view(np.uint32)
    assert [hex(g) for g in got] == [hex(v) for v in cases.values()]


def test_inf_and_nan_are_kept():
    x = np.array([np.inf, -np.inf, np.nan], dtype=np.float32)
    x = np.concatenate([x, f32([0x7F800001, 0xFFFFFFFF])])   # a signalling NaN, all ones
    y = P.to_bfloat16(x)
    assert y[0] == np.inf and y[1] == -np.inf
    assert np.isnan(y[2:]).all()
    assert (y.view(np.uint32) & 0xFFFF == 0).all()                # a bfloat16 pattern


def test_bits_and_values_agree():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(1000) * 10.0 ** rng.integers(-30, 30, 1000)).astype(np.float32)
    bits = P.bfloat16_bits(x)
    assert bits.dtype == np.uint16
    y = P.to_bfloat16(x)
    assert np.array_equal(bits.astype(np.uint32) << 16, y.view(np.uint32))
    rel = np.abs(y - x) / np.abs(x)
    assert rel.max() <= 2.0 ** -8                                   # the unit roundoff
    assert np.array_equal(P.to_bfloat16(y), y)                      # idempotent


def test_shape_is_kept_and_lists_work():
    assert P.to_bfloat16([[1.0, 2.0]]).shape == (1, 2)
    assert P.to_bfloat16(3.0).shape == ()


def test_float64_input_is_rounded_to_float32_first():
    x = np.array([1.0 + 2.0 ** -8 + 2.0 ** -30])    # float64: above the tie
    # float32 rounding first drops the 2^-30, leaving the tie, which goes to even (1.0):
    # the function's promise is float32 in, so float64 input is read as float32
    assert P.to_bfloat16(x)[0] == 1.0


def test_round_to_each_format():
    x = np.array([1.0 + 2.0 ** -9, 1.0 + 2.0 ** -12, 1.0 + 2.0 ** -30, 1.0 + 2.0 ** -60])
    assert P.round_to(x, "float64").tolist() == x.tolist()
    assert P.round_to(x, "float32").tolist() == [x[0], x[1], 1.0, 1.0]
    assert P.round_to(x, "float16").tolist() == [1.0 + 2.0 ** -9, 1.0, 1.0, 1.0]
    assert P.round_to(x, "bfloat16").tolist() == [1.0, 1.0, 1.0, 1.0]


def test_precision_of_each_format():
    eps = {"float64": 2.0 ** -52, "float32": 2.0 ** -23, "float16": 2.0 ** -10,
           "bfloat16": 2.0 ** -7}
    for name, e in eps.items():
        assert P.machine_epsilon(name) == e
        assert P.unit_roundoff(name) == e / 2
        # 1 + eps is the next number after 1; 1 + eps/2 rounds back to 1 (a tie, to even)
        assert P.round_to(np.array([1.0 + e]), name)[0] == 1.0 + e
        assert P.round_to(np.array([1.0 + e / 2]), name)[0] == 1.0
    assert P.machine_epsilon("float32") == np.finfo(np.float32).eps
    assert P.machine_epsilon("float16") == np.finfo(np.float16).eps
    assert P.unit_roundoff("bfloat16") == 2.0 ** -8


def test_formats_table():
    f = P.FORMATS
    assert set(f) == {"float64", "float32", "bfloat16", "float16"}
    for name, info in f.items():
        assert info["bits"] == 1 + info["exponent_bits"] + info["mantissa_bits"]
    assert f["bfloat16"]["exponent_bits"] == f["float32"]["exponent_bits"] == 8
    assert f["bfloat16"]["bits"] == f["float16"]["bits"] == 16
    assert f["bfloat16"]["max"] == float(f32([0x7F7F0000])[0])      # 0 11111110 1111111
    assert f["float16"]["max"] == 65504.0


def test_the_sum_that_stalls():
    assert P.stall_point("bfloat16") == 256
    assert P.stall_point("float16") == 2048
    assert P.stall_point("float32") == 2 ** 24
    for name in ("bfloat16", "float16"):
        s = P.stall_point(name)
        one = P.round_to(np.array([s + 1.0]), name)[0]
        assert one == s                                           # adding 1 changes nothing
        assert P.round_to(np.array([s / 2 + 1.0]), name)[0] == s / 2 + 1
        assert P.running_sum(np.ones(3 * s), name) == s            # stuck there
    assert P.round_to(np.array([2.0 ** 9 + 1]), "bfloat16")[0] == 2.0 ** 9   # COURSE's check
    assert P.running_sum(np.ones(300), "float32") == 300.0
    assert P.running_sum([0.5, 0.25], "float64") == 0.75


def test_bad_input():
    with pytest.raises(ValueError, match=r"round_to: unknown format 'int8'.*bfloat16"):
        P.round_to([1.0], "int8")
    with pytest.raises(ValueError, match=r"machine_epsilon: unknown format 'bf16'"):
        P.machine_epsilon("bf16")
    with pytest.raises(ValueError, match=r"to_bfloat16: expected real numbers.*got <U"):
        P.to_bfloat16(["a"])
    with pytest.raises(ValueError, match=r"to_bfloat16: expected real numbers.*complex"):
        P.to_bfloat16(np.array([1j]))
    with pytest.raises(ValueError, match=r"running_sum: expected a 1-D"):
        P.running_sum(np.ones((2, 2)), "float32")
