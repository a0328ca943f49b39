"""nnbook → PyTorch (extra notebook ``moving_on_to_pytorch``): ``to_torch(model)``
walks the layers, asks mappings.py for each one's PyTorch module(s), and keeps
nnbook's NHWC interface by adding the layout modules where the data must turn.
"""

from __future__ import annotations

from ..layers.adapters import has_lora
from ..training.model import Sequential
from ._shared import ToTorch, import_torch
from .mappings import SUPPORTED, TO_TORCH

__all__ = ["to_torch"]


def to_torch(model):
    """A ``torch.nn.Sequential`` that computes what ``model`` computes, with a copy of its weights.

    Shapes: the PyTorch model takes the same input as ``model`` (vectors
    ``(m, n)`` or NHWC images ``(m, h, w, c)``) and returns the same shape.
    The parameter dtype carries over (float64 → ``torch.float64``).

    Raises ``ValueError`` for a layer that has no PyTorch counterpart here and
    ``ImportError`` when PyTorch is not installed.
    """
    torch, tl = import_torch()
    if not isinstance(model, Sequential):
        raise ValueError(f"to_torch: expected an nnbook Sequential, got {type(model).__name__}. "
                         f"Wrap the layers: nb.Sequential([...]).")
    out = ToTorch(torch, tl, model)
    for i, layer in enumerate(model.layers):
        out.i, out.layer = i, layer
        rule = TO_TORCH.get(type(layer))
        if has_lora(layer):
            out.fail("holds LoRA adapters, which PyTorch's modules do not have; fold them "
                     "into the weights first: nb.merge_lora(model), then nb.to_torch(model).")
        if rule is None:
            out.fail(f"has no PyTorch counterpart here; supported: {SUPPORTED}.")
        made = rule(layer, out)           # may first add a layout module to out.modules
        out.modules.extend(made if isinstance(made, list) else [made])
        out.made[id(layer)] = made        # a tied Unembedding finds its embedding's module here
    out.channels_last_now()               # return NHWC images, as nnbook
    return out.nn.Sequential(*out.modules)
