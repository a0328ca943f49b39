"""Exercises of chapter 27 (guidance): the variance of the tilted target
p(x | c)^w·p(x)^(1−w) for a Gaussian class inside a Gaussian marginal.
"""

from __future__ import annotations

from ._core import Runner, compare, exercise

_CASES = [(0.25, 1.5, 3.0), (0.5, 2.0, 1.0), (0.1, 1.0, 0.2), (0.3, 0.9, 2.5), (1.0, 4.0, 0.5)]


# 27.1 ----------------------------------------------------------------------------------------
@exercise("27.1", "The tilted target's variance",
          "function tilted_variance(a2, b2, w) -> number: the variance of "
          "p(x | c)^w·p(x)^(1−w) for p(x | c) = N(μ, a2) and p(x) = N(0, b2), w ≥ 0")
def tilted_variance(fn):
    run = Runner(fn, "tilted_variance")
    for a2, b2, w in _CASES:
        where = f"tilted_variance(a2={a2}, b2={b2}, w={w})"
        compare(where, run(a2, b2, w),
                1.0 / (w / a2 + (1.0 - w) / b2), [
            (w * a2 + (1.0 - w) * b2, "mix the PRECISIONS, not the variances: the log of "
                                      "the product is a sum of quadratics, −x²·(w/a² + "
                                      "(1 − w)/b²)/2, so the variance is one over that."),
            (a2 ** w * b2 ** (1.0 - w), "a^(2w)·b^(2(1−w)) is where the guided ODE (DDIM) "
                                        "ends, not the tilted target: add the precisions."),
            (w / a2 + (1.0 - w) / b2, "that is the precision; the variance is its inverse."),
            (1.0 / (w / a2 + w / b2), "the marginal's exponent is 1 − w, not w."),
        ])
    return ("right: 1/(w/a² + (1 − w)/b²), the inverse of the summed precisions; a² at "
            "w = 1, b² at w = 0.")
