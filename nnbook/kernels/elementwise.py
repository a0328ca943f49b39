"""Elementwise passes the activations share, written for fewer passes over memory:
``exp_neg``, e^(−z) in one new array with its overflow silenced (chapter 01's sigmoid and
chapter 20's SiLU).
"""

from __future__ import annotations

import numpy as np

__all__ = ["exp_neg"]


def exp_neg(z):
    """e^(−z) in a new array of z's float dtype (integers and booleans become float64; an
    array even for one number); where it overflows to inf (z < −709 in float64, −88 in
    float32) the warning is silenced: σ and SiLU's quotient are then 0 (or −0), as they
    should be.

    Shapes: z: any → the same shape.
    """
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    e = np.negative(z, out=np.empty_like(z))
    with np.errstate(over="ignore"):
        return np.exp(e, out=e)
