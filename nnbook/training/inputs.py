"""Input checks for ``Sequential``: turning what the user passes into arrays the
training protocol can trust, or a ``ValueError`` that names the fix. Used by
model.py (fit, predict, evaluate) and diagnostics.py.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..validate import as_float_array, finite, make_rng, positive_int
from ..layers.activations import Sigmoid, Softmax
from ..layers.dense import Dense
from ..layers.attention.kv_cache import live_cache
from .protocol import shapes_after

__all__ = ["prepare_x", "prepare_xy", "output_shape_for", "batch_targets",
           "prepare_validation", "check_head", "as_array", "as_shape", "check_fit_arguments",
           "checked_weights", "split_validation", "model_input", "check_token_ids",
           "refuse_live_cache"]


def as_array(owner, what, a):
    """``np.asarray(a)`` with an nnbook message for ragged lists."""
    try:
        return np.asarray(a)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{owner}: could not turn {what} into an array ({exc}). Every sample "
                         f"must have the same shape (a ragged list cannot be a batch).") from None


def as_shape(owner, shape):
    """An input shape as a tuple of ints: ``3`` → ``(3,)``, NumPy ints accepted."""
    if shape is None:
        return None
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        shape = tuple(None if d is None else positive_int(owner, "input_shape entries", d)
                      for d in shape)
    except TypeError:
        raise ValueError(f"{owner}: expected input_shape as a tuple such as (8, 8, 1) or an "
                         f"int, got {shape!r}.") from None
    return shape


def prepare_x(model, x, owner, dtype=None):
    """``x`` as a checked array of the model's dtype (a batch; ``dtype``, when the caller
    has read it)."""
    if not model.layers:
        raise ValueError(f"Sequential.{owner}: the model has no layers. Build it with "
                         f"Sequential([Dense(...), ...]) or model.add(layer) first.")
    first = model.layers[0]
    if first.integer_input:                      # token ids (an Embedding) stay integers
        x = as_array(f"Sequential.{owner}", "x", x)
        check_token_ids(f"Sequential.{owner}", model, x)
    if not (first.integer_input and x.dtype.kind in "iu"):
        x = as_float_array(f"Sequential.{owner}", "x", x)
    if isinstance(first, Dense) and first.n_in == 1 and x.ndim <= 1:
        x = x.reshape(-1, 1)                     # a list of numbers = one input each
    elif x.ndim == 0:
        raise ValueError(f"Sequential.{owner}: got the scalar {x.item()!r}, but the model "
                         f"takes batches such as {('m',) + tuple(model.sample_shape() or ('…',))}."
                         f" Pass an array with one row per sample.")
    dtype = model.dtype if dtype is None else dtype
    if x.dtype.kind == "f" and x.dtype != dtype:  # floats in the model's dtype (ids stay ints)
        x = x.astype(dtype)
    x = x.view()                       # a view: the user's own array stays writeable
    x.flags.writeable = False          # a layer that writes into its input cannot touch the data
    return x


def check_token_ids(owner, model, x) -> None:
    """Refuse token ids shaped (m, T, 1) for a first layer that takes ids (an Embedding):
    it would look each one up as a sequence of length 1 and hand (m, T, 1, d) on, which
    the next layer would then report as an image."""
    first = model.layers[0] if getattr(model, "layers", None) else None
    if first is None or not first.integer_input:
        return
    if x.dtype.kind == "b":
        raise ValueError(f"{owner}: the first layer {first!r} takes integer token ids, got "
                         f"booleans (dtype bool) of shape {x.shape}. Pass the ids themselves, "
                         f"or x.astype(int) if 0 and 1 are the tokens.")
    if np.ndim(x) != 3 or np.shape(x)[2] != 1:
        return
    m, T = x.shape[:2]
    raise ValueError(f"{owner}: the first layer {first!r} takes token ids of shape (m, T), got "
                     f"ids of shape {x.shape}: one id per position needs no feature axis. "
                     f"Drop it: x[..., 0] (or x.reshape({m}, {T})).")


def model_input(model, x, dtype=None) -> np.ndarray:
    """``x`` in the model's dtype (``dtype``, when the caller has read it), except integer
    ids for a first layer that declares ``integer_input`` (an Embedding), which it gets
    unchanged."""
    x, dtype = np.asarray(x), model.dtype if dtype is None else dtype
    if x.dtype == dtype or (x.dtype.kind in "iu" and model.layers
                            and model.layers[0].integer_input):
        return x
    return x.astype(dtype)

def refuse_live_cache(model, owner) -> None:
    """``predict`` and ``evaluate`` read whole sequences from their start: while a KV
    cache is on (chapter 21), a forward would continue the cached text instead."""
    layer = live_cache(model.layers)
    if layer is not None:
        raise ValueError(
            f"Sequential.{owner}: a KV cache is on ({layer!r} holds {layer.cache.length} "
            f"positions), so the model would continue the cached text instead of reading x "
            f"from its start. Call nb.inference.clear_cache(model) first (nb.generate clears "
            f"its own cache when it is done).")


def prepare_xy(model, x, y, owner):
    """``(x, y)`` checked against the model and its loss, ``y`` in the loss's target form."""
    if model.loss is None:
        raise ValueError(f"Sequential.{owner}: the model has no loss yet. Call "
                         f"model.compile(optimizer='sgd', loss='mse') (or another loss) first.")
    dtype = model.dtype                          # read once: it loops over the layers
    x = prepare_x(model, x, owner, dtype)
    finite(f"Sequential.{owner}", "x", x)
    if len(x) == 0:
        raise ValueError(f"Sequential.{owner}: got no samples (x has shape {x.shape}).")
    if y is None:
        raise ValueError(f"Sequential.{owner}: got y=None; training needs one target per "
                         f"sample, e.g. model.{owner.split('(')[0]}(x, y).")
    y = as_array(f"Sequential.{owner}", "y", y)
    n_y = y.shape[0] if y.ndim else "no sample axis"
    if n_y != len(x):
        raise ValueError(f"Sequential.{owner}: x has {len(x)} samples but y has "
                         f"{n_y}; expected one target per sample.")
    out_shape = output_shape_for(model, x)
    if out_shape is None:                       # a learner's layer that could not be measured:
        return x, y                             # each step converts its batch's targets
    check_head(model, owner, out_shape)
    y = model.loss.targets(f"Sequential.{owner}", y, out_shape, dtype)
    return x, y


