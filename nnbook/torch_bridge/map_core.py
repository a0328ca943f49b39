"""How the bridge maps the layers of chapters 00–10 both ways: Dense ↔ Linear,
Conv2D ↔ Conv2d, the pools, the activations, Softmax and Flatten (the extra
notebook ``moving_on_to_pytorch``). ``mappings.py`` lists these functions.
"""

from __future__ import annotations

import numpy as np

from ..layers.activations import ReLU, Sigmoid, Softmax, Tanh
from ..layers.dense import Dense, Flatten
from ..layers.conv.conv2d import Conv2D
from ..layers.conv.pooling import AvgPool2D, MaxPool2D
from ._shared import to_numpy

__all__ = ["TO_TORCH", "FROM_TORCH"]


# ---------------------------------------------------------------------------
# nnbook → PyTorch: (layer, out) -> a module or a list of modules (out: _shared.ToTorch)

def dense_to_torch(layer, out):
    out.channels_last_now()          # on NHWC images Dense acts on the channels, as Linear on the last axis
    m = out.nn.utils.skip_init(out.nn.Linear, layer.n_in, layer.n_out, dtype=out.dtype)  # no RNG use
    out.copy(m.weight, layer.params["W"].T)                          # (n_out, n_in)
    out.copy(m.bias, layer.params["b"])
    return m


def conv_to_torch(layer, out):
    out.channels_first_now()
    nn, pad = out.nn, []
    f, s, p = layer.kernel_size, layer.stride, layer.padding
    if p == "same" and (s > 1 or f % 2 == 0):   # PyTorch's "same": stride 1; even f copies
        pad, p = [out.tl.SamePad2d(f, s)], 0
    m = nn.utils.skip_init(nn.Conv2d, layer.c_in, layer.c_out, f, stride=s, padding=p, dtype=out.dtype)
    out.copy(m.weight, layer.params["W"].transpose(3, 2, 0, 1))       # (c_out, c_in, f, f)
    out.copy(m.bias, layer.params["b"])
    return pad + [m]


def pool_to_torch(layer, out):
    out.channels_first_now()
    nn, is_max = out.nn, type(layer) is MaxPool2D
    f, s, p = layer.pool_size, layer.stride, layer.padding
    if p == "same":
        return out.tl.SamePool2d("max" if is_max else "avg", f, s)
    if is_max:
        return nn.MaxPool2d(f, stride=s, padding=0 if p == "valid" else p)
    # nnbook's averages never count padded cells
    return nn.AvgPool2d(f, stride=s, padding=0 if p == "valid" else p, count_include_pad=False)


def activation_to_torch(layer, out):
    return getattr(out.nn, type(layer).__name__)()                  # Sigmoid, Tanh, ReLU


def softmax_to_torch(layer, out):
    return out.nn.Softmax(dim=1 if out.channels_first else -1)      # nnbook: the last (NHWC) axis


def flatten_to_torch(layer, out):
    out.channels_last_now()                  # flatten channels-last maps, in nnbook's order
    return out.nn.Flatten()


TO_TORCH = {Dense: dense_to_torch, Conv2D: conv_to_torch, MaxPool2D: pool_to_torch,
            AvgPool2D: pool_to_torch, Sigmoid: activation_to_torch, Tanh: activation_to_torch,
            ReLU: activation_to_torch, Softmax: softmax_to_torch, Flatten: flatten_to_torch}


# ---------------------------------------------------------------------------
# PyTorch → nnbook: (m, inp) -> a layer (inp: _shared.FromTorch)

def linear_from_torch(m, inp):
    layer = Dense(m.in_features, m.out_features, init="zeros", dtype=inp.dtype)
    if m.bias is None:
        inp.fail("has no bias; nnbook's Dense always has one. Give it a zero bias first: "
                 "m.bias = torch.nn.Parameter(torch.zeros(m.out_features, dtype=m.weight.dtype)).")
    W = to_numpy(m.weight).T                                          # (n_in, n_out)
    if inp.layout == "chw":
        W = W[_chw_order(inp.i, m, inp.flat)]                         # rows in nnbook's (h, w, c) order
        inp.layout = "same"
    elif inp.layout == "nchw":
        inp.fail("acts on images; add torch.nn.Flatten() before it.")
    layer.params["W"][...] = W
    layer.params["b"][...] = to_numpy(m.bias)
    return layer


