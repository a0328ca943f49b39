"""The arena's record of a counted model's settings (chapter 37): what its layers and optimizer
hold besides their weights. The count reads some of these numbers (an experts layer's
``d_ff``, Muon's ``hidden_only``), the forward and the scorer others (a norm's ``eps``,
attention's ``causal``): a number changed after ``arena.model`` could make a step cost more
than it is counted, or change the scored model with nothing counted. ``settings`` lists every
number, string and flag the layers (and the parts they hold) and the optimizer keep, less
what a forward or a step writes itself; ``buffers_print`` digests the layers' buffers (an
experts layer's routing bias, which its step moves); ``check_causal`` refuses attention that
can see later positions: in a window the target at t is the input at t + 1."""

from __future__ import annotations

import hashlib
import math
import numbers
import sys
import types

import numpy as np

__all__ = ["settings", "buffers_print", "check_causal", "check_settings"]

_SCALARS = (bool, int, float, complex, str, type(None))
_SKIP = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.ModuleType,
         type)
#: attributes a forward or a step writes (a MoE's routing results, the rate a schedule sets,
#: the optimizer's step counts, caches a forward fills, the digested arrays): not settings
_WRITTEN = frozenset({"dropped", "capacity", "aux_loss", "probs", "chosen", "load", "lr", "t",
                      "iterations", "training", "_training", "attention_weights", "_ids",
                      "_own", "_x", "_shape", "_saved", "_ready", "_cache", "_named", "_state",
                      "_split", "params", "grads", "buffers"})


def _walk(obj, path, out, seen):
    """(path, value) of every scalar attribute of ``obj`` and of the library objects it holds
    (not arrays: the weights, gradients and buffers are followed by their digests)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    elif isinstance(obj, dict):
        items = obj.items()
    elif type(obj).__module__.split(".")[0] == "nnbook" or isinstance(obj, types.SimpleNamespace):
        items = getattr(obj, "__dict__", {}).items()
    else:
        return
    for k, v in list(items):
        if k in _WRITTEN or \
                isinstance(v, (np.ndarray, *_SKIP)):
            continue
        if isinstance(v, _SCALARS) or isinstance(v, tuple) and all(
                isinstance(e, _SCALARS) for e in v):
            out.append((f"{path}.{k}" if isinstance(k, str) else f"{path}[{k!r}]", v))
        else:
            _walk(v, f"{path}.{k}" if isinstance(k, str) else f"{path}[{k!r}]", out, seen)


def settings(layers, optimizer=None) -> tuple:
    """The layers' (and the optimizer's, when given) settings: ``((where, value), ...)``."""
    out, seen = [], set()
    for i, layer in enumerate(layers):
        _walk(layer, f"layer {i} ({type(layer).__name__})", out, seen)
    for name, part in (("the optimizer", optimizer),
                       ("the optimizer's fallback", getattr(optimizer, "fallback", None))):
        if part is not None:
            _walk(part, name, out, seen)
    return tuple(out)


def buffers_print(layers) -> str:
    """A digest of every ``buffers`` array the layers and their parts hold, in order."""
    h, stack = hashlib.blake2b(digest_size=16), list(reversed(list(layers)))
    seen = set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen or type(obj).__module__.split(".")[0] != "nnbook":
            continue
        seen.add(id(obj))
        for k, v in sorted((getattr(obj, "buffers", None) or {}).items()) \
                if isinstance(getattr(obj, "buffers", None), dict) else ():
            h.update(str(k).encode())
            h.update(np.ascontiguousarray(v).tobytes())
        for v in vars(obj).values():
            stack.extend(v if isinstance(v, list) else [v])
    return h.hexdigest()


def check_settings(was, now, when):
    """Raise ``ValueError`` naming the first setting that differs between two records."""
    if was == now:
        return
    old, new = dict(was), dict(now)
    where = next((k for k in {**old, **new} if old.get(k, _GONE) != new.get(k, _GONE)))
    raise ValueError(f"arena: {where} is {new.get(where, '(gone)')!r} {when}, but was "
                     f"{old.get(where, '(none)')!r} when arena.model made the model (or the "
                     f"optimizer first stepped); expected the settings the model was built "
                     f"and compiled with, since the count and the scorer read them (a "
                     f"width the count reads but the forward does not, a norm's eps). Build "
                     f"the model with the settings you want; change only the learning rate.")


_GONE = object()


def check_causal(record):
    """Raise ``ValueError`` for attention (a layer or a block's part) that can see later
    positions: ``causal`` False in a ``settings`` record."""
    for where, value in record:
        if where.endswith(".causal") and value is not True:
            raise ValueError(
                f"arena: {where} is {value!r}: attention that can see later positions, whose "
                f"targets are in its input (the target at t is the character at t + 1); "
                f"expected causal attention. Build attention with causal=True "
                f"(MultiHeadAttention's default is False; TransformerBlock's is True).")


def check_rate(optimizer):
    """Raise ``ValueError`` unless the optimizer's (and its fallback's) learning rate ``lr``
    is a real number, finite, and 0 or at least the smallest normal float: an array
    broadcasts into the updates, and 1e-320 made the update underflow inside the step (the
    sixteenth cold reading of 37: a NumPy error callback ran there)."""
    for part in (optimizer, getattr(optimizer, "fallback", None)):
        lr = getattr(part, "lr", 0.0)
        try:                                       # (10**400 does not fit a float)
            value = float(lr) if isinstance(lr, numbers.Real) else math.nan
        except OverflowError:
            value = math.inf
        tiny = np.finfo(lr).tiny if isinstance(lr, np.floating) else sys.float_info.min
        if isinstance(lr, bool) or not math.isfinite(value) or value < 0 or 0 < value < tiny:
            raise ValueError(f"arena: the optimizer's learning rate lr is {lr!r}; expected a "
                             f"finite real number, 0 or a normal positive float. Set lr to a "
                             f"number such as 0.003.")
