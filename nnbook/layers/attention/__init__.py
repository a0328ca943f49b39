"""Attention and the transformer block (chapters 17–21): ``MultiHeadAttention`` and the
function ``attention`` (multihead.py), grouped-query heads (gqa.py), rotary positions
(rope.py), the KV cache of inference (kv_cache.py), attention in tiles for ``tile=``
(tiled.py, chapter 24) and ``TransformerBlock`` (transformer.py).
"""

from .multihead import MultiHeadAttention, attention
from .gqa import kv_head_of
from .rope import apply_rope, rope_angles
from .transformer import TransformerBlock
from . import kv_cache

__all__ = ["MultiHeadAttention", "attention", "kv_head_of", "apply_rope", "rope_angles",
           "TransformerBlock", "kv_cache"]
