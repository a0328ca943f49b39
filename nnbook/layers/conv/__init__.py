"""Convolution layers (chapters 07–08): ``Conv2D`` (conv2d.py) and the pools
(pooling.py), with the padding and size rules they share (rules.py); ``Conv2D`` runs on
the engine in ``nnbook.kernels.conv``. The readable reference convolutions of chapter 07
are ``nnbook.conv_impl``.
"""

from .conv2d import Conv2D, output_size, same_padding
from .pooling import AvgPool2D, MaxPool2D

__all__ = ["Conv2D", "output_size", "same_padding", "MaxPool2D", "AvgPool2D"]
