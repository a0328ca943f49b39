"""The arena's budget (chapter 37): the multiplications of a model's forward pass counted from
its layers' weights, and ``CountedModel``, a ``Sequential`` that adds every forward and
backward it runs to a meter and refuses the forward or backward that would overspend
(before it runs: a step's forward can be paid and its backward refused)."""

from __future__ import annotations

import hashlib
import math
import time
import weakref

import numpy as np

from ..layers import (Activation, Dense, Dropout, Embedding, LayerNorm, PositionalEmbedding,
                      RMSNorm, TransformerBlock, Unembedding)
from ..layers.attention.delta import DeltaNet
from ..layers.attention.linear import LinearAttention
from ..layers.attention.multihead import MultiHeadAttention
from ..layers.experts import MixtureOfExperts
from ..layers.swiglu import SwiGLU
from ..optimizers.muon import Muon
from ..training import Sequential
from .beside import check as check_beside
from .settings import buffers_print, check_causal, check_rate, check_settings, settings

__all__ = ["forward_multiplications", "layer_multiplications", "optimizer_multiplications",
           "CountedModel", "Meter", "BudgetExceeded", "BACKWARD_FACTOR"]

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
    pair as NumPy computes them before the causal mask); chapter 31's recurrent mixers
    (``LinearAttention``, ``DeltaNet``, their taught recurrence) cost per position and head
    d_head² for each product with the d_head × d_head state: 2 (write v kᵀ, read S q), the
    delta rule 3 (S k first); chapter 33's ``MixtureOfExperts`` costs per token the router
    (d·E) and the k experts it is sent to (3·d·d_ff each, a dropped one too), plus the
    shared expert: the E − k others are not run. Not counted: elementwise work (norms,
    activations, softmax, RoPE, β·u), O(m·T·d), and lookups (embeddings)."""
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
    if isinstance(layer, (MultiHeadAttention, LinearAttention)):
        return _mixer(layer, shape, "a layer"), shape
    if isinstance(layer, (SwiGLU, MixtureOfExperts)):
        return _rows(shape) * _per_token_ffn(layer), shape
    raise ValueError(f"arena budget: got a layer {type(layer).__name__} whose multiplications "
                     f"the arena does not count; expected Embedding, PositionalEmbedding, "
                     f"TransformerBlock (a softmax, linear or delta mixer; a ReLU, SwiGLU "
                     f"or MoE network), MultiHeadAttention, LinearAttention, DeltaNet, "
                     f"SwiGLU, MixtureOfExperts, a norm, an activation, Dropout, Dense or "
                     f"Unembedding. Build the model from those (a layer of your own would be "
                     f"trained uncounted).")


def _weights(part):
    """The entries of a part's 2-D weights: a row's multiplications through them."""
    return sum(w.size for w in part.params.values() if np.ndim(w) == 2)


def _mixer(attn, shape, where):
    """The attention place of a block (or the layer alone) on (m, T, d)."""
    m, T, _ = shape
    h = attn.n_heads
    if isinstance(attn, LinearAttention):
        if attn.form != "recurrent":
            raise ValueError(f"arena budget: got {where} with a {type(attn).__name__} of "
                             f"form={attn.form!r}; the arena counts the recurrence (its "
                             f"products differ in the other forms). Use form='recurrent' "
                             f"(TransformerBlock's).")
        per_state = 3 if isinstance(attn, DeltaNet) else 2     # S k, v kᵀ (β u kᵀ), S q
        return m * T * (_weights(attn) + per_state * h * attn.d_head ** 2)
    if isinstance(attn, MultiHeadAttention):
        return m * T * _weights(attn) + 2 * m * h * T * T * attn.d_head
    raise ValueError(f"arena budget: got {where} whose attention is a "
                     f"{type(attn).__name__}, which the arena does not count; expected "
                     f"softmax attention, LinearAttention or DeltaNet. Use one of those.")


def _per_token_ffn(ffn):
    """One token's multiplications through a SwiGLU or a mixture of experts."""
    if isinstance(ffn, SwiGLU):
        return _weights(ffn)
    one = 3 * ffn.d_model * ffn.d_ff                             # an expert: W_1, W_3, W_2
    return ffn.d_model * ffn.n_experts + ffn.k * one + (one if ffn.shared else 0)