def conv_from_torch(m, inp):
    i = inp.i
    f, s = _square(i, m, m.kernel_size, "kernel_size"), _square(i, m, m.stride, "stride")
    padding = _conv_padding(i, m)
    if inp.same_pad is not None:
        same_pad = inp.same_pad
        if (same_pad.kernel_size, same_pad.stride, padding) != (f, s, 0):
            inp.fail(f"follows {same_pad}, which pads for kernel_size={same_pad.kernel_size}, "
                     f"stride={same_pad.stride}; expected the same values and padding=0.")
        padding, inp.same_pad = "same", None
    layer = Conv2D(m.in_channels, m.out_channels, f, stride=s, padding=padding,
                   init="zeros", dtype=inp.dtype)
    if m.dilation != (1, 1) or m.groups != 1 or m.padding_mode != "zeros" or m.bias is None:
        inp.fail("uses dilation, groups, a non-zero padding_mode or no bias; nnbook's Conv2D "
                 "has dilation=1, groups=1, zero padding and a bias.")
    layer.params["W"][...] = to_numpy(m.weight).transpose(2, 3, 1, 0)   # (f, f, c_in, c_out)
    layer.params["b"][...] = to_numpy(m.bias)
    return layer


def same_pool_from_torch(m, inp):
    return (MaxPool2D if m.kind == "max" else AvgPool2D)(m.kernel_size, stride=m.stride,
                                                         padding="same")


def pool_from_torch(m, inp):
    i, is_max = inp.i, type(m) is inp.nn.MaxPool2d
    f = _square(i, m, m.kernel_size, "kernel_size")
    s = _square(i, m, f if m.stride is None else m.stride, "stride")
    p = _square(i, m, m.padding, "padding")
    extra = (m.ceil_mode or getattr(m, "dilation", 1) not in (1, (1, 1))
             or getattr(m, "return_indices", False)
             or getattr(m, "divisor_override", None) is not None)
    if extra:
        inp.fail("uses ceil_mode, dilation, return_indices or divisor_override; "
                 "nnbook's pools have none of these.")
    if p and not is_max and m.count_include_pad:
        inp.fail("counts padded cells in its averages; nnbook's AvgPool2D divides by the "
                 "image pixels only. Use AvgPool2d(..., count_include_pad=False).")
    return (MaxPool2D if is_max else AvgPool2D)(f, stride=s, padding=p)


def activation_from_torch(m, inp):
    return {"Sigmoid": Sigmoid, "Tanh": Tanh, "ReLU": ReLU}[type(m).__name__]()


def softmax_from_torch(m, inp):
    dim = 1 if m.dim is None else m.dim                      # torch's choice for 2-D and 4-D input
    shape = inp.shape
    ok = {"nchw": (1, -3), "chw": (1, -1), "same": (-1,) if shape is None or len(shape) != 1
          else (1, -1)}[inp.layout]
    if dim not in ok:
        inp.fail(f"normalises over dim={m.dim}; nnbook's Softmax normalises over the last "
                 f"axis (channels for NHWC images), which is dim={ok[0]} here.")
    return Softmax()


def flatten_from_torch(m, inp):
    if (m.start_dim, m.end_dim) != (1, -1):
        inp.fail("must flatten everything but the batch axis (start_dim=1, end_dim=-1).")
    if inp.layout == "nchw":                                     # (c, h, w) order in torch
        inp.flat = inp.shape if inp.shape is not None else (None, None, None)
        inp.layout = "chw" if _orders_differ(inp.flat) else "same"
    return Flatten()


# keys: class names in torch.nn, or in torch_bridge._modules (SamePool2d)
FROM_TORCH = {"Linear": linear_from_torch, "Conv2d": conv_from_torch,
              "SamePool2d": same_pool_from_torch, "MaxPool2d": pool_from_torch,
              "AvgPool2d": pool_from_torch, "Sigmoid": activation_from_torch,
              "Tanh": activation_from_torch, "ReLU": activation_from_torch,
              "Softmax": softmax_from_torch, "Flatten": flatten_from_torch}


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
