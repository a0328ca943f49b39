"""Links between the layers of one model in its file (chapter 20): a layer whose config
names another layer of the model (``Unembedding``'s ``embedding``) is saved with that
layer's index, ``{"__layer__": j}``, and ``load_model`` hands it the rebuilt layer j; the
layer inside a LoRA at j (a tied Embedding given adapters) is ``{"__layer__": j,
"__wrapped__": true}``. model_file.py calls these two functions.
"""

from __future__ import annotations

from ..layers.base import Layer
from ..layers.lora import LoRA

__all__ = ["LAYER_REF", "layer_to_file", "layer_from_file"]

LAYER_REF = "__layer__"
WRAPPED = "__wrapped__"   # with LAYER_REF: the layer inside that LoRA (a tied Embedding's)


def layer_to_file(i, layer, key, value, layers):
    """``value`` as the file holds it: an earlier layer of ``layers`` as ``{"__layer__": j}``
    (the layer a LoRA at j wraps: with ``"__wrapped__": True``), anything else unchanged.
    A layer outside the model (or after ``layer``) is a ValueError."""
    if not isinstance(value, Layer):
        return value
    j = next((j for j, other in enumerate(layers[:i]) if other is value), None)
    if j is None:                                # inside an earlier LoRA (chapter 22)?
        j = next((j for j, other in enumerate(layers[:i])
                  if isinstance(other, LoRA) and other.layer is value), None)
        if j is not None:
            return {LAYER_REF: j, WRAPPED: True}
    if j is None:
        raise ValueError(f"Sequential.save: layer {i} ({layer!r}) uses {value!r} ({key}=), "
                         f"which is not an earlier layer of this model; a file can only keep "
                         f"that link inside the model. Put {value!r} in the model before "
                         f"layer {i}.")
    return {LAYER_REF: j}


def layer_from_file(value, layers):
    """A config value read from the file, or the already rebuilt layer it names."""
    if isinstance(value, dict) and sorted(value) in ([LAYER_REF], [LAYER_REF, WRAPPED]):
        j = value[LAYER_REF]
        if not (isinstance(j, int) and 0 <= j < len(layers)):
            raise ValueError(f"a layer refers to layer {j!r}, not an earlier one")
        if value.get(WRAPPED) is True:
            if not isinstance(layers[j], LoRA):
                raise ValueError(f"a layer refers to the layer inside layer {j}, which is "
                                 f"not a LoRA")
            return layers[j].layer
        return layers[j]
    return value
