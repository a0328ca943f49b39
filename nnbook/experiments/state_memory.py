"""Chapter 31's experiments over seeds: recall from a d × d state written by the Hebbian sum
(linear attention), by the delta rule (DeltaNet) and by trained layers (softmax attention,
linear attention, DeltaNet) against the best state's projection ceiling; chapter 20's
model on the grammar with each kind of mixer (softmax, linear, DeltaNet, a hybrid); and three
of those on windows of 64 characters, scored at the closing brackets near and far.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..layers import (DeltaNet, Embedding, LinearAttention, MultiHeadAttention, RMSNorm,
                      TransformerBlock, Unembedding)
from ..training import MSE, Adam, Sequential
from ..training.loop import fit_fresh
from ..validate import make_rng
from .language_models import train_model
from .modern_block import BATCH, BITS, D_MODEL, EPOCHS, V, loss_per_char, setup, target_sets

__all__ = ["delta_write", "write_all", "recall_shares", "KINDS", "grammar_bits",
           "closing_brackets", "long_brackets", "long_brackets_all", "BRACKET_SETS",
           "recall_batch", "recall_layer", "LastPositionMSE", "train_recall", "trained_recall",
           "LAYERS", "RECALL_NS", "TABLES"]

NS = (2, 4, 6, 8, 10, 12, 16, 24, 32)
#: the mixers of the model's two blocks, per kind
KINDS = {"softmax": ("softmax", "softmax"), "linear": ("linear", "linear"),
         "DeltaNet": ("delta", "delta"), "hybrid": ("delta", "softmax")}


def delta_write(S, k, v, beta):
    """One step of the delta rule on ½‖S k − v‖²: ``S + β (v − S k) kᵀ``.

    Shapes: S (d_v, d_k), k (d_k,), v (d_v,), β a number → (d_v, d_k)."""
    S = _finite("delta_write", "S", S, 2)
    k, v = _finite("delta_write", "k", k, 1), _finite("delta_write", "v", v, 1)
    if S.shape != (len(v), len(k)):
        raise ValueError(f"delta_write: expected S of shape (d_v, d_k) = ({len(v)}, {len(k)}) "
                         f"for v {v.shape} and k {k.shape}, got {S.shape}. The state maps a "
                         f"key to a value: S @ k is a value.")
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not np.isfinite(beta):
        raise ValueError(f"delta_write: expected beta, the step size, as a finite number, got "
                         f"{beta!r}. β = 1 with a unit key writes v exactly.")
    return _delta_step(S, k, v, beta)


def _delta_step(S, k, v, beta):
    return S + beta * np.outer(v - S @ k, k)


RULES = ("hebbian", "delta")


def write_all(keys, values, rule):
    """The state after writing the columns of ``keys`` (d_k, N) and ``values`` (d_v, N) in
    order: ``rule`` "hebbian" (``S + v kᵀ``) or "delta" (β = 1).

    Shapes: keys (d_k, N), values (d_v, N) → S (d_v, d_k)."""
    if not isinstance(rule, str) or rule not in RULES:
        hint = (f" Rule names are lower case: rule={rule.lower()!r}." if isinstance(rule, str)
                and rule.lower() in RULES else "")
        raise ValueError(f"write_all: expected rule one of {RULES}, got {rule!r}.{hint}")
    keys = _finite("write_all", "keys", keys, 2)
    values = _finite("write_all", "values", values, 2)
    if keys.shape[1] != values.shape[1]:
        raise ValueError(f"write_all: expected as many keys as values (columns: one pair "
                         f"each), got keys {keys.shape} and values {values.shape}. Pair each "
                         f"key with its value.")
    S = np.zeros((values.shape[0], keys.shape[0]))
    for k, v in zip(keys.T, values.T):
        S = S + np.outer(v, k) if rule == "hebbian" else _delta_step(S, k, v, 1.0)
    return S


def _finite(owner, name, x, ndim):
    """``x`` as a float64 array of ``ndim`` axes with finite entries, or a ValueError."""
    try:
        a = np.asarray(x)
    except ValueError:                                            # a ragged list
        a = np.asarray(None)
    if a.dtype.kind not in "biuf" or a.ndim != ndim:
        shape = "(d_k, N) or (d_v, N), one column per pair" if ndim == 2 else "(d,)"
        got = f"shape {a.shape}" if a.dtype.kind in "biuf" else f"{x!r:.60}"
        raise ValueError(f"{owner}: expected {name} as an array of numbers of shape {shape}, "
                         f"got {got}.")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{owner}: expected finite {name}, got "
                         f"{float(a[~np.isfinite(a)][0])} at index "
                         f"{tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])}.")
    return a


def _count(owner, name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{owner}: expected {name} an integer ≥ {minimum}, got {value!r}.")
    return int(value)


def _kind(owner, kind):
    if not isinstance(kind, str) or kind not in LAYERS:
        raise ValueError(f"{owner}: expected kind one of {tuple(LAYERS)} (a layer of "
                         f"LAYERS), got {kind!r}.")
    return kind


def recall_shares(seed, d=8, Ns=NS, draws=200, rng=None):
    """The share of the values' energy lost, Σ‖S k_i − v_i‖² / Σ‖v_i‖², for N pairs of unit
    keys in random directions and N(0, 1) values: ``{rule: (len(Ns), draws)}`` for
    "best state" (``V K⁺``), "hebbian" and "delta", and "projection" (‖V(I − Π)‖²/‖V‖²).
    ``rng``: the generator to draw from (None: ``default_rng(seed)``)."""
    d, draws = _count("recall_shares", "d", d), _count("recall_shares", "draws", draws)
    Ns = [_count("recall_shares", "each N of Ns", N) for N in np.atleast_1d(Ns).tolist()]
    rng = np.random.default_rng(seed) if rng is None else make_rng(rng, "recall_shares")
    out = {n: np.zeros((len(Ns), draws)) for n in ("best state", "hebbian", "delta",
                                                    "projection")}
    for i, N in enumerate(Ns):
        for j in range(draws):
            keys = rng.normal(size=(d, N))
            keys /= np.linalg.norm(keys, axis=0)
            values = rng.normal(size=(d, N))
            energy = np.sum(values ** 2)
            pinv = np.linalg.pinv(keys)
            out["best state"][i, j] = np.sum((values @ pinv @ keys - values) ** 2) / energy
            out["projection"][i, j] = np.sum((values @ (np.eye(N) - pinv @ keys)) ** 2) / energy
            for rule in ("hebbian", "delta"):
                S = write_all(keys, values, rule)
                out[rule][i, j] = np.sum((S @ keys - values) ** 2) / energy
    return out


def kind_layers(mixers):
    """Chapter 20's two-block modern model (width 32, 4 heads, tied) with these mixers."""
    def layers(r):
        emb = Embedding(V, D_MODEL, rng=r)
        blocks = [TransformerBlock.modern(D_MODEL, 4, mixer=m, rng=r) for m in mixers]
        return [emb, *blocks, RMSNorm(D_MODEL), Unembedding(emb)]
    return layers


