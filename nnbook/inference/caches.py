"""A whole model's KV caches (chapters 21 and 23): whether a model can keep them
(``can_cache``), starting, cutting back and clearing them on every layer that has one, and
the bytes they fill. ``generate`` and ``speculative_generate`` share these.
"""

from __future__ import annotations

from ..layers.embedding import Embedding, PositionalEmbedding
from ..layers.attention.kv_cache import check_pad

__all__ = ["can_cache", "can_pad", "start_cache", "clear_cache", "cache_nbytes", "cut_caches",
           "check_positions"]


def can_cache(model) -> bool:
    """Whether ``model`` can generate with a KV cache: every layer is ``positionwise`` or
    keeps a cache (``start_cache``), and its attention is causal."""
    return all(getattr(layer, "positionwise", False) or (
        callable(getattr(layer, "start_cache", None)) and getattr(layer, "cacheable", True))
        for layer in _layers_of(model))


def can_pad(model) -> bool:
    """Whether ``start_cache(model, pad=…)`` can hide the left padding of a ragged batch:
    no layer (nor a block's ``attn``) has a cache that cannot (``masks_padding`` False: a
    state, of linear attention or DeltaNet, has no positions to hide)."""
    return all(getattr(getattr(layer, "attn", layer), "masks_padding", True)
               for layer in _layers_of(model))


def start_cache(model, max_len=None, pad=None, *, cuts=False) -> None:
    """``start_cache(max_len)`` on every layer that has one (the KV cache of each attention,
    the position count of a PositionalEmbedding); ``max_len``: the most positions the
    model will read (None: no limit); ``pad``: (m,) the left padding of each row of a
    ragged batch (chapter 23); ``cuts``: the caches will be cut back (``cut_caches``,
    speculative decoding), so each is asked to ``allow_cuts()``: a state cache (linear
    attention, DeltaNet) then keeps the state after each position until the next cut.
    Refused when ``can_cache(model)`` is False."""
    if not can_cache(model):
        bad = [repr(l) for l in model.layers if not getattr(l, "positionwise", False)
               and not (callable(getattr(l, "start_cache", None)) and getattr(l, "cacheable", True))]
        raise ValueError(f"start_cache: the model cannot keep a KV cache: {', '.join(bad)} "
                         f"{'reads' if len(bad) == 1 else 'read'} more than each position "
                         f"alone and {'keeps' if len(bad) == 1 else 'keep'} no cache (or "
                         f"attention is not causal). generate(model, …) runs it without one.")
    pad = None if pad is None else check_pad("start_cache", pad)
    for layer in model.layers:
        if callable(getattr(layer, "start_cache", None)):
            layer.start_cache(max_len) if pad is None else layer.start_cache(max_len, pad=pad)
        if cuts and callable(getattr(getattr(layer, "cache", None), "allow_cuts", None)):
            layer.cache.allow_cuts()


def clear_cache(model) -> None:
    """``clear_cache()`` on every layer that has one: the model reads whole sequences again."""
    for layer in _layers_of(model):
        if callable(getattr(layer, "clear_cache", None)):
            layer.clear_cache()


def cache_nbytes(model) -> int:
    """The bytes the model's caches fill: Σ over attention layers of ``k.nbytes + v.nbytes``
    (views of the filled positions), 2 · layers · m · T · n_kv_heads · d_head · itemsize for
    T cached positions. The arrays behind the views (``k.base``) hold exactly that when the
    cache was started with ``max_len``; grown without one, at least 16 positions and up to
    twice what is filled once 8 or more positions are."""
    return sum(int(layer.cache.nbytes) for layer in _layers_of(model)
               if getattr(layer, "cache", None) is not None)


def cut_caches(model, length) -> None:
    """Every cache of the model forgets the positions from ``length`` on (speculative
    decoding: the drafts the target refused)."""
    for layer in _layers_of(model):
        cache = getattr(layer, "cache", None)
        if cache is not None:
            cache.cut(length)


def _layers_of(model):
    layers = getattr(model, "layers", None)
    if not callable(getattr(model, "forward", None)) or not isinstance(layers, list):
        raise ValueError(f"generate: expected a Sequential language model (ids (m, T) → "
                         f"logits (m, T, V)), got {type(model).__name__}. Build one: "
                         f"nb.Sequential([nb.Embedding(V, d), …, nb.Dense(d, V)]).")
    return layers


def _vocab(layers):
    """V from the model's ``Embedding`` (None without one)."""
    return next((l.vocab_size for l in layers if isinstance(l, Embedding)), None)


def check_positions(owner, layers, need, reads, fix):
    """A ``ValueError`` from ``owner`` before any token when the model of ``layers`` has a
    learned position table (``PositionalEmbedding``) shorter than the ``need`` positions it
    will read: ``reads`` says who reads them and why, ``fix`` what to do (with ``{max_len}``
    and ``{need}`` filled in). The one check of ``generate`` and of
    ``speculative_generate``'s draft (chapters 21 and 23)."""
    for layer in layers:
        if isinstance(layer, PositionalEmbedding) and need > layer.max_len:
            raise ValueError(f"{owner}: {reads} {need} positions, past its position table "
                             f"({layer!r} has max_len = {layer.max_len}). "
                             + fix.format(max_len=layer.max_len, need=need))
