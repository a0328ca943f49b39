"""Every layer kind the PyTorch bridge knows (extra notebook ``moving_on_to_pytorch``),
gathered from the map_*.py modules, one per family of layers, into the two tables that
``to_torch`` and ``from_torch`` look layers up in. A new layer kind gets its pair of
functions in its family's ``TO_TORCH`` and ``FROM_TORCH``, its module in ``MAPS`` and
the pair in ``SUPPORTED``; a class has one map, and two modules that claim it stop the import."""

from __future__ import annotations

from . import (map_attention, map_core, map_generative, map_modern, map_recurrent,
               map_regularisation)

__all__ = ["TO_TORCH", "FROM_TORCH", "SUPPORTED", "merged"]

MAPS = (map_core, map_regularisation, map_recurrent, map_attention, map_modern,
        map_generative)


def merged(tables) -> dict:
    """One ``{key: rule}`` from ``(module name, table)`` pairs, or a ValueError naming the
    two modules that map one key (an nnbook class, or a PyTorch class name): each class has
    one map, so no order between the modules decides which one runs."""
    rules, owner = {}, {}
    for name, table in tables:
        for key, rule in table.items():
            if key in owner:
                shown = getattr(key, "__name__", key)
                raise ValueError(f"torch_bridge: {shown} is mapped by both {owner[key]} and "
                                 f"{name}; a class has one map. Put both cases in one function "
                                 f"of its family's module ({owner[key]}).")
            rules[key], owner[key] = rule, name
    return rules


TO_TORCH = merged((family.__name__, family.TO_TORCH) for family in MAPS)
FROM_TORCH = merged((family.__name__, family.FROM_TORCH) for family in MAPS)

SUPPORTED = ("Dense ↔ Linear, Conv2D ↔ Conv2d, MaxPool2D ↔ MaxPool2d, AvgPool2D ↔ AvgPool2d, "
             "Sigmoid, Tanh, ReLU, Softmax, Flatten, Dropout, BatchNorm ↔ BatchNorm1d/BatchNorm2d"
             ", RNN/LSTM/GRU ↔ RNN/LSTM/GRU(batch_first=True) + LastStep() or AllSteps()"
             ", Embedding, LayerNorm, MultiHeadAttention ↔ SelfAttention (MultiheadAttention), "
             "TransformerBlock ↔ EncoderBlock (TransformerEncoderLayer), PositionalEmbedding ↔ "
             "AddPositions, RMSNorm, SiLU, SwiGLU, MultiHeadAttention(n_kv_heads, rope, bias) ↔ "
             "ModernAttention, TransformerBlock(norm, ffn, mixer, …) ↔ ModernBlock, LinearAttention, "
             "DeltaNet (chapter 31's, written in torch), Unembedding (tied), "
             "TimeEmbedding (chapter 26)")
