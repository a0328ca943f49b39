"""What a planned training step calls (chapter 10's ``train_step``): after a checked step
on a batch of new shapes, ``StepPlan.after`` chooses, once, which callable
``Sequential.forward`` and ``Sequential.backward`` call for each layer on the next steps
with batches of the same shapes, through the same layers, loss and optimizer (a layer's
declared fast pair, or its own method), and which arrays those calls write into (``out=``).
The walk itself is model.py's, the same loop for checked and planned steps. When the loss
is not finite, ``first_non_finite`` walks again to name the layer that first produced a
NaN or inf.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from .loss_base import joint_value_gradient

__all__ = ["StepPlan", "checked_steps", "first_non_finite"]

KEEP_FROM = 1 << 16      # bytes: a fast call's result this large is kept for the next step


class StepPlan:
    """What one checked ``train_step`` chose for the steps after it on batches of the same
    shapes: the callable the walk calls for each layer (``forward``, first layer first: the
    layer's fast call, or None for its own ``forward``; ``backward``, last layer first, the
    steps ``checked_steps`` makes for a checked walk, with the fast calls), the loss's
    calls, and the (parameter, gradient) pairs for the optimizer.

    ``holds`` says whether a step may use it (a few identity and shape comparisons);
    ``Sequential.compute_gradients(..., plan=plan)`` walks with it; ``pairs`` gives the
    pairs, or None when a layer replaced a gradient array (then the model reads them
    afresh). Build it with ``StepPlan.after(model, xb, yb, out, walked)``, or None when the
    step cannot be planned (inputs cast, targets converted).

    A planned step skips each layer's output and ∂E/∂x shape checks and the targets' form,
    which the checked step made. A layer that offers ``fast_path`` (Dense, the activations)
    is called without its own per-call checks too, where its input comes from the batch or
    from another such layer and its ∂E/∂y from the loss or from another such layer: then
    the checks it skips were made by the checked step and could not fail. The arrays those
    fast calls return (a layer's output, its ∂E/∂x) are made again every step, of the same
    shapes; from ``KEEP_FROM`` bytes up the plan keeps the ones the first planned step made
    (``made``, filled by the walk) and passes each back as ``out=`` to the call that made it
    (why: benchmarks/README.md). The same operations make the same numbers; each kept
    array belongs to one call, and no call writes into an array it reads."""

    __slots__ = ("layers", "optimizer", "loss", "dtypes", "out_key", "seen", "fused", "joint",
                 "forward", "backward", "own", "trained", "rebound", "pair_tuple", "keeping",
                 "made")

    @classmethod
    def after(cls, model, xb, yb, out, walked):
        """The plan of the step that just ran checked on ``xb``, ``yb`` (output ``out``;
        ``walked``: each layer's input shape and the walk's dtype, which the model keeps
        for ``backward``, and whether the loss's gradient fused with the last layer), or
        None when a planned step would skip a conversion that step made."""
        if not (type(xb) is np.ndarray and type(yb) is np.ndarray and type(out) is np.ndarray
                and yb.shape == out.shape and yb.dtype == out.dtype):
            return None                                  # the targets are converted each step
        layers, (shapes, dtype, fused) = model.layers, walked
        if not layers or not (xb.dtype == dtype or layers[0].integer_input):
            return None                                  # the input is cast each step
        plan = cls()
        plan.layers = list(layers)                       # a copy: == compares identity first
        plan.optimizer, plan.loss = model.optimizer, model.loss
        plan.dtypes = (xb.dtype, yb.dtype)               # the shapes: the model's key
        plan.out_key = (out.shape, out.dtype)
        plan.seen, plan.fused = (shapes, dtype), fused
        plan.joint = None if plan.fused else joint_value_gradient(model.loss)
        plan.forward, plan.own, plan.trained, pairs, fed = [], [], [], [], True
        for layer, shape in zip(layers, shapes):         # fed by the batch or a fast layer,
            own = vars(layer)                            # its methods not replaced on the
            pair = (layer.fast_path(shape, dtype)        # instance: its fast pair
                    if fed and "forward" not in own and "backward" not in own else None)
            fed = pair is not None
            pairs.append(pair)
            plan.forward.append(pair and pair[0])
            if pair:
                plan.own.append(own)                     # holds: still not replaced
            if layer.params:                             # its trained arrays: below
                plan.trained.append((layer, layer.trainable, []))
        plan.backward, calls, fed, fast_back = [], [], True, set()    # as backward walks:
        for i in range(len(layers) - 1 - bool(plan.fused), -1, -1):  # last layer first
            fed = fed and pairs[i] is not None       # fed by the loss or a fast layer:
            call = pairs[i][1] if fed else None      # its fast call (None: its own backward)
            plan.backward.append((layers[i], i > 0, call, None))    # no ∂E/∂x shape to check
            calls.append(call)
            if fed:
                fast_back.add(id(layers[i]))
        plan.keeping = any(plan.forward) or any(calls)   # keep() binds those that take out=
        plan.made = None                                 # the first planned step's arrays
        plan.pair_tuple = tuple(model.gradient_pairs())
        owners = {}
        for layer in layers:                             # which layer and key hold each pair
            for k, p in layer.params.items():
                owners.setdefault(id(p), (layer, k))
        slots = {}
        for layer, _, arrays in plan.trained:
            slots[id(layer)] = arrays
        plan.rebound = []                                # those of an own backward, which
        for p, g in plan.pair_tuple:                     # may assign new grads arrays
            layer, k = owners[id(p)]
            slots[id(layer)].append((k, p, g))
            if id(layer) not in fast_back:
                plan.rebound.append((layer, k, p, g))
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
        for own in self.own:                             # a fast layer's method replaced since
            if "forward" in own or "backward" in own:
                return False
        try:
            for layer, trainable, slots in self.trained:
                if layer.trainable != trainable:         # frozen or unfrozen since
                    return False
                params, grads = layer.params, layer.grads
                for k, p, g in slots:                    # a weight or gradient replaced since
                    if params[k] is not p or grads[k] is not g:
                        return False                     # (another dtype, say): the checked
        except KeyError:                                 # or taken out
            return False
        for layer in self.layers:                        # step casts, as it then must: the
            for p in layer.params.values():              # model's dtype, its first weight's
                return p.dtype == self.seen[1]           # (Sequential.dtype, read inline)
        return model.dtype == self.seen[1]

    def keep(self, xb):
        """After the first planned step: bind each fast call that takes ``out`` to the array
        it returned (``made``, which the walk filled: the forward's outputs, then the
        backward's ∂E/∂x, last layer first), where that array is its own (no view),
        writeable, C-ordered, at least ``KEEP_FROM`` bytes, and no other call's or the
        batch's."""
        made, self.made, self.keeping = self.made, None, False
        n, taken = len(self.forward), {id(xb)}

        def bound(fast, y):
            if not (fast and _takes_out(fast) and _keepable(y)) or id(y) in taken:
                return fast
            taken.add(id(y))
            return functools.partial(fast, out=y)

        for i, y in enumerate(made[:n]):
            self.forward[i] = bound(self.forward[i], y)
        for i, d in enumerate(made[n:]):                 # last layer first
            layer, need, call, shape = self.backward[i]
            self.backward[i] = (layer, need, bound(call, d), shape)

    def pairs(self):
        """The planned (parameter, gradient) pairs, the same tuple every step (so the
        optimizer keeps its buffers looked up), or None when a layer has replaced a
        parameter or gradient array since the plan was made (a backward may assign new
        gradient arrays; the contract allows it). Only the layers walked with their own
        ``backward`` are looked at: a fast backward writes into the layer's ``grads`` arrays
        in place (``Layer.fast_path``), which ``holds`` found in place before the step."""
        for layer, k, p, g in self.rebound:             # a fast backward writes in place
            if layer.params.get(k) is not p or layer.grads.get(k) is not g:
                return None
        return self.pair_tuple


def checked_steps(layers, seen, dy, need_dx, fused):
    """What a checked ``Sequential.backward`` walks, last layer first: for each layer below
    the loss ``(layer, need_dx, None, shape)``: its own ``backward`` (None: no fast call),
    asked for ∂E/∂x or not, and the shape that ∂E/∂x must have (its forward's input,
    ``seen``; None where nothing comes out or ``dy`` is not of the batch walked forward,
    so the layers check it). A plan's steps have the same form."""
    same = len(seen) == len(layers) and seen and seen[0][:1] == dy.shape[:1]
    steps = []
    for i in range(len(layers) - 1 - bool(fused), -1, -1):
        need = need_dx or i > 0
        gives = need and not (i == 0 and layers[0].integer_input)   # integer ids: none
        steps.append((layers[i], need, None, seen[i] if same and gives else None))
    return steps


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
