"""The training step's fast path and its guilty-layer walk (chapter 10's ``train_step``):
a checked step on a batch of new shapes leaves a ``StepPlan``, and the next steps on
batches of the same shapes, through the same layers, loss and optimizer, run the plan,
which walks the layers without the checks that step made. When the loss is not finite,
``first_non_finite`` walks again to name the layer that first produced a NaN or inf.
"""

from __future__ import annotations

import functools
import inspect
import math

import numpy as np

from .loss_base import joint_value_gradient

__all__ = ["StepPlan", "first_non_finite"]

KEEP_FROM = 1 << 16      # bytes: a fast call's result this large is kept for the next step


class StepPlan:
    """What one checked ``train_step`` found, for the steps after it on batches of the
    same shapes: the layers, the backward walk's order, the (parameter, gradient) pairs.

    ``holds`` says whether a step may use it (a few identity and shape comparisons);
    ``run`` makes the step's forward, loss and backward; ``pairs`` gives the pairs for
    the optimizer, or None when a layer replaced a gradient array (then the model reads
    them afresh). Build it with ``StepPlan.after(model, xb, yb, out)``, or None when the
    step cannot be planned (inputs cast, targets converted).

    The plan skips each layer's output and ∂E/∂x shape checks and the targets' form, which
    the checked step made. A layer that offers ``fast_path`` (Dense, the activations) is
    called without its own per-call checks too, where its input comes from the batch or
    from another such layer and its ∂E/∂y from the loss or from another such layer: then
    the checks it skips were made by the checked step and could not fail. The arrays those
    fast calls return (a layer's output, its ∂E/∂x) are made again every step, of the same
    shapes; from ``KEEP_FROM`` bytes up the plan keeps the ones the first planned step made
    and passes each back as ``out=`` to the call that made it (why: benchmarks/README.md).
    The same operations make the same numbers; each kept array belongs to one call, and no
    call writes into an array it reads."""

    __slots__ = ("layers", "optimizer", "loss", "dtypes", "out_key", "seen", "fused",
                 "forward", "backward", "top_fast", "own", "trained", "slots", "pair_tuple",
                 "joint", "keeping")

    @classmethod
    def after(cls, model, xb, yb, out, seen):
        """The plan of the step that just ran checked on ``xb``, ``yb`` (output ``out``;
        ``seen``: each layer's input shape and the walk's dtype, which the model keeps for
        ``backward``), or None when the fast path would skip a conversion that step made."""
        if not (type(xb) is np.ndarray and type(yb) is np.ndarray and type(out) is np.ndarray
                and yb.shape == out.shape and yb.dtype == out.dtype):
            return None                                  # the targets are converted each step
        layers = model.layers
        if not layers or not (xb.dtype == model.dtype or layers[0].integer_input):
            return None                                  # the input is cast each step
        plan = cls()
        plan.layers = list(layers)                       # a copy: == compares identity first
        plan.optimizer, plan.loss = model.optimizer, model.loss
        plan.dtypes = (xb.dtype, yb.dtype)               # the shapes: the model's key
        plan.out_key = (out.shape, out.dtype)
        plan.seen = seen
        plan.fused = model.loss.fuses(layers[-1])
        plan.joint = None if plan.fused else joint_value_gradient(model.loss)
        shapes, dtype = seen
        fast = []                                        # (forward, backward) or None
        for layer, shape in zip(layers, shapes):         # only after the batch or a fast layer
            fast.append(layer.fast_path(shape, dtype) if all(fast) else None)
        plan.forward = tuple((layer, f and f[0]) for layer, f in zip(layers, fast))
        walk, top = [], len(layers) - 1 - bool(plan.fused)
        for i in range(top, -1, -1):                     # ∂E/∂y from the loss or a fast layer
            layer = layers[i]
            f = fast[i] if all(fast_backward for *_, fast_backward in walk) else None
            walk.append((layer, i > 0, layer.accepts_need_dx, f and f[1]))
            if i == 0 or layer.integer_input:            # no ∂E/∂x below: the walk stops
                break
        plan.backward = tuple(walk)
        plan.top_fast = bool(walk) and walk[0][3] is not None
        plan.keeping = any(_takes_out(f) for _, f in plan.forward) or any(
            _takes_out(f) for *_, f in plan.backward)        # the first planned step keeps
        plan.own = tuple(vars(layer) for layer, f in zip(layers, fast) if f)
        plan.trained = [(layer, layer.trainable) for layer in layers if layer.params]
        pairs = model.gradient_pairs()
        slots = []
        for p, g in pairs:                               # which layer and key hold each pair
            layer, k = next((lay, k) for lay in layers for k, q in lay.params.items() if q is p)
            slots.append((layer, k, p, g))
        plan.slots = tuple(slots)
        plan.pair_tuple = tuple(pairs)
        return plan

    def holds(self, model, xb, yb) -> bool:
        """Whether this step's batch (of the planned shapes: the model finds the plan by
        them), layers, loss, optimizer, frozen layers, weight and gradient arrays and the
        model's dtype are the planned ones: comparisons, identity first. A weight converted
        to another dtype since (a new array) runs the checked step, which casts the batch
        to the model's dtype; the plan would skip that cast."""
        if ((xb.dtype, yb.dtype) != self.dtypes or model.optimizer is not self.optimizer
                or model.loss is not self.loss
                or model.layers != self.layers):         # a list: the same layer objects
            return False
        for layer, trainable in self.trained:            # one frozen since: planned again
            if layer.trainable != trainable:
                return False
        for own in self.own:                             # a fast layer's method replaced since
            if "forward" in own or "backward" in own:
                return False
        for layer, k, p, g in self.slots:                # a weight or gradient replaced since
            if layer.params.get(k) is not p or layer.grads.get(k) is not g:
                return False                             # (another dtype, say): the checked
        return model.dtype == self.seen[1]               # step casts, as it then must


    def run(self, model, xb, yb):
        """Forward (training mode), loss, backward: ``(loss value, output)``; no gradients
        when the loss is not finite, as ``compute_gradients``."""
        x = xb
        made = [] if self.keeping else None             # the first planned step's arrays
        for layer, fast in self.forward:
            layer.training = True
            x = fast(x) if fast else layer.forward(x)
            if made is not None:
                made.append(x)
        if not (type(x) is np.ndarray and (x.shape, x.dtype) == self.out_key):
            return None, x                               # the caller walks again, checked
        loss = self.loss
        if self.joint:                                   # one call where the two share passes
            value, d = self.joint(yb, x)
            value = float(value)
        else:
            value = float(loss.value(yb, x))
        if not math.isfinite(value):
            return value, x
        if not self.joint:
            d = loss.fused_gradient(yb, x) if self.fused else loss.gradient(yb, x)
        if not (type(d) is np.ndarray and d.shape == x.shape):
            return None, x
        if self.top_fast and d.dtype != x.dtype:         # as the layer's own backward casts it
            d = d.astype(x.dtype)
        for layer, need, accepts, fast in self.backward:
            if fast:
                d = fast(d, need)
            else:
                d = layer.backward(d, need_dx=need) if accepts else layer.backward(d)
            if made is not None:
                made.append(d)
        if made is not None:
            self._keep(made, xb)
        return value, x

    def _keep(self, made, xb):
        """After the first planned step: bind each fast call that takes ``out`` to the array
        it returned (``made``, the forward's outputs then the backward's ∂E/∂x), where that
        array is its own (no view), writeable, C-ordered, at least ``KEEP_FROM`` bytes, and
        no other call's or the batch's."""
        self.keeping = False
        taken = {id(xb)}

        def bound(fast, y):
            if not (fast and _takes_out(fast) and _keepable(y)) or id(y) in taken:
                return fast
            taken.add(id(y))
            return functools.partial(fast, out=y)

        n = len(self.forward)
        self.forward = tuple((layer, bound(fast, y))
                             for (layer, fast), y in zip(self.forward, made[:n]))
        self.backward = tuple((layer, need, accepts, bound(fast, d))
                              for (layer, need, accepts, fast), d in zip(self.backward, made[n:]))

    def pairs(self):
        """The planned (parameter, gradient) pairs, the same tuple every step (so the
        optimizer keeps its buffers looked up), or None when a layer has replaced a
        parameter or gradient array since the plan was made (a backward may assign new
        gradient arrays; the contract allows it). A plain loop: for the six pairs of a
        three-layer MLP it costs a quarter of what a chain of ``map`` calls did."""
        for layer, k, p, g in self.slots:
            if layer.params.get(k) is not p or layer.grads.get(k) is not g:
                return None
        return self.pair_tuple


