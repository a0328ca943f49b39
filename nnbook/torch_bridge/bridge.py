"""A bridge to PyTorch: ``to_torch(model)`` turns an nnbook ``Sequential`` into
a ``torch.nn.Sequential`` with the same weights, and ``from_torch(module)``
turns one back. PyTorch is optional: it is imported when one of the two
functions is called, never by ``import nnbook``. The notebook
``notebooks/extras/moving_on_to_pytorch.ipynb`` uses both.

What maps to what (nnbook ↔ PyTorch):

====================  ===========================  ==================================
nnbook                PyTorch                      weights
====================  ===========================  ==================================
Dense(n_in, n_out)    Linear(n_in, n_out)          ``weight = W.T`` (torch: (out, in))
Conv2D(c_in, c_out,   Conv2d(c_in, c_out, f,       ``weight = W.transpose(3, 2, 0, 1)``
f, stride, padding)   stride, padding)             (torch: (c_out, c_in, f, f))
MaxPool2D, AvgPool2D  MaxPool2d, AvgPool2d         none
                      (count_include_pad=False)
Sigmoid, Tanh, ReLU   Sigmoid, Tanh, ReLU          none
Softmax               Softmax(dim=-1), or dim=1    none
                      on channels-first images
Flatten               Flatten()                    none
Dropout(rate)         Dropout(p=rate)              none
BatchNorm(n,          BatchNorm1d(n, eps,          ``weight = gamma``, ``bias = beta``,
momentum, eps)        momentum), BatchNorm2d on    running_mean, running_var (the
                      images                       same conventions: PyTorch's)
====================  ===========================  ==================================

Training mode: each PyTorch module starts with ``training`` equal to the nnbook
layer's (False outside ``fit``), so Dropout and BatchNorm modules start in eval
mode; call ``.train()`` to train the PyTorch model. ``from_torch`` leaves the
nnbook layers in inference mode, as every nnbook layer is outside ``fit``. A
BatchNorm on images that comes before any Conv2D or pool needs the model's
``input_shape`` to be recognised as one.

Image layout. nnbook images are NHWC (channels last); PyTorch's Conv2d and
pools work on NCHW (channels first). ``to_torch`` keeps nnbook's interface:
the PyTorch model takes the same NHWC array and returns the same output. It
inserts ``NHWCToNCHW()`` before the first image layer and ``NCHWToNHWC()``
before ``Flatten`` (and at the end of a model that returns images), two
modules that only move the channel axis. So Flatten sees channels-last maps,
flattens them in nnbook's order, and the next Linear's weight is just ``W.T``.

``from_torch`` reads those modules back. A plain PyTorch conv model (no
``NHWCToNCHW`` in front of its first Conv2d or pool) takes NCHW images; the
nnbook model it becomes takes the same images channels last,
``x_nhwc = x_nchw.permute(0, 2, 3, 1)`` (NumPy: ``x.transpose(0, 2, 3, 1)``),
and gives the same output. Where such a model flattens channels-first maps,
the columns of the next Linear's weight are reordered to nnbook's
channels-last flatten order; that needs the image size, so pass
``input_shape=(h, w, c)`` (one NHWC sample).

Padding. An integer p maps to PyTorch's ``padding=p``; ``"valid"`` to ``"valid"`` (pools: 0).
Keras' ``"same"`` maps to ``Conv2d(padding="same")`` at stride 1 with an odd
f, otherwise to ``SamePad2d(f, s)`` + ``Conv2d(padding=0)``, where the
zeros can be more at the bottom/right; pools with ``"same"`` become
``SamePool2d``. Both modules (``nnbook._torch_layers``) compute the padding
from each input's size, as Keras does, and read back as ``"same"``.

dtype: float64 ↔ ``torch.float64``, float32 ↔ ``torch.float32``.
"""

from __future__ import annotations

import numpy as np

from ..layers.activations import ReLU, Sigmoid, Softmax, Tanh
from ..layers.batchnorm import BatchNorm
from ..layers.conv import Conv2D
from ..layers.dropout import Dropout
from ..layers.base import Dense, Flatten
from ..training.model import Sequential
from ..layers.pooling import AvgPool2D, MaxPool2D

__all__ = ["to_torch", "from_torch", "TORCH_INSTALL"]

TORCH_INSTALL = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"

