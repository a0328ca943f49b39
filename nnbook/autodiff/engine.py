"""Automatic differentiation on scalars (chapter 14): a ``Value`` remembers the
values it was computed from and the local derivative with respect to each, and
``backward()`` applies the chain rule to the whole graph in reverse topological
order (reverse mode). ``Dual`` carries one directional derivative along (forward mode).
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

__all__ = ["Value", "Dual", "values", "gradients", "draw_graph"]


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


def _number(x, owner):
    if isinstance(x, bool) or not isinstance(x, Real):
        raise ValueError(f"{owner}: expected a real number, got {type(x).__name__} {x!r}. "
                         f"Use plain numbers (float, int, NumPy floats): compute from .data, "
                         f"not from the Value or Dual itself.")
    return float(x)


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

    # c = aⁿ for a number n: ∂c/∂a = n aⁿ⁻¹
    def __pow__(self, n):
        if isinstance(n, Value) or isinstance(n, bool) or not isinstance(n, Real):
            raise ValueError(f"Value ** n: expected a number n (int or float), got {type(n).__name__}. "
                             f"For a Value exponent b, write (b * a.log()).exp().")
        return Value(self.data ** n, (self,), (n * self.data ** (n - 1),), f"**{n:g}")

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
        return Dual(self.data ** n, n * self.data ** (n - 1) * self.tangent)

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


def values(array, name: str = "") -> np.ndarray:
    """An object array of leaf ``Value``s with the entries of ``array``, labelled ``name[i, j]``.

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


def draw_graph(output: Value, ax=None, *, title="Computation graph: data and grad of each node",
               max_nodes: int = 30):
    """Draw the graph that ends in ``output``: one box per node (name or operation,
    ``data``, ``grad``), inputs on the left, an arrow per parent, labelled with the
    local derivative ∂child/∂parent. Returns the matplotlib axis.
    """
    import matplotlib.pyplot as plt                  # only here: nnbook imports without matplotlib

    order = output.topological_order()
    if len(order) > max_nodes:
        raise ValueError(f"draw_graph: the graph has {len(order)} nodes, more than max_nodes={max_nodes} "
                         f"can show readably. Draw a smaller expression, or raise max_nodes.")
    depth, children = {}, {}
    for node in order:                               # parents come first, so their depth is known
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
        for p in node.parents:
            children.setdefault(id(p), []).append(node)
    for node in order:                               # an input sits just left of its first use
        if not node.parents and id(node) in children:
            depth[id(node)] = min(depth[id(c)] for c in children[id(node)]) - 1
    columns = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    pos = {}
    for d in sorted(columns, reverse=True):          # output first; a node sits level with its users
        col = sorted(columns[d], key=lambda v: -sum(pos[id(c)][1] for c in children.get(id(v), []))
                     / max(len(children.get(id(v), [])), 1))
        pos.update({id(node): (3.0 * d, 1.4 * ((len(col) - 1) / 2 - i)) for i, node in enumerate(col)})
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 * len(columns) + 1, 1.2 * max(map(len, columns.values())) + 1.5))
    for node in order:
        x, y = pos[id(node)]
        for parent, local in zip(node.parents, node.local_grads):
            px, py = pos[id(parent)]
            ax.annotate("", xy=(x, y), xytext=(px, py), arrowprops=dict(
                arrowstyle="->", color="0.45", shrinkA=34, shrinkB=34))
            ax.text((px + x) / 2, (py + y) / 2, f"{local:.3g}", fontsize=9, ha="center", va="center",
                    color="C3", bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
        name = node.label or node.op or f"{node.data:g}"
        leaf = not node.parents
        ax.text(x, y, f"{name}\ndata {node.data:.3f}\ngrad {node.grad:.3f}", fontsize=9,
                ha="center", va="center", gid=name,
                bbox=dict(boxstyle="round,pad=0.35", fc="#dbe9f6" if leaf else "#fdf2d0", ec="0.3"))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set(xlim=(min(xs) - 1.3, max(xs) + 1.3), ylim=(min(ys) - 0.9, max(ys) + 0.9), title=title)
    ax.axis("off")
    return ax
