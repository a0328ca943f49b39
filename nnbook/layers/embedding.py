"""Embeddings (chapter 17): ``Embedding`` turns token ids into learned vectors (one-hot times a
matrix, done as a row lookup), and ``PositionalEmbedding`` adds a learned vector per position,
since attention alone has no notion of order.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..registry import register_class
from ..spellings import refuse_spellings
from ..validate import float_dtype, make_rng, positive_int
from .base import Layer
from .attention.kv_cache import Caching, PositionCache

__all__ = ["Embedding", "PositionalEmbedding", "scatter_add_rows"]


def scatter_add_rows(ids, rows, out):
    """``out[k] = Σ rows[j]`` over the j with ``ids[j] == k``, 0 where no id is k (in place).

    The gradient of a row lookup: a repeated id gets the sum of its rows' gradients. Sorting
    the ids puts each id's rows side by side, and ``np.add.reduceat`` adds every run at once
    (2–3× faster than ``np.add.at``; the stable sort keeps the order of the sums fixed).

    Shapes: ids: (M,) ints in [0, len(out)), rows: (M, d), out: (V, d).
    """
    out[...] = 0
    if ids.size == 0:
        return out
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))    # each run's start
    out[ids[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


def _positive_std(std, owner="Embedding"):
    if isinstance(std, bool) or not isinstance(std, (int, float, np.floating, np.integer)) \
            or not np.isfinite(std) or std <= 0:
        raise ValueError(f"{owner}: std must be a positive number (the starting standard "
                         f"deviation of W), got {std!r}. Pass e.g. std=0.02, or None for "
                         f"the default.")
    return float(std)


def _fingerprint(W):
    """Who W is and a cheap summary of its values: an edit or a training step changes it."""
    return (id(W), W.shape, float(np.sum(W * W)), W.ravel()[:16].tobytes())


@register_class
class Embedding(Layer):
    """A learned vector per token: ``y[i, t] = W[ids[i, t]]``, i.e. ``one_hot(ids) @ W``.

    Shapes:
        ids: (m, T) integers in [0, vocab_size)  →  y: (m, T, dim)
        (any shape of ids works: (m,) → (m, dim), (m, …) → (m, …, dim))
        params["W"]: (vocab_size, dim), one row per token

    Backward: ``∂E/∂W[k]`` is the sum of ∂E/∂y over the positions that hold token k (a
    scatter-add; a token that appears twice gets both gradients). Token ids are not
    numbers one could nudge, so there is no ∂E/∂ids: ``backward`` returns ``None``, and
    the layer declares ``integer_input = True``, so a model that starts with it gets the
    ids unchanged (not cast to floats). It must be a model's first layer.
    An ``Unembedding`` built on it (chapter 20) shares W: its part of ∂E/∂W is added to
    ``grads["W"]``, whichever of the two backwards runs first.

    Args:
        vocab_size: the number of tokens V (ids are 0 … V − 1).
        dim: the length of each token's vector.
        std: ``W`` starts N(0, std²). ``None`` (default): std 1, as PyTorch's
            ``nn.Embedding``, until an ``Unembedding`` ties this matrix (chapter 20): a W
            still as drawn (never trained or replaced) is then scaled to std
            ``TIED_STD = 0.02`` (GPT-2's), because as the output layer N(0, 1) rows give
            logits of std about √dim after a norm, and the model would start tens of nats
            above ln V. A number fixes the std for both uses (no rescaling).
        rng: the ``np.random.Generator`` that draws ``W`` (``None``: a fresh one).
        dtype: float64 (default) or float32.

    Chapter 17.
    """

    positionwise = True    # each position alone: a model of such layers can cache (base.py)

    integer_input = True

    TIED_STD = 0.02    # a tied W's starting std (std=None): GPT-2's, logits start near ln V

    def __init__(self, vocab_size=None, dim=None, *, std=None, rng=None, dtype=np.float64,
                 **keras):
        super().__init__()
        refuse_spellings("Embedding", keras, unknown=True)       # Keras' names: nnbook's
        self.vocab_size = positive_int("Embedding", "vocab_size", vocab_size)
        self.dim = positive_int("Embedding", "dim", dim)
        dtype = float_dtype(repr(self), dtype)
        self.std = None if std is None else _positive_std(std)
        rng = make_rng(rng, repr(self))
        W = rng.standard_normal((self.vocab_size, self.dim)) * (std or 1.0)
        self.params = {"W": W.astype(dtype)}
        self.grads = {"W": np.zeros_like(self.params["W"])}
        self._drawn = _fingerprint(self.params["W"]) if std is None else None
        self._ids = None
        self._tied = weakref.WeakKeyDictionary()   # Unembedding → its part of ∂E/∂W, or None
        self._own = None         # this layer's own part, while tied

    def forward(self, x):
        if self._tied:           # a new pass: the parts of the last one are stale
            self._own = None
            for out in self._tied:
                self._tied[out] = None
        ids = np.asarray(x)
        if ids.dtype.kind not in "iu" or ids.ndim < 1:
            self._bad_ids(ids)
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            self._out_of_range(ids)
        self._ids = ids                                         # (m, T), kept for backward
        return np.take(self.params["W"], ids, axis=0)           # (m, T, dim)

    def backward(self, dy, need_dx: bool = True):
        ids = self._ids
        if ids is None:
            self._before_forward()
        self._drawn = None                                      # trained: never rescaled
        W = self.params["W"]
        dy = np.asarray(dy, dtype=W.dtype)
        if dy.shape != ids.shape + (self.dim,):
            self._bad_dy(dy, ids.shape + (self.dim,))
        if not self._tied:
            scatter_add_rows(ids.reshape(-1), dy.reshape(-1, self.dim), self.grads["W"])  # (V, dim)
            return None                                         # no gradient for integer ids
        self._own = scatter_add_rows(ids.reshape(-1), dy.reshape(-1, self.dim),
                                     np.empty_like(self.grads["W"]))
        self._sum_tied()
        return None

    def tie(self, layer) -> None:
        """Share W with ``layer`` (an ``Unembedding``, chapter 20), which then hands its
        part of ∂E/∂W to ``set_tied_grad``. Held weakly: a layer that is gone adds nothing.

        With ``std=None``, a W that is still its first draw is scaled in place to std
        ``TIED_STD`` (once): a tied model then starts near ln V."""
        W = self.params["W"]
        if self._drawn is not None and self._drawn == _fingerprint(W):
            W *= self.TIED_STD                                  # in place: references stay
        self._drawn = None
        self._tied[layer] = None

    def set_tied_grad(self, layer, part=None) -> None:
        """``layer``'s part of ∂E/∂W, (vocab_size, dim), or None when it is stale (``layer``
        ran a new forward); ``grads["W"]`` becomes the sum of the parts (``_sum_tied``)."""
        self._tied[layer] = part
        if part is not None:
            self._sum_tied()

    def _sum_tied(self):
        """``grads["W"]`` = this layer's part + every tied ``Unembedding``'s part (chapter
        20): W is used twice, so its gradient is the sum of both uses, whichever backward
        runs first. The parts are dropped by this layer's next forward (and an
        Unembedding's own by its next forward)."""
        g = self.grads["W"]
        g[...] = 0 if self._own is None else self._own
        for part in self._tied.values():
            if part is not None:
                g += part

    def output_shape(self, input_shape):
        return tuple(input_shape) + (self.dim,)

    def get_config(self):     # std only sets the first draw: a file holds the weights
        return {"vocab_size": self.vocab_size, "dim": self.dim}

    def __repr__(self):
        return f"Embedding({self.vocab_size} → {self.dim})"

    def _bad_ids(self, ids):
        if ids.ndim < 1:
            raise ValueError(f"{self!r}: expected token ids of shape (m, T), got the scalar "
                             f"{ids.item()!r}. Pass a batch: np.array([[id, …], …]).")
        kind = ("floats" if ids.dtype.kind == "f" else f"values of dtype {ids.dtype}")
        raise ValueError(
            f"{self!r}: expected integer token ids of shape (m, T), got {kind} of shape "
            f"{ids.shape}. Ids index rows of W: pass them as integers (ids.astype(int)). An "
            f"Embedding is the first layer of a model; the layers before it would give floats.")

    def _out_of_range(self, ids):
        bad = ids[(ids < 0) | (ids >= self.vocab_size)]
        where = tuple(int(i) for i in np.argwhere((ids < 0) | (ids >= self.vocab_size))[0])
        fix = (f"make the layer Embedding({int(ids.max()) + 1}, {self.dim}) or larger"
               if bad[0] >= 0 else "ids start at 0")
        raise ValueError(
            f"{self!r}: token id {int(bad[0])} at index {where} is outside [0, {self.vocab_size}) "
            f"(vocab_size={self.vocab_size}). Check the vocabulary: {fix}.")


