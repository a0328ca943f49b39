"""Fewer bits, less memory (chapter 24): number formats and bfloat16 rounding emulated in
NumPy (formats.py), weights quantised to int8 and int4 (quantise.py), mixed precision and gradient accumulation
(mixed.py), and attention computed in tiles with an
online softmax (tiles.py).

- ``formats.py``: ``FORMATS``, ``to_bfloat16``, ``bfloat16_bits``, ``round_to``,
  ``machine_epsilon``, ``unit_roundoff``, ``stall_point``, ``running_sum``;
- ``quantise.py``: ``quantise_weights``, ``dequantise``, ``quantise``, ``QuantisedModel``,
  ``load_quantised``, ``nbytes_as``;
- ``mixed.py``: ``RoundTo``, ``mixed_precision_step``, ``accumulated_gradients``;
- ``tiles.py``: ``online_logsumexp``, ``tiled_attention``, ``tiled_attention_backward``.
"""

from .formats import (FORMATS, bfloat16_bits, machine_epsilon, round_to, running_sum,
                      stall_point, to_bfloat16, unit_roundoff)
from .mixed import RoundTo, accumulated_gradients, mixed_precision_step
from .quantise import (QuantisedModel, dequantise, load_quantised, nbytes_as, quantise,
                       quantise_weights)
from .tiles import online_logsumexp, tiled_attention, tiled_attention_backward

__all__ = ["FORMATS", "to_bfloat16", "bfloat16_bits", "round_to", "machine_epsilon",
           "unit_roundoff", "stall_point", "running_sum",
           "quantise_weights", "dequantise", "quantise", "QuantisedModel", "load_quantised",
           "nbytes_as", "RoundTo", "mixed_precision_step", "accumulated_gradients",
           "online_logsumexp", "tiled_attention", "tiled_attention_backward"]
