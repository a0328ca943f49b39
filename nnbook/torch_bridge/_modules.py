"""The PyTorch modules that ``nnbook.to_torch`` adds where PyTorch has no
counterpart: two that move the channel axis (so that the PyTorch model takes
and gives the same NHWC arrays as the nnbook model), two for Keras'
``padding="same"`` at any stride, and two that pick what a recurrent module
passes on, and three for chapters 17–18's attention (self-attention and a causal encoder
layer called as one-argument modules, learned positions). This module imports torch at the top; only ``nnbook.torch_bridge``
imports it, when it is first used.
"""

import torch
import torch.nn.functional as F

from ..conv_impl import same_padding
from ._modules_modern import (DeltaNet, LinearAttention, ModernAttention,  # noqa: F401
                              ModernBlock, SwiGLU, Unembedding)
from ._modules_generative import TimeEmbedding  # noqa: F401

__all__ = ["NHWCToNCHW", "NCHWToNHWC", "SamePad2d", "SamePool2d", "LastStep", "AllSteps",
           "SelfAttention", "EncoderBlock", "AddPositions",
           "SwiGLU", "ModernAttention", "ModernBlock", "Unembedding",   # chapter 20's
           "LinearAttention", "DeltaNet",                              # chapter 31's
           "TimeEmbedding"]                                           # chapter 26's


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


def _same_pads(x, f, stride):
    """F.pad's (left, right, top, bottom) for Keras' "same" on NCHW x."""
    (t, b), (l, r) = same_padding(x.shape[-2], f, stride), same_padding(x.shape[-1], f, stride)
    return (l, r, t, b)


class SamePad2d(torch.nn.Module):
    """Zeros around (m, c, h, w) images as Keras' ``padding="same"`` adds them
    for an f×f window moving ``stride``: ⌊total/2⌋ top/left, the rest
    bottom/right, computed from each input's size. Put before a
    ``Conv2d(padding=0)`` (PyTorch's own ``padding="same"`` is for stride 1 only)."""

    def __init__(self, kernel_size: int, stride: int = 1):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x):
        return F.pad(x, _same_pads(x, self.kernel_size, self.stride))

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class SamePool2d(torch.nn.Module):
    """Max or average pooling of (m, c, h, w) images with Keras' ``padding="same"``:
    padded cells never win a max, and an average divides by the image pixels
    of its window only."""

    def __init__(self, kind: str, kernel_size: int, stride: int):
        super().__init__()
        if kind not in ("max", "avg"):
            raise ValueError(f"SamePool2d: expected kind 'max' or 'avg', got {kind!r}.")
        self.kind, self.kernel_size, self.stride = kind, kernel_size, stride

    def forward(self, x):
        pads, f, s = _same_pads(x, self.kernel_size, self.stride), self.kernel_size, self.stride
        if self.kind == "max":
            return F.max_pool2d(F.pad(x, pads, value=float("-inf")), f, s)
        total = F.avg_pool2d(F.pad(x, pads), f, s, divisor_override=1)
        count = F.avg_pool2d(F.pad(torch.ones_like(x[:1, :1]), pads), f, s, divisor_override=1)
        return total / count

    def extra_repr(self):
        return f"kind={self.kind!r}, kernel_size={self.kernel_size}, stride={self.stride}"


class LastStep(torch.nn.Module):
    """(output, state) of ``torch.nn.RNN/LSTM/GRU(batch_first=True)`` → the last
    step's output, (m, h): nnbook's recurrent layers with ``return_sequences=False``."""

    def forward(self, output_and_state):
        return output_and_state[0][:, -1]


class AllSteps(torch.nn.Module):
    """(output, state) of ``torch.nn.RNN/LSTM/GRU(batch_first=True)`` → the output of
    every step, (m, T, h): nnbook's recurrent layers with ``return_sequences=True``."""

    def forward(self, output_and_state):
        return output_and_state[0]


def _causal_mask(x):
    """(T, T) for (m, T, d) ``x``: 0 where t' ≤ t, −∞ above the diagonal (PyTorch's float mask)."""
    return torch.nn.Transformer.generate_square_subsequent_mask(x.shape[1], device=x.device,
                                                                dtype=x.dtype)


class SelfAttention(torch.nn.Module):
    """(m, T, d) → (m, T, d): ``attn(x, x, x)`` of its ``nn.MultiheadAttention(d, n_heads,
    batch_first=True)``, with the causal mask when ``causal``: nnbook's MultiHeadAttention
    (``nn.MultiheadAttention`` takes query, key and value, and returns a pair)."""

    def __init__(self, d_model: int, n_heads: int, causal: bool = False, dtype=None):
        super().__init__()
        self.attn = torch.nn.MultiheadAttention(d_model, n_heads, batch_first=True, dtype=dtype)
        self.causal = causal

    def forward(self, x):
        mask = _causal_mask(x) if self.causal else None
        return self.attn(x, x, x, attn_mask=mask, need_weights=False, is_causal=self.causal)[0]

    def extra_repr(self):
        return f"causal={self.causal}"


class EncoderBlock(torch.nn.Module):
    """nnbook's TransformerBlock: its ``layer``, an ``nn.TransformerEncoderLayer(d_model,
    n_heads, d_ff, dropout=0, batch_first=True, norm_first=True)``, run with the causal mask
    when ``causal`` (the encoder layer alone, in a Sequential, gets no mask)."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, causal: bool = True, dtype=None):
        super().__init__()
        self.layer = torch.nn.TransformerEncoderLayer(
            d_model, n_heads, dim_feedforward=d_ff, dropout=0.0, activation="relu",
            batch_first=True, norm_first=True, dtype=dtype)
        self.causal = causal

    def forward(self, x):
        mask = _causal_mask(x) if self.causal else None
        return self.layer(x, src_mask=mask, is_causal=self.causal)

    def extra_repr(self):
        return f"causal={self.causal}"


class AddPositions(torch.nn.Module):
    """(m, T, d) → x + weight[:T]: nnbook's PositionalEmbedding, a learned (max_len, d) table."""

    def __init__(self, max_len: int, dim: int, dtype=None):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(max_len, dim, dtype=dtype))

    def forward(self, x):
        if x.shape[1] > self.weight.shape[0]:
            raise ValueError(f"AddPositions: sequences of length {x.shape[1]} but max_len = "
                             f"{self.weight.shape[0]}.")
        return x + self.weight[:x.shape[1]]

    def extra_repr(self):
        return f"max_len={self.weight.shape[0]}, dim={self.weight.shape[1]}"
