"""Tied output layer (chapter 20): ``Unembedding`` turns vectors back into one score per
token with the transpose of an ``Embedding``'s matrix, so the model's input and output
share one (V, d) table (GPT-2's and many small models' "tied embeddings").
"""

from __future__ import annotations

import numpy as np

from ..registry import register_class
from .base import Layer
from .embedding import Embedding

__all__ = ["Unembedding"]


@register_class
class Unembedding(Layer):
    """Logits from the embedding's own matrix: ``y = x @ Wᵀ`` with ``W = embedding.params["W"]``.

    Shapes:
        x: (m, T, d)  →  y: (m, T, V)   (any (m, …, d) → (m, …, V))
        params: none of its own; it reads ``embedding.params["W"]``, (V, d), at every forward

    Backward: ``∂E/∂x = ∂E/∂y W`` and ``∂E/∂W = ∂E/∂yᵀ x`` (summed over every position),
    which is added to the embedding's own gradient in ``embedding.grads["W"]``: W is used
    twice, so its gradient is the sum of both uses (whichever backward runs first). A new
    pass drops the last one's parts: the embedding's forward drops them all, and this
    layer's forward in training drops its own (an inference forward, one per generated
    token, leaves them alone). The
    model lists W once (under the embedding), so an optimizer updates it once per step,
    ``count_params`` counts it once, and ``save``/``load_model`` keep the tie (the file
    names the embedding by its layer index).

    Args:
        embedding: the model's ``Embedding`` (an earlier layer of the same model).

    Starting scale: the same W reads tokens in and scores them out. An embedding built
    with ``std=None`` (the default) and not yet trained is scaled to std 0.02 (GPT-2's)
    when this layer ties it, so that after a norm the logits have std about 0.02·√d and a
    fresh model's loss starts near ln V (N(0, 1) rows would give logits of std √d: a
    V = 400, d = 64 model started at 47–63 nats where ln V = 6.0). Pass
    ``Embedding(..., std=s)`` to choose the scale yourself.

    ``to_torch`` gives the bridge's ``Unembedding`` module, which holds the PyTorch
    embedding's own ``weight`` Parameter (tied there too). Chapter 20.
    """

    positionwise = True    # each position alone: a model of such layers can cache (base.py)

    def __init__(self, embedding):
        super().__init__()
        if not isinstance(embedding, Embedding):
            what = (f"the class {embedding.__name__}" if isinstance(embedding, type)
                    else repr(embedding))
            raise ValueError(f"Unembedding: expected the model's Embedding layer, got {what}. "
                             f"Build it from that layer: emb = nb.Embedding(V, d); then "
                             f"nb.Unembedding(emb) as the model's last layer.")
        self.embedding = embedding
        embedding.tie(self)
        self._x = None

    @property
    def vocab_size(self):
        return self.embedding.vocab_size

    @property
    def dim(self):
        return self.embedding.dim

    def forward(self, x):
        x = np.asarray(x)
        W = self.embedding.params["W"]                          # (V, d), the live matrix
        V, d = W.shape
        if x.ndim < 2 or x.shape[-1] != d:
            raise ValueError(f"{self!r}: expected input of shape (m, T, {d}) (the "
                             f"embedding's dim), got {tuple(x.shape)}. Check the previous "
                             f"layer's output size.")
        X = x.reshape(-1, d)                                    # (M, d)
        if X.dtype != W.dtype:
            X = X.astype(W.dtype)
        if self.training:                                       # a new training pass: the
            self.embedding.set_tied_grad(self, None)            # last one's part is stale
        self._x = (X, x.shape)
        return (X @ W.T).reshape(x.shape[:-1] + (V,))

    def backward(self, dy, need_dx: bool = True):
        if self._x is None:
            self._before_forward()
        X, shape = self._x
        emb = self.embedding
        W = emb.params["W"]
        out = shape[:-1] + (self.vocab_size,)
        dy = np.asarray(dy, dtype=W.dtype)
        if dy.shape != out:
            self._bad_dy(dy, out)
        dY = dy.reshape(-1, self.vocab_size)                    # (M, V)
        emb.set_tied_grad(self, dY.T @ X)                       # (V, d): this use's ∂E/∂W
        if not need_dx:
            return None
        return (dY @ W).reshape(shape)                          # (m, T, d)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if not shape or shape[-1] not in (self.dim, None):
            raise ValueError(f"{self!r}: expected samples of shape (…, {self.dim}), got "
                             f"{shape}. The layer before it must give the embedding's dim.")
        return shape[:-1] + (self.vocab_size,)

    def get_config(self):
        return {"embedding": self.embedding}      # saved as the embedding's layer index

    def __repr__(self):
        return f"Unembedding({self.dim} → {self.vocab_size}, tied)"
