"""PyTorch → nnbook (extra notebook ``moving_on_to_pytorch``): ``from_torch(module)``
walks the modules, follows the data's layout (channels first or last, flattened
in which order), and asks mappings.py for each module's nnbook layer.
"""

from __future__ import annotations

import numpy as np

from ..layers.dense import Dense, Flatten
from ..layers.conv.conv2d import Conv2D
from ..training.model import Sequential
from ._shared import FromTorch, fail_at, import_torch
from .mappings import FROM_TORCH, SUPPORTED

__all__ = ["from_torch"]

# PyTorch's recurrent modules return (output, state); what the model passes on is chosen next
RECURRENT_NEXT = ("must be followed by LastStep() (nnbook's return_sequences=False: h_T) or "
                  "AllSteps() (True: every h_t), from nnbook.torch_bridge._modules, which pick "
                  "from the (output, state) it returns.")

# the PyTorch modules that work on NCHW images only
IMAGE_MODULES = ("Conv2d", "MaxPool2d", "AvgPool2d", "SamePad2d", "SamePool2d", "BatchNorm2d")


def from_torch(module, *, input_shape=None) -> Sequential:
    """An nnbook ``Sequential`` that computes what the PyTorch ``module`` computes.

    Args:
        module: a ``torch.nn.Sequential`` of supported layers (nested
            Sequentials are read in order), e.g. one made by ``to_torch``.
        input_shape: shape of one input sample for nnbook, e.g. ``(8, 8, 1)``
            (NHWC), passed on to ``Sequential`` (``summary`` then shows every
            shape; PyTorch models do not record it). Required when a plain
            PyTorch model flattens channels-first feature maps (below).

    The weights are copied; the dtype carries over (``torch.float64`` → float64).
    Raises ``ValueError`` for a layer or a setting nnbook does not have. What maps to what:
    ``to_torch``'s docstring.

    Images: the ``NHWCToNCHW()``/``NCHWToNHWC()`` modules that ``to_torch`` adds are read
    back as the moves they are, so such a model takes NHWC images. A plain PyTorch conv model (no
    ``NHWCToNCHW`` in front of its first Conv2d or pool) takes NCHW images; the
    nnbook model it becomes takes the same images channels last,
    ``x_nhwc = x_nchw.permute(0, 2, 3, 1)`` (NumPy: ``x.transpose(0, 2, 3, 1)``),
    and gives the same output. Where such a model flattens channels-first maps,
    the columns of the next Linear's weight are reordered to nnbook's
    channels-last flatten order; that needs the image size, so pass
    ``input_shape=(h, w, c)`` (one NHWC sample).
    """
    torch, tl = import_torch()
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        raise ValueError(f"from_torch: expected a torch.nn.Sequential, got {type(module).__name__}. "
                         f"Wrap the layers: torch.nn.Sequential(...).")
    mods = list(_leaves(module, nn))
    dtype = _dtype(module, torch)

    def torch_class(name):                   # the bridge's own modules, else torch.nn's
        return getattr(tl if name in tl.__all__ else nn, name)

    rules = {torch_class(name): rule for name, rule in FROM_TORCH.items()}
    image_layers = tuple(map(torch_class, IMAGE_MODULES))
    image_kinds = image_layers + (nn.Flatten, tl.NHWCToNCHW, tl.NCHWToNHWC)
    first = next((m for m in mods if isinstance(m, image_kinds)), None)
    inp = FromTorch(torch, tl, dtype, layout="nchw" if isinstance(first, image_layers) else "same",
                    shape=None if input_shape is None else tuple(input_shape))
    layers = []
    for i, m in enumerate(mods):
        inp.i, inp.m = i, m
        kind = type(m)
        if kind is tl.NHWCToNCHW or kind is tl.NCHWToNHWC:
            want = "same" if kind is tl.NHWCToNCHW else "nchw"
            if inp.layout != want:
                inp.fail("does not fit here: the data is already in that layout.")
            inp.layout = "nchw" if want == "same" else "same"
            continue
        if kind in image_layers and inp.layout != "nchw":
            inp.fail("gets channels-last or flattened data, but PyTorch's image layers need NCHW. "
                     "Remove the NCHWToNHWC() or Flatten before it.")
        if inp.same_pad is not None and kind is not nn.Conv2d:
            fail_at(i - 1, inp.same_pad,
                    "must be followed by a Conv2d (it gives nnbook's Conv2D padding='same').")
        if kind is tl.SamePad2d:
            inp.same_pad = m                  # read together with the Conv2d that follows
            continue
        if inp.recurrent is not None and kind not in (tl.LastStep, tl.AllSteps):
            fail_at(i - 1, inp.recurrent, RECURRENT_NEXT)
        if kind in (nn.RNN, nn.LSTM, nn.GRU):
            inp.recurrent = m                 # read together with the LastStep/AllSteps that follows
            continue
        rule = rules.get(kind)
        if rule is None:
            inp.fail(f"has no nnbook counterpart; supported: {SUPPORTED}.")
        layer = rule(m, inp)
        _track_shape(inp, layer)
        layers.append(layer)
        inp.built.append((m, layer))          # a tied Unembedding finds its embedding here
    if inp.same_pad is not None:
        fail_at(len(mods) - 1, inp.same_pad,
                "must be followed by a Conv2d (it gives nnbook's Conv2D padding='same').")
    if inp.recurrent is not None:
        fail_at(len(mods) - 1, inp.recurrent, RECURRENT_NEXT)
    if inp.layout == "chw":
        raise ValueError("from_torch: the model ends with features flattened from channels-first "
                         "maps, in an order nnbook's Flatten does not produce. End it with a Linear "
                         "layer, or flatten channels-last maps (NCHWToNHWC before Flatten).")
    return Sequential(layers, input_shape=input_shape)


def _track_shape(inp, layer):
    """``inp.shape`` after ``layer``: what the first layer tells about the input, as
    Sequential does, then each layer's output shape."""
    if inp.shape is None:
        inp.shape = ((layer.n_in,) if isinstance(layer, Dense) else
                     (None, None, layer.c_in) if isinstance(layer, Conv2D) else None)
    if inp.shape is not None:
        try:
            inp.shape = layer.output_shape(inp.shape)
        except ValueError as exc:
            inp.fail(f"does not fit the layer before it: {exc}")
    elif isinstance(layer, Flatten):
        inp.shape = (None,)


def _leaves(module, nn):
    for m in module:
        if isinstance(m, nn.Sequential):
            yield from _leaves(m, nn)
        else:
            yield m


def _dtype(module, torch):
    kinds = {p.dtype for p in module.parameters()}
    if len(kinds) > 1:
        raise ValueError(f"from_torch: the parameters mix dtypes {sorted(map(str, kinds))}; convert "
                         f"the model with .double() (float64) or .float() (float32).")
    dt = kinds.pop() if kinds else torch.float64
    table = {torch.float64: np.float64, torch.float32: np.float32}
    if dt not in table:
        raise ValueError(f"from_torch: parameters of dtype {dt}; nnbook computes in float64 or "
                         f"float32. Convert the model with .double() or .float().")
    return table[dt]