def grammar_bits(seed, models=None):
    """Held-out bits per character of each kind of ``KINDS`` trained on chapter 20's budget
    and data of ``seed`` (its ``setup``), on every target and on the closing brackets, beside
    the best 16-character window model and the grammar. ``models``: a dict that receives
    the trained models (the notebook's)."""
    data = setup(seed)
    sets = target_sets(data["val"], data["y_val"])
    row = {}
    for name, mixers in KINDS.items():
        model = train_model(kind_layers(mixers), data, seed, EPOCHS, batch_size=BATCH)[0]
        nll = loss_per_char(model, data["x_val"], data["y_val"])
        row[name] = float(nll.mean() * BITS)
        row[f"{name} )"] = float(nll[sets[")"]].mean() * BITS)
        if models is not None:
            models[name] = model
    row["best with window"] = float(data["bound_w"].mean() * BITS)
    row["best with window )"] = float(data["bound_w"][sets[")"]].mean() * BITS)
    row["the grammar"] = float(data["exact_w"].mean() * BITS)
    return row


def closing_brackets(seed, T=16, data=None):
    """Each closing bracket among the held-out targets of ``grammar_bits(seed)``: how many
    characters back its opening bracket is, and whether that lies inside the target's window
    of T characters (where a model that reads the window can see it). Two arrays over them,
    in the order of ``target_sets(...)[")"]``. ``data``: ``setup(seed, T)`` if made already."""
    data = setup(seed, T) if data is None else data
    text, y = data["val"].text, data["y_val"]
    opener, stack = np.full(len(text), -1), []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")":
            opener[i] = stack.pop() if stack else -1
    starts = np.arange(len(y))[:, None] * T                        # each window's first index
    index = starts + np.arange(T) + 1                               # text index of each target
    close = target_sets(data["val"], y)[")"]
    return (index - opener[index])[close], (opener[index] >= starts)[close]