@register_class
class PositionalEmbedding(Caching, Layer):
    """A learned vector per position, added to the sequence: ``y[i, t] = x[i, t] + W[t]``.

    Shapes:
        x: (m, T, dim), T ≤ max_len  →  y: (m, T, dim)
        params["W"]: (max_len, dim), row t for position t

    Attention treats its input as a set (permuting the positions permutes the outputs);
    adding W[t] tells the model where each token is. Backward: ``∂E/∂W[t] = Σ_i ∂E/∂y[i, t]``
    for t < T (0 for the rows this batch did not use) and ``∂E/∂x = ∂E/∂y``.

    Args:
        max_len: the longest sequence the table covers.
        dim: the vector length (the Embedding's ``dim``).
        std: ``W`` starts N(0, std²); ``None`` (default): std 1, the scale of an untied
            ``Embedding``'s vectors. Beside a tied one (std 0.02, chapter 20) pass
            ``std=0.02``: rows of std 1 would drown the tokens' vectors at the start.
        rng: the ``np.random.Generator`` that draws ``W`` (``None``: a fresh one).
        dtype: float64 (default) or float32.

    Chapter 17. With a cache
    (chapter 21: ``start_cache()``, as attention's) each forward continues the texts: the
    positions are offset by ``cache.length``, the number already read.
    """

    cache_class = PositionCache

    def __init__(self, max_len=None, dim=None, *, std=None, rng=None, dtype=np.float64,
                 **keras):
        super().__init__()
        refuse_spellings("PositionalEmbedding", keras, unknown=True)
        self.max_len = positive_int("PositionalEmbedding", "max_len", max_len)
        self.dim = positive_int("PositionalEmbedding", "dim", dim)
        self.std = None if std is None else _positive_std(std, "PositionalEmbedding")
        dtype = float_dtype(repr(self), dtype)
        rng = make_rng(rng, repr(self))
        W = rng.standard_normal((self.max_len, self.dim)) * (std or 1.0)
        self.params = {"W": W.astype(dtype)}
        self.grads = {"W": np.zeros_like(self.params["W"])}
        self._shape = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != self.dim:
            self._bad_input(x)
        T = x.shape[1]
        if self.cache is not None:                              # positions L … L + T − 1
            return self._continue(x)
        if T > self.max_len:
            raise ValueError(
                f"{self!r}: got sequences of length T = {T} (input {x.shape}), but the table "
                f"has max_len = {self.max_len} positions. Make PositionalEmbedding({T}, "
                f"{self.dim}) or longer, or cut the sequences to {self.max_len} steps.")
        W = self.params["W"]
        self._shape = x.shape
        return np.add(x, W[:T], dtype=W.dtype)                  # (m, T, dim)

    def _continue(self, x):
        L, T = self.cache.length, x.shape[1]
        if L + T > self.max_len:
            raise ValueError(
                f"{self!r}: the cache has read {L} positions and got {T} more, past the "
                f"table's max_len = {self.max_len} positions. Generate at most "
                f"{self.max_len} positions in all (a shorter prompt or fewer new tokens), or "
                f"train a model with a larger max_len.")
        self.cache.advance(self, T)
        self._shape = None
        W = self.params["W"]
        pad = self.cache.pad
        if pad is not None:                          # each row from its first token (ch. 23)
            if pad.shape[0] != x.shape[0]:
                raise ValueError(f"{self!r}: the cache was started for {pad.shape[0]} padded "
                                 f"rows, got a batch of {x.shape[0]}. start_cache(pad=…) "
                                 f"with one pad per row.")
            pos = np.maximum(np.arange(L, L + T) - pad[:, None], 0)      # (m, T)
            return np.add(x, W[pos], dtype=W.dtype)
        return np.add(x, W[L:L + T], dtype=W.dtype)

    def backward(self, dy, need_dx: bool = True):
        self._refuse_backward()
        if self._shape is None:
            self._before_forward()
        dW = self.grads["W"]
        dy = np.asarray(dy, dtype=dW.dtype)
        if dy.shape != self._shape:
            self._bad_dy(dy, self._shape)
        T = dy.shape[1]
        np.sum(dy, axis=0, out=dW[:T])                          # (T, dim): summed over the batch
        dW[T:] = 0
        return dy if need_dx else None                          # (m, T, dim)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 2 or shape[1] not in (self.dim, None) or (shape[0] or 0) > self.max_len:
            raise ValueError(
                f"{self!r}: expected samples of shape (T, {self.dim}) with T ≤ {self.max_len}, "
                f"got {shape}. Put it after an Embedding(vocab_size, {self.dim}); sequences "
                f"longer than {self.max_len} need a larger max_len.")
        return shape

    def get_config(self):     # std only sets the first draw: a file holds the weights
        return {"max_len": self.max_len, "dim": self.dim}

    def __repr__(self):
        return f"PositionalEmbedding({self.max_len}, {self.dim})"

    def _bad_input(self, x):
        fix = f"Put it after Embedding(vocab_size, {self.dim})."
        if x.ndim == 2 and x.shape[1] == self.dim:             # ids of shape (T,): one vector each
            fix = (f"Got one vector per sample: were the ids 1-D, (T,)? Pass a batch of "
                   f"sequences, (m, T): ids[None] for one sequence.")
        raise ValueError(
            f"{self!r}: expected input of shape (m, T, {self.dim}) (the vectors of an "
            f"Embedding), got {tuple(x.shape)}. {fix}")
