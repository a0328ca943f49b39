"""The checks of the arguments that chapter 20 adds to ``MultiHeadAttention`` and
``TransformerBlock`` (n_kv_heads, rope, rope_base, bias; the block's norm, ffn, prenorm and
eps, and chapter 31's mixer), and chapter 23's sliding ``window``; ``modern_config``, the
settings that differ from chapter 17's defaults; and ``sample_shape``, the check of a
sample's shape (T, d_model) that both layers make.
"""

from __future__ import annotations

import numbers

import numpy as np

from ...validate import positive_int
from ..recurrent.rnn import LAST_STATE_ONLY
from .gqa import _not_dividing

__all__ = ["check_modern", "check_rope_base", "check_window", "modern_config", "sample_shape",
           "check_block", "check_eps"]

BLOCK_CHOICES = {"norm": ("layernorm", "rmsnorm", "none"), "ffn": ("relu", "swiglu", "moe"),
                 "mixer": ("softmax", "linear", "delta")}


def _flag(owner, name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: expected {name}=True or False, got {value!r}.")
    return bool(value)


def check_modern(owner, n_heads, d_head, n_kv_heads, rope, rope_base, bias):
    """``(n_kv_heads, rope, rope_base, bias)`` checked: n_kv_heads (None: n_heads) divides
    n_heads; rope needs an even d_head and a base > 0; rope and bias are booleans."""
    if n_kv_heads is None:
        n_kv_heads = n_heads
    n_kv_heads = positive_int(owner, "n_kv_heads", n_kv_heads)
    if n_heads % n_kv_heads:
        raise ValueError(_not_dividing(owner, n_heads, n_kv_heads))
    rope, bias = _flag(owner, "rope", rope), _flag(owner, "bias", bias)
    rope_base = check_rope_base(owner, rope_base)
    if rope and d_head % 2:
        raise ValueError(f"{owner}: rope=True rotates pairs of features in each head, so the "
                         f"head size d_model / n_heads must be even, got {d_head}. Choose "
                         f"n_heads so that d_model / n_heads is even, or rope=False.")
    return n_kv_heads, rope, float(rope_base), bias


def check_rope_base(owner, rope_base) -> float:
    """RoPE's base as a float, or a ValueError: a finite number > 0."""
    if (isinstance(rope_base, bool) or not isinstance(rope_base, numbers.Real)
            or not np.isfinite(rope_base) or not rope_base > 0):
        raise ValueError(f"{owner}: expected rope_base > 0 (10000.0 in the RoPE paper and most "
                         f"models), got {rope_base!r}.")
    return float(rope_base)


def check_window(owner, window, causal, cache=None):
    """A sliding window (chapter 23) checked: None, or an integer W ≥ 1 on causal attention,
    not changed while a KV cache is on."""
    if window is not None:
        if isinstance(window, bool) or not isinstance(window, numbers.Integral) or window < 1:
            raise ValueError(f"{owner}: expected window=None (full attention) or an integer "
                             f"W ≥ 1 (each position attends to the last W), got {window!r}.")
        if not causal:
            raise ValueError(f"{owner}: window={window} is a sliding window over the past, "
                             f"which needs causal=True; got causal=False. Make the attention "
                             f"causal, or leave window=None.")
        window = int(window)
    if cache is not None and window != cache.window:
        raise ValueError(f"{owner}: window changed to {window!r} while a KV cache is on (it "
                         f"keeps {cache.window!r}). clear_cache() first.")
    return window


def modern_config(layer):
    """The chapter-20 settings of an attention layer or block that differ from the
    defaults (so chapter 17's and 18's configs, and files, stay as they were)."""
    defaults = {"n_kv_heads": getattr(layer, "n_heads", None), "rope": False,
                "rope_base": 10000.0, "bias": True, "window": None,
                "tile": None}
    cfg = {k: getattr(layer, k, v) for k, v in defaults.items() if getattr(layer, k, v) != v}
    if not getattr(layer, "rope", False):
        cfg.pop("rope_base", None)
    return cfg


def sample_shape(layer, input_shape, fix):
    """``input_shape`` as a tuple when it is one sample of a sequence layer, (T, d_model)
    (T may be None), else a ValueError naming ``layer`` with ``fix`` (and, for a single
    vector, the advice for a recurrent layer before it)."""
    shape = tuple(input_shape)
    if len(shape) != 2 or shape[1] not in (layer.d_model, None):
        last = f" {LAST_STATE_ONLY}" if len(shape) == 1 else ""
        raise ValueError(f"{layer!r}: expected samples of shape (T, {layer.d_model}), got "
                         f"{shape}. {fix}{last}")
    return shape


def check_block(norm, ffn, mixer, prenorm, moe=None):
    """``TransformerBlock``'s ``(norm, ffn, mixer, prenorm)`` checked: each of the first
    three one of ``BLOCK_CHOICES`` (lower-cased), prenorm a bool; ``moe`` (the experts'
    settings, chapter 33) only with ffn="moe"."""
    for name, value in (("norm", norm), ("ffn", ffn), ("mixer", mixer)):
        if not isinstance(value, str) or value.lower() not in BLOCK_CHOICES[name]:
            raise ValueError(f"TransformerBlock: expected {name}= one of "
                             f"{list(BLOCK_CHOICES[name])}, got {value!r}.")
    if moe is not None and ffn.lower() != "moe":
        raise ValueError(f"TransformerBlock: moe={moe!r} sets a mixture of experts, but "
                         f"ffn={ffn!r}. Pass ffn=\"moe\" with it, or leave moe=None.")
    if not isinstance(prenorm, (bool, np.bool_)):
        raise ValueError(f"TransformerBlock: expected prenorm=True (GPT-2's block) or "
                         f"False (the 2017 post-norm block), got {prenorm!r}.")
    return norm.lower(), ffn.lower(), mixer.lower(), bool(prenorm)


def check_eps(eps):
    """``TransformerBlock``'s ``eps`` for its norms: None (each norm's own) or a float > 0."""
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, numbers.Real)
                            or not eps > 0):
        raise ValueError(f"TransformerBlock: expected eps > 0 for its norms (None: the "
                         f"norm's own, 1e-5 for LayerNorm, 1e-6 for RMSNorm), got {eps!r}.")
    return None if eps is None else float(eps)
