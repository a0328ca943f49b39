"""Inference (chapter 21): the decoding rules that turn a model's next-token logits into a
token (sampling.py: greedy, temperature, top-k, top-p), and ``generate`` (generation.py), which
writes text with a model by reading its own output, with a KV cache where the model has one.
Chapter 23 serves many prompts at once (batching.py) and decodes speculatively with a draft
model (speculative.py). text.py: ``sample_text`` and ``SampleText``, a character model's
writing (chapters 17–18). distillation.py: ``on_policy_batch``, the student's samples and
the teacher's logits on them (chapter 35).
"""

from .sampling import (apply_temperature, check_decoding, next_token_probs, sample_next,
                       top_k_filter, top_p_filter)
from .caches import cache_nbytes, can_cache, clear_cache, cut_caches, start_cache
from .generation import generate
from .batching import left_pad
from .speculative import accept_or_resample, speculative_generate, speculative_probs
from .text import sample_text
from .distillation import on_policy_batch

__all__ = ["apply_temperature", "top_k_filter", "top_p_filter", "next_token_probs",
           "sample_next", "check_decoding", "generate", "can_cache", "start_cache", "clear_cache",
           "cache_nbytes", "cut_caches", "left_pad", "accept_or_resample", "speculative_probs",
           "speculative_generate", "sample_text", "on_policy_batch"]
