"""``model.summary()``'s table: one row per layer with its output shape (``None`` for
the batch) and its parameter count, as Keras prints it (chapter 00 counts parameters), and
the trainable and frozen counts once a layer is frozen (chapter 22).
"""

from __future__ import annotations

from ..layers.base import trained_keys

__all__ = ["count_params", "summary_table"]


def count_params(layers, trainable=None) -> int:
    """How many parameters ``layers`` hold: all (``trainable=None``), those an optimizer
    updates (True), or the frozen ones (False: ``trainable = False``, ``frozen_params``)."""
    total = sum(p.size for layer in layers for p in layer.params.values())
    if trainable is None:
        return int(total)
    kept = sum(layer.params[k].size for layer in layers for k in trained_keys(layer))
    return int(kept if trainable else total - kept)


def summary_table(model) -> str:
    """The table as text. Shapes come from ``input_shape``, else from the last batch the
    model ran, else from the first layer; ``?`` where they are not known yet."""
    shapes = model.output_shapes()
    rows = [(f"{i}  {layer!r}",
             "?" if s is None else str((None,) + tuple(s)),
             str(sum(p.size for p in layer.params.values())))
            for i, (layer, s) in enumerate(zip(model.layers, shapes))]
    w0 = max([len("Layer")] + [len(r[0]) for r in rows]) + 2
    w1 = max([len("Output shape")] + [len(r[1]) for r in rows]) + 2
    w2 = max([len("Params")] + [len(r[2]) for r in rows])
    rule = "=" * (w0 + w1 + w2)
    lines = [f"Model: Sequential ({len(model.layers)} layers)",
             f"{'Layer':<{w0}}{'Output shape':<{w1}}{'Params':>{w2}}", rule]
    lines += [f"{a:<{w0}}{b:<{w1}}{c:>{w2}}" for a, b, c in rows]
    lines += [rule, f"Total params: {model.count_params()}"]
    frozen = model.count_params(trainable=False)
    if frozen:                       # chapter 22: frozen layers, LoRA
        lines += [f"Trainable params: {model.count_params() - frozen}", f"Frozen params: {frozen}"]
    return "\n".join(lines)
