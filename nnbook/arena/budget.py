"""The arena's budget (chapter 37): the multiplications of a model's forward pass counted from
its layers' weights, and ``CountedModel``, a ``Sequential`` that adds every forward and
backward it runs to a meter and refuses the step that would overspend."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from ..layers import (Activation, Dense, Dropout, Embedding, LayerNorm, PositionalEmbedding,
                      RMSNorm, TransformerBlock, Unembedding)
from ..training import Sequential

__all__ = ["forward_multiplications", "layer_multiplications", "CountedModel", "Meter",
           "BudgetExceeded", "BACKWARD_FACTOR"]

#: a product Y = X W costs as many multiplications again for ∂E/∂X = ∂E/∂Y Wᵀ and for
#: ∂E/∂W = Xᵀ ∂E/∂Y: a training step (forward and backward) costs 3 forwards
BACKWARD_FACTOR = 2
_FREE = (LayerNorm, RMSNorm, Dropout, Activation)


class BudgetExceeded(ValueError):
    """A recipe asked for more multiplications than its budget."""

    def __init__(self, message: str):
        super().__init__(message)


def _rows(shape):
    return math.prod(shape[:-1])


def layer_multiplications(layer, input_shape) -> tuple[int, tuple]:
    """``(multiplications, output shape)`` of one forward of ``layer`` on ``input_shape``.

    Counted: every matrix product (a multiply-add is one multiplication): Dense,
    ``Unembedding`` and the blocks' projections cost rows × the weight's size; softmax
    attention costs 2·m·h·T²·d_head more (the scores QKᵀ and the weighted values, every
    pair as NumPy computes them before the causal mask). Not counted: elementwise work
    (norms, activations, softmax, RoPE), O(m·T·d), and lookups (embeddings)."""
    shape = tuple(input_shape)
    if isinstance(layer, (Embedding, PositionalEmbedding)):
        out = shape + (layer.params["W"].shape[1],) if isinstance(layer, Embedding) else shape
        return 0, out
    if isinstance(layer, _FREE):
        return 0, shape
    if isinstance(layer, Unembedding):
        V, d = layer.embedding.params["W"].shape
        return _rows(shape) * d * V, shape[:-1] + (V,)
    if isinstance(layer, Dense):
        n_in, n_out = layer.params["W"].shape
        return _rows(shape) * n_in * n_out, shape[:-1] + (n_out,)
    if isinstance(layer, TransformerBlock):
        return _block(layer, shape), shape
    raise ValueError(f"arena budget: got a layer {type(layer).__name__} whose multiplications "
                     f"the arena does not count; expected Embedding, PositionalEmbedding, "
                     f"TransformerBlock (softmax attention, ReLU or SwiGLU), a norm, an "
                     f"activation, Dropout, Dense or Unembedding. Build the model from those "
                     f"(a layer of your own would be trained uncounted).")


def _block(block, shape):
    """Chapter 20's block: every 2-D weight once per row, plus the attention's two T × T
    products per head."""
    if block.mixer != "softmax" or block.ffn_kind not in ("relu", "swiglu"):
        raise ValueError(f"arena budget: got a TransformerBlock with mixer={block.mixer!r}, "
                         f"ffn={block.ffn_kind!r}; expected mixer='softmax' and ffn 'relu' or "
                         f"'swiglu' (the kinds whose products the arena counts). Use those.")
    m, T, d = shape
    weights = sum(w.size for w in block.params.values() if w.ndim == 2)
    d_head = d // block.n_heads
    return m * T * weights + 2 * m * block.n_heads * T * T * d_head


def forward_multiplications(layers, input_shape) -> int:
    """Multiplications of one forward pass of ``layers`` (a list or a ``Sequential``) on a
    batch of ``input_shape`` (m, T) token ids; a training step costs
    ``(1 + BACKWARD_FACTOR)`` times as many."""
    layers = getattr(layers, "layers", layers)
    total, shape = 0, tuple(input_shape)
    for layer in layers:
        n, shape = layer_multiplications(layer, shape)
        total += n
    return total


class Meter:
    """The multiplications spent against a budget; ``spend`` refuses (and remembers) the call
    that would pass it."""

    def __init__(self, budget: int):
        self._budget, self._spent, self._overspent = int(budget), 0, False

    budget = property(lambda self: self._budget, doc="the multiplications allowed (read-only)")
    spent = property(lambda self: self._spent, doc="the multiplications spent (read-only)")
    overspent = property(lambda self: self._overspent, doc="True once a call was refused")

    @property
    def left(self) -> int:
        return self.budget - self.spent

    def spend(self, n: int, what: str) -> None:
        if self._overspent or self._spent + n > self._budget:
            self._overspent = True
            raise BudgetExceeded(
                f"arena: the recipe overspent its budget: {what} needs {n:,} multiplications "
                f"with {self.spent:,} of {self.budget:,} spent ({self.left:,} left). "
                f"Train for fewer steps or a smaller model (arena.step_cost tells a step's).")
        self._spent += n


def fingerprint(layers) -> str:
    """A digest of every parameter's bytes, in order."""
    h = hashlib.blake2b(digest_size=16)
    for layer in layers:
        for k, w in layer.params.items():
            h.update(k.encode())
            h.update(np.ascontiguousarray(w).tobytes())
    return h.hexdigest()


class CountedModel(Sequential):
    """A ``Sequential`` whose every ``forward`` spends its multiplications on ``meter`` and
    every ``backward`` ``BACKWARD_FACTOR`` times the forward it follows. Its weights may change
    only in ``train_step`` (``fit`` calls it): ``check_untouched`` fails when they changed
    elsewhere (weights copied in, or the layers trained in another, uncounted model)."""

    def __init__(self, layers, meter: Meter, input_shape):
        super().__init__(layers)
        forward_multiplications(self.layers, (1,) + tuple(input_shape[1:]))   # refuse the
        self._meter = meter                                # layers it cannot count, now
        self._last_forward, self._print = 0, fingerprint(self.layers)

    def forward(self, x, training=None, outputs=None, calls=None):
        n = forward_multiplications(self.layers, np.shape(x))
        self._meter.spend(n, f"a forward on a batch of shape {np.shape(x)}")
        self._last_forward = n
        return super().forward(x, training, outputs, calls)

    __call__ = forward

    def backward(self, dy, need_dx=True, fused=False, calls=None):
        self._meter.spend(BACKWARD_FACTOR * self._last_forward, "a backward")
        return super().backward(dy, need_dx, fused, calls)

    def train_step(self, xb, yb):
        self.check_untouched()
        logs = super().train_step(xb, yb)
        self._print = fingerprint(self.layers)
        return logs

    meter = property(lambda self: self._meter, doc="the ``Meter`` it spends on (read-only)")

    def check_untouched(self) -> None:
        """Raise ``ValueError`` when the weights changed outside ``train_step``."""
        if fingerprint(self.layers) != self._print:
            raise ValueError("arena: the model's weights changed outside its counted "
                             "train_step (copied in, or trained in another model); expected "
                             "every change to come from model.fit or model.train_step. Train "
                             "the model arena.model made, through fit.")
