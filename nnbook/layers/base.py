"""The layer contract: ``Layer``, the base class of every layer (chapter 03 builds it from
the notes' base-layer design, file 000, ②–④): ``forward`` keeps what ``backward`` needs,
and ``backward`` turns ∂E/∂y into parameter gradients and returns ∂E/∂x. ``Dense`` and
``Flatten``, the first layers built on it, are in dense.py.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from ..kernels.aligned import empty_aligned

__all__ = ["Layer", "takes_need_dx", "trained_keys", "with_work_arrays", "KEEP_FROM"]

KEEP_FROM = 1 << 16      # bytes: a fast call's result this large gets an array of its own


class Layer:
    """Base class of every layer.

    A layer maps a batch ``x`` (one sample per row) to ``y = forward(x)``.
    ``backward(dy)`` takes ∂E/∂y (the shape of ``y``), fills ``grads`` (the
    same keys and shapes as ``params``) and returns ∂E/∂x (the shape of ``x``).
    ``params`` holds the live parameter arrays (float32 or float64 NumPy arrays);
    optimizers update them in place. ``backward`` may write ``grads`` in place or
    assign new arrays: ``fit`` reads them afresh after every backward. ``forward``
    must not write into ``x`` (``fit``, ``predict`` and ``evaluate`` pass the data
    read-only) and returns one row per sample; ``Sequential`` names a layer that
    returns the wrong thing from either method.

    Optional, for speed or for Part II layers:
        - ``backward(dy, need_dx=False)``: a layer whose backward accepts
          ``need_dx`` may skip ∂E/∂x (``fit`` asks this of the first layer); the class
          attribute ``accepts_need_dx`` says so, read from the signature per class.
        - ``fast_path(input_shape, dtype)``: the layer's forward and backward without
          their per-call checks, for a training step that repeats a checked one (below).
        - ``buffers``: non-trainable arrays saved with the model but never
          touched by an optimizer (e.g. BatchNorm's running statistics).
        - ``training``: True in ``train_step``, False in ``predict``, ``evaluate`` and
          validation (``Sequential.forward(x, training=...)`` sets it; Dropout and
          BatchNorm read it in forward).
        - ``rng``: a layer that draws random numbers in training keeps its generator
          here; when it is ``None``, ``fit(rng=...)`` lends it one for the run.
        - ``integer_input = True``: the layer takes integer ids (an Embedding); as a
          model's first layer it gets them unchanged instead of cast to floats.
        - ``positionwise = True``: each position of a sequence is computed from that
          position alone (Dense, the norms, activations, embeddings); ``nb.generate`` runs
          a KV cache (chapter 21) only in a model whose every layer is positionwise or has
          ``start_cache``/``clear_cache`` (attention, blocks, PositionalEmbedding).
        - ``output_shape(input_shape)``: the shape of one output sample. Without it,
          ``Sequential`` measures the layer (in ``add`` and before ``fit``, ``evaluate``)
          by running ``forward`` on one zero sample, with ``self.measuring`` True; every
          attribute the call sets is put back afterwards. Define ``output_shape`` and
          that forward never happens.
        - ``get_config()``: the constructor arguments ``load_model`` rebuilds the
          layer with (plain numbers, strings, lists). A layer may also create its
          ``params`` in its first ``forward``; ``load_model`` then fills them from the file.

    The forwards ``Sequential`` runs: one per batch in ``fit`` (``training`` True),
    ``predict``, ``evaluate`` and validation (``training`` False), the measuring one
    above, and, in a ``fit`` without validation data, one on the last batch's first 8
    samples after the last step (``training`` False), which checks that the final weights
    give a finite loss. A shape error found before training runs forward on one sample to name the
    layer, and a loss that is not finite one on its batch (``first_non_finite``). No other:
    ``fit`` reads shapes from ``output_shape``.

    ``trainable`` (default True): False freezes the layer (chapter 22): the optimizer
    skips its parameters, while ``backward`` still returns ∂E/∂x to earlier layers. Buffers
    are not parameters: a frozen BatchNorm still updates its running statistics in
    training mode (as PyTorch's ``requires_grad=False``; Keras switches it to inference).
    ``frozen_params`` names parameters that are always frozen (``LoRA``'s ``W``, ``b``).
    """

    buffers: Mapping[str, np.ndarray] = MappingProxyType({})   # read-only; __init__ gives a dict
    training: bool = False
    measuring: bool = False            # True only in the forward that measures output_shape
    integer_input: bool = False        # True: takes integer ids, which a model passes unchanged
    positionwise: bool = False         # True: each position from itself alone (KV cache, ch. 21)
    accepts_need_dx: bool = True       # backward(dy, need_dx=...); set for each subclass
    trainable: bool = True             # False: the optimizer leaves params unchanged
    frozen_params: tuple = ()          # names of params never trained, even when trainable

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.accepts_need_dx = _has_need_dx(cls.backward)

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers = {}

    def forward(self, x):
        keras = (" nnbook calls it forward, not call (Keras' name): rename call to forward."
                 if callable(getattr(self, "call", None)) else "")
        raise NotImplementedError(f"{type(self).__name__}: define forward(x).{keras}")

    def backward(self, dy, need_dx: bool = True):
        raise NotImplementedError(f"{type(self).__name__}: define backward(dy).")

    def __call__(self, x):
        return self.forward(x)

    def fast_path(self, input_shape: tuple, dtype) -> tuple | None:
        """``(forward, backward)`` that make this layer's NumPy calls without its per-call
        checks, or None (the default). A training step that repeats an earlier checked one
        (same batch shapes, same layers: ``training/step_plan.py``) has ``Sequential``'s
        walk call them instead of ``forward``/``backward``, for a batch of ``input_shape``
        (the whole batch's) and ``dtype`` whose ∂E/∂y came from a loss or a layer it
        checked, so the checks could not fail; the backward is called ``(dy, need_dx=…)``.
        A layer whose forward or backward the instance replaced is walked with its own
        methods (the plan sees to that), and so is one whose subclass rewrote them
        (``fast_path`` returns None then: Dense's and Activation's compare their class's
        methods with their own), and every layer after ``compile(..., run_eagerly=True)``.
        The backward writes the gradients into the arrays already in ``grads`` (in place:
        the step hands the optimizer the arrays it found). The pair is made for one batch
        shape, so it may keep arrays of its own to write its results into, step after step
        (``with_work_arrays``: Dense's and the built-in activations' do, from 64 kB up)."""
        return None

    def output_shape(self, input_shape: tuple) -> tuple:
        """Shape of one output sample for one input sample of ``input_shape``."""
        return tuple(input_shape)

    def get_config(self) -> dict:
        """Constructor arguments that rebuild this layer (used by ``save``)."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # Messages shared by every layer -------------------------------------
    def _before_forward(self):
        raise ValueError(
            f"{self!r}: backward() was called before forward(). backward uses what "
            f"forward kept, so run forward(x) on the same batch first."
        )

    def _bad_dy(self, dy, expected):
        raise ValueError(
            f"{self!r}: expected dy of shape {tuple(expected)} (the shape of the last "
            f"forward output), got {tuple(np.shape(dy))}. Pass ∂E/∂y for the batch that "
            f"was just run forward."
        )


def _has_need_dx(backward) -> bool:
    """Whether a ``backward`` function accepts ``need_dx`` (by name or ``**kwargs``)."""
    try:
        params = inspect.signature(backward).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "need_dx" or p.kind == p.VAR_KEYWORD for p in params)


def takes_need_dx(layer) -> bool:
    """Whether ``layer.backward`` accepts ``need_dx`` (its class's ``accepts_need_dx``)."""
    return type(layer).accepts_need_dx


def trained_keys(layer) -> list[str]:
    """The names of ``layer.params`` an optimizer updates: none when ``layer.trainable``
    is False, else all but ``layer.frozen_params``."""
    if not getattr(layer, "trainable", True):
        return []
    frozen = getattr(layer, "frozen_params", ())
    return [k for k in layer.params if k not in frozen]


def with_work_arrays(pair, shapes, dtype) -> tuple:
    """A fast pair whose calls that take ``out=`` write their results (of ``shapes``: the
    output's, then ∂E/∂x's) into arrays of their own, made here on a 64-byte boundary
    (``kernels.aligned``), when those are at least ``KEEP_FROM`` bytes: a training step's
    planned calls then use the same arrays step after step instead of asking the
    allocator for new ones (why: benchmarks/README.md). The same operations give the
    same numbers; each array belongs to one call."""
    bound = []
    for call, shape in zip(pair, shapes):
        if (math.prod(shape) * np.dtype(dtype).itemsize >= KEEP_FROM
                and "out" in inspect.signature(call).parameters):
            call = functools.partial(call, out=empty_aligned(shape, dtype))
        bound.append(call)
    return tuple(bound)
