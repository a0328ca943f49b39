"""The two PyTorch modules that ``nnbook.to_torch`` puts around the image
layers of a model: they move the channel axis, so that the PyTorch model takes
and gives the same NHWC arrays as the nnbook model. This module imports torch
at the top; only ``nnbook.torch_bridge`` imports it, when it is first used.
"""

import torch

__all__ = ["NHWCToNCHW", "NCHWToNHWC"]


class NHWCToNCHW(torch.nn.Module):
    """(m, h, w, c) → (m, c, h, w): nnbook's channels-last images into the
    channels-first layout that ``torch.nn.Conv2d`` and the pools expect."""

    def forward(self, x):
        return x.permute(0, 3, 1, 2)


class NCHWToNHWC(torch.nn.Module):
    """(m, c, h, w) → (m, h, w, c): back to channels last, e.g. before
    ``Flatten``, so that it flattens in nnbook's order (row by row, channels last)."""

    def forward(self, x):
        return x.permute(0, 2, 3, 1)
