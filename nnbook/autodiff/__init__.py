"""Automatic differentiation on scalars (chapter 14): a ``Value`` remembers the
values it was computed from and the local derivative with respect to each, and
``backward()`` applies the chain rule to the whole graph in reverse topological
order (reverse mode). ``Dual`` carries one directional derivative along (forward mode).
"""

from .engine import Value, gradients, values
from .forward import Dual
from .graph import draw_graph
from .rules import UNARY

__all__ = ["Value", "Dual", "values", "gradients", "draw_graph", "UNARY"]