SUPPORTED = ("Dense ↔ Linear, Conv2D ↔ Conv2d, MaxPool2D ↔ MaxPool2d, AvgPool2D ↔ AvgPool2d, "
             "Sigmoid, Tanh, ReLU, Softmax, Flatten, Dropout, BatchNorm ↔ BatchNorm1d/BatchNorm2d")


def _import_torch():
    """torch and the bridge's two layout modules, or an ImportError that says how to install."""
    try:
        import torch
    except ImportError:
        raise ImportError(
            "nnbook's PyTorch bridge (to_torch/from_torch) needs PyTorch, which is not installed. "
            f"Install the CPU build the course is tested with: `{TORCH_INSTALL}` (a plain "
            "`pip install torch` on Linux also downloads several GB of CUDA libraries)."
        ) from None
    from . import _modules as _torch_layers
    return torch, _torch_layers


# ---------------------------------------------------------------------------
# nnbook → PyTorch

def to_torch(model):
    """A ``torch.nn.Sequential`` that computes what ``model`` computes, with a copy of its weights.

    Shapes: the PyTorch model takes the same input as ``model`` (vectors
    ``(m, n)`` or NHWC images ``(m, h, w, c)``) and returns the same shape.
    The parameter dtype carries over (float64 → ``torch.float64``).

    Raises ``ValueError`` for a layer that has no PyTorch counterpart here and
    ``ImportError`` when PyTorch is not installed.
    """
    torch, tl = _import_torch()
    nn = torch.nn
    if not isinstance(model, Sequential):
        raise ValueError(f"to_torch: expected an nnbook Sequential, got {type(model).__name__}. "
                         f"Wrap the layers: nb.Sequential([...]).")
    dtype = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[model.dtype]
    modules, channels_first = [], False      # channels_first: torch holds NCHW where nnbook has NHWC

    def copy(param, array):
        with torch.no_grad():
            param.copy_(torch.from_numpy(np.ascontiguousarray(array)))

    for i, layer in enumerate(model.layers):
        kind = type(layer)
        if kind is BatchNorm and not channels_first and _sees_images(model, i):
            modules.append(tl.NHWCToNCHW())
            channels_first = True
        if kind in (Conv2D, MaxPool2D, AvgPool2D) and not channels_first:
            modules.append(tl.NHWCToNCHW())
            channels_first = True
        if kind is Flatten and channels_first:
            modules.append(tl.NCHWToNHWC())
            channels_first = False
        if kind is Dense:
            if channels_first:
                raise ValueError(f"to_torch: layer {i} {layer!r} follows an image layer without "
                                 f"Flatten(); add Flatten() before it.")
            m = nn.utils.skip_init(nn.Linear, layer.n_in, layer.n_out, dtype=dtype)  # no RNG use
            copy(m.weight, layer.params["W"].T)                      # (n_out, n_in)
            copy(m.bias, layer.params["b"])
        elif kind is Conv2D:
            f, s, p = layer.kernel_size, layer.stride, layer.padding
            if p == "same" and (s > 1 or f % 2 == 0):   # PyTorch's "same": stride 1; even f copies
                modules.append(tl.SamePad2d(f, s))
                p = 0
            m = nn.utils.skip_init(nn.Conv2d, layer.c_in, layer.c_out, f, stride=s, padding=p, dtype=dtype)
            copy(m.weight, layer.params["W"].transpose(3, 2, 0, 1))   # (c_out, c_in, f, f)
            copy(m.bias, layer.params["b"])
        elif kind in (MaxPool2D, AvgPool2D):
            f, s, p = layer.pool_size, layer.stride, layer.padding
            if p == "same":
                m = tl.SamePool2d("max" if kind is MaxPool2D else "avg", f, s)
            elif kind is MaxPool2D:
                m = nn.MaxPool2d(f, stride=s, padding=0 if p == "valid" else p)
            else:                                # nnbook's averages never count padded cells
                m = nn.AvgPool2d(f, stride=s, padding=0 if p == "valid" else p, count_include_pad=False)
        elif kind in (Sigmoid, Tanh, ReLU, Flatten):
            m = {Sigmoid: nn.Sigmoid, Tanh: nn.Tanh, ReLU: nn.ReLU, Flatten: nn.Flatten}[kind]()
        elif kind is Softmax:
            m = nn.Softmax(dim=1 if channels_first else -1)          # nnbook: the last (NHWC) axis
        elif kind in (BatchNorm, Dropout):
            m = _regularisation_to_torch(layer, nn, dtype, channels_first, copy)
        else:
            raise ValueError(f"to_torch: layer {i} {layer!r} has no PyTorch counterpart here; "
                             f"supported: {SUPPORTED}.")
        modules.append(m)
    if channels_first:
        modules.append(tl.NCHWToNHWC())                             # return NHWC images, as nnbook
    return nn.Sequential(*modules)


