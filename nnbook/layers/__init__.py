"""The layers a model is made of (chapters 03–13): the ``Layer`` contract (base.py), ``Dense``
and ``Flatten`` (dense.py), the activations, ``Conv2D`` and the pools (with their fast engine,
_conv_engine.py, and its ∂E/∂x, _conv_dx.py), ``Dropout`` and ``BatchNorm``; the recurrent layers
``RNN`` (recurrent.py), ``LSTM`` and ``GRU`` (chapters 15–16); ``Embedding`` and
``PositionalEmbedding`` (embedding.py), ``MultiHeadAttention`` (attention.py, chapter 17),
``LayerNorm`` and ``TransformerBlock`` (layernorm.py, transformer.py, chapter 18); ``RMSNorm``,
``SiLU``, ``SwiGLU``, ``Unembedding`` and the RoPE and grouped-query helpers (rmsnorm.py,
swiglu.py, unembedding.py, rope.py, gqa.py, chapter 20); the KV cache of attention, blocks
and PositionalEmbedding (kv_cache.py, ``nb.layers.kv_cache.KVCache``, chapter 21); ``LoRA`` (lora.py) and
``add_lora``/``merge_lora`` for a whole model (adapters.py, chapter 22).
Every layer is also at the top level, ``nb.Dense``.
"""

from .activations import Activation, ReLU, Sigmoid, Softmax, Tanh, log_softmax, sigmoid, softmax
from .base import Layer
from .dense import Dense, Flatten
from .batchnorm import BatchNorm
from .conv import Conv2D, output_size, same_padding
from .dropout import Dropout
from .pooling import AvgPool2D, MaxPool2D
from .recurrent import RNN
from .lstm import LSTM
from .gru import GRU
from .embedding import Embedding, PositionalEmbedding
from .layernorm import LayerNorm
from .attention import MultiHeadAttention
from .transformer import TransformerBlock
from .rmsnorm import RMSNorm
from .swiglu import SiLU, SwiGLU
from .unembedding import Unembedding
from .rope import apply_rope, rope_angles
from .gqa import kv_head_of
from .lora import LoRA
from .adapters import add_lora, merge_lora
from . import kv_cache

__all__ = ["Layer", "Dense", "Flatten", "Activation", "Sigmoid", "Tanh", "ReLU", "Softmax",
           "sigmoid", "softmax", "log_softmax", "Conv2D", "output_size", "same_padding",
           "MaxPool2D", "AvgPool2D", "Dropout", "BatchNorm",
           "RNN", "LSTM", "GRU",
           "Embedding", "PositionalEmbedding", "LayerNorm", "MultiHeadAttention", "TransformerBlock",
           "RMSNorm", "SiLU", "SwiGLU", "Unembedding", "apply_rope", "rope_angles", "kv_head_of",
           "LoRA", "add_lora", "merge_lora"]
