"""Masked (absorbing-state) diffusion of text (chapter 28): the masks of its training batches
and their weights T/k, the weighted cross-entropy over the masked positions, a bidirectional
transformer that reads an extra mask id, its training step, and its loss at one masking rate.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..layers.activations import log_softmax, softmax
from ..layers.attention.transformer import TransformerBlock
from ..layers.dense import Dense
from ..layers.embedding import Embedding, PositionalEmbedding
from ..layers.normalization.rmsnorm import RMSNorm
from ..registry import register_class
from ..training.inputs import prepare_xy
from ..training.loss_base import Loss
from ..training.model import Sequential
from ..validate import float_dtype, make_rng, positive_int
from .unmasking import _denoiser_rows

__all__ = ["mask_batch", "masked_targets", "MaskedDiffusionLoss", "masked_diffusion_model",
           "masked_diffusion_step", "model_conditionals", "masked_nll", "loss_at_rate"]


def _ids(owner, ids, below=None):
    """ids as an (m, T) int64 array with T ≥ 1 and every id in [0, below)."""
    a = np.asarray(ids)
    if a.ndim != 2 or a.shape[1] == 0 or a.dtype.kind not in "iu":
        raise ValueError(f"{owner}: expected ids as integers of shape (m, T) with T ≥ 1, got "
                         f"shape {a.shape} and dtype {a.dtype}. Pass windows of token ids, e.g. "
                         f"nb.data.char_windows(corpus.ids, T)[0] (one window: ids[None]).")
    if a.size and (a.min() < 0 or (below is not None and a.max() >= below)):
        bad = int(a.min() if a.min() < 0 else a.max())
        raise ValueError(f"{owner}: id {bad} is outside [0, {below}), the {below} token ids "
                         f"below the mask id. Pass the text's ids, not already masked ones.")
    return a.astype(np.int64, copy=False)


def _mask_id(owner, mask_id):
    if isinstance(mask_id, bool) or not isinstance(mask_id, numbers.Integral) or mask_id < 1:
        raise ValueError(f"{owner}: expected mask_id as an integer ≥ 1 (the vocabulary size V: "
                         f"the model reads V + 1 ids), got {mask_id!r}. Pass "
                         f"mask_id=len(language.vocab).")
    return int(mask_id)


def _draw_masks(owner, m, T, k, rng):
    """(mask (m, T), k (m,)): k masked positions per row, k drawn from 1…T (k=None) or
    given, the set of k chosen uniformly (the k smallest of T uniform numbers)."""
    if k is None:
        ks = rng.integers(1, T + 1, size=m)
    else:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= T:
            raise ValueError(f"{owner}: expected k, the masked positions per window, as an "
                             f"integer from 1 to T = {T}, got {k!r}. Pass k=None to draw it "
                             f"uniformly from 1…T.")
        ks = np.full(m, int(k))
    ranks = np.argsort(np.argsort(rng.random((m, T)), axis=1), axis=1)   # a random order
    return ranks < ks[:, None], ks


def mask_batch(ids, *, mask_id, rng=None, k=None):
    """Mask a batch of windows as masked diffusion trains on it: for each window, k drawn
    uniformly from 1…T, then k of its T positions drawn uniformly, which are replaced by
    ``mask_id``; each masked position gets the weight T/k.

    Why T/k (``nb.data.masked_diffusion_bound`` derives the first line, unmasking in a
    random order; M is a set of k masked positions)::

        −log p(x) = Σ_k 1/C(T, k) · Σ_{M: |M| = k} (1/k) · Σ_{i∈M} −log p(x_i | x outside M)
                  = E_k E_M [(T/k) · Σ_{i∈M} −log p(x_i | x outside M)]

    with k drawn with probability 1/T and M with probability 1/C(T, k): the weight T/k,
    so one draw per window is an unbiased estimate of the bound, and of −log p(x) itself
    with the exact conditionals (``masked_nll``). Per character, divided by T: 1/k.

    Shapes:
        ids: (m, T) integer ids in [0, mask_id)
        returns: masked ids (m, T) int64 (``mask_id`` where masked), mask (m, T) bool,
            weights (m, T) float64 (T/k where masked, 0 elsewhere)

    Args:
        mask_id: the mask token's id, the vocabulary size V (ids 0…V − 1 are characters).
        rng: the ``np.random.Generator`` that draws k and the positions.
        k: None (draw k per window), or a number from 1 to T masked in every window (the
            loss at one masking rate, ``loss_at_rate``).

    Chapter 28.
    """
    owner = "mask_batch"
    mask_id = _mask_id(owner, mask_id)
    a = _ids(owner, ids, mask_id)
    rng = make_rng(rng, owner)
    m, T = a.shape
    mask, ks = _draw_masks(owner, m, T, k, rng)
    weights = np.where(mask, T / ks[:, None], 0.0)
    return np.where(mask, mask_id, a), mask, weights


def masked_targets(ids, weights, vocab_size):
    """The targets ``MaskedDiffusionLoss`` reads: row (i, t) is ``weights[i, t]`` times the
    one-hot row of ``ids[i, t]``, so unmasked positions (weight 0) are rows of zeros.

    Shapes: ids (m, T) integer ids in [0, vocab_size), weights (m, T) ≥ 0  →  (m, T, V)
    float64. Chapter 28.
    """
    owner = "masked_targets"
    V = positive_int(owner, "vocab_size", vocab_size)
    a = _ids(owner, ids, V)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != a.shape or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"{owner}: expected weights of the ids' shape {a.shape}, finite and "
                         f"≥ 0, got shape {w.shape}. Pass the weights of mask_batch.")
    out = np.zeros(a.shape + (V,))
    np.put_along_axis(out, a[..., None], w[..., None], axis=-1)
    return out


@register_class
class MaskedDiffusionLoss(Loss):
    """The masked-diffusion loss from logits,
    ``Σ_{i,t} w_it · −log softmax(z_it)[x_it] / (m·T)`` over a batch of m windows of T
    positions, where ``y_true`` holds ``w_it`` times the
    one-hot row of the true character ``x_it`` (``masked_targets``): w = T/k at the k
    masked positions of a window and 0 at the visible ones, which add nothing.

    The value is an unbiased estimate of the masked-diffusion bound on −log p(window)
    divided by T, nats per character (``mask_batch`` derives the weights), so it is
    comparable with an autoregressive model's cross-entropy per character.

    Gradient, per position with s = Σ_c y_c (its weight): ∂/∂z of −Σ_c y_c log softmax(z)_c
    is ``s · softmax(z) − y``, divided by m·T; a visible position (y = 0) gets 0.

    Shapes:
        y_true: (m, T, V) weighted one-hot rows (``masked_targets``)
        y_pred: (m, T, V) logits

    Chapter 28.
    """

    from_logits = True

    def check_targets(self, owner, yt):
        if yt.size == 0:
            return
        if yt.ndim < 2 or yt.min() < 0 or (np.count_nonzero(yt, axis=-1) > 1).any():
            got = ("negative entries" if yt.min() < 0 else
                   "a row with more than one nonzero entry")
            raise ValueError(f"{owner}: MaskedDiffusionLoss expects targets whose rows are a "
                             f"weight ≥ 0 times a one-hot row (0 at visible positions); got "
                             f"{got}. Build them with nb.generative.masked_targets(ids, "
                             f"weights, V).")

    def value(self, yt, yp):
        return -np.vdot(yt, log_softmax(yp)) / (yp.size // yp.shape[-1])

    def gradient(self, yt, yp):
        g = softmax(yp) * yt.sum(axis=-1, keepdims=True).astype(yp.dtype)   # s · softmax(z)
        g -= yt
        g /= yp.size // yp.shape[-1]
        return g


def masked_diffusion_model(vocab_size, T, *, d_model=32, n_heads=4, n_blocks=2, d_ff=None,
                           positions="rope", rng=None, dtype=np.float64):
    """A bidirectional transformer for masked diffusion: ``Embedding(V + 1, d_model)`` (the
    V characters and the mask id V), ``PositionalEmbedding(T, d_model)`` when
    ``positions="learned"``, ``n_blocks`` of chapter 20's modern block without the causal
    mask (``TransformerBlock.modern(..., causal=False)``: RMSNorm, SwiGLU, RoPE when
    ``positions="rope"``, grouped keys and values, no biases), a final ``RMSNorm`` and
    ``Dense(d_model, V)``: logits over the V characters only, never the mask.

    Shapes: input (m, T) ids in [0, V] → output (m, T, V) logits

    Args:
        vocab_size: V, the characters; the mask id is V.
        T: the window length (the positional table's; RoPE works for any length).
        d_model, n_heads, n_blocks, d_ff: the blocks' sizes (d_ff None: 8·d_model // 3).
        positions: "rope" (default, chapter 20's) or "learned".
        rng: the ``np.random.Generator`` that draws the weights;  dtype: float64 or float32.

    An uncompiled ``Sequential``: ``model.compile(nb.AdamW(lr=3e-3),
    nb.generative.MaskedDiffusionLoss())``, then ``masked_diffusion_step``. Chapter 28.
    """
    owner = "masked_diffusion_model"
    V = positive_int(owner, "vocab_size", vocab_size)
    T = positive_int(owner, "T", T)
    d = positive_int(owner, "d_model", d_model)
    n_blocks = positive_int(owner, "n_blocks", n_blocks)
    if positions not in ("rope", "learned"):
        raise ValueError(f"{owner}: expected positions='rope' or 'learned', got {positions!r}.")
    dtype = float_dtype(owner, dtype)
    rng = make_rng(rng, owner)
    layers = [Embedding(V + 1, d, rng=rng, dtype=dtype)]
    if positions == "learned":
        layers.append(PositionalEmbedding(T, d, rng=rng, dtype=dtype))
    layers += [TransformerBlock.modern(d, n_heads, d_ff, causal=False, rope=positions == "rope",
                                       rng=rng, dtype=dtype) for _ in range(n_blocks)]
    layers += [RMSNorm(d, dtype=dtype), Dense(d, V, rng=rng, dtype=dtype)]
    return Sequential(layers)


def _model_sizes(owner, model):
    """(mask_id, V) of a model made like ``masked_diffusion_model``'s: an Embedding of
    V + 1 ids first and V outputs."""
    first = (getattr(model, "layers", None) or [None])[0]
    if not isinstance(first, Embedding):
        raise ValueError(f"{owner}: expected a Sequential that starts with an Embedding of V + 1 "
                         f"ids (the characters and the mask), got {type(model).__name__}. Build "
                         f"it with nb.generative.masked_diffusion_model(V, T).")
    mask_id = first.vocab_size - 1
    out = model.output_shapes((1,))[-1][-1]
    if out != mask_id:
        raise ValueError(f"{owner}: the model reads {first.vocab_size} ids but outputs {out} "
                         f"logits; expected {mask_id}, one per character (the mask id "
                         f"{mask_id} is never a target). End it with Dense(d, {mask_id}).")
    return mask_id, out


def masked_diffusion_step(model, ids, *, rng=None):
    """One training step of masked diffusion on a batch of windows: ``mask_batch`` (the
    mask id is the model's last input id), ``masked_targets``, then ``model.train_step``
    (forward, the loss, every layer's backward, one optimizer step). Returns the loss, an
    estimate of the bound in nats per character.

    Shapes: ids (m, T) integer ids in [0, V). The model is compiled with
    ``MaskedDiffusionLoss()``. Chapter 28.
    """
    owner = "masked_diffusion_step"
    mask_id, V = _model_sizes(owner, model)
    if not isinstance(getattr(model, "loss", None), MaskedDiffusionLoss):
        raise ValueError(f"{owner}: expected a model compiled with MaskedDiffusionLoss(), got "
                         f"loss {getattr(model, 'loss', None)!r}. Call model.compile(nb.AdamW("
                         f"lr=3e-3), nb.generative.MaskedDiffusionLoss()).")
    a = _ids(owner, ids, V)
    x, mask, weights = mask_batch(a, mask_id=mask_id, rng=make_rng(rng, owner))
    x, y = prepare_xy(model, x, masked_targets(a, weights, V), "train_step")
    return model.train_step(x, y)["loss"]


def model_conditionals(model):
    """The model as a denoiser, ``conditionals(ids, mask)``: the masked positions replaced
    by the mask id, the model's softmax at each masked position, in the order of
    ``ids[mask]`` (as ``nb.data.masked_conditionals``, so the two are interchangeable).

    Shapes: conditionals(ids (m, T) or (T,), mask of the ids' shape) → (n_masked, V)
    float64, rows summing to 1. Chapter 28.
    """
    owner = "model_conditionals"
    mask_id, V = _model_sizes(owner, model)

    def conditionals(ids, mask):
        a, mk = np.asarray(ids), np.asarray(mask)
        if mk.dtype != bool or mk.shape != a.shape:
            raise ValueError(f"{owner}: expected a boolean mask of the ids' shape {a.shape}, "
                             f"got {mk.shape} ({mk.dtype}). Pass mask=(array == 1).")
        shape = (1, -1) if a.ndim == 1 else a.shape
        mk = mk.reshape(shape)
        a = _ids(owner, np.where(mk, 0, a.reshape(shape)), V)   # masked: any id, the mask's
        logits = model.predict(np.where(mk, mask_id, a))[mk]            # (n_masked, V)
        return softmax(np.asarray(logits, dtype=np.float64))
    return conditionals


def masked_nll(conditionals, ids, mask, weights):
    """Σ_{t masked} weights[i, t] · −log q(x_it | the visible ids) per window, q from the
    denoiser ``conditionals(ids, mask)`` (``nb.data.masked_conditionals`` of a language,
    or ``model_conditionals``). With the weights of ``mask_batch`` this is one draw of the
    masked-diffusion estimate of −log p(window) (nats); with weights 1/k, the mean loss per
    masked character.

    Shapes: ids (m, T) integer ids, mask (m, T) bool, weights (m, T)  →  (m,) float64.
    Chapter 28.
    """
    owner = "masked_nll"
    a = _ids(owner, ids)
    mk, w = np.asarray(mask), np.asarray(weights, dtype=np.float64)
    if mk.dtype != bool or mk.shape != a.shape or w.shape != a.shape:
        raise ValueError(f"{owner}: expected a boolean mask and weights of the ids' shape "
                         f"{a.shape}, got {mk.shape} ({mk.dtype}) and {w.shape}. Pass the "
                         f"mask and weights of mask_batch.")
    q = np.asarray(conditionals(a, mk))
    n = int(mk.sum())
    if q.ndim != 2 or q.shape[0] != n or a[mk].max(initial=0) >= q.shape[1]:
        raise ValueError(f"{owner}: conditionals(ids, mask) returned shape {q.shape}; expected "
                         f"({n}, V), one row per masked position in the order of ids[mask], "
                         f"with a column for every id.")
    q = _denoiser_rows(owner, conditionals, q, mk)
    with np.errstate(divide="ignore"):
        nll = -np.log(q[np.arange(n), a[mk]])                            # (n_masked,)
    return np.bincount(np.nonzero(mk)[0], w[mk] * nll, minlength=len(a))


def loss_at_rate(conditionals, ids, k, *, rng=None):
    """The mean −log q(x_t | visible) per masked character of each window when k of its T
    characters are masked (masking rate k/T), the k drawn uniformly: ``mask_batch``'s
    masks at a fixed k, scored by ``masked_nll`` with weights 1/k. The same ``rng`` seed
    draws the same masks, so the model's loss minus the oracle's is a paired difference.

    Shapes: ids (m, T) integer ids; returns (m,) float64 (nats per masked character: its
    mean is the loss at that rate, its spread over windows gives the standard error).

    Args:
        conditionals: the denoiser, ``nb.data.masked_conditionals`` of a language (as
            ``lambda ids, mask: ...``) or ``model_conditionals(model)``.
        k: masked characters per window, 1…T.
        rng: the ``np.random.Generator`` that draws the masks.

    Chapter 28.
    """
    owner = "loss_at_rate"
    a = _ids(owner, ids)
    m, T = a.shape
    mask, ks = _draw_masks(owner, m, T, k, make_rng(rng, owner))
    return masked_nll(conditionals, a, mask, np.where(mask, 1.0 / ks[:, None], 0.0))
