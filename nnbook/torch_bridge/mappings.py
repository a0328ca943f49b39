"""Every layer kind the PyTorch bridge knows (extra notebook ``moving_on_to_pytorch``),
gathered from the map_*.py modules into the two tables that ``to_torch`` and
``from_torch`` look layers up in.

To add a layer kind: write its two functions in a map_*.py module (a new one
for a new family of layers, e.g. recurrent layers), one ``(layer, out)`` →
PyTorch module(s) in its ``TO_TORCH`` (keyed by the nnbook class) and one
``(m, inp)`` → nnbook layer in its ``FROM_TORCH`` (keyed by the class name in
``torch.nn`` or in ``_modules.py``), list the module in ``MAPS`` and the pair in
``SUPPORTED``. ``out`` and ``inp`` are _shared.py's ``ToTorch`` and ``FromTorch``.
"""

from __future__ import annotations

from . import (map_attention, map_core, map_generative, map_modern, map_recurrent,
               map_regularisation)

__all__ = ["TO_TORCH", "FROM_TORCH", "SUPPORTED"]

MAPS = (map_core, map_regularisation, map_recurrent, map_attention, map_modern,   # later wins
        map_generative)

TO_TORCH = {kind: rule for family in MAPS for kind, rule in family.TO_TORCH.items()}
FROM_TORCH = {name: rule for family in MAPS for name, rule in family.FROM_TORCH.items()}

SUPPORTED = ("Dense ↔ Linear, Conv2D ↔ Conv2d, MaxPool2D ↔ MaxPool2d, AvgPool2D ↔ AvgPool2d, "
             "Sigmoid, Tanh, ReLU, Softmax, Flatten, Dropout, BatchNorm ↔ BatchNorm1d/BatchNorm2d"
             ", RNN/LSTM/GRU ↔ RNN/LSTM/GRU(batch_first=True) + LastStep() or AllSteps()"
             ", Embedding, LayerNorm, MultiHeadAttention ↔ SelfAttention (MultiheadAttention), "
             "TransformerBlock ↔ EncoderBlock (TransformerEncoderLayer), PositionalEmbedding ↔ "
             "AddPositions, RMSNorm, SiLU, SwiGLU, MultiHeadAttention(n_kv_heads, rope, bias) ↔ "
             "ModernAttention, TransformerBlock(norm, ffn, …) ↔ ModernBlock, Unembedding (tied), "
             "TimeEmbedding (chapter 26)")