def _block(block, shape):
    """A block: its mixer (``_mixer``) and its feed-forward network, per token."""
    m, T, d = shape
    if block.ffn_kind == "relu":
        ffn = _weights(block.ff1) + _weights(block.ff2)
    elif isinstance(getattr(block, "ffn", None), (SwiGLU, MixtureOfExperts)):
        ffn = _per_token_ffn(block.ffn)
    else:
        raise ValueError(f"arena budget: got a TransformerBlock whose ffn is a "
                         f"{type(block.ffn).__name__}; expected 'relu', 'swiglu' or 'moe' "
                         f"(the kinds whose products the arena counts). Use those.")
    return _mixer(block.attn, shape, "a TransformerBlock") + m * T * ffn


def optimizer_multiplications(optimizer, params) -> int:
    """Multiplications of one ``optimizer.step`` on ``params`` (the model's, in order).

    Counted: Muon's Newton–Schulz on each matrix it orthogonalises, n × k with n ≤ k (a
    tall one is transposed), per iteration A = XXᵀ (n²k), A² (n³, the quintic only) and
    B X (n²k): ``ns_steps`` · (2n²k + n³). It does not grow with the batch, so at small
    batches it is a large share of a step. Not counted: elementwise updates (SGD's, Adam's,
    AdamW's, Muon's momentum and its fallback's), O(parameters), as the layers' elementwise
    work is not."""
    if not isinstance(optimizer, Muon):
        return 0
    mats = [p for p in params if np.ndim(p) == 2]
    if optimizer.hidden_only:
        mats = mats[1:-1]
    quintic = optimizer.ns_coefficients[2] != 0
    total = 0
    for p in mats:
        n, k = sorted(np.shape(p))
        total += optimizer.ns_steps * (2 * n * n * k + (n ** 3 if quintic else 0))
    return total


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
        self._checking = 0.0      # CPU seconds the counted steps' checks took (not the recipe's)
        self.watcher = None       # the harness's guard (arena/guard.py), told of every spend

    budget = property(lambda self: self._budget, doc="the multiplications allowed (read-only)")
    spent = property(lambda self: self._spent, doc="the multiplications spent (read-only)")
    overspent = property(lambda self: self._overspent, doc="True once a call was refused")

    @property
    def left(self) -> int:
        return self.budget - self.spent

    checking = property(lambda self: self._checking,
                        doc="CPU seconds the arena's checks of counted steps took (read-only)")

    def checked(self, seconds: float) -> None:
        """Add ``seconds`` of CPU spent checking a counted step: the harness leaves them out
        of the recipe's CPU time (they are the arena's work, and at batches of 4 windows
        they cost about as much as the step itself)."""
        self._checking += seconds

    def spend(self, n: int, what: str) -> None:
        if self._overspent or self._spent + n > self._budget:
            self._overspent = True
            raise BudgetExceeded(
                f"arena: the recipe overspent its budget: {what} needs {n:,} multiplications "
                f"with {self.spent:,} of {self.budget:,} spent ({self.left:,} left). "
                f"Train for fewer steps or a smaller model (arena.step_cost tells a step's).")
        if self.watcher is not None:
            self.watcher(n)
        self._spent += n


def fingerprint(layers) -> str:
    """A digest of every parameter's bytes, in order."""
    h = hashlib.blake2b(digest_size=16)
    for layer in layers:
        for k, w in layer.params.items():
            h.update(k.encode())
            h.update(np.ascontiguousarray(w).tobytes())
    return h.hexdigest()


def optimizer_print(optimizer) -> str:
    """A digest of the buffers an optimizer (and Muon's fallback) keeps per parameter (moments,
    velocities, step counters, scratch), "" when it keeps none yet: a step reads them, so
    buffers written by hand between counted steps would let the step write any weights in."""
    h, kept = hashlib.blake2b(digest_size=16), False
    for part in (optimizer, getattr(optimizer, "fallback", None)):
        for st in list((getattr(part, "_state", None) or {}).values()):
            kept = True
            for k, v in st.items():
                if k == "p":
                    continue
                h.update(str(k).encode())
                h.update(np.ascontiguousarray(v).tobytes() if isinstance(v, np.ndarray)
                         else repr(v).encode())
    return h.hexdigest() if kept else ""


