"""Mixed precision and gradient accumulation (chapter 24), emulated in NumPy by rounding:
``RoundTo`` rounds activations and their gradients to a format, ``mixed_precision_step``
computes with weights rounded to bfloat16 and updates float32 master weights, and
``accumulated_gradients`` adds the gradients of micro-batches, weighted right or wrongly.
"""

from __future__ import annotations

import numpy as np

from ..layers.base import Layer
from ..registry import register_class
from ..validate import positive_int
from .formats import FORMATS, round_to

__all__ = ["RoundTo", "mixed_precision_step", "accumulated_gradients"]


def _format(owner, fmt):
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise ValueError(f"{owner}: unknown format {fmt!r}; expected one of "
                         f"{', '.join(map(repr, FORMATS))}.")
    return fmt


@register_class
class RoundTo(Layer):
    """Rounds what passes through it to ``fmt``, forward and backward: ``y = round(x)``,
    ``∂E/∂x = round(∂E/∂y)`` (the rounding's own derivative taken as 1, as a kernel
    that writes its output in bfloat16 would pass it on). Both keep the input's dtype.

    Shapes:
        x: any (m, …)  →  y: the same

    Placed after each layer of a float32 model, it makes the activations and the
    gradients bfloat16 values while the products inside each layer still add in float32:
    what mixed-precision hardware does. Chapter 24.
    """

    positionwise = True

    def __init__(self, fmt="bfloat16"):
        super().__init__()
        self.fmt = _format("RoundTo", fmt)
        self._dtype = None

    def forward(self, x):
        x = np.asarray(x)
        self._dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        return round_to(x, self.fmt).astype(self._dtype, copy=False)

    def backward(self, dy, need_dx: bool = True):
        if self._dtype is None:
            self._before_forward()
        if not need_dx:
            return None
        return round_to(np.asarray(dy), self.fmt).astype(self._dtype, copy=False)

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {"fmt": self.fmt}

    def __repr__(self):
        return f"RoundTo({self.fmt!r})"


def mixed_precision_step(model, xb, yb, *, fmt="bfloat16", master="float32"):
    """One training step in mixed precision: the master weights stay in ``master``; the
    forward and backward run with the weights rounded to ``fmt``; the gradients are rounded
    to ``fmt`` and the optimizer updates the master weights with them (then rounded to
    ``master``: with ``master="bfloat16"`` an update smaller than half a weight's spacing
    is lost). Frozen parameters (a frozen layer, a LoRA's base) are only rounded for the
    forward and backward, then put back exactly: the step leaves them as they were.
    Returns ``{"loss": …}`` as ``train_step``.

    ``model``: a compiled ``Sequential`` (float32 for the usual setting; put ``RoundTo``
    layers in it to round the activations as well). Shapes: ``xb``, ``yb`` as
    ``train_step`` takes them. Chapter 24.
    """
    owner = "mixed_precision_step"
    fmt, master = _format(owner, fmt), _format(owner, master)
    if getattr(model, "optimizer", None) is None:
        raise ValueError(f"{owner}: the model has no optimizer; compile it first: "
                         f"model.compile(optimizer=..., loss=...).")
    params = list(model.params.values())
    kept = [p.copy() for p in params]                      # the master weights
    for p in params:
        p[...] = round_to(p, fmt)
    try:
        value, _ = model.compute_gradients(xb, yb)
    finally:
        for p, k in zip(params, kept):
            p[...] = k
    if not np.isfinite(value):
        return {"loss": value}
    pairs = model.gradient_pairs()                        # the trained ones: frozen stay
    for _, g in pairs:
        g[...] = round_to(g, fmt)
    model.optimizer.step(pairs)
    if master != "float64":
        for p, _ in pairs:                                 # only what the step updated
            p[...] = round_to(p, master)
    return {"loss": value}


def accumulated_gradients(model, x, y, n_micro, *, weighting="kept"):
    """The gradient of the batch ``(x, y)`` from ``n_micro`` equal micro-batches, added up.

    Each micro-batch's loss is a mean over its own kept targets (those not equal to the
    loss's ``ignore_index``). ``weighting="kept"`` weights micro-batch i by n_i / N, its
    share of all N kept targets, which gives the big batch's gradient exactly;
    ``weighting="mean"`` divides each by ``n_micro`` (the common mistake), which is right
    only when every micro-batch keeps as many targets.

    Returns a dict of gradients with the keys of ``model.grads`` (the layers' own grads
    are left as the last micro-batch made them). Shapes: ``x``, ``y`` as
    ``compute_gradients`` takes them. Chapter 24.
    """
    owner = "accumulated_gradients"
    n_micro = positive_int(owner, "n_micro", n_micro)
    if weighting not in ("kept", "mean"):
        raise ValueError(f"{owner}: expected weighting 'kept' or 'mean', got "
                         f"{weighting!r}.")
    x, y = np.asarray(x), np.asarray(y)
    m = len(x)
    if m % n_micro:
        ok = [d for d in range(1, m + 1) if m % d == 0]
        raise ValueError(f"{owner}: n_micro={n_micro} does not divide the {m} samples; use "
                         f"one of {ok}.")
    ignore = getattr(model.loss, "ignore_index", None)
    size = m // n_micro
    parts = [slice(i * size, (i + 1) * size) for i in range(n_micro)]
    kept = [int(np.sum(y[s] != ignore)) if ignore is not None and y.dtype.kind in "iu"
            else (y[s].size if y.dtype.kind in "iu" else size) for s in parts]
    total = {}
    for s, n in zip(parts, kept):
        model.compute_gradients(x[s], y[s])
        w = n / sum(kept) if weighting == "kept" else 1 / n_micro
        for k, g in model.grads.items():
            total[k] = total.get(k, 0) + w * g
    return total
