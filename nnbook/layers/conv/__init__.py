"""Convolution layers (chapters 07–08): ``Conv2D`` (conv2d.py) and the pools
(pooling.py), computed by a private engine (_conv_engine.py, its ∂E/∂x in _conv_dx.py,
and matrix products by blocks of rows in ``nnbook.layers.products``). The readable reference
convolutions of chapter 07 are ``nnbook.conv_impl``.
"""

from .conv2d import Conv2D, output_size, same_padding
from .pooling import AvgPool2D, MaxPool2D

__all__ = ["Conv2D", "output_size", "same_padding", "MaxPool2D", "AvgPool2D"]