# ---------------------------------------------------------------------------
# PyTorch → nnbook

def from_torch(module, *, input_shape=None) -> Sequential:
    """An nnbook ``Sequential`` that computes what the PyTorch ``module`` computes.

    Args:
        module: a ``torch.nn.Sequential`` of supported layers (nested
            Sequentials are read in order), e.g. one made by ``to_torch``.
        input_shape: shape of one input sample for nnbook, e.g. ``(8, 8, 1)``
            (NHWC), passed on to ``Sequential`` (``summary`` then shows every
            shape; PyTorch models do not record it). Required when a plain
            PyTorch model flattens channels-first feature maps (see the
            module docstring).

    The weights are copied; the dtype carries over (``torch.float64`` → float64).
    Raises ``ValueError`` for a layer or a setting nnbook does not have.
    """
    torch, tl = _import_torch()
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        raise ValueError(f"from_torch: expected a torch.nn.Sequential, got {type(module).__name__}. "
                         f"Wrap the layers: torch.nn.Sequential(...).")
    mods = list(_leaves(module, nn))
    dtype = _dtype(module, torch)
    image_layers = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, tl.SamePad2d, tl.SamePool2d,
                    nn.BatchNorm2d)
    image_kinds = image_layers + (nn.Flatten, tl.NHWCToNCHW, tl.NCHWToNHWC)
    first = next((m for m in mods if isinstance(m, image_kinds)), None)
    # layout: "same" (torch holds what nnbook holds), "nchw" (images channels first),
    # "chw" (vectors flattened from NCHW maps; nnbook's are flattened from NHWC)
    layout = "nchw" if isinstance(first, image_layers) else "same"
    same_pad = None                  # a SamePad2d waiting for its Conv2d
    flat = None                      # after Flatten in "chw": the (h, w, c) that was flattened
    shape = None if input_shape is None else tuple(input_shape)
    layers = []

    def bad(i, m, why):
        raise ValueError(f"from_torch: module {i} {m} {why}")

    for i, m in enumerate(mods):
        kind = type(m)
        if kind is tl.NHWCToNCHW or kind is tl.NCHWToNHWC:
            want = "same" if kind is tl.NHWCToNCHW else "nchw"
            if layout != want:
                bad(i, m, "does not fit here: the data is already in that layout.")
            layout = "nchw" if want == "same" else "same"
            continue
        if kind in image_layers and layout != "nchw":
            bad(i, m, "gets channels-last or flattened data, but PyTorch's image layers need NCHW. "
                      "Remove the NCHWToNHWC() or Flatten before it.")
        if same_pad is not None and kind is not nn.Conv2d:
            bad(i - 1, same_pad, "must be followed by a Conv2d (it gives nnbook's Conv2D padding='same').")
        if kind is tl.SamePad2d:
            same_pad = m
            continue
        if kind is nn.Linear:
            layer = Dense(m.in_features, m.out_features, init="zeros", dtype=dtype)
            if m.bias is None:
                bad(i, m, "has no bias; nnbook's Dense always has one. Give it a zero bias first: "
                          "m.bias = torch.nn.Parameter(torch.zeros(m.out_features, dtype=m.weight.dtype)).")
            W = _numpy(m.weight).T                                    # (n_in, n_out)
            if layout == "chw":
                W = W[_chw_order(i, m, flat)]                         # rows in nnbook's (h, w, c) order
                layout = "same"
            elif layout == "nchw":
                bad(i, m, "acts on images; add torch.nn.Flatten() before it.")
            layer.params["W"][...] = W
            layer.params["b"][...] = _numpy(m.bias)
        elif kind is nn.Conv2d:
            f, s = _square(i, m, m.kernel_size, "kernel_size"), _square(i, m, m.stride, "stride")
            padding = _conv_padding(i, m)
            if same_pad is not None:
                if (same_pad.kernel_size, same_pad.stride, padding) != (f, s, 0):
                    bad(i, m, f"follows {same_pad}, which pads for kernel_size={same_pad.kernel_size}, "
                              f"stride={same_pad.stride}; expected the same values and padding=0.")
                padding, same_pad = "same", None
            layer = Conv2D(m.in_channels, m.out_channels, f, stride=s, padding=padding,
                           init="zeros", dtype=dtype)
            if (m.dilation != (1, 1) or m.groups != 1 or m.padding_mode != "zeros"
                    or m.bias is None):
                bad(i, m, "uses dilation, groups, a non-zero padding_mode or no bias; nnbook's Conv2D "
                          "has dilation=1, groups=1, zero padding and a bias.")
            layer.params["W"][...] = _numpy(m.weight).transpose(2, 3, 1, 0)   # (f, f, c_in, c_out)
            layer.params["b"][...] = _numpy(m.bias)
        elif kind is tl.SamePool2d:
            layer = (MaxPool2D if m.kind == "max" else AvgPool2D)(m.kernel_size, stride=m.stride,
                                                                  padding="same")
        elif kind in (nn.MaxPool2d, nn.AvgPool2d):
            f = _square(i, m, m.kernel_size, "kernel_size")
            s = _square(i, m, f if m.stride is None else m.stride, "stride")
            p = _square(i, m, m.padding, "padding")
            extra = (m.ceil_mode or getattr(m, "dilation", 1) not in (1, (1, 1))
                     or getattr(m, "return_indices", False)
                     or getattr(m, "divisor_override", None) is not None)
            if extra:
                bad(i, m, "uses ceil_mode, dilation, return_indices or divisor_override; "
                          "nnbook's pools have none of these.")
            if p and kind is nn.AvgPool2d and m.count_include_pad:
                bad(i, m, "counts padded cells in its averages; nnbook's AvgPool2D divides by the "
                          "image pixels only. Use AvgPool2d(..., count_include_pad=False).")
            layer = (MaxPool2D if kind is nn.MaxPool2d else AvgPool2D)(f, stride=s, padding=p)
        elif kind in (nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout):
            layer = _regularisation_from_torch(i, m, nn, layout, dtype, bad)
        elif kind in (nn.Sigmoid, nn.Tanh, nn.ReLU):
            layer = {nn.Sigmoid: Sigmoid, nn.Tanh: Tanh, nn.ReLU: ReLU}[kind]()
        elif kind is nn.Softmax:
            dim = 1 if m.dim is None else m.dim                      # torch's choice for 2-D and 4-D input
            ok = {"nchw": (1, -3), "chw": (1, -1), "same": (-1,) if shape is None or len(shape) != 1
                  else (1, -1)}[layout]
            if dim not in ok:
                bad(i, m, f"normalises over dim={m.dim}; nnbook's Softmax normalises over the last "
                          f"axis (channels for NHWC images), which is dim={ok[0]} here.")
            layer = Softmax()
        elif kind is nn.Flatten:
            if (m.start_dim, m.end_dim) != (1, -1):
                bad(i, m, "must flatten everything but the batch axis (start_dim=1, end_dim=-1).")
            layer = Flatten()
            if layout == "nchw":                                     # (c, h, w) order in torch
                flat = shape if shape is not None else (None, None, None)
                layout = "chw" if _orders_differ(flat) else "same"
        else:
            bad(i, m, f"has no nnbook counterpart; supported: {SUPPORTED}.")
        if shape is None:            # what the first layer tells about the input, as Sequential does
            shape = ((layer.n_in,) if isinstance(layer, Dense) else
                     (None, None, layer.c_in) if isinstance(layer, Conv2D) else None)
        if shape is not None:
            try:
                shape = layer.output_shape(shape)
            except ValueError as exc:
                bad(i, m, f"does not fit the layer before it: {exc}")
        elif isinstance(layer, Flatten):
            shape = (None,)
        layers.append(layer)
    if same_pad is not None:
        bad(len(mods) - 1, same_pad, "must be followed by a Conv2d (it gives nnbook's Conv2D padding='same').")
    if layout == "chw":
        raise ValueError("from_torch: the model ends with features flattened from channels-first "
                         "maps, in an order nnbook's Flatten does not produce. End it with a Linear "
                         "layer, or flatten channels-last maps (NCHWToNHWC before Flatten).")
    return Sequential(layers, input_shape=input_shape)


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


