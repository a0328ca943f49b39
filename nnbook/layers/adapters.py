"""LoRA in a whole model (chapter 22), the way PEFT's ``get_peft_model`` and
``merge_and_unload`` do it: ``add_lora`` puts adapters on the attention and feed-forward
matrices it is asked for and freezes everything else; ``merge_lora`` folds them back.
"""

from __future__ import annotations

from ..spellings import refuse_spellings
from ..validate import make_rng, positive_int
from .attention.multihead import MultiHeadAttention
from .dense import Dense
from .lora import LoRA
from .swiglu import SwiGLU
from .attention.transformer import TransformerBlock

__all__ = ["add_lora", "merge_lora", "has_lora"]

ATTENTION = ("W_q", "W_k", "W_v", "W_o")
FEEDFORWARD = ("W_1", "W_2", "W_3")
KINDS = {"attention": ATTENTION, "feedforward": FEEDFORWARD, "dense": ("dense",)}


def add_lora(model, rank=None, *, targets=("W_q", "W_v"), alpha=None, rng=None,
             **other_spellings) -> list[str]:
    """Put LoRA adapters (``nb.LoRA``) on ``model``'s matrices named by ``targets``, in place,
    and freeze every other parameter; returns the names of the adapted matrices, as in
    ``model.params`` (``"2.attn.W_q"``).

    Args:
        model: a ``Sequential``.
        rank: r ≥ 1, the rank of every adapter.
        targets: names or kinds, or one of them as a string:
            ``"W_q"``, ``"W_k"``, ``"W_v"``, ``"W_o"``: the attention's projections (of a
            ``MultiHeadAttention`` or a ``TransformerBlock``'s ``attn``, grouped key/value
            heads included); ``"W_1"``, ``"W_2"``, ``"W_3"``: the feed-forward matrices of a
            ``TransformerBlock`` (ReLU: ``ff1``'s and ``ff2``'s W; SwiGLU: its three) or of
            a ``SwiGLU`` layer; kinds: ``"attention"`` (the four projections),
            ``"feedforward"`` (W_1, W_2, W_3) and ``"dense"`` (every ``Dense`` layer of the
            model itself). The default, W_q and W_v, is the LoRA paper's (Hu et al. 2021).
        alpha: the scale's numerator (``None``: α = r, a scale of 1).
        rng: the ``np.random.Generator`` that draws every A, layer by layer (``None``: a
            fresh one).

    A layer without adapters gets ``trainable = False``; in a block with adapters every
    other array is frozen, so ``model.count_params(trainable=True)`` (and ``summary()``)
    count the adapters alone. At the start the model computes exactly what it did (every B
    is 0). ``fit`` then trains the adapters; ``save``/``load_model`` keep them;
    ``merge_lora(model)`` folds them in (before ``to_torch``). Example::

        model.compile(nb.AdamW(1e-3), nb.CrossEntropy(from_logits=True))
        names = nb.add_lora(model, 4, targets=("attention", "feedforward"), rng=rng)
        model.fit(x, y, epochs=3)                  # only the adapters move
        nb.merge_lora(model)                       # plain blocks again, the same outputs
    """
    refuse_spellings("add_lora", other_spellings, unknown=True)    # PEFT's r=, lora_alpha=
    rank = positive_int("add_lora", "rank", rank)
    layers = _layers_of("add_lora", model)
    wanted = _wanted(targets)
    rng = make_rng(rng, "add_lora")
    for i, layer in enumerate(layers):
        if has_lora(layer):
            raise ValueError(f"add_lora: layer {i} {layer!r} already has LoRA adapters; give "
                             f"every target in one call, or nb.merge_lora(model) first.")
    done, adapted = [], set()
    for i, layer in enumerate(layers):
        for where, part, names, key in _places(layer, wanted):
            new = LoRA(part, rank, alpha=alpha, rng=rng,
                       targets=None if isinstance(part, Dense) else names)
            if where is None:
                layers[i] = new
            else:
                setattr(layer, where, new)
            adapted.add(i)
            done += [f"{i}.{key(t)}" for t in names]
    if not done:
        raise ValueError(f"add_lora: no matrix of the model matches targets={targets!r}; "
                         f"it has {_available(layers) or 'none that LoRA adapts'}.")
    for i, layer in enumerate(layers):
        if i not in adapted and layer.params:
            layer.trainable = False
    return done


