"""The bridge to PyTorch (the extra notebook ``moving_on_to_pytorch``): ``to_torch(model)``
and ``from_torch(module)`` in bridge.py, the two layout modules PyTorch lacks in
_modules.py. PyTorch is imported only when one of them is called.
"""

from .bridge import TORCH_INSTALL, from_torch, to_torch

__all__ = ["to_torch", "from_torch", "TORCH_INSTALL"]
