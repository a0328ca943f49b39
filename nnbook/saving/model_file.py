"""The model file: one ``.npz`` holding the architecture (as JSON text), the
weights, the layer buffers and the optimizer state, written atomically and read
without pickle. ``Sequential.save`` (training/model.py) and ``nb.load_model``
(training/loading.py, which passes the loss and optimizer base classes) use it; chapter 00
introduces them.
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
import zipfile

import numpy as np

from ..layers.base import Layer
from ..registry import lookup, name_of
from .file_checks import array_shapes, check_finite, check_sizes
from .layer_refs import layer_from_file, layer_to_file

__all__ = ["save_model", "read_model"]

FORMAT = "nnbook-model"
VERSION = 2          # 2: keys "<layer>.<name>", buffers, optimizer state; 1 is still read
OPT = "optimizer/"   # prefix of the optimizer-state arrays
QUANTISED = "__quantised__"   # the key precision/quantise.py's files add


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_model(model, path) -> str:
    """Write ``model`` (a ``Sequential``) to ``path`` (``.npz`` added if missing).

    Array keys are ``"<layer index>.<name>"`` (``model.params`` and
    ``model.buffers``) and ``"optimizer/<key>"`` (``optimizer.get_state``).
    The file goes to a temporary name in the same folder first and is then
    renamed, with the permissions a plain ``open`` would give it.
    """
    path = given = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    for p in (given, path):
        if os.path.isdir(p):
            raise ValueError(f"Sequential.save: {p!r} is a folder; expected a file name, e.g. "
                             f"{os.path.join(p, 'model.npz')!r}.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Sequential.save: the folder {os.path.dirname(path)!r} of "
                                f"{path!r} does not exist; create it first (os.makedirs).")
    arch = {"format": FORMAT, "version": VERSION, "input_shape": model.input_shape,
            "dtype": model.dtype.name, "metrics": list(model.metrics),
            "layers": [{"class": _name(f"layer {i}", l), "config": _config(i, l, model.layers),
                        **({} if getattr(l, "trainable", True) else {"trainable": False}),
                        **({"frozen": _frozen(l)} if _frozen(l) else {})}
                       for i, l in enumerate(model.layers)]}
    if getattr(model, "trained_length", None):
        arch["trained_length"] = int(model.trained_length)
    arrays = {**model.params, **model.buffers}
    if model.loss is not None:
        arch["loss"] = {"class": _name("the loss", model.loss),
                        "config": _config("the loss", model.loss)}
    opt = model.optimizer
    if opt is not None:
        arch["optimizer"] = {"class": _name("the optimizer", opt), "config": opt.get_config()}
        if hasattr(opt, "get_state"):
            state = opt.get_state(list(model.params.values()))
            arrays.update({OPT + k: np.asarray(v) for k, v in state.items()})
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".nnbook-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, __architecture__=np.array(json.dumps(arch)), **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def _frozen(layer, every=False) -> list:
    """The names in ``layer.frozen_params`` beyond its class's own (``LoRA``'s W and b):
    the ones a learner froze (``block.attn.trainable = False`` freezes ``attn.*``).
    ``every``: the class's own."""
    own = getattr(type(layer), "frozen_params", ())
    own = tuple(own) if isinstance(own, tuple) else ()
    return list(own) if every else [k for k in layer.frozen_params if k not in own]


def _name(what, obj) -> str:
    """The class name the file writes for ``obj``: its registered name (``name_of``).
    Refused when that name belongs to another registered class, which load_model would
    otherwise build silently in its place (a learner's own ``Dense``, say)."""
    cls = type(obj)
    name = name_of(cls)
    taken = lookup(name)
    if taken is not None and taken is not cls and (taken.__module__, taken.__qualname__) != (
            cls.__module__, cls.__qualname__):
        raise ValueError(
            f"Sequential.save: {what} is a {cls.__module__}.{cls.__qualname__}, but the name "
            f"{name!r} belongs to {taken.__module__}.{taken.__qualname__}, which load_model "
            f"would build in its place. Register yours under a name of its own: put "
            f"@nb.register_class(name='My{name}') above 'class {name}'.")
    return name