def _places(layer, wanted):
    """(attribute of the block or None, the layer to wrap, its target names, key(name))."""
    if isinstance(layer, TransformerBlock):
        names = [t for t in ATTENTION if t in wanted and t in layer.attn.params]
        if names:
            yield "attn", layer.attn, names, lambda t: f"attn.{t}"
        if layer.ffn_kind == "swiglu":
            names = [t for t in FEEDFORWARD if t in wanted]
            if names:
                yield "ffn", layer.ffn, names, lambda t: t
        elif layer.ffn_kind == "relu":             # a mixture of experts: none
            for n in ("1", "2"):
                if f"W_{n}" in wanted:
                    yield f"ff{n}", getattr(layer, f"ff{n}"), [f"W_{n}"], lambda t: t
    elif isinstance(layer, (MultiHeadAttention, SwiGLU)):
        names = [t for t in ATTENTION + FEEDFORWARD if t in wanted and t in layer.params]
        if names:
            yield None, layer, names, lambda t: t
    elif isinstance(layer, Dense) and "dense" in wanted:
        yield None, layer, ["W"], lambda t: t


def merge_lora(model) -> list[str]:
    """Fold every LoRA of ``model`` into its matrix (``LoRA.merge``), in place: the layers
    and blocks are plain again, with the same outputs, ready for ``to_torch``; returns the
    names of the merged matrices. The blocks train all their arrays again; the layers that
    ``add_lora`` froze stay frozen (``layer.trainable = True`` unfreezes one)."""
    layers = _layers_of("merge_lora", model)
    done = []
    for i, layer in enumerate(layers):
        if isinstance(layer, LoRA):
            done += [f"{i}.{t}" for t in layer.targets or ("W",)]
            layers[i] = layer.merge()
        elif isinstance(layer, TransformerBlock):
            for name in ("attn", "ff1", "ff2", "ffn"):
                part = getattr(layer, name, None)
                if isinstance(part, LoRA):
                    done += [f"{i}.{'attn.' * (name == 'attn')}{t}"
                             for t in part.targets or (f"W_{name[-1]}",)]
                    setattr(layer, name, part.merge())
                    layer.frozen_params = ()    # by name too: the names a file kept for it
    return done


def has_lora(layer) -> bool:
    """Whether ``layer`` is a ``LoRA`` or a block with a LoRA part."""
    return isinstance(layer, LoRA) or (isinstance(layer, TransformerBlock) and any(
        isinstance(getattr(layer, n, None), LoRA) for n in ("attn", "ff1", "ff2", "ffn")))


def _layers_of(owner, model):
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list):
        raise ValueError(f"{owner}: expected an nnbook Sequential, got {type(model).__name__}. "
                         f"Build the model first: model = nb.Sequential([...]).")
    return layers


def _wanted(targets):
    given = (targets,) if isinstance(targets, str) else tuple(targets or ())
    known = ATTENTION + FEEDFORWARD + tuple(KINDS)
    bad = [t for t in given if t not in known]
    if bad or not given:
        raise ValueError(f"add_lora: expected targets among {list(known)}, got {targets!r}. "
                         f"Name matrices (\"W_q\", \"W_v\") or kinds (\"attention\").")
    return {n for t in given for n in KINDS.get(t, (t,))}


def _available(layers):
    every = set(ATTENTION + FEEDFORWARD + ("dense",))
    return ", ".join(f"layer {i}: {', '.join(k(t) for _, _, names, k in found for t in names)}"
                     for i, layer in enumerate(layers)
                     if (found := list(_places(layer, every))))