def output_shape_for(model, x):
    """The shape of one output sample for the batch ``x``, from what the layers declare
    (``output_shape``), without a forward pass; ``None`` where a learner's layer cannot
    be measured. When a layer refuses the shape, the model runs forward on the first
    sample to raise that layer's own error (or else the refusal)."""
    try:
        out = shapes_after(model.layers, x.shape[1:])[-1]
    except ValueError as refused:
        probe = x[:1]
        try:
            with np.errstate(all="ignore"):
                model.forward(probe, training=False)     # BatchNorm's statistics stay put
        except ValueError as exc:               # report the whole batch's shape
            msg = str(exc)
            if msg.startswith(repr(model.layers[0])):
                msg = msg.replace(f"got {probe.shape}", f"got {x.shape}", 1)
            raise ValueError(msg) from None
        raise refused from None
    return None if out is None or None in out else tuple(out)


def batch_targets(model, owner, y, out, loss=None) -> np.ndarray:
    """The targets ``y`` of one batch whose outputs are ``out``, in the loss's form, as
    ``fit`` makes them (integer labels (m,) or ids (m, T) become one-hot rows); never
    broadcast: (m,) against (m, 1) is a column, and one target per sample. Targets
    of the outputs' shape and dtype are taken as they are (``fit`` made them so)."""
    if type(y) is np.ndarray and y.shape == out.shape and y.dtype == out.dtype:
        return y
    y = as_array(owner, "y", y)
    n = y.shape[0] if y.ndim else "no sample axis"
    if n != len(out):
        raise ValueError(f"{owner}: the batch has {len(out)} samples but y has {n}; "
                         f"expected one target per sample, e.g. train_step(x[:32], y[:32]).")
    return (model.loss if loss is None else loss).targets(owner, y, out.shape[1:], model.dtype)


def check_head(model, owner, out_shape):
    """Refuse output layers that cannot work with the loss: Softmax over one unit,
    or the activation a ``from_logits=True`` loss applies itself (``fuses_with``)."""
    last, loss = model.layers[-1], model.loss
    if isinstance(last, Softmax) and tuple(out_shape)[-1:] == (1,):
        raise ValueError(
            f"Sequential.{owner}: the model ends in Softmax over one unit, which always "
            f"outputs 1 and cannot learn. For two classes use Dense(n, 1) + Sigmoid() "
            f"with binary_crossentropy, or Dense(n, 2) + Softmax().")
    fuses_with = getattr(loss, "fuses_with", None)
    if getattr(loss, "from_logits", False) and fuses_with and isinstance(last, fuses_with):
        act = type(last).__name__
        raise ValueError(
            f"Sequential.{owner}: the model ends in {act} but the loss is {loss!r}, which "
            f"applies {act.lower()} itself. Remove the {act} layer, or use "
            f"{type(loss).__name__}() without from_logits.")
    if getattr(loss, "from_logits", False) and isinstance(last, (Softmax, Sigmoid)):
        act = type(last).__name__
        raise ValueError(
            f"Sequential.{owner}: the model ends in {act}, which squashes the outputs into "
            f"probabilities, but the loss is {loss!r}, which expects raw scores (logits). "
            f"Remove the {act} layer, or use a loss without from_logits that matches it "
            f"({'binary_crossentropy' if act == 'Sigmoid' else 'crossentropy'}).")


