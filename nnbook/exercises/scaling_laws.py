"""Exercises of chapter 32 (scaling laws): the compute-optimal tokens per parameter of a
fitted law at a compute budget C ≈ 6·N·D.
"""

from __future__ import annotations

from ._core import Runner, compare, exercise

_CASES = [(400.0, 0.34, 410.0, 0.28, 1e21), (6.0, 0.5, 25.0, 0.35, 6e9),
          (100.0, 0.7, 100.0, 0.7, 6e12), (2.0, 0.3, 50.0, 0.6, 1e15)]


def _optimum(A, alpha, B, beta, C, six=6.0):
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    N = G * (C / six) ** (beta / (alpha + beta))
    return N, C / (six * N)


# 32.1 ----------------------------------------------------------------------------------------
@exercise("32.1", "Tokens per parameter at fixed compute",
          "function tokens_per_parameter(A, alpha, B, beta, C) -> number: D*/N* for the N*, "
          "D* that minimise A/N^alpha + B/D^beta along 6·N·D = C")
def tokens_per_parameter(fn):
    run = Runner(fn, "tokens_per_parameter")
    for A, a, B, b, C in _CASES:
        N, D = _optimum(A, a, B, b, C)
        N_no6, D_no6 = _optimum(A, a, B, b, C, six=1.0)
        where = f"tokens_per_parameter({A}, {a}, {B}, {b}, {C:g})"
        compare(where, run(A, a, B, b, C), D / N, [
            (N / D, "that is parameters per token, N*/D* (or A, alpha swapped with B, "
                    "beta, which swaps N and D): turn the ratio over."),
            (D_no6 / N_no6, "the compute is C = 6·N·D, not N·D: the tokens and parameters "
                            "together are C/6."),
        ], rtol=1e-6)
    return ("right: alpha·A/N^alpha = beta·B/D^beta at the optimum, so N* ∝ C^(beta/(alpha "
            "+ beta)) and D* = C/(6·N*).")