#: the closing brackets of ``long_brackets``, by how far back their opening bracket is; the
#: grammar's shortest bracket closes 9 characters after it opens
BRACKET_SETS = {"near": (9, 16), "far": (17, None)}


def long_brackets(seed, T=64, kinds=("softmax", "DeltaNet")):
    """Held-out bits per character at the closing brackets, split by how far back the opening
    bracket is (``BRACKET_SETS``: 9 to 16 characters, or more than 16 but inside the window),
    of chapter 20's model with the mixers of each of ``kinds``, trained on windows of ``T``
    characters (chapter 20's 50 batches of 32 windows and 4 epochs, so each step reads T/16
    times the text of ``grammar_bits``), beside the best window model and the grammar on the
    same targets; with each set's count and every target's bits per character."""
    data = setup(seed, T)
    distance, inside = closing_brackets(seed, T, data)
    close = target_sets(data["val"], data["y_val"])[")"]
    masks = {name: inside & (distance >= lo) & (True if hi is None else distance <= hi)
             for name, (lo, hi) in BRACKET_SETS.items()}
    row = {f"n {name}": float(m.sum()) for name, m in masks.items()}
    nlls = {name: loss_per_char(train_model(kind_layers(KINDS[name]), data, seed, EPOCHS,
                                            batch_size=BATCH)[0], data["x_val"], data["y_val"])
            for name in kinds}
    nlls["best with window"], nlls["the grammar"] = data["bound_w"], data["exact_w"]
    for name, nll in nlls.items():
        row[name] = float(nll.mean() * BITS)
        for set_name, m in masks.items():
            row[f"{name} ) {set_name}"] = float(nll[close][m].mean() * BITS)
    return row


def long_brackets_all(seed):
    """``long_brackets`` with the three kinds that read the grammar best: softmax attention,
    DeltaNet and the hybrid (about 22 s a seed with one BLAS thread)."""
    return long_brackets(seed, kinds=("softmax", "DeltaNet", "hybrid"))


# -- trained layers on associative recall -------------------------------------------------
RECALL_NS = (2, 4, 8, 12, 16)          # pairs per sequence; the keys have d = 8 features
#: one layer of each kind, one head, width 2d + 1, no biases, no positions (recall ignores order)
LAYERS = {"softmax": lambda D, r: MultiHeadAttention(D, 1, causal=True, bias=False, rng=r),
          "linear": lambda D, r: LinearAttention(D, 1, form="masked", rng=r),
          "DeltaNet": lambda D, r: DeltaNet(D, 1, rng=r)}


def recall_batch(rng, m, N, d=8):
    """``m`` sequences of N pair tokens ``[k_i; v_i; +1]`` then a query token ``[k_j; 0; −1]``
    (unit keys in random directions, N(0, 1) values, j drawn uniformly), and the targets
    v_j. Shapes: x (m, N + 1, 2d + 1), targets (m, d)."""
    rng = make_rng(rng, "recall_batch")
    m, N, d = (_count("recall_batch", n, v) for n, v in (("m", m), ("N (pairs)", N), ("d", d)))
    keys = rng.normal(size=(m, N, d))
    keys /= np.linalg.norm(keys, axis=-1, keepdims=True)
    values = rng.normal(size=(m, N, d))
    j = rng.integers(0, N, size=m)
    x = np.zeros((m, N + 1, 2 * d + 1))
    x[:, :N, :d], x[:, :N, d:2 * d], x[:, :N, 2 * d] = keys, values, 1.0
    x[:, N, :d], x[:, N, 2 * d] = keys[np.arange(m), j], -1.0
    return x, values[np.arange(m), j]


