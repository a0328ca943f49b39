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
    ``ImportError`` when PyTorch is not installed. ``from_torch`` maps each row back.

    What maps to what (nnbook ↔ PyTorch):

    .. list-table::
       :header-rows: 1

       * - nnbook
         - PyTorch
         - weights
       * - Dense(n_in, n_out)
         - Linear(n_in, n_out)
         - ``weight = W.T`` (torch: (out, in))
       * - Conv2D(c_in, c_out, f, stride, padding)
         - Conv2d(c_in, c_out, f, stride, padding)
         - ``weight = W.transpose(3, 2, 0, 1)`` (torch: (c_out, c_in, f, f))
       * - MaxPool2D, AvgPool2D
         - MaxPool2d, AvgPool2d (count_include_pad=False)
         - none
       * - Sigmoid, Tanh, ReLU
         - Sigmoid, Tanh, ReLU
         - none
       * - Softmax
         - Softmax(dim=-1), or dim=1 on channels-first images
         - none
       * - Flatten
         - Flatten()
         - none
       * - Dropout(rate)
         - Dropout(p=rate)
         - none
       * - BatchNorm(n, momentum, eps)
         - BatchNorm1d(n, eps, momentum), BatchNorm2d on images
         - ``weight = gamma``, ``bias = beta``, running_mean, running_var (the same
           conventions: PyTorch's)
       * - RNN, LSTM, GRU (n_in, h)
         - RNN, LSTM, GRU(n_in, h, batch_first=True), then AllSteps() or LastStep()
           (return_sequences True or False)
         - ``weight_ih_l0 = W_x.T``, ``weight_hh_l0 = W_h.T``; RNN, LSTM: ``bias_ih_l0 +
           bias_hh_l0 = b`` (to_torch: ``bias_hh_l0 = 0``, frozen); GRU: ``bias_ih_l0 =
           b_x``, ``bias_hh_l0 = b_h``
       * - Embedding(V, d)
         - Embedding(V, d)
         - ``weight = W``
       * - PositionalEmbedding
         - AddPositions(max_len, d)
         - ``weight = W``
       * - LayerNorm(n, eps)
         - LayerNorm(n, eps)
         - ``weight = gamma``, ``bias = beta``
       * - MultiHeadAttention (d, h, causal)
         - SelfAttention(d, h, causal) (a MultiheadAttention(d, h, batch_first=True) on (x,
           x, x))
         - ``in_proj_weight = [W_qᵀ; W_kᵀ; W_vᵀ]``, ``in_proj_bias = [b_q; b_k; b_v]``,
           ``out_proj.weight = W_oᵀ``, ``out_proj.bias = b_o``
       * - TransformerBlock (d, h, d_ff, causal)
         - EncoderBlock(d, h, d_ff, causal): TransformerEncoder Layer(norm_first=True,
           dropout=0, batch_first=True)
         - norm1/norm2 as LayerNorm, self_attn as above, ``linear1.weight = W_1ᵀ``,
           ``linear2.weight = W_2ᵀ``
       * - RMSNorm(n, eps)
         - RMSNorm(n, eps)
         - ``weight = gamma``
       * - SiLU
         - SiLU
         - none
       * - SwiGLU(d, d_ff)
         - SwiGLU(d, d_ff): w1, w3, w2 Linear(bias=False)
         - ``w1.weight = W_1ᵀ``, ``w3.weight = W_3ᵀ``, ``w2.weight = W_2ᵀ``
       * - MultiHeadAttention with n_kv_heads, rope or bias=False
         - ModernAttention: Linear q, k, v, o, RoPE, then scaled_dot_product_attention
           (enable_gqa=True)
         - ``q.weight = W_qᵀ`` (k, v, o alike), ``q.bias = b_q``, …
       * - TransformerBlock with chapter 20's settings
         - ModernBlock: norm1, norm2, attn, ffn (SwiGLU or Linear, ReLU, Linear)
         - norms as above, attn as ModernAttention, ffn as SwiGLU or ``ffn.0/2.weight =
           W_1ᵀ/W_2ᵀ``
       * - LinearAttention, DeltaNet (d, h), and TransformerBlock(mixer="linear" or
           "delta")
         - LinearAttention, DeltaNet (the bridge's, from their equations: PyTorch has
           none); a ModernBlock with one as its attn
         - ``q.weight = W_qᵀ`` (k, v, o alike), DeltaNet's ``beta.weight = W_betaᵀ``
       * - Unembedding(emb)
         - Unembedding(torch emb)
         - ``weight`` is the Embedding's own Parameter (tied)

    Recurrent layers: PyTorch's RNN, LSTM and GRU return (output, state), so
    ``to_torch`` follows each with ``AllSteps()`` (every h_t, nnbook's
    ``return_sequences=True``) or ``LastStep()`` (h_T), and ``from_torch`` needs one of
    the two after each of them. PyTorch's RNN and LSTM add two biases where nnbook
    has one; ``to_torch`` freezes the second at 0 so that training moves b as nnbook does.

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

    Padding. An integer p maps to PyTorch's ``padding=p``; ``"valid"`` to ``"valid"`` (pools: 0).
    Keras' ``"same"`` maps to ``Conv2d(padding="same")`` at stride 1 with an odd
    f, otherwise to ``SamePad2d(f, s)`` + ``Conv2d(padding=0)``, where the
    zeros can be more at the bottom/right; pools with ``"same"`` become
    ``SamePool2d``. Both modules (``nnbook.torch_bridge._modules``) compute the padding
    from each input's size, as Keras does, and read back as ``"same"``.

    dtype: float64 ↔ ``torch.float64``, float32 ↔ ``torch.float32``.
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