#: the windows (x and y rows, as int64 bytes) ``Arena.windows`` served, by its meter: a counted
#: step of a model on that meter trains on those only (relabelled targets are refused)
_SERVED = weakref.WeakKeyDictionary()


def serve(meter, x, y):
    """Record windows handed out for models on ``meter`` (``Arena.windows`` calls it)."""
    rows = np.ascontiguousarray(np.concatenate([x, y], axis=1), dtype=np.int64)
    _SERVED.setdefault(meter, set()).update(map(bytes, rows))


def _unserved(meter, x, y):
    """True when a row of (x, y) is not one ``serve`` recorded for ``meter`` (when any was)."""
    served = _SERVED.get(meter)
    if served is None:
        return False
    ids = y if y.shape == x.shape else y.argmax(axis=-1)
    rows = np.ascontiguousarray(np.concatenate([x, ids], axis=1), dtype=np.int64)
    return not all(map(served.__contains__, map(bytes, rows)))


#: each CountedModel's fingerprint after its last counted step, and its optimizer's, by id
#: (kept here, not on the model: a recipe that wrote weights in and set the model's own
#: record again would pass)
_PRINTS = {}


def _plain(batch, name):
    """``batch`` as a plain ``np.ndarray`` of numbers: an object of the recipe's (an
    ``__array__`` method, an ndarray subclass, an array of objects) would run its code
    inside the step, after its checks (a cold reading wrote weights trained elsewhere in so)."""
    batch = np.asarray(batch)
    if batch.dtype.kind not in "biuf":
        raise ValueError(f"arena: a counted train_step got {name} of dtype {batch.dtype}; "
                         f"expected numbers (token ids or floats), since an object's methods "
                         f"would run inside the step. Pass arena.windows' arrays.")
    return batch


def _ids(x, y):
    """True for targets that are ids: integers of ``x``'s shape, or the one-hot rows ``fit``
    makes of them (every entry 0 or 1, one 1 a row)."""
    if y.shape == x.shape:
        return y.dtype.kind in "iu"
    return y.shape[:-1] == x.shape and bool(((y == 0) | (y == 1)).all()) \
        and bool((y.sum(axis=-1) == 1).all())


