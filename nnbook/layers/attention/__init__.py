"""Attention and the transformer block (chapters 17–24): ``MultiHeadAttention``, its whole
and cached forward (multihead.py); the function ``attention`` and its cached forms
(dot_product.py); grouped-query heads (gqa.py), rotary positions (rope.py), the KV cache
as storage (kv_cache.py), attention in tiles for ``tile=`` (tiled.py, chapter 24), the
checks of the attention arguments (_arguments.py) and ``TransformerBlock`` (transformer.py);
chapter 31's ``LinearAttention`` (linear.py) and ``DeltaNet`` (delta.py).
"""

from .multihead import MultiHeadAttention
from .dot_product import attention
from .gqa import kv_head_of
from .rope import apply_rope, rope_angles
from .transformer import TransformerBlock
from .linear import LinearAttention
from .delta import DeltaNet
from . import kv_cache

__all__ = ["MultiHeadAttention", "attention", "kv_head_of", "apply_rope", "rope_angles",
           "TransformerBlock", "kv_cache", "LinearAttention", "DeltaNet"]
