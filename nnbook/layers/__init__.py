"""The layers a model is made of: the ``Layer`` contract (base.py), ``Dense`` and ``Flatten``
(dense.py), the activations, ``Dropout``, ``Embedding``/``PositionalEmbedding``,
``SiLU``/``SwiGLU``, ``MixtureOfExperts`` (experts.py, chapter 33), ``Unembedding``, ``LoRA`` (lora.py) and ``add_lora``/``merge_lora``
(adapters.py); their speed code is ``nnbook.kernels``, a floor below.

Four families have folders of their own, as Keras 3 lays them out: conv/ (``Conv2D``, the
pools, chapters 07–08), normalization/ (``BatchNorm``, ``LayerNorm``, ``RMSNorm``),
recurrent/ (``RNN``, ``LSTM``, ``GRU``, chapters 15–16) and attention/
(``MultiHeadAttention``, RoPE, grouped-query heads, the KV cache, ``TransformerBlock``,
chapters 17–21; ``LinearAttention`` and ``DeltaNet``, chapter 31). Every layer is also at the top level, ``nb.Dense``.
"""

from .activations import Activation, ReLU, Sigmoid, Softmax, Tanh, log_softmax, sigmoid, softmax
from .base import Layer
from .dense import Dense, Flatten
from .dropout import Dropout
from .conv import AvgPool2D, Conv2D, MaxPool2D, output_size, same_padding
from .normalization import BatchNorm, LayerNorm, RMSNorm
from .recurrent import GRU, LSTM, RNN
from .embedding import Embedding, PositionalEmbedding
from .attention import (DeltaNet, LinearAttention, MultiHeadAttention, TransformerBlock,
                        apply_rope, kv_head_of, rope_angles)
from .activations import SiLU
from .swiglu import SwiGLU
from .experts import MixtureOfExperts
from .unembedding import Unembedding
from .lora import LoRA
from .adapters import add_lora, merge_lora

__all__ = ["Layer", "Dense", "Flatten", "Activation", "Sigmoid", "Tanh", "ReLU", "Softmax",
           "sigmoid", "softmax", "log_softmax", "Conv2D", "output_size", "same_padding",
           "MaxPool2D", "AvgPool2D", "Dropout", "BatchNorm",
           "RNN", "LSTM", "GRU",
           "Embedding", "PositionalEmbedding", "LayerNorm", "MultiHeadAttention", "TransformerBlock",
           "RMSNorm", "SiLU", "SwiGLU", "Unembedding", "apply_rope", "rope_angles", "kv_head_of",
           "LoRA", "add_lora", "merge_lora", "LinearAttention", "DeltaNet", "MixtureOfExperts"]
