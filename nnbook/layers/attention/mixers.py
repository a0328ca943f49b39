"""What sits in a ``TransformerBlock``'s attention place: chapter 17's softmax attention or
chapter 31's ``LinearAttention`` or ``DeltaNet``, built by ``make_attention``, which refuses
the softmax options a state has no use for (a window, RoPE or its base, shared key/value heads,
tiles, a non-causal block) with an error that names ``TransformerBlock`` and the fix."""

from __future__ import annotations

from .delta import DeltaNet
from .linear import LinearAttention
from .multihead import MultiHeadAttention

__all__ = ["MIXERS", "make_attention"]

MIXERS = {"linear": LinearAttention, "delta": DeltaNet}   # chapter 31's, in attn's place


def make_attention(mixer, d_model, n_heads, *, causal, n_kv_heads, rope, window, tile, rng,
                   dtype, rope_base, bias):
    """The block's attention: ``MultiHeadAttention`` for "softmax", else the ``MIXERS``
    layer, after checking that no softmax-only option was asked for (``n_kv_heads`` None or
    ``n_heads``: a state has one key and one value per head; ``rope_base`` None, which
    softmax attention reads as 10000.0). Errors name the block."""
    if mixer not in MIXERS:
        try:
            return MultiHeadAttention(d_model, n_heads, causal=causal, n_kv_heads=n_kv_heads,
                                      rope=rope, bias=bias,
                                      rope_base=10000.0 if rope_base is None else rope_base,
                                      window=window, tile=tile, rng=rng, dtype=dtype)
        except ValueError as exc:
            raise ValueError(str(exc).replace("MultiHeadAttention:", "TransformerBlock:", 1)
                             ) from None
    name, owner = MIXERS[mixer].__name__, f"TransformerBlock(mixer={mixer!r})"
    given = {"window": window, "tile": tile, "rope": rope, "rope_base": rope_base,
             "causal": causal, "n_kv_heads": n_kv_heads}
    asked = [k for k, v in given.items() if (not v if k == "causal" else
                                              v not in (None, n_heads) if k == "n_kv_heads"
                                              else v is not None and v is not False)]
    if asked:
        raise ValueError(f"{owner}: a {name} mixer has no sliding window, tiles, RoPE (nor "
                         f"its rope_base) or shared key/value heads, and is causal by "
                         f"construction; got {', '.join(f'{k}={given[k]!r}' for k in asked)}. Drop "
                         f"{' and '.join(asked)}, or use mixer='softmax'.")
    try:
        return MIXERS[mixer](d_model, n_heads, rng=rng, dtype=dtype)
    except ValueError as exc:
        raise ValueError(str(exc).replace(f"{name}:", f"{owner}:", 1)) from None
