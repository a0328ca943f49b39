"""Saving and loading models: one ``.npz`` file holding the architecture (as
JSON text) and the weights, written atomically and read without pickle.
``Sequential.save`` and ``load_model`` are introduced in chapter 00.
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
import zipfile

import numpy as np

from .layers import Layer
from .losses import Loss
from .model import Sequential
from .optimizers import Optimizer

__all__ = ["save_model", "load_model"]

FORMAT = "nnbook-model"
VERSION = 1


def save_model(model: Sequential, path) -> str:
    """Write ``model`` to ``path`` (``.npz`` added if missing); returns the path.

    The file goes to a temporary name in the same folder first and is then
    renamed, so a crash never leaves a half-written model behind.
    """
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    arch = {"format": FORMAT, "version": VERSION, "input_shape": model.input_shape,
            "dtype": model.dtype.name,
            "layers": [{"class": type(l).__name__, "config": l.get_config()} for l in model.layers]}
    if model.loss is not None:
        arch["loss"] = {"class": type(model.loss).__name__,
                        "from_logits": getattr(model.loss, "from_logits", False)}
    if model.optimizer is not None:
        arch["optimizer"] = {"class": type(model.optimizer).__name__,
                             "config": model.optimizer.get_config()}
    arrays = {f"layer{i}.{k}": p for i, l in enumerate(model.layers) for k, p in l.params.items()}
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".nnbook-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, __architecture__=np.array(json.dumps(arch)), **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def load_model(path) -> Sequential:
    """Read a model written by ``Sequential.save``; predictions are identical.

    Never unpickles. A damaged or foreign file raises ``ValueError``.
    """
    import nnbook  # the registry of layer, loss and optimizer classes

    path = os.fspath(path)
    if not os.path.exists(path) and os.path.exists(path + ".npz"):
        path += ".npz"
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_model: no file {path!r}.")

    def lookup(name, base):
        cls = getattr(nnbook, str(name), None)
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise ValueError(f"unknown {base.__name__} class {name!r}")
        return cls

    try:
        with np.load(path, allow_pickle=False) as data:
            arch = json.loads(str(data["__architecture__"][()]))
            if not isinstance(arch, dict) or arch.get("format") != FORMAT:
                raise ValueError("not an nnbook model")
            if arch.get("version") != VERSION:
                raise ValueError(f"format version {arch.get('version')}, this nnbook reads {VERSION}")
            dtype = np.dtype(arch["dtype"])
            if dtype not in (np.float32, np.float64):
                raise ValueError(f"dtype {dtype}, expected float32 or float64")
            layers = []
            for i, spec in enumerate(arch["layers"]):
                cls = lookup(spec["class"], Layer)
                cfg = dict(spec["config"])
                layer = cls(**cfg, **({"dtype": dtype, "rng": np.random.default_rng(0)}
                                      if _takes_params(cls) else {}))
                for k, p in layer.params.items():
                    saved = data[f"layer{i}.{k}"]
                    if saved.dtype.kind != "f":
                        raise ValueError(f"layer {i} {k} holds {saved.dtype}, expected floats")
                    if saved.shape != p.shape:
                        raise ValueError(f"layer {i} {k} has shape {saved.shape}, expected {p.shape}")
                    p[...] = saved
                layers.append(layer)
            shape = arch.get("input_shape")
            model = Sequential(layers, input_shape=None if shape is None else tuple(shape))
            if "loss" in arch:
                model.loss = lookup(arch["loss"]["class"], Loss)(
                    **({"from_logits": True} if arch["loss"].get("from_logits") else {}))
            if "optimizer" in arch:
                model.optimizer = lookup(arch["optimizer"]["class"], Optimizer)(
                    **arch["optimizer"]["config"])
    except (OSError, EOFError, KeyError, TypeError, ValueError, AttributeError, MemoryError,
            OverflowError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise ValueError(
            f"load_model: {path!r} is not a readable nnbook model ({exc}). The file may be "
            f"damaged or written by another program; save the model again with model.save(path)."
        ) from None
    return model


def _takes_params(cls) -> bool:
    return "dtype" in inspect.signature(cls.__init__).parameters