def check_fit_arguments(model, *, epochs, batch_size, rng, verbose, callbacks,
                        initial_epoch, owner="Sequential.fit") -> dict:
    """Every argument of ``fit`` but the data, checked once before any work: a compiled
    model, ``rng`` a Generator (an int seed is refused), no arrays where it expects epochs
    and batch_size (Keras' fit(x, y, x_val, y_val) habit), whole numbers, verbose 0/1/2,
    callbacks a list. Returns them ready for the epoch loop (``rng`` made if None).
    ``owner`` names the caller in the errors (the denoisers' trainers use it too)."""
    rng = make_rng(rng, owner)
    if model.optimizer is None or model.loss is None:
        what = "loss" if model.loss is None else "optimizer"
        raise ValueError(f"{owner}: the model has no {what} yet. Call "
                         f"model.compile(optimizer='sgd', loss='mse') (or another loss) first.")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, (np.ndarray, list, tuple)):
            raise ValueError(
                f"{owner}: got an array as {name}; fit's third and fourth arguments "
                f"are epochs and batch_size. Pass validation data by keyword: "
                f"fit(x, y, epochs=10, validation_data=(x_val, y_val)).")
    if verbose not in (0, 1, 2):
        raise ValueError(f"{owner}: expected verbose 0, 1 or 2, got {verbose!r}.")
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise ValueError(f"{owner}: expected callbacks=[...] (a list), got "
                         f"{type(callbacks).__name__}. Wrap it in a list: callbacks=[callback].")
    return {"epochs": positive_int(owner, "epochs", epochs, minimum=0),
            "batch_size": positive_int(owner, "batch_size", batch_size),
            "initial_epoch": positive_int(owner, "initial_epoch", initial_epoch, minimum=0),
            "rng": rng, "verbose": verbose, "callbacks": list(callbacks or [])}


def split_validation(owner, x, y, validation_split):
    """Keras' rule: the LAST fraction of the samples (before any shuffling)."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) \
            or not 0 <= validation_split < 1:
        raise ValueError(f"{owner}: expected validation_split in [0, 1), got {validation_split!r}.")
    cut = int(math.floor(len(x) * (1.0 - validation_split)))
    if cut == 0 or cut == len(x):
        raise ValueError(f"{owner}: validation_split={validation_split} of {len(x)} samples "
                         f"leaves {cut} for training and {len(x) - cut} for validation; "
                         f"both need at least one.")
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def prepare_validation(model, validation_data):
    """``(x_val, y_val)`` checked as ``prepare_xy`` does, every message saying it is the
    validation data."""
    owner = "Sequential.fit(validation_data)"
    pair = isinstance(validation_data, (tuple, list))
    if not (pair and len(validation_data) == 2):
        got = type(validation_data).__name__ + (f" of {len(validation_data)} items" if pair else "")
        extra = (" nnbook has no sample weights (Keras' third item)."
                 if pair and len(validation_data) == 3 else "")
        raise ValueError(f"Sequential.fit: expected validation_data=(x_val, y_val), got "
                         f"a {got}.{extra}")
    try:
        return prepare_xy(model, *validation_data, "fit(validation_data)")
    except ValueError as exc:
        msg = str(exc)
        if not msg.startswith(owner):
            msg = f"{owner}: x_val does not fit the model. {msg}"
        raise ValueError(msg) from None


def checked_weights(owner, targets, weights) -> list:
    """``weights`` (as ``get_weights()`` gives them) as float arrays of the ``targets``'
    shapes, all finite; raise before any is written."""
    if not isinstance(weights, (list, tuple)):
        raise ValueError(f"{owner}: expected a list of arrays in the order of "
                         f"model.get_weights(), got {type(weights).__name__}. To copy "
                         f"another model's weights: set_weights(other.get_weights()).")
    if len(weights) != len(targets):
        raise ValueError(f"{owner}: got {len(weights)} arrays, expected "
                         f"{len(targets)} (the length of model.get_weights()).")
    arrays = []
    for i, (t, w) in enumerate(zip(targets, weights)):
        w = as_float_array(owner, f"array {i}", as_array(owner, f"array {i}", w))
        if w.shape != t.shape:
            raise ValueError(f"{owner}: array {i} has shape {w.shape}, expected {t.shape}.")
        finite(owner, f"array {i}", w)
        arrays.append(w)
    return arrays
