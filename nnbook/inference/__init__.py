"""Inference (chapter 21): the decoding rules that turn a model's next-token logits into a
token (sampling.py: greedy, temperature, top-k, top-p), and ``generate`` (generate.py), which
writes text with a model by reading its own output.
"""

from .sampling import (apply_temperature, check_decoding, next_token_probs, sample_next,
                       top_k_filter, top_p_filter)
from .generate import generate

__all__ = ["apply_temperature", "top_k_filter", "top_p_filter", "next_token_probs",
           "sample_next", "check_decoding", "generate"]
