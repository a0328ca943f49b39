"""Steering (chapter 36): a vector added to one layer's output at every position while the
rest of the forward runs unchanged (``steered``), the direction a linear probe reads in a
layer's residual stream (``probe_direction``), and text sampled from the steered model
(``steered_sample``), one character at a time with ``sample_next``'s draws.
"""

from __future__ import annotations

import numpy as np

from ..inference.generation import warn_past_training
from ..inference.sampling import sample_next
from ..validate import make_rng, positive_int
from .patching import _layer_index, _warn_long

__all__ = ["steered", "probe_direction", "steered_sample"]


def steered(model, x, layer, direction):
    """The model's output for ``x`` with ``direction`` added to the output of ``layer`` at
    every position, each layer's own ``forward`` run in order (inference mode, as
    ``predict``).

    A zero direction gives the model's output bit for bit (h + 0 is h); a direction d
    gives what ``patched(model, x, layer, every position, h + d)`` gives.

    Shapes:
        x: the model's input, (m, T) token ids for chapter 20's model
        direction: (d,), added to every position's (d,) vector of layer's (m, T, d) output
        returns: the model's output, (m, T, V) for chapter 20's model

    A layer index that is not the model's, or a direction of another width, is a
    ``ValueError``; windows longer than the model was trained on
    (``model.trained_length``) run, with a warning.
    """
    layer = _layer_index("steered", model, layer)
    _warn_long("steered", model, x)
    return _steered(model, x, layer, direction)


def _steered(model, x, layer, direction):
    """``steered`` with ``layer`` checked, and no warning (``steered_sample`` warns once)."""
    layers = model.layers
    d = np.asarray(direction, dtype=model.dtype)

    def add(h):
        out = layers[layer].forward(h)
        if out.ndim < 3 or d.shape != out.shape[2:]:
            raise ValueError(f"steered: layer {layer} ({type(layers[layer]).__name__}) "
                             f"outputs shape {out.shape}, got a direction of shape {d.shape}; "
                             f"expected one vector of the layer's width, added at every "
                             f"position of a sequence (m, T, d).")
        return out + d

    calls = [lay.forward for lay in layers]
    calls[layer] = add
    x = np.asarray(x)
    if x.dtype.kind not in "iu":
        x = x.astype(model.dtype)
    return model.forward(x, training=False, calls=calls)


def probe_direction(probe, std):
    """The unit vector of the residual stream along which a two-class probe's logit of
    class 1 minus class 0 grows fastest: its weights ``W[:, 1] − W[:, 0]`` divided by the
    features' standard deviations ``std`` (d,) the probe was fitted on standardised
    features with, then normalised to length 1.

    Shapes: probe, a ``Sequential`` whose first layer is a ``Dense(d, 2)``; std (d,) → (d,).
    """
    W = probe.layers[0].params["W"]
    std = np.asarray(std, dtype=np.float64)
    if W.ndim != 2 or W.shape[1] != 2 or std.shape != (W.shape[0],):
        raise ValueError(f"probe_direction: got weights of shape {W.shape} and std of shape "
                         f"{std.shape}, expected a two-class probe's (d, 2) and (d,).")
    w = (W[:, 1] - W[:, 0]) / np.where(std > 0, std, 1.0)
    return w / np.linalg.norm(w)


def steered_sample(model, ids, n_new, layer, direction, *, context, rng=None):
    """``ids`` (m, T0) followed by ``n_new`` tokens drawn from the steered model: at each
    step ``steered`` reads the last ``context`` tokens, and the next token of every row is
    ``sample_next`` of the logits at the last position (temperature 1, one ``rng.random``
    per row). With a zero direction the tokens are ``nb.generate(model, ids, n_new,
    context=context, use_cache=False, rng=rng)``'s for the same generator, and, as
    ``generate``, reading more positions than the model was trained on
    (``model.trained_length``) warns: keep ``context`` at most that.

    Shapes: ids (m, T0) ints → (m, T0 + n_new) int64.
    """
    n_new = positive_int("steered_sample", "n_new", n_new)
    context = positive_int("steered_sample", "context", context)
    layer = _layer_index("steered_sample", model, layer)
    rng = make_rng(rng, "steered_sample")
    ids = np.asarray(ids)
    if ids.ndim != 2 or ids.dtype.kind not in "iu" or ids.shape[1] < 1:
        raise ValueError(f"steered_sample: got ids of shape {ids.shape}, expected (m, T0) "
                         f"integer ids, T0 ≥ 1.")
    warn_past_training(model, ids.shape[1], n_new, context, owner="steered_sample")
    out = np.zeros((len(ids), ids.shape[1] + n_new), dtype=np.int64)
    out[:, :ids.shape[1]] = ids
    for t in range(ids.shape[1], out.shape[1]):
        logits = _steered(model, out[:, max(0, t - context):t], layer, direction)[:, -1]
        out[:, t] = sample_next(logits, rng)
    return out