def _numpy(t):
    return t.detach().cpu().numpy()


def _square(i, m, value, name):
    """An int, or a pair of equal ints, as one int (nnbook's windows are square)."""
    pair = value if isinstance(value, tuple) else (value, value)
    if len(pair) != 2 or pair[0] != pair[1]:
        raise ValueError(f"from_torch: module {i} {m} has {name}={value}; nnbook needs the same "
                         f"value for height and width.")
    return int(pair[0])


def _conv_padding(i, m):
    if m.padding == "valid":
        return "valid"
    if m.padding == "same":     # PyTorch allows "same" only for stride 1; it pads as Keras does
        return "same"
    return _square(i, m, m.padding, "padding")


def _orders_differ(hwc) -> bool:
    """Whether flattening (h, w, c) maps channels first and channels last gives
    different orders (not when c = 1 or h = w = 1; unknown sizes count as different)."""
    h, w, c = hwc
    return not (c == 1 or (h, w) == (1, 1))


def _chw_order(i, m, hwc):
    """Row order that turns a Linear's (c, h, w)-flattened inputs into nnbook's (h, w, c) order:
    ``order[r]`` is the channels-first index of the feature that nnbook's Flatten puts at position r."""
    h, w, c = hwc
    if h is None or w is None or c is None:
        raise ValueError(
            f"from_torch: module {i} {m} reads feature maps that a plain PyTorch model flattened "
            f"channels first, (c, h, w), while nnbook flattens channels last, (h, w, c). To reorder "
            f"its weights nnbook needs the image size: pass input_shape=(h, w, c), the shape of one "
            f"input image in NHWC (e.g. input_shape=(28, 28, 1)).")
    if m.in_features != h * w * c:
        raise ValueError(f"from_torch: module {i} {m} does not fit the layer before it: Flatten gives "
                         f"{h}·{w}·{c} = {h * w * c} features, expected {m.in_features}. Check "
                         f"input_shape or the Linear's in_features.")
    return np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).ravel()


