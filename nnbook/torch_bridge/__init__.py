"""A bridge to PyTorch: ``to_torch(model)`` turns an nnbook ``Sequential`` into
a ``torch.nn.Sequential`` with the same weights, and ``from_torch(module)``
turns one back. PyTorch is optional: it is imported when one of the two
functions is called, never by ``import nnbook``. The notebook
``notebooks/extras/moving_on_to_pytorch.ipynb`` uses both.

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
``SamePool2d``. Both modules (``nnbook.torch_bridge._modules``) compute the padding
from each input's size, as Keras does, and read back as ``"same"``.

dtype: float64 ↔ ``torch.float64``, float32 ↔ ``torch.float32``.

Where the code is: to_pytorch.py (``to_torch``) and from_pytorch.py
(``from_torch``) walk the model; each layer kind's mapping, both ways, is in a
map_*.py module (map_core.py, map_regularisation.py, map_recurrent.py,
map_attention.py, map_modern.py), listed in mappings.py,
which says how to add one; _shared.py holds the lazy torch import and the
state of a walk; _modules.py the PyTorch modules the bridge adds (the channel
moves, the 'same' paddings, LastStep/AllSteps, SelfAttention, EncoderBlock,
AddPositions; chapter 20's SwiGLU, ModernAttention, ModernBlock and Unembedding come from
_modules_modern.py).
"""

from ._shared import TORCH_INSTALL
from .from_pytorch import from_torch
from .to_pytorch import to_torch

__all__ = ["to_torch", "from_torch", "TORCH_INSTALL"]
