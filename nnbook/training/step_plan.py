"""What a planned training step calls (chapter 10's ``train_step``): after a checked step
on a batch of new shapes, ``StepPlan.after`` chooses, once, the callable that
``Sequential.forward`` and ``Sequential.backward`` call for each layer on the next steps
with batches of the same shapes, through the same layers, loss and optimizer: a layer's
declared fast pair (``Layer.fast_path``), or its own method. The walk is model.py's.
"""

from __future__ import annotations

import math

import numpy as np

from ..layers.attention.block_arrays import PartArrays
from .loss_base import joint_value_gradient
from .protocol import checked_loss_grad

__all__ = ["StepPlan"]


class StepPlan:
    """What one checked ``train_step`` chose for the steps after it on batches of the same
    shapes: one callable per layer for ``Sequential.forward`` (``forward``) and one for
    ``Sequential.backward`` (``backward``; None for a last layer whose backward the loss
    fuses), the loss's calls, and the (parameter, gradient) pairs for the optimizer.

    ``holds`` says whether a step may use it (a few identity and shape comparisons);
    ``compute_gradients`` is the model's, with the planned calls; ``pairs`` gives the
    pairs, or None when a layer replaced a gradient array (then the model reads them
    afresh). Build it with ``StepPlan.after(model, xb, yb, out, seen, dtype)``, or None
    when the step cannot be planned (inputs cast, targets converted).

    A planned step skips each layer's output and ∂E/∂x shape checks and the targets' form,
    which the checked step made. A layer that offers ``fast_path`` (Dense, the activations)
    is called without its own per-call checks too, where its input comes from the batch or
    from another such layer and its ∂E/∂y from the loss or from another such layer: then
    the checks it skips were made by the checked step and could not fail. Any other layer
    is called with its own ``forward`` and ``backward``."""

    __slots__ = ("layers", "methods", "optimizer", "loss", "dtypes", "dtype", "out_key",
                 "fused", "joint", "forward", "backward", "trained", "rebound", "pair_tuple")

    @classmethod
    def after(cls, model, xb, yb, out, seen, dtype):
        """The plan of the step that just ran checked on ``xb``, ``yb`` (output ``out``;
        ``seen``: each layer's input shape, ``dtype``: the walk's, as the model keeps them
        for ``backward``), or None when a planned step would skip a conversion that step
        made."""
        if not (type(xb) is np.ndarray and type(yb) is np.ndarray and type(out) is np.ndarray
                and yb.shape == out.shape and yb.dtype == out.dtype):
            return None                                  # the targets are converted each step
        layers = model.layers
        if not layers or not (xb.dtype == dtype or layers[0].integer_input):
            return None                                  # the input is cast each step
        plan = cls()
        plan.layers = list(layers)                       # a copy: == compares identity first
        plan.optimizer, plan.loss = model.optimizer, model.loss
        plan.dtypes, plan.dtype = (xb.dtype, yb.dtype), dtype   # the shapes: the model's key
        plan.out_key = (out.shape, out.dtype)
        plan.fused = model.loss.fuses(layers[-1])
        plan.joint = None if plan.fused else joint_value_gradient(model.loss)
        plan.methods, plan.forward, pairs, fed = [], [], [], True
        for layer, shape in zip(layers, seen):           # fed by the batch or a fast layer,
            own = vars(layer)                            # its methods not replaced on the
            forward, backward = own.get("forward"), own.get("backward")  # instance: its
            plan.methods.append((own, forward, backward))                 # fast pair
            pair = (layer.fast_path(shape, dtype)
                    if fed and forward is None and backward is None else None)
            fed = pair is not None
            pairs.append(pair)
            plan.forward.append(pair[0] if pair else layer.forward)
        plan.backward, fed, fast_back = [None] * len(layers), True, set()
        for i in range(len(layers) - 1 - bool(plan.fused), -1, -1):   # as backward walks:
            layer = layers[i]                            # fed by the loss or a fast layer:
            fed = fed and pairs[i] is not None           # its fast call, else its own
            plan.backward[i] = pairs[i][1] if fed else _own_backward(layer)
            if fed:
                fast_back.add(id(layer))
        plan.pair_tuple = tuple(model.gradient_pairs())
        owners, plan.trained, slots = {}, [], {}
        for layer in layers:                             # which layer and key hold each pair
            for k, p in layer.params.items():
                owners.setdefault(id(p), (layer, k))
            if layer.params:                             # its trained arrays: below
                slots[id(layer)] = []
                plan.trained.append((layer, layer.trainable, slots[id(layer)]))
        rebound = {}                                     # those of an own backward, which
        for p, g in plan.pair_tuple:                     # may assign new grads arrays
            layer, k = owners[id(p)]
            slots[id(layer)].append((k, p, g))
            if id(layer) not in fast_back:
                rebound.setdefault(id(layer), (layer, []))[1].append((k, p, g))
        plan.rebound = list(rebound.values())            # [(layer, [(k, p, g), …]), …]
        return plan

    def holds(self, model, xb, yb) -> bool:
        """Whether this step's batch (of the planned shapes: the model finds the plan by
        them), layers, loss, optimizer, frozen layers, weight and gradient arrays and the
        model's dtype are the planned ones, and no layer's method was replaced on the
        instance since: comparisons, identity first. A weight converted to another dtype
        since (a new array) runs the checked step, which casts the batch to the model's
        dtype; the plan would skip that cast."""
        if ((xb.dtype, yb.dtype) != self.dtypes or model.optimizer is not self.optimizer
                or model.loss is not self.loss
                or model.layers != self.layers):         # a list: the same layer objects
            return False
        for own, forward, backward in self.methods:      # a method replaced since
            if own.get("forward") is not forward or own.get("backward") is not backward:
                return False
        try:
            for layer, trainable, slots in self.trained:
                if layer.trainable != trainable:         # frozen or unfrozen since
                    return False
                params, grads = layer.params, layer.grads
                if isinstance(params, PartArrays):       # a block's: read once (_read_once)
                    params, grads = _read_once(params), _read_once(grads)
                for k, p, g in slots:                    # a weight or gradient replaced since
                    if params[k] is not p or grads[k] is not g:
                        return False                     # (another dtype, say): the checked
        except KeyError:                                 # or taken out
            return False
        for layer in self.layers:                        # step casts, as it then must: the
            for p in layer.params.values():              # model's dtype, its first weight's
                return p.dtype == self.dtype             # (Sequential.dtype, read inline)
        return model.dtype == self.dtype

    def compute_gradients(self, model, xb, yb):
        """``model.compute_gradients`` on a batch of the planned shapes, with the planned
        calls: ``(loss value, output)``, the value None when the output is not of the
        planned shape and dtype (``train_step`` then walks again, checked). The targets
        are the checked step's form; the loss's value and gradient are one call where the
        loss shares their passes (``joint``)."""
        loss = self.loss
        out = model.forward(xb, True, None, self.forward)
        if not (type(out) is np.ndarray and (out.shape, out.dtype) == self.out_key):
            return None, out
        if self.joint:
            value, d = self.joint(yb, out)
            value = float(value)
        else:
            value, d = float(loss.value(yb, out)), None
        if not math.isfinite(value):
            return value, out
        if d is None:
            d = loss.fused_gradient(yb, out) if self.fused else loss.gradient(yb, out)
        if not (type(d) is np.ndarray and d.shape == out.shape):
            d = checked_loss_grad(loss, d, out.shape)    # an array of the output's shape
        model.backward(d, False, self.fused, self.backward)
        return value, out

    def pairs(self):
        """The planned (parameter, gradient) pairs, the same tuple every step (so the
        optimizer keeps its buffers looked up), or None when a layer has replaced a
        parameter or gradient array since the plan was made (a backward may assign new
        gradient arrays; the contract allows it). Only the layers walked with their own
        ``backward`` are looked at: a fast backward writes into the layer's ``grads`` arrays
        in place (``Layer.fast_path``), which ``holds`` found in place before the step."""
        try:
            for layer, slots in self.rebound:           # a fast backward writes in place
                params, grads = layer.params, layer.grads
                if isinstance(params, PartArrays):
                    params, grads = _read_once(params), _read_once(grads)
                for k, p, g in slots:
                    if params.get(k) is not p or grads.get(k) is not g:
                        return None
        except KeyError:                                 # a part's array taken out
            return None
        return self.pair_tuple


def _read_once(arrays):
    """A block's ``params`` or ``grads`` (a ``PartArrays``, which works out its names from
    its parts on every lookup, about 4 µs) as a dict of its arrays, read in one pass: only
    for speed, as ``holds`` and ``pairs`` look up every trained array on every step. Any
    other mapping is given back as it is."""
    return dict(arrays.pairs()) if isinstance(arrays, PartArrays) else arrays


def _own_backward(layer):
    """``layer.backward`` as the walk calls a planned one, ``call(dy, need_dx=…)``."""
    if layer.accepts_need_dx:
        return layer.backward
    backward = layer.backward
    return lambda dy, need_dx: backward(dy)
