"""The rules that both modes of chapter 14's autodiff share: the table of one-input
operations and their derivatives (``UNARY``), the power rule with its edge cases,
and the check that an input is a real number.
"""

import math
from numbers import Real

__all__ = ["UNARY", "power_rule", "real_number"]


def _sigmoid(a):
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)                                  # no overflow for very negative a
    return e / (1.0 + e)


def _log(a):
    if a <= 0:
        raise ValueError(f"log: expected a positive number, got {a!r}. The logarithm is defined "
                         f"for x > 0 only; check what feeds the log (a probability that reached 0?).")
    return math.log(a)


# name: (f, f'), the local derivative table that both modes use
UNARY = {
    "exp": (math.exp, math.exp),
    "log": (_log, lambda a: 1.0 / a),
    "tanh": (math.tanh, lambda a: 1.0 - math.tanh(a) ** 2),
    "sigmoid": (_sigmoid, lambda a: _sigmoid(a) * (1.0 - _sigmoid(a))),
    "relu": (lambda a: max(a, 0.0), lambda a: 1.0 if a > 0 else 0.0),
}


def real_number(x, owner):
    """``x`` as a float, or a ValueError naming ``owner`` when it is not a real number."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise ValueError(f"{owner}: expected a real number, got {type(x).__name__} {x!r}. "
                         f"Use plain numbers (float, int, NumPy floats): compute from .data, "
                         f"not from the Value or Dual itself.")
    return float(x)


def power_rule(a: float, n, owner: str) -> tuple[float, float]:
    """``(aⁿ, d(aⁿ)/da)`` for a number ``n``: n·aⁿ⁻¹, and 0 for n = 0 (a⁰ = 1 everywhere, 0⁰
    included). A ValueError where aⁿ is not a real number or its slope is infinite."""
    if isinstance(n, bool) or not isinstance(n, Real):
        raise ValueError(f"{owner} ** n: expected a number n (int or float), got {type(n).__name__}. "
                         f"For an exponent that is itself a {owner} b, write (b * a.log()).exp().")
    n = float(n)
    if a < 0 and not n.is_integer():
        raise ValueError(f"{owner} ** n: a negative base {a:g} to the non-integer power {n:g} is not a "
                         f"real number. Raise a positive base (abs(a), a.relu() + ε, or a shifted a), "
                         f"or use a whole-number exponent.")
    if n == 0:
        return 1.0, 0.0                              # a constant: no nan from 0·0⁻¹ at a = 0
    if a == 0 and n < 1:
        raise ValueError(f"{owner} ** n: the base is 0 and the exponent {n:g} < 1, where "
                         f"{'0 ** n is infinite' if n < 0 else 'the slope n·0^(n−1) is infinite'}. "
                         f"Keep the base away from 0, e.g. (a + 1e-12) ** {n:g}.")
    return a ** n, n * a ** (n - 1)
