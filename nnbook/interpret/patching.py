"""Reading and overwriting one layer's output (the residual stream, for chapter 20's model)
at chosen positions, by running the model's own layers in order (chapter 36): ``residuals``
reads, ``patched`` writes and runs the rest of the forward unchanged.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..inference.generation import past_training

__all__ = ["residuals", "patched"]


def _model(owner, model):
    """``ValueError`` unless ``model`` holds layers and runs them (a ``Sequential``)."""
    if not isinstance(getattr(model, "layers", None), (list, tuple)) \
            or not callable(getattr(model, "forward", None)):
        what = getattr(model, "__name__", None) or type(model).__name__
        raise ValueError(f"{owner}: got {what!r}, which is not a model with layers; expected "
                         f"a Sequential of layers, not a function that builds them. Build "
                         f"it first: nb.Sequential(modern(16)(rng)) for chapter 20's model.")
    return model


def _layer_index(owner, model, layer):
    n = len(_model(owner, model).layers)
    if isinstance(layer, (bool, np.bool_)) or not isinstance(layer, (int, np.integer)) \
            or not 0 <= layer < n:
        raise ValueError(f"{owner}: got layer={layer!r}, expected a layer index from 0 to "
                         f"{n - 1} (the model has {n} layers). Count from 0 in model.layers; "
                         f"model.summary() lists them.")
    return int(layer)


def _warn_long(owner, model, x):
    """Warn when the windows ``x`` (m, T) are longer than those the model was trained on
    (``past_training``): the outputs at those later positions come from positions it never
    trained at."""
    T = np.shape(x)[1] if np.ndim(x) >= 2 else 0
    trained = past_training(model, T)
    if trained:
        warnings.warn(
            f"{owner}: x has T = {T} positions, more than the {trained} of the windows the "
            f"model was trained on (model.trained_length); its outputs from position "
            f"{trained} on come from positions it never trained at, where its predictions "
            f"get worse (chapter 21). Pass windows of at most {trained} positions, such as "
            f"x[:, -{trained}:].", stacklevel=3)


def _walk(model, x):
    """Every layer's output for ``x``, in inference mode (as ``predict``): the model's own
    ``forward``, which calls each layer's ``forward`` in order."""
    outputs = []
    _model("residuals", model).forward(x, training=False, outputs=outputs)
    return outputs


def residuals(model, x, layer=None):
    """The output of each layer of ``model`` (a ``Sequential``) for the batch ``x``, or of one.

    The model's own ``forward`` is run once, in inference mode (Dropout off, as
    ``predict``), and each layer's output is kept: nothing of a layer is copied here.
    In chapter 20's model the output of the Embedding (layer 0) and of each
    TransformerBlock is the residual stream.

    Shapes:
        x: the model's input, token ids (m, T) for chapter 20's model
        returns: a list of every layer's output (layer None), or layer ``layer``'s,
        (m, T, d) for a block

    A layer index that is not one of the model's is a ``ValueError``; windows longer
    than the model was trained on (``model.trained_length``) run, with a warning.
    """
    if layer is not None:
        layer = _layer_index("residuals", model, layer)
    _warn_long("residuals", model, x)
    outputs = _walk(model, x)
    return outputs if layer is None else outputs[layer]


def _positions(owner, positions, m, T):
    """Positions as an (m, k) integer array: an int, k shared positions, or (m, k) per row."""
    p = np.asarray(positions)
    if p.dtype.kind not in "iu" or p.ndim > 2 or p.size == 0 or (p.ndim == 2 and len(p) != m):
        raise ValueError(f"{owner}: got positions of shape {p.shape} and dtype {p.dtype}, "
                         f"expected an int, a list of k ints shared by every row, or an (m, k) = "
                         f"({m}, k) integer array, one row of positions per sample.")
    if p.min() < 0 or p.max() >= T:
        raise ValueError(f"{owner}: got positions {p.min()}…{p.max()}, expected positions "
                         f"from 0 to {T - 1}: the sequence has T = {T} positions. Count from 0; "
                         f"a position past the sequence cannot be patched.")
    rows = p.reshape(-1, p.shape[-1]).tolist() if p.ndim > 0 else []
    if any(len(set(row)) < len(row) for row in rows):
        raise ValueError(f"{owner}: got a position twice in one row ({p.tolist()}), expected "
                         f"distinct positions: a position written twice keeps only the last "
                         f"value. Give each position once, with its one vector.")
    single = p.ndim == 0
    p = np.broadcast_to(p.reshape(1, -1) if p.ndim < 2 else p, (m, p.size if p.ndim < 2
                                                                else p.shape[1]))
    return p, single


def patched(model, x, layer, positions, values):
    """The model's output for ``x`` when the output of ``layer`` is overwritten with
    ``values`` at ``positions``, the rest of the forward unchanged.

    The layers up to ``layer`` run as in ``residuals``; the overwritten array then goes
    through each later layer's own ``forward`` in order. With ``values`` read by
    ``residuals`` at the same positions the output is the model's, bit for bit; in a
    causal model the outputs before the first patched position are unchanged.

    Shapes:
        x: the model's input (m, T) of token ids for chapter 20's model
        positions: an int, k ints shared by every row, or (m, k), one row per sample
        values: (m, d) for an int position, else (m, k, d), where layer's output is (m, T, d)
        returns: the model's output, (m, T, V) for chapter 20's model

    A layer index that is not the model's, positions past the sequence or given twice in a
    row, or values of another shape or not finite: a ``ValueError`` naming what was
    expected. Windows longer than the
    model was trained on (``model.trained_length``) run, with a warning.
    """
    layer = _layer_index("patched", model, layer)
    _warn_long("patched", model, x)
    outputs = _walk(model, x)
    h = outputs[layer]
    if h.ndim < 3:
        raise ValueError(f"patched: layer {layer} ({type(model.layers[layer]).__name__}) "
                         f"outputs shape {h.shape}, expected a sequence (m, T, d) to patch at "
                         f"positions. Patch a layer whose output has a position axis.")
    m, T = h.shape[:2]
    p, single = _positions("patched", positions, m, T)
    want = (m,) + h.shape[2:] if single else (m, p.shape[1]) + h.shape[2:]
    v = np.asarray(values)
    if v.shape != want:
        raise ValueError(f"patched: got values of shape {v.shape}, expected {want}: one "
                         f"vector of layer {layer}'s width per sample and patched position. "
                         f"Read them with residuals(model, x, layer)[:, positions].")
    if v.dtype.kind not in "biuf" or not np.all(np.isfinite(v)):
        raise ValueError(f"patched: got values with dtype {v.dtype} holding NaN or inf, "
                         f"expected finite real numbers: a NaN patched in makes every later "
                         f"output NaN. Check how the values were computed.")
    h = h.copy()
    h[np.arange(m)[:, None], p] = v.reshape((m, p.shape[1]) + h.shape[2:])
    for later in model.layers[layer + 1:]:
        h = later.forward(h)
    return h