def _plain(value):
    """NumPy scalars in a layer's config as Python numbers (JSON holds no NumPy types)."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value).__name__)


def _config(i, layer, layers=()) -> dict:
    """``layer.get_config()`` (or the loss's, ``i`` then names it), checked to fit in the
    file's JSON (another layer of the model as its index: layer_refs.py)."""
    cfg = layer.get_config()
    what = f"layer {i}" if isinstance(i, int) else i
    if not isinstance(cfg, dict):
        raise ValueError(f"Sequential.save: {what} ({type(layer).__name__}).get_config() "
                         f"returned {cfg!r}; expected a dict of its constructor arguments.")
    cfg = {k: layer_to_file(i, layer, k, v, layers) for k, v in cfg.items()}
    for k, v in cfg.items():
        try:
            cfg[k] = json.loads(json.dumps(v, default=_plain))
        except (TypeError, ValueError):
            raise ValueError(
                f"Sequential.save: {what} ({type(layer).__name__}).get_config() returned "
                f"{k}= of type {type(v).__name__}, which a model file cannot hold; return plain "
                f"numbers, strings and lists (e.g. {k}=value.tolist() for an array, turned "
                f"back into an array in __init__).") from None
    return cfg


class _Refused(ValueError):
    """A readable file that asks for something we will not build (reported as is)."""


_ABSTRACT = {"Layer", "Activation", "Loss", "Optimizer"}   # base classes, never in a file


def _lookup(name, base, custom_objects):
    """The class the file names: ``custom_objects`` first, then nnbook's registry."""
    name = str(name)
    custom = custom_objects or {}
    cls = lookup(name, custom)
    if isinstance(cls, type) and issubclass(cls, base):
        return cls
    if base is Layer and name in custom:
        what = (f"an instance of {type(cls).__name__}" if isinstance(cls, Layer)
                else repr(cls))
        raise _Refused(
            f"load_model: custom_objects[{name!r}] is {what}; expected the class itself, "
            f"a subclass of nb.Layer: custom_objects={{{name!r}: {name}}} (no parentheses).")
    if name in _ABSTRACT:
        raise _Refused(f"load_model: the file names the abstract class {name!r}, which cannot "
                       f"be built; the file is damaged or was not written by nnbook.")
    kind = "layer" if base is Layer else base.__name__.lower()
    keys = (f" custom_objects has {sorted(custom)}, but no {name!r}: each key must be "
            f"the class's name." if custom else "")
    raise _Refused(
        f"load_model: the file uses the {kind} class {name!r}, which nnbook does not "
        f"know. If it is your own, pass it: nb.load_model(path, custom_objects="
        f"{{{name!r}: {name}}}), or put @nb.register_class above its definition.{keys}")


def read_model(path, custom_objects=None, *, loss_base: type, optimizer_base: type) -> dict:
    """The parts of a saved model: ``layers`` (weights and buffers filled in),
    ``input_shape``, ``loss``, ``optimizer``, ``metrics`` and ``optimizer_state``
    (a dict for ``optimizer.set_state``, or None). The file's loss and optimizer classes
    must subclass ``loss_base`` and ``optimizer_base`` (``nb.Loss``, ``nb.Optimizer``)."""
    path = os.fspath(path)
    if not os.path.exists(path) and os.path.exists(path + ".npz"):
        path += ".npz"
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_model: no file {path!r}.")
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise ValueError(f"load_model: expected custom_objects as a dict such as "
                         f"{{'MyLayer': MyLayer}}, got {custom_objects!r}.")
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
            if QUANTISED in data.files:                  # QuantisedModel.save's file
                raise _Refused(f"load_model: {path!r} holds a quantised model (int codes and "
                               f"scales, chapter 24); load it with "
                               f"nb.precision.load_quantised(path).")
            arch = json.loads(str(data["__architecture__"][()]))
            if not isinstance(arch, dict) or arch.get("format") != FORMAT:
                raise ValueError("not an nnbook model")
            version = arch.get("version")
            if version not in (1, VERSION):
                raise ValueError(f"format version {version}, this nnbook reads 1 and {VERSION}")
            prefix = "layer" if version == 1 else ""
            dtype = np.dtype(arch["dtype"])
            if dtype not in (np.float32, np.float64):
                raise ValueError(f"dtype {dtype}, expected float32 or float64")
            layers, shapes = [], array_shapes(data)      # from the headers: nothing read yet
            for i, spec in enumerate(arch["layers"]):
                cls = _lookup(spec["class"], Layer, custom_objects)
                try:                                     # nnbook's own: sizes from the file
                    if not _learners(cls):
                        check_sizes(path, i, cls.__name__, spec["config"], shapes, f"{prefix}{i}.")
                except ValueError as exc:
                    raise _Refused(str(exc)) from None
                cfg = {k: layer_from_file(v, layers) for k, v in dict(spec["config"]).items()}
                try:
                    made = ({"dtype": dtype, "rng": np.random.default_rng(0)}
                            if _takes_params(cls) else {})
                    layer = cls(**{**made, **cfg})      # a config that has dtype= wins
                except (TypeError, ValueError) as exc:
                    if not _learners(cls):                # nnbook's own: the file is wrong
                        raise
                    raise _Refused(
                        f"load_model: could not build layer {i} as {cls.__name__}(**{cfg}) "
                        f"({exc}). Give the layer a get_config() that returns its constructor "
                        f"arguments, then save it again.") from None
                stored = {**layer.params, **getattr(layer, "buffers", {})}
                if not stored and _learners(cls):      # a learner's layer built lazily
                    stored = _lazy_params(layer, data, f"{prefix}{i}.", dtype)
                _same_keys(i, layer, stored, data.files, f"{prefix}{i}.")
                for k, p in stored.items():
                    saved = data[f"{prefix}{i}.{k}"]
                    if saved.dtype.kind != "f":
                        raise ValueError(f"layer {i} {k} holds {saved.dtype}, expected floats")
                    if saved.shape != p.shape and not _learners(cls):
                        raise ValueError(f"layer {i} {k} has shape {saved.shape}, "
                                         f"expected {p.shape}")
                    if saved.shape != p.shape:            # a learner's class changed
                        raise _Refused(
                            f"load_model: layer {i} ({cls.__name__}) {k!r} has shape "
                            f"{saved.shape} in the file, but {cls.__name__}(**{cfg}) makes "
                            f"{p.shape}; the class or its get_config() changed since saving.")
                    try:
                        check_finite(path, i, cls.__name__, k, saved)
                    except ValueError as exc:
                        raise _Refused(str(exc)) from None
                    p[...] = saved
                if spec.get("trainable", True) is False:   # frozen when saved (chapter 22)
                    layer.trainable = False
                if spec.get("frozen"):                    # some of its params frozen
                    layer.frozen_params = (*_frozen(layer, every=True),
                                           *(str(k) for k in spec["frozen"]))
                layers.append(layer)
            shape = arch.get("input_shape")
            out = {"layers": layers, "input_shape": None if shape is None else tuple(shape),
                   "loss": None, "optimizer": None, "optimizer_state": None,
                   "metrics": list(arch.get("metrics", [])),
                   "trained_length": arch.get("trained_length")}
            if "loss" in arch:
                out["loss"] = _build_loss(arch["loss"], custom_objects, loss_base)
            if "optimizer" in arch:
                opt = out["optimizer"] = _build_optimizer(
                    _lookup(arch["optimizer"]["class"], optimizer_base, custom_objects),
                    arch["optimizer"]["config"])
                state = {k[len(OPT):]: np.array(data[k]) for k in data.files if k.startswith(OPT)}
                if state and hasattr(opt, "set_state"):
                    out["optimizer_state"] = state
    except _Refused as exc:
        raise ValueError(str(exc)) from None
    except (OSError, EOFError, KeyError, TypeError, ValueError, AttributeError, MemoryError,
            OverflowError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise ValueError(
            f"load_model: {path!r} is not a readable nnbook model ({exc}). The file may be "
            f"damaged or written by another program; save the model again with model.save(path)."
        ) from None
    return out


def _build_loss(spec: dict, custom_objects, base: type):
    """The loss from its class (a subclass of ``base``) and ``get_config()`` (files written
    before losses had one keep ``from_logits`` and ``ignore_index`` beside the class)."""
    cls = _lookup(spec["class"], base, custom_objects)
    config = spec.get("config")
    if config is None:
        config = {k: spec[k] for k in ("ignore_index",) if k in spec}
        config.update({"from_logits": True} if spec.get("from_logits") else {})
    if not isinstance(config, dict):
        raise ValueError(f"loss config {config!r}, expected a dict")
    try:
        return cls(**config)
    except (TypeError, ValueError) as exc:
        if not _learners(cls):                        # nnbook's own: the file is wrong
            raise
        raise _Refused(f"load_model: could not build the loss as {cls.__name__}(**{config}) "
                       f"({exc}). Give the loss a get_config() that returns its constructor "
                       f"arguments, then save the model again.") from None


def _build_optimizer(cls, config: dict):
    """The optimizer from its saved config: ``cls.from_config`` (which accepts the learning
    rate 0 a schedule can reach) or, for a class without it, ``cls(**config)``. A refusal
    names the cause: the file itself is fine."""
    if not isinstance(config, dict):
        raise ValueError(f"optimizer config {config!r}, expected a dict")
    try:
        build = getattr(cls, "from_config", None)
        return build(dict(config)) if callable(build) else cls(**config)
    except (TypeError, ValueError) as exc:
        raise _Refused(f"load_model: the file's optimizer {cls.__name__} could not be rebuilt "
                       f"from its saved settings {config}: {exc}") from None


def optimizer_from_config(class_name, config: dict, custom_objects=None, *, base: type):
    """The optimizer a file names, rebuilt from its saved settings: the class looked up as
    ``load_model`` looks it up (``custom_objects`` first, then nnbook's registry; a subclass
    of ``base``, ``nb.Optimizer``), then built from ``config``. For other models' files (the
    VAE's) that keep an optimizer too."""
    return _build_optimizer(_lookup(class_name, base, custom_objects), config)


def _learners(cls) -> bool:
    """Whether ``cls`` is a learner's class rather than one of nnbook's own."""
    return not (cls.__module__ == "nnbook" or cls.__module__.startswith("nnbook."))


def _lazy_params(layer, data, prefix, dtype) -> dict:
    """A learner's layer that makes its params in its first forward (as Keras' build)
    gets them from the file: every saved array becomes a param, with a zero grad."""
    for f in data.files:
        if f.startswith(prefix):
            layer.params[f[len(prefix):]] = np.zeros(data[f].shape, dtype=dtype)
            layer.grads[f[len(prefix):]] = np.zeros(data[f].shape, dtype=dtype)
    return dict(layer.params)


def _same_keys(i, layer, stored, files, prefix) -> None:
    """The layer built from the file must hold the arrays the file has for it; when a
    learner's class holds others, the class changed (nnbook's own: the file is damaged)."""
    saved = sorted(f[len(prefix):] for f in files if f.startswith(prefix))
    if saved == sorted(stored):
        return
    if not saved or not _learners(type(layer)):         # nnbook's own: the file is damaged
        raise ValueError(f"layer {i} has arrays {saved}, expected {sorted(stored)}")
    raise _Refused(
            f"load_model: layer {i} ({type(layer).__name__}) has params/buffers "
            f"{sorted(stored)}, but the file holds {saved} for it; the class changed since "
            f"the model was saved. Load it with the class as it was, or build the new model "
            f"and copy the weights with set_weights.")


def _takes_params(cls) -> bool:
    return "dtype" in inspect.signature(cls.__init__).parameters