# ---------------------------------------------------------------------------
# Dropout and BatchNorm (chapters 12 and 13)

def _sees_images(model, i) -> bool:
    """Whether layer ``i`` gets NHWC images (known only from the model's shapes)."""
    shape = model.input_shape if i == 0 else model.output_shapes()[i - 1]
    return shape is not None and len(shape) == 3


def _regularisation_to_torch(layer, nn, dtype, channels_first, copy):
    if isinstance(layer, Dropout):
        m = nn.Dropout(p=layer.rate)
    else:
        cls = nn.BatchNorm2d if channels_first else nn.BatchNorm1d
        m = cls(layer.n_features, eps=layer.eps, momentum=layer.momentum, dtype=dtype)
        copy(m.weight, layer.params["gamma"])
        copy(m.bias, layer.params["beta"])
        copy(m.running_mean, layer.buffers["running_mean"])
        copy(m.running_var, layer.buffers["running_var"])
    m.train(bool(getattr(layer, "training", False)))
    return m


def _regularisation_from_torch(i, m, nn, layout, dtype, bad):
    if isinstance(m, nn.Dropout):
        return Dropout(m.p)
    if not (m.affine and m.track_running_stats) or m.momentum is None:
        bad(i, m, "has affine=False, track_running_stats=False or momentum=None; nnbook's BatchNorm "
                  "has γ, β and running statistics updated with a fixed momentum.")
    want = "nchw" if isinstance(m, nn.BatchNorm2d) else "same"
    if layout != want:
        bad(i, m, "normalises images channels first (BatchNorm2d) or vectors (BatchNorm1d); "
                  "here it gets " + {"nchw": "images", "same": "channels-last images or vectors",
                                     "chw": "vectors flattened channels first"}[layout] + ".")
    layer = BatchNorm(m.num_features, momentum=m.momentum, eps=m.eps, dtype=dtype)
    layer.params["gamma"][...] = _numpy(m.weight)
    layer.params["beta"][...] = _numpy(m.bias)
    layer.buffers["running_mean"][...] = _numpy(m.running_mean)
    layer.buffers["running_var"][...] = _numpy(m.running_var)
    return layer
