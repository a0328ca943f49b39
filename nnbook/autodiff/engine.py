"""Reverse mode for chapter 14: a ``Value`` records the values it was computed from
and the local derivative with respect to each, and ``backward()`` applies the chain
rule to the whole graph, output first; ``values`` and ``gradients`` fill and read arrays of them.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from .rules import UNARY, power_rule, real_number as _number

__all__ = ["Value", "values", "gradients"]


class Value:
    """A number that records how it was made: ``c = f(a, b)`` keeps ``parents = (a, b)``
    and ``local_grads = (∂c/∂a, ∂c/∂b)``, evaluated when ``c`` is computed.

    After ``out.backward()``, every node's ``grad`` is ∂out/∂node. Works with
    NumPy object arrays: ``X @ W`` and ``np.tanh(Z)`` on arrays of Values build
    the graph entry by entry (see ``values``).
    """

    def __init__(self, data, parents=(), local_grads=(), op="", label=""):
        self.data = _number(data, "Value")
        self.grad = 0.0
        self.parents = tuple(parents)
        self.local_grads = tuple(_number(g, "Value (a local derivative)") for g in local_grads)
        if len(self.parents) != len(self.local_grads):
            raise ValueError(f"Value: got {len(self.parents)} parents and {len(self.local_grads)} "
                             f"local derivatives; give one ∂(this)/∂(parent) per parent.")
        self.op, self.label = op, label

    def __repr__(self):
        name = f"{self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _lift(other):
        """Another Value as it is, a number as a constant leaf, anything else not ours."""
        if isinstance(other, Value):
            return other
        if isinstance(other, Real) and not isinstance(other, bool):
            return Value(other)
        return NotImplemented                        # e.g. a NumPy array: let NumPy go elementwise

    # c = a + b: ∂c/∂a = 1, ∂c/∂b = 1
    def __add__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    # c = a · b: ∂c/∂a = b, ∂c/∂b = a
    def __mul__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    # c = a / b: ∂c/∂a = 1/b, ∂c/∂b = −a/b²
    def __truediv__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        a, b = self.data, other.data
        return Value(a / b, (self, other), (1.0 / b, -a / b ** 2), "/")

    # c = aⁿ for a number n: ∂c/∂a = n aⁿ⁻¹ (0 for n = 0, so that 0⁰ gives 1 with slope 0)
    def __pow__(self, n):
        if isinstance(n, Value) or isinstance(n, bool) or not isinstance(n, Real):
            raise ValueError(f"Value ** n: expected a number n (int or float), got {type(n).__name__}. "
                             f"For a Value exponent b, write (b * a.log()).exp().")
        data, slope = power_rule(self.data, n, "Value")
        return Value(data, (self,), (slope,), f"**{n:g}")

    # c = a − b: ∂c/∂a = 1, ∂c/∂b = −1
    def __sub__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "−")

    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __radd__(self, other):                       # 2 + a
        return self + other

    def __rmul__(self, other):                       # 2 · a
        return self * other

    def __rsub__(self, other):                       # 2 − a
        other = self._lift(other)
        return other if other is NotImplemented else other - self

    def __rtruediv__(self, other):                   # 2 / a
        other = self._lift(other)
        return other if other is NotImplemented else other / self

    def _unary(self, name):                          # c = f(a): ∂c/∂a = f'(a), from the table
        f, df = UNARY[name]
        return Value(f(self.data), (self,), (df(self.data),), name)

    def exp(self): return self._unary("exp")
    def log(self): return self._unary("log")
    def tanh(self): return self._unary("tanh")
    def sigmoid(self): return self._unary("sigmoid")
    def relu(self): return self._unary("relu")

    def topological_order(self) -> list:
        """Every node this Value was computed from (and itself), each after all its parents."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:                                 # depth first, without recursion
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents if id(p) not in seen)
        return order

    def backward(self) -> None:
        """Fill every node's ``grad`` with ∂self/∂node: the chain rule, output first.

        A node's ``grad`` is complete once every node computed from it has passed
        its share back, which reverse topological order guarantees. Shares add up
        (``+=``) where a node feeds several others. Grads are reset first.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0                              # ∂self/∂self
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad     # ∂out/∂parent += ∂node/∂parent · ∂out/∂node



def values(array, name: str = "") -> np.ndarray:
    """An object array of leaf ``Value`` objects with the entries of ``array``, labelled ``name[i, j]``.

    Shapes: array (any) → the same shape, dtype object.
    """
    a = np.asarray(array, dtype=np.float64)
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(a.shape):
        out[idx] = Value(a[idx], label=f"{name}[{', '.join(map(str, idx))}]" if name else "")
    return out


def gradients(array) -> np.ndarray:
    """The ``grad`` of every Value in an object array, as a float array.

    Shapes: array (any, dtype object) → the same shape, float64.
    """
    arr = np.asarray(array, dtype=object)
    return np.array([v.grad for v in arr.flat], dtype=np.float64).reshape(arr.shape)
