"""Quantised weights (chapter 24): symmetric int8 per output channel and int4 in groups,
``Ŵ = round(W / scale) · scale`` with ``scale = max|W| / (2^(bits−1) − 1)``; ``quantise``
turns a trained model's weight matrices into codes and scales and gives a ``QuantisedModel``
that predicts and generates with Ŵ, counts its bytes, and saves and loads (it does not train).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile

import numpy as np

from ..layers.embedding import Embedding, PositionalEmbedding
from ..training.loading import load_model
from ..training.model import Sequential
from .formats import FORMATS

__all__ = ["quantise_weights", "dequantise", "quantise", "QuantisedModel", "load_quantised",
           "nbytes_as"]

_KEY = "__quantised__"


def quantise_weights(W, bits=8, *, group_size=None, axis=0):
    """Symmetric quantisation of a weight matrix: integer codes and their scales.

    Each output channel (a column for ``axis=0``, Dense's ``x @ W``; a row for ``axis=1``,
    an embedding's token) is cut along ``axis`` into groups of ``group_size`` inputs
    (``None``: the whole channel, one scale per output channel). Each group gets
    ``scale = max|w| / q`` with q = 127 for int8 and 7 for int4, stored as float32, and
    ``code = round(w / scale)`` (ties to even), an integer in [−q, q]; so
    ``|w − code·scale|`` ≤ scale/2 for every entry. A group of zeros gets scale 0, codes 0.

    Shapes:
        W: (n_in, n_out)  →  codes: (n_in, n_out) int8; scale: (⌈n_in / g⌉, n_out) for
        ``axis=0``, (n_in, ⌈n_out / g⌉) for ``axis=1``, g = group_size (float32)

    Args:
        bits: 8 or 4.
        group_size: the inputs that share one scale (the last group of a channel is
            shorter when it does not divide W.shape[axis]).
        axis: the axis summed over in the product (the inputs): 0 for ``x @ W``.

    ``dequantise(codes, scale, axis=axis, group_size=group_size)`` gives Ŵ. Chapter 24.
    """
    owner = "quantise_weights"
    W = np.asarray(W)
    if W.ndim != 2 or W.dtype.kind not in "fiu":
        raise ValueError(f"{owner}: expected a 2-D weight matrix of real numbers, got "
                         f"{W.dtype} of shape {W.shape}.")
    if bits not in (8, 4) or isinstance(bits, bool):
        raise ValueError(f"{owner}: expected bits to be 8 or 4, got {bits!r}.")
    if axis not in (0, 1) or isinstance(axis, bool):
        raise ValueError(f"{owner}: expected axis 0 or 1 (the inputs' axis; 0 for x @ W), "
                         f"got {axis!r}.")
    if not np.isfinite(W).all():
        raise ValueError(f"{owner}: expected finite weights, got NaN or infinite values. "
                         f"Quantise a model whose training did not diverge.")
    Wt = np.moveaxis(W.astype(np.float64), axis, 0)               # (n, c): inputs first
    n, c = Wt.shape
    g = _group(owner, group_size, n)
    k = -(-n // g)                                                # groups; the last may be short
    G = np.zeros((k * g, c))
    G[:n] = Wt
    G = G.reshape(k, g, c)
    q = 2 ** (bits - 1) - 1
    scale = (np.abs(G).max(axis=1) / q).astype(np.float32)        # (k, c)
    s = scale.astype(np.float64)[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        codes = np.where(s > 0, np.rint(G / np.where(s > 0, s, 1.0)), 0.0)
    codes = np.clip(codes, -q, q).astype(np.int8).reshape(k * g, c)[:n]
    return np.moveaxis(codes, 0, axis), np.moveaxis(scale, 0, axis)


def _group(owner, group_size, n):
    if group_size is None:
        return max(n, 1)
    if isinstance(group_size, bool) or not isinstance(group_size, (int, np.integer)) \
            or group_size < 1:
        raise ValueError(f"{owner}: expected group_size to be an integer ≥ 1 (inputs per "
                         f"scale) or None (one scale per output channel), got "
                         f"{group_size!r}.")
    return int(group_size)


def dequantise(codes, scale, *, axis=0, group_size=None):
    """Ŵ = codes · scale, each scale repeated over its group along ``axis`` (float64).

    ``group_size`` as given to ``quantise_weights``; ``None`` reads it from the shapes
    (codes.shape[axis] / scale.shape[axis], which must then divide evenly).

    Shapes:
        codes: (n_in, n_out);  scale: as ``quantise_weights`` returns  →  (n_in, n_out)
    """
    codes, scale = np.asarray(codes), np.asarray(scale)
    fits = (codes.ndim == 2 and scale.ndim == 2 and axis in (0, 1)
            and scale.shape[1 - axis] == codes.shape[1 - axis] and scale.shape[axis] > 0)
    n = codes.shape[axis] if fits else 0
    if fits and group_size is None:
        fits = n % scale.shape[axis] == 0
        group_size = n // scale.shape[axis] if fits else None
    if fits:
        group_size = _group("dequantise", group_size, n)
        fits = -(-n // group_size) == scale.shape[axis]
    if not fits:
        raise ValueError(f"dequantise: codes of shape {codes.shape} and scale of shape "
                         f"{scale.shape} do not fit along axis {axis} (group_size="
                         f"{group_size}); pass the pair quantise_weights returned, with its "
                         f"axis and group_size.")
    full = np.repeat(scale.astype(np.float64), group_size, axis=axis)
    full = full[:n] if axis == 0 else full[:, :n]
    return codes.astype(np.float64) * full


def nbytes_as(model, fmt):
    """The bytes of ``model``'s parameters and buffers stored in ``fmt`` ("float64",
    "float32", "bfloat16", "float16"): their count times 8, 4, 2 or 2."""
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise ValueError(f"nbytes_as: unknown format {fmt!r}; expected one of "
                         f"{', '.join(map(repr, FORMATS))} (a quantised model has .nbytes).")
    n = sum(a.size for a in (*model.params.values(), *model.buffers.values()))
    return n * FORMATS[fmt]["bits"] // 8


class QuantisedModel(Sequential):
    """A ``Sequential`` whose weight matrices are int8 or int4 codes times float32 scales.

    Made by ``quantise(model, bits, group_size=)``. Its layers are a copy of the float
    model's, each quantised matrix replaced by Ŵ = code·scale (in the model's dtype), so
    ``predict``, ``evaluate`` and ``nb.generate`` run as on any model (a real int8 kernel
    multiplies the codes and applies the scale afterwards: the same numbers). It refuses
    ``fit``, ``train_step`` and ``compute_gradients``: train the float model and quantise
    it again.

    Attributes:
        bits, group_size: as given to ``quantise``.
        codes, scales, axes: per quantised parameter (keys as ``model.params``: "1.W_1").
        nbytes: the bytes it stores: a byte per int8 code (half a byte per int4 code),
            4 per scale, and the other parameters and buffers in their own dtype.

    ``save(path)`` writes the codes (int4 packed two to a byte) and scales, not Ŵ;
    ``load_quantised(path)`` reads it back. Chapter 24.
    """

    def __init__(self, layers, *, codes, scales, axes, bits, group_size, input_shape=None):
        super().__init__(layers, input_shape=input_shape)
        self.codes, self.scales, self.axes = dict(codes), dict(scales), dict(axes)
        self.bits, self.group_size = bits, group_size

    @property
    def nbytes(self) -> int:
        codes = sum(-(-c.size * self.bits // 8) for c in self.codes.values())
        scales = sum(s.nbytes for s in self.scales.values())
        rest = sum(a.nbytes for k, a in {**self.params, **self.buffers}.items()
                   if k not in self.codes)
        return codes + scales + rest

    def _refuse(self, *args, **kwargs):
        raise ValueError(f"QuantisedModel: a quantised model predicts and generates; it does "
                         f"not train (its weights are int{self.bits} codes times scales). "
                         f"Train the float model, then quantise it again: "
                         f"nb.precision.quantise(model, bits={self.bits}).")

    fit = train_step = compute_gradients = _refuse

    def set_weights(self, weights) -> None:
        """Refused: the quantised matrices are ``codes · scale``, and new values would not be
        codes times scales (``save`` writes the codes)."""
        raise ValueError(f"QuantisedModel.set_weights: a quantised model's matrices are "
                         f"int{self.bits} codes times scales, which new weights are not; "
                         f"save would write the old codes. Set the weights on the float "
                         f"model, then quantise it again: nb.precision.quantise(model, "
                         f"bits={self.bits}).")

    def save(self, path) -> str:
        """Write the model to ``path`` (``.npz`` added): the float parts as
        ``Sequential.save`` writes them, the quantised matrices as codes and scales.
        A quantised matrix changed since ``quantise`` (no longer its codes times its
        scales) is a ``ValueError``: the file would hold the old one."""
        for k, W in self.params.items():
            if k in self.codes and not np.array_equal(W, dequantise(
                    self.codes[k], self.scales[k], axis=self.axes[k],
                    group_size=self.group_size).astype(W.dtype)):
                raise ValueError(f"QuantisedModel.save: the matrix {k!r} is no longer its "
                                 f"int{self.bits} codes times its scales (it was changed after "
                                 f"quantise), so the file would hold the old one. Change the "
                                 f"float model, then quantise it again: "
                                 f"nb.precision.quantise(model, bits={self.bits}).")
        path = os.fspath(path)
        path = path if path.endswith(".npz") else path + ".npz"
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"QuantisedModel.save: the folder {folder!r} of {path!r} "
                                    f"does not exist; create it first (os.makedirs).")
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            with np.load(super().save(os.path.join(tmp, "float"))) as data:
                arrays = {k: data[k] for k in data.files if k not in self.codes}
            meta = {"bits": self.bits, "group_size": self.group_size,
                    "keys": {k: {"axis": self.axes[k], "shape": list(c.shape)}
                             for k, c in self.codes.items()}}
            arrays[_KEY] = np.array(json.dumps(meta))
            for k, c in self.codes.items():
                arrays[f"quantised/{k}.codes"] = _pack4(c) if self.bits == 4 else c
                arrays[f"quantised/{k}.scale"] = self.scales[k]
            part = os.path.join(tmp, "quantised.npz")
            np.savez(part, **arrays)
            os.replace(part, path)
        return path


def _pack4(codes):
    """int4 codes in [−7, 7] as bytes, two to a byte (code + 8 in each nibble)."""
    u = (codes.ravel().astype(np.int16) + 8).astype(np.uint8)
    if u.size % 2:
        u = np.append(u, np.uint8(8))
    return u[0::2] | (u[1::2] << 4)


def _unpack4(packed, shape):
    u = np.empty(2 * packed.size, dtype=np.int16)
    u[0::2], u[1::2] = packed & 0x0F, packed >> 4
    return (u[:int(np.prod(shape))] - 8).astype(np.int8).reshape(shape)


def _weights(model):
    """The parameters ``quantise`` takes by default, each with its inputs' axis: every
    2-D array named W… (Dense, attention, feed-forward, embedding tables); an embedding's
    table is quantised per row (a scale per token or position)."""
    found = {}
    for i, layer in enumerate(model.layers):
        table = isinstance(layer, (Embedding, PositionalEmbedding))
        for name, p in layer.params.items():
            if p.ndim == 2 and name.split(".")[-1].startswith("W"):
                found[f"{i}.{name}"] = 1 if table else 0
    return found


def quantise(model, bits=8, *, group_size=None, keys=None):
    """A ``QuantisedModel``: a copy of ``model`` with its weight matrices quantised.

    Args:
        model: a trained ``Sequential`` (left unchanged).
        bits: 8 (int8) or 4 (int4).
        group_size: inputs per scale (``None``: one scale per output channel, the usual
            int8 choice; int4 usually takes groups of 32 to 128).
        keys: the parameters to quantise, as ``model.params`` names them ("1.attn.W_q"),
            a list or one name as a string;
            ``None``: every 2-D weight matrix (Dense, attention and feed-forward weights per
            output column; Embedding and PositionalEmbedding tables per row, which the
            tied ``Unembedding`` reads as its output channels). Norms' gains, biases and
            convolution kernels stay as they are.

    Shapes: the model's, unchanged. Chapter 24.
    """
    if not isinstance(model, Sequential):
        raise ValueError(f"quantise: expected a Sequential model, got {model!r}. Put the "
                         f"layers in nb.Sequential([...]) first.")
    found = _weights(model)
    if keys is None:
        keys = list(found)
    elif isinstance(keys, str):                   # one name, as add_lora's targets take it
        keys = [keys]
    for k in keys:
        if k not in found:
            raise ValueError(f"quantise: no parameter {k!r} in the model; its 2-D weights "
                             f"are {list(found)}.")
    if bits not in (8, 4) or isinstance(bits, bool):
        raise ValueError(f"quantise: expected bits to be 8 or 4, got {bits!r}.")
    _group("quantise", group_size, 1)
    copied = copy.deepcopy(model.layers)
    live = {f"{i}.{k}": p for i, layer in enumerate(copied) for k, p in layer.params.items()}
    codes, scales, axes = {}, {}, {}
    for k in keys:
        W, axis = live[k], found[k]
        codes[k], scales[k] = quantise_weights(W, bits, group_size=group_size, axis=axis)
        W[...] = dequantise(codes[k], scales[k], axis=axis, group_size=group_size)
        axes[k] = axis
    out = QuantisedModel(copied, codes=codes, scales=scales, axes=axes, bits=bits,
                         group_size=group_size, input_shape=model.input_shape)
    out.loss, out.metrics = copy.deepcopy(model.loss), list(model.metrics)
    for layer in out.layers:
        layer.trainable = False
    return out


def load_quantised(path) -> QuantisedModel:
    """The ``QuantisedModel`` that ``QuantisedModel.save`` wrote to ``path``: the same
    codes and scales, the same predictions."""
    path = os.fspath(path)
    path = path if os.path.exists(path) or not os.path.exists(path + ".npz") else path + ".npz"
    with np.load(path, allow_pickle=False) as data:
        if _KEY not in data.files:
            raise ValueError(f"load_quantised: {path!r} holds no quantised weights; a float "
                             f"model loads with nb.load_model(path).")
        meta = json.loads(str(data[_KEY][()]))
        arrays = {k: data[k] for k in data.files
                  if k != _KEY and not k.startswith("quantised/")}
        codes, scales, axes = {}, {}, {}
        for k, info in meta["keys"].items():
            c = data[f"quantised/{k}.codes"]
            codes[k] = _unpack4(c, tuple(info["shape"])) if meta["bits"] == 4 else c
            scales[k], axes[k] = data[f"quantised/{k}.scale"], int(info["axis"])
    dtype = np.dtype(json.loads(str(arrays["__architecture__"][()]))["dtype"])
    for k in codes:
        arrays[k] = dequantise(codes[k], scales[k], axis=axes[k],
                               group_size=meta["group_size"]).astype(dtype)
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(os.path.join(tmp, "float.npz"), **arrays)
        model = load_model(os.path.join(tmp, "float.npz"))
    out = QuantisedModel(model.layers, codes=codes, scales=scales, axes=axes,
                         bits=meta["bits"], group_size=meta["group_size"],
                         input_shape=model.input_shape)
    out.loss, out.metrics = model.loss, list(model.metrics)
    for layer in out.layers:
        layer.trainable = False
    return out
