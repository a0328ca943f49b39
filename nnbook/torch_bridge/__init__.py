"""A bridge to PyTorch (extra notebook ``moving_on_to_pytorch``): ``to_torch(model)`` turns an
nnbook ``Sequential`` into a ``torch.nn.Sequential`` with the same weights, and
``from_torch(module)`` turns one back. PyTorch is optional: it is imported when one of the two
functions is called, never by ``import nnbook``. ``to_torch``'s docstring says what maps to
what, ``from_torch``'s how images are read back, and mappings.py lists the map_*.py modules,
one per family of layers, that hold each mapping.
"""

from ._shared import TORCH_INSTALL
from .from_pytorch import from_torch
from .to_pytorch import to_torch

__all__ = ["to_torch", "from_torch", "TORCH_INSTALL"]