def _takes_out(fast) -> bool:
    """Whether a fast call accepts ``out=`` (Dense's and the built-in activations' do)."""
    if fast is None:
        return False
    try:
        return "out" in inspect.signature(fast).parameters
    except (TypeError, ValueError):
        return False


def _keepable(y) -> bool:
    return (type(y) is np.ndarray and y.base is None and y.nbytes >= KEEP_FROM
            and y.flags.c_contiguous and y.flags.writeable)


def first_non_finite(model, xb) -> str:
    """Which layer first produced a NaN or inf, said in words: the first layer whose
    weights are not finite (the update before made them so: their gradient was not
    finite), else the first whose output on ``xb`` is not (a forward in the layers'
    current mode, run only after a step's loss came out non-finite; the layers' buffers
    and random generators are put back as they were), else the loss."""
    for i, layer in enumerate(model.layers):
        bad = [k for k, p in layer.params.items() if not np.isfinite(p).all()]
        if bad:
            return (f"layer {i} ({layer!r}) holds non-finite weights ({', '.join(bad)}): the "
                    f"update before made them so, from a non-finite gradient")
    outputs, layers = [], model.layers
    kept = [(layer.buffers, k, b, b.copy()) for layer in layers
            for k, b in layer.buffers.items()]
    rngs = [(r, r.bit_generator.state) for r in (getattr(layer, "rng", None) for layer in layers)
            if isinstance(r, np.random.Generator)]
    with np.errstate(all="ignore"):
        try:
            model.forward(xb, outputs=outputs)
        except (ValueError, FloatingPointError):
            pass
        finally:                                         # the walk changes nothing
            for buffers, k, b, copy in kept:
                b[...] = copy
                buffers[k] = b
            for r, state in rngs:
                r.bit_generator.state = state
    for i, (layer, y) in enumerate(zip(model.layers, outputs)):
        y = np.asarray(y)
        if y.dtype.kind in "fc" and not np.isfinite(y).all():
            return f"layer {i} ({layer!r}) first produced a non-finite value in its output"
    return "every layer's output is finite: the loss itself overflowed"
