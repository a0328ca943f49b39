"""Forward mode for chapter 14: a ``Dual`` number carries one directional derivative
along with its value, and applies the chain rule as it goes.
"""

from numbers import Real

from .rules import UNARY, power_rule, real_number as _number

__all__ = ["Dual"]


class Dual:
    """Forward mode: a number ``data`` with a derivative ``tangent`` = d(data)/dt along
    one chosen direction t. Each operation applies the chain rule at once:
    ``c = f(a)`` gives ``c.tangent = f'(a) · a.tangent``.
    """

    def __init__(self, data, tangent=0.0):
        self.data, self.tangent = _number(data, "Dual"), _number(tangent, "Dual")

    def __repr__(self):
        return f"Dual(data={self.data:.6g}, tangent={self.tangent:.6g})"

    @staticmethod
    def _lift(other):
        if isinstance(other, Dual):
            return other
        if isinstance(other, Real) and not isinstance(other, bool):
            return Dual(other)                       # a constant: tangent 0
        return NotImplemented

    def __add__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        return Dual(self.data + other.data, self.tangent + other.tangent)

    def __mul__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        return Dual(self.data * other.data, self.tangent * other.data + self.data * other.tangent)

    def __truediv__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        a, b = self.data, other.data
        return Dual(a / b, self.tangent / b - a * other.tangent / b ** 2)

    def __pow__(self, n):
        if isinstance(n, (Dual, bool)) or not isinstance(n, Real):
            raise ValueError(f"Dual ** n: expected a number n (int or float), got {type(n).__name__}.")
        data, slope = power_rule(self.data, n, "Dual")
        return Dual(data, slope * self.tangent)

    def __sub__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        return Dual(self.data - other.data, self.tangent - other.tangent)

    def __neg__(self):
        return Dual(-self.data, -self.tangent)

    __radd__, __rmul__ = __add__, __mul__

    def __rsub__(self, other):
        other = self._lift(other)
        return other if other is NotImplemented else other - self

    def __rtruediv__(self, other):
        other = self._lift(other)
        return other if other is NotImplemented else other / self

    def _unary(self, name):                          # the same table as Value's
        f, df = UNARY[name]
        return Dual(f(self.data), df(self.data) * self.tangent)

    def exp(self): return self._unary("exp")
    def log(self): return self._unary("log")
    def tanh(self): return self._unary("tanh")
    def sigmoid(self): return self._unary("sigmoid")
    def relu(self): return self._unary("relu")
