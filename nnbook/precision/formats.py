"""Number formats (chapter 24): float64, float32, float16 and bfloat16 side by side, rounding
to bfloat16 emulated in NumPy (round to nearest, ties to even, on the upper 16 bits of a
float32), each format's precision, and the running sum that stops growing in low precision.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FORMATS", "to_bfloat16", "bfloat16_bits", "round_to", "machine_epsilon",
           "unit_roundoff", "stall_point", "running_sum"]

FORMATS = {
    "float64": {"bits": 64, "exponent_bits": 11, "mantissa_bits": 52,
                "max": float(np.finfo(np.float64).max)},
    "float32": {"bits": 32, "exponent_bits": 8, "mantissa_bits": 23,
                "max": float(np.finfo(np.float32).max)},
    "bfloat16": {"bits": 16, "exponent_bits": 8, "mantissa_bits": 7,
                 "max": (2.0 - 2.0 ** -7) * 2.0 ** 127},
    "float16": {"bits": 16, "exponent_bits": 5, "mantissa_bits": 10, "max": 65504.0},
}
"""Each format's width: sign 1 bit, then ``exponent_bits``, then ``mantissa_bits`` (the
stored fraction; a normal number has one more, implicit, leading 1), and its largest
finite value. bfloat16 is float32 with the lower 16 bits of the fraction cut off: the same
range, 8 significant bits instead of 24."""


def _format(owner, fmt):
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise ValueError(f"{owner}: unknown format {fmt!r}; expected one of "
                         f"{', '.join(map(repr, FORMATS))}.")
    return fmt


def _float32(owner, x):
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise ValueError(f"{owner}: expected real numbers (a float32 array, or anything "
                         f"np.asarray turns into real numbers), got {x.dtype.str} "
                         f"({x.dtype}). Convert the values to floats first.")
    return np.asarray(x, dtype=np.float32)


def bfloat16_bits(x) -> np.ndarray:
    """The 16-bit patterns of ``x`` rounded to bfloat16 (uint16: sign, 8 exponent bits, 7
    fraction bits), rounding the float32 pattern to its upper 16 bits, to nearest, ties to
    even: add ``0x7FFF`` plus the lowest kept bit, then drop the lower 16 bits. A carry
    that runs into the exponent gives the next binade (or infinity), as it should. NaN
    stays NaN (as the quiet NaN ``0x7FC0``, with its sign); infinities stay infinite.

    Shapes:
        x: any shape  →  the same shape, uint16

    ``x`` is read as float32 first (float64 input is rounded to float32, then to
    bfloat16, as PyTorch's ``.float().to(torch.bfloat16)`` would)."""
    return _bits("bfloat16_bits", x)


def _bits(owner, x):
    x = _float32(owner, x)
    shape = x.shape
    x = x.reshape(-1)       # 1-D: NumPy 1.x promotes a 0-d uint32 with a Python int to int64
    u = x.view(np.uint32)
    lowest_kept = (u >> 16) & 1
    rounded = ((u + np.uint32(0x7FFF) + lowest_kept) >> 16).astype(np.uint16)   # wraps only
    nan = np.isnan(x)                                                  # for NaN patterns
    if nan.any():
        sign = ((u >> 16) & 0x8000).astype(np.uint16)
        rounded = np.where(nan, sign | np.uint16(0x7FC0), rounded)
    return rounded.reshape(shape)


def to_bfloat16(x) -> np.ndarray:
    """``x`` rounded to the nearest bfloat16 value (ties to even; NaN and ±inf kept),
    returned as float32, whose upper 16 bits are the bfloat16 pattern and lower 16 are 0.

    Bit for bit what ``torch.tensor(x).to(torch.bfloat16).float()`` gives (checked in
    ``tests/test_torch_parity_precision.py``), NaN aside: PyTorch's own NaN pattern
    depends on its code path (0x7FC0 as a bfloat16, 0xFFFF0000 after its vectorised
    ``.float()``), so only NaN-ness is compared. The relative error is at most 2⁻⁸ (the
    unit roundoff) for every value in bfloat16's normal range.

    Shapes:
        x: any shape  →  the same shape, float32
    """
    bits = _bits("to_bfloat16", x)
    wide = bits.reshape(-1).astype(np.uint32) << np.uint32(16)          # (n,) uint32
    return wide.view(np.float32).reshape(bits.shape)


def round_to(x, fmt) -> np.ndarray:
    """``x`` rounded to the nearest value of ``fmt`` ("float64", "float32", "bfloat16",
    "float16"), ties to even: float64 returns float64, the others float32 (which holds
    every value of the three exactly). float16 rounds once from float64 (NumPy's cast);
    bfloat16 rounds from float32 (``to_bfloat16``). Shapes: any, kept."""
    fmt = _format("round_to", fmt)
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        _float32("round_to", x)
    if fmt == "bfloat16":
        return to_bfloat16(x)
    if fmt == "float16":
        return np.asarray(x, dtype=np.float16).astype(np.float32)
    return np.asarray(x, dtype=fmt)


def machine_epsilon(fmt) -> float:
    """The gap between 1 and the next number of ``fmt``: 2^−(mantissa bits) (2⁻⁷ for
    bfloat16, 2⁻¹⁰ for float16, 2⁻²³ for float32, 2⁻⁵² for float64)."""
    return 2.0 ** -FORMATS[_format("machine_epsilon", fmt)]["mantissa_bits"]


def unit_roundoff(fmt) -> float:
    """Half the machine epsilon: the largest relative error of rounding a number in the
    format's normal range to nearest (2⁻⁸ for bfloat16)."""
    return machine_epsilon(_format("unit_roundoff", fmt)) / 2


def stall_point(fmt) -> int:
    """The first whole number s at which adding 1 changes nothing in ``fmt``: 2^(mantissa
    bits + 1). Beyond s the numbers are 2 apart, and s + 1 is a tie that goes to the even
    s (256 for bfloat16, 2048 for float16, 2²⁴ for float32). A count of ones kept in the
    format stops there; this is why sums are accumulated in float32 (or wider)."""
    return 2 ** (FORMATS[_format("stall_point", fmt)]["mantissa_bits"] + 1)


def running_sum(values, fmt) -> float:
    """``values[0] + values[1] + …`` added one at a time, the running total rounded to
    ``fmt`` after every addition (and each value rounded to it first), as an accumulator
    kept in that format would add them. Returns the total as a Python float.

    Shapes:
        values: (n,)  →  a float
    """
    fmt = _format("running_sum", fmt)
    v = np.asarray(values)
    if v.ndim != 1:
        raise ValueError(f"running_sum: expected a 1-D array of values, got shape "
                         f"{v.shape}. Flatten it first: running_sum(values.ravel(), fmt).")
    v = round_to(v, fmt)
    if fmt in ("float64", "float32"):
        return float(np.add.accumulate(v, dtype=v.dtype)[-1]) if v.size else 0.0
    total = np.zeros(1, dtype=np.float32)
    for x in v:                                  # exact in float32, then rounded to fmt
        total = round_to(total + x, fmt)
    return float(total[0])