def recall_layer(kind, rng, d=8):
    """A fresh layer of ``LAYERS[kind]`` of width 2d + 1."""
    _kind("recall_layer", kind)
    return LAYERS[kind](2 * _count("recall_layer", "d", d) + 1, make_rng(rng, "recall_layer"))


class LastPositionMSE(MSE):
    """The mean squared error of the query's reading, the first ``d`` features of the output
    at the last position, against the value to recall: the loss of a recall layer trained in
    a ``Sequential``. Shapes: output (m, N + 1, 2d + 1), targets (m, d)."""

    def __init__(self, d):
        self.d = d

    def targets(self, owner, y, out_shape, dtype):
        if y.shape[1:] != (self.d,):
            raise ValueError(f"{owner}: expected the values to recall, of shape (m, {self.d}), "
                             f"got {y.shape}.")
        return y.astype(dtype, copy=False)

    def value(self, yt, yp):
        return super().value(yt, yp[:, -1, :self.d])

    def gradient(self, yt, yp):
        dy = np.zeros_like(yp)
        dy[:, -1, :self.d] = super().gradient(yt, yp[:, -1, :self.d])   # the reading only
        return dy

    def get_config(self):
        return {"d": self.d}


def train_recall(kind, N, seed, d=8, steps=500, batch=64, lr=0.01, fresh=2000, callbacks=None,
                 verbose=0):
    """Train one layer of ``kind`` on recall of N pairs, in a ``Sequential`` through ``fit``'s
    loop (``fit_fresh``): each step a new batch, the output's first d features at the query
    read as v̂_j, the mean squared error (``LastPositionMSE``), Adam. Returns the layer and
    the share of the values lost on ``fresh`` new sequences, Σ‖v̂ − v‖² / Σ‖v‖² (0: perfect
    recall; 1: what answering 0 loses). One generator per (seed, N, kind). ``callbacks``,
    ``verbose`` and the error when the loss diverges are ``fit``'s."""
    _kind("train_recall", kind)
    N, d, steps, batch, fresh = (_count("train_recall", n, v) for n, v in (
        ("N", N), ("d", d), ("steps", steps), ("batch", batch), ("fresh", fresh)))
    rng = np.random.default_rng((_count("train_recall", "seed", seed, 0), N,
                                 list(LAYERS).index(kind)))
    layer = recall_layer(kind, rng, d)
    model = Sequential([layer])
    model.compile(Adam(lr), LastPositionMSE(d))
    fit_fresh(model, lambda r: recall_batch(r, batch, N, d), steps, batch_size=batch, rng=rng,
              callbacks=callbacks, verbose=verbose, owner="train_recall")
    x, v = recall_batch(rng, fresh, N, d)
    read = layer.forward(x)[:, -1, :d]
    return layer, float(np.sum((read - v) ** 2) / np.sum(v ** 2))


def trained_recall(seed, Ns=RECALL_NS, kinds=tuple(LAYERS)):
    """The share of the values each trained kind loses at each N: ``{"linear, N = 12": …}``."""
    kinds = [_kind("trained_recall", k) for k in ([kinds] if isinstance(kinds, str) else kinds)]
    return {f"{kind}, N = {N}": train_recall(kind, N, seed)[1] for N in Ns for kind in kinds}


TABLES = {"31_grammar": (grammar_bits, (31, 32, 33, 34, 35)),
          "31_trained_recall": (trained_recall, (31, 32, 33, 34, 35)),
          "31_long_brackets": (long_brackets_all, (31, 32, 33, 34, 35))}