class CountedModel(Sequential):
    """A ``Sequential`` whose every ``forward`` spends its multiplications on ``meter``,
    every ``backward`` ``BACKWARD_FACTOR`` times the forward it follows and every
    ``train_step`` its optimizer's (``optimizer_multiplications``: Muon's Newton–Schulz).
    Its weights may change only in ``train_step`` (``fit`` calls it): ``check_untouched``
    fails when they changed
    elsewhere (weights copied in, or the layers trained in another, uncounted model), when
    its optimizer's buffers changed outside it (a step reads them: written by hand, they
    would write any weights in), and for a copy of the model, which has no record. Code
    beside the step (a thread, a trace or profile hook, a signal handler, a gc callback) is
    refused before and after it (``beside.check``); a finalizer is not seen. The checks'
    CPU time goes to the meter (``Meter.checked``), not to the recipe's."""

    def __init__(self, layers, meter: Meter, input_shape):
        super().__init__(layers)
        forward_multiplications(self.layers, (1,) + tuple(input_shape[1:]))   # refuse the
        self._meter = meter                                # layers it cannot count, now
        self._last_forward = 0
        check_causal(made := settings(self.layers))  # (and every step: check_untouched)
        _PRINTS[id(self)] = (weakref.ref(self), fingerprint(self.layers), "", made,
                             buffers_print(self.layers), None, meter)

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
        from .library import check_step            # (library imports this module)
        start = time.process_time()
        xb, yb = _plain(xb, "x"), _plain(yb, "y")   # before the checks: its code runs here
        if not _ids(xb, yb):
            raise ValueError(f"arena: a counted train_step got targets y of dtype {yb.dtype} "
                             f"and shape {yb.shape} that are not ids; expected integer ids, "
                             f"one a position (shape {xb.shape}, as arena.windows gives them), "
                             f"or their one-hot rows (fit's), since probability rows would "
                             f"carry a teacher's work in uncounted (the grammar's own parser, "
                             f"a second model). Train on arena.windows' targets.")
        if _unserved(self._meter, xb, yb):
            raise ValueError("arena: a counted train_step got a window (x and its targets y) "
                             "that arena.windows did not hand out; expected its windows "
                             "with their own targets (rows shuffled or subsampled), since "
                             "relabelled targets (the grammar's likeliest next character, a "
                             "second model's) would carry uncounted work in. Train on "
                             "arena.windows' (x, y) as drawn.")
        check_step(self)        # the library's code and types only, before anything (the
        self.check_untouched()  # fingerprint too) iterates what the model holds
        check_rate(getattr(self, "optimizer", None))
        n = optimizer_multiplications(getattr(self, "optimizer", None),
                                      [p for p, _ in self.gradient_pairs()])
        if n:
            self._meter.spend(n, f"{type(self.optimizer).__name__}'s update")
        checking = time.process_time() - start
        with np.errstate(all="ignore"):    # no NumPy error callback runs inside the step
            logs = super().train_step(xb, yb)
        start = time.process_time()
        held = _PRINTS[id(self)]
        _PRINTS[id(self)] = (weakref.ref(self), fingerprint(self.layers),
                             optimizer_print(getattr(self, "optimizer", None)), held[3],
                             buffers_print(self.layers), held[5], held[6])
        check_beside()                             # a hook or thread the step started
        self._meter.checked(checking + time.process_time() - start)
        return logs

    meter = property(lambda self: self._meter, doc="the ``Meter`` it spends on (read-only)")

    def check_untouched(self) -> None:
        """Raise ``ValueError`` when the weights, or the optimizer's buffers, changed outside
        ``train_step``, or for a model ``__init__`` did not make (a copy)."""
        held = _PRINTS.get(id(self))
        if held is None or held[0]() is not self:
            raise ValueError("arena: this CountedModel was not made by arena.model (a copy of "
                             "one, or one rebuilt); expected the model arena.model made, "
                             "whose weights the arena followed from their initialisation "
                             "(a copy's could have been written in). Train the model "
                             "arena.model made, through fit.")
        if self._meter is not held[6]:
            raise ValueError("arena: this CountedModel's meter was replaced (its _meter is not "
                             "the one it was made with); expected it to count on its own "
                             "meter, since steps counted on another run past the budget. "
                             "Remove the assignment to _meter.")
        now = optimizer_print(getattr(self, "optimizer", None))
        if now and now != held[2]:
            raise ValueError("arena: the optimizer's buffers (its moments, velocities or "
                             "step counts) changed outside the model's counted train_step; "
                             "expected them as the last counted step left them (or none: "
                             "a new optimizer), since a step reads them and could write any "
                             "weights in. Set only the optimizer's numbers (lr), not its "
                             "buffers.")
        now = settings(self.layers)
        if now != held[3]:
            check_causal(now)
            check_settings(held[3], now, "now")
        opt = getattr(self, "optimizer", None)           # its settings, from its first step
        if opt is not None and (held[5] is None or held[5][0] is not opt):
            _PRINTS[id(self)] = held = (*held[:5], (opt, settings((), opt)), held[6])
        elif opt is not None:
            check_settings(held[5][1], settings((), opt), "now")
        if buffers_print(self.layers) != held[4]:
            raise ValueError("arena: the layers' buffers (an experts layer's routing bias) "
                             "changed outside the model's counted train_step; expected them "
                             "as the last counted step left them, since the forward and the "
                             "scorer read them. Change them only through fit.")
        if fingerprint(self.layers) != held[1]:
            raise ValueError("arena: the model's weights changed outside its counted "
                             "train_step (copied in, or trained in another model); expected "
                             "every change to come from model.fit or model.train_step. Train "
                             "the model arena.model made, through fit.")
