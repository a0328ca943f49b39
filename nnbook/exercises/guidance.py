"""Exercises of chapter 27 (guidance): the variance of the tilted target
p(x | c)^w·p(x)^(1−w) for a Gaussian class inside a Gaussian marginal, and where the guided
probability-flow ODE of the VE process ends.
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


# 27.2 ----------------------------------------------------------------------------------------
_ODE_CASES = [(0.25, 1.5, 3.0, 10.0), (0.25, 1.5, 0.5, 100.0), (0.1, 2.0, 2.0, 1.0),
              (0.6, 0.9, 1.0, 5.0), (0.5, 2.0, 0.0, 3.0)]


@exercise("27.2", "Where the guided ODE ends",
          "function ode_end_variance(a2, b2, w, S) -> number: the variance at s = 0 of the "
          "guided probability-flow ODE of the VE process, run from the marginal's noised "
          "N(0, b2 + S) at noise variance S down to 0")
def ode_end_variance(fn):
    from ..generative.guidance_gaussian import ve_guided_ode_moments
    run = Runner(fn, "ode_end_variance")
    for a2, b2, w, S in _ODE_CASES:
        where = f"ode_end_variance(a2={a2}, b2={b2}, w={w}, S={S})"
        g2 = ((a2 + S) / a2) ** w * ((b2 + S) / b2) ** (1.0 - w)       # G(S)²
        compare(where, run(a2, b2, w, S), ve_guided_ode_moments(1.0, a2, b2, w, S)[1], [
            (b2 / g2, "the start's variance is the noised marginal's, b² + S, not b²."),
            ((b2 + S) / g2 ** 2, "dV/ds = k·V gives V(0) = V(S)/G(S)², with G(S)² = "
                                 "exp ∫₀ˢ k; you divided by G(S)⁴, the SDE's factor."),
            (a2 ** w * b2 ** (1.0 - w), "a^(2w)·b^(2(1−w)) is the limit as S → ∞; at a "
                                        "finite S divide V(S) = b² + S by G(S)²."),
            ((b2 + S) * g2, "V shrinks from s = S down to 0: divide by G(S)², do not "
                            "multiply."),
        ])
    return ("right: (b² + S)·(a²/(a² + S))^w·(b²/(b² + S))^(1−w), the variance equation "
            "dV/ds = k(s)·V integrated from S down to 0: b² at w = 0, and at w = 1 "
            "a²·(b² + S)/(a² + S), which is a² only as S → ∞.")
