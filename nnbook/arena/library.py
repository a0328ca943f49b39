"""The arena's check of the code a counted step runs (chapter 37): a recipe's step must apply
the library's own update. ``snapshot_library`` records, before the recipe's code runs, every
function, class and module nnbook's modules hold by name (and NumPy's, math's, Python's
builtins), every attribute of nnbook's classes and every function's code; ``check_step``,
at every counted step, compares them all (a name that holds another object, a class or
module given a new name that hides a method or a builtin), refuses an optimizer of a class
that is not nnbook's own, an object of the recipe's or a method set on an object in the
optimizer, the loss, the layers, the step plans, the meter or anything else the model
holds (``check_whole``: every type exactly the library's or plain data's, at every step,
since a list or dict of the recipe's runs its methods as the step reads it), and a hook,
gc callback or thread beside the step (beside.py). An optimizer of the recipe's own, or a
library method replaced, could write in weights trained elsewhere with nothing counted."""

from __future__ import annotations

import builtins
import itertools
import operator
import os
import sys
import types
import weakref
from pathlib import Path

import numpy as np

from ..optimizers.base import Optimizer
from . import beside

__all__ = ["snapshot_library", "check_step", "check_whole"]

_PACKAGE = Path(__file__).resolve().parents[1]           # nnbook/

#: modules a counted step calls besides nnbook's own, recorded with them
_OUTSIDE = ("numpy", "numpy.linalg", "numpy.dtypes", "numpy.random", "math", "builtins")
#: the harness's own modules, which no step runs (a recipe that replaces them in its
#: process changes nothing: the harness scores in its own)
_SCORING = ("nnbook.arena.harness", "nnbook.arena.leaderboard", "nnbook.arena.__main__")
_RECORDED, _OWN_TYPES, _FILES = set(), set(), {}
#: each recorded module's and (mutable) class's namespace: [namespace, its keys, their
#: number, name, a class (or a dict of functions)?, its owner's id]; a step refuses a new
#: key that hides a builtin (a module's) or runs code (a class's, a dict's)
_KEYS = []
_BUILTINS = frozenset(vars(builtins))
#: plain data's and the containers' types, by id: a class of the recipe's whose metaclass
#: answers == and hash() as ``list``'s would be taken for it by a set of the types
_PLAIN = frozenset(map(id, (type(None), bool, int, float, complex, str, bytes, slice, range)))
_CONTAINERS = frozenset(map(id, (dict, list, tuple, set, frozenset, weakref.WeakKeyDictionary,
                                 weakref.WeakValueDictionary, types.SimpleNamespace)))
_ATTRS = ("__code__", "__defaults__", "__kwdefaults__")
_IMMUTABLE = 1 << 8                            # Py_TPFLAGS_IMMUTABLETYPE (Python 3.10+)
_GONE, _KEY, _PID = object(), object(), [None]  # (a path's dict key; who recorded)


#: recorded names: {id(owner): (its namespace, keys, objects, full names)}, the functions
#: and their ``_ATTRS`` (a list of functions, of values, each), the fast comparison's lists
_WHOLE = {}, tuple(([], []) for _ in _ATTRS), []


def _record(owner, key, value, where):
    spaces, codes, made = _WHOLE
    space = owner if type(owner) is dict else vars(owner)
    keys, values, names = spaces.setdefault(id(owner), (space, [], [], []))[1:]
    keys.append(key)
    values.append(value)
    names.append(where)
    made.clear()
    if isinstance(value, types.FunctionType):            # (defaults given to a function
        for i, attr in enumerate(_ATTRS):                  # that has none change nothing)
            if i == 0 or getattr(value, attr) is not None:
                codes[i][0].append(value)
                codes[i][1].append(getattr(value, attr))


def snapshot_library():
    """Record every function, class and module that nnbook's modules (and NumPy's, math,
    the builtins) hold by name, every attribute of nnbook's classes, every function's code
    and each namespace's keys; a module is recorded once (a later call adds the modules
    imported since). ``check_step`` compares them at every counted step. The recipe's
    process calls it before the recipe's file runs (and the package's import did, before
    anything else could); a process forked from the one that recorded (a recipe function
    of the caller's) records afresh: the caller's library, as it is when the recipe's
    process starts, is the one the recipe must leave as it is."""
    if _PID[0] != os.getpid():
        _RECORDED.clear()
        _OWN_TYPES.clear()
        _KEYS.clear()
        _WHOLE[0].clear()
        for held in _WHOLE[1]:
            held[0].clear()
            held[1].clear()
        _PID[0] = os.getpid()
    _WHOLE[2].clear()
    for name, module in list(sys.modules.items()):
        if module is None or name in _RECORDED or name in _SCORING or not (
                name == "nnbook" or name.startswith("nnbook.") or name in _OUTSIDE):
            continue
        _RECORDED.add(name)
        if name != "builtins":                     # (a notebook adds names to it)
            _KEYS.append([vars(module), list(vars(module)), len(vars(module)), name, False,
                          id(module)])
        for key, value in list(vars(module).items()):
            if type(value) is dict and name.startswith("nnbook") and key[:2] != "__" and value \
                    and id(value) not in _WHOLE[0] \
                    and all(type(v) is types.FunctionType for v in value.values()):
                _KEYS.append([value, list(value), len(value), f"{name}.{key}", True,
                              id(value)])           # a table of functions (Muon's scales)
                for k, v in list(value.items()):    # that a step looks up, in place
                    _record(value, k, v, f"{name}.{key}[{k!r}]")
            if not (callable(value) or isinstance(value, types.ModuleType)) or (
                    name == "builtins" and getattr(value, "__module__", "") != name):
                continue
            _record(module, key, value, f"{name}.{key}")
            if isinstance(value, type) and value.__module__.split(".")[0] in (
                    "nnbook", "numpy") and id(value) not in _OWN_TYPES:
                _OWN_TYPES.add(id(value))
                if value.__flags__ & _IMMUTABLE:    # (NumPy's C types: no assignment
                    continue                        # can change them)
                where = f"{value.__module__}.{value.__qualname__}"
                ours = value.__module__.split(".")[0] == "nnbook"   # (all its attributes)
                _KEYS.append([vars(value), list(vars(value)), len(vars(value)), where, True,
                              id(value)])
                for k, v in list(vars(value).items()):
                    if ours or callable(v) or isinstance(v, (classmethod, staticmethod,
                                                             property)):
                        _record(value, k, v, f"{where}.{k}")


def _fast():
    """The recorded names, codes and keys as flat lists, for ``_library_same``."""
    spaces, codes, made = _WHOLE
    gets = [(sp, operator.itemgetter(*keys, keys[0])) for sp, keys, _, _ in spaces.values()]
    held = [v for _, _, values, _ in spaces.values() for v in (*values, values[0])]
    kept = []                                   # (a getter, functions, their values), once
    for attr, (fns, values) in zip(_ATTRS, codes):
        once = {id(f): (f, v) for f, v in zip(fns, values)}.values()
        kept.append((operator.attrgetter(attr), [f for f, _ in once], [v for _, v in once]))
    named = {i: set(space[1]) for i, space in spaces.items()}
    rest = [(k[0], key) for k in _KEYS for key in k[1]       # the keys no name compares
            if key not in named.get(k[5], ())]
    made[:] = [gets, held, kept, [k[0] for k in _KEYS], [k[2] for k in _KEYS],
               [sp for sp, _ in rest], [key for _, key in rest]]
    return made


def _library_same():
    """True when every recorded name holds its object, every function its code, and every
    recorded namespace its keys alone (C loops over flat lists, ``is`` each: not ``id``,
    which costs an audit event, nor ``==``, which an object of the recipe's could answer)."""
    gets, held, kept, spaces, sizes, owners, keys = _WHOLE[2] or _fast()
    try:
        same = all(map(operator.is_, itertools.chain.from_iterable(
            get(sp) for sp, get in gets), held))
    except KeyError:
        return False
    return same and all(all(map(operator.is_, map(get, fns), was)) for get, fns, was in kept) \
        and list(map(len, spaces)) == sizes and all(map(operator.contains, owners, keys))


def _new_key():
    """The first new key of a recorded namespace that hides a builtin (a module's) or runs
    code (a class's: a method over its base's), or None; a module's other new names (a
    submodule imported later) are added to what it holds."""
    for held in _KEYS:
        space, keys, size, where, is_class, _ = held
        if len(space) == size:
            continue
        known = set(keys)
        new = [k for k in space if k not in known]
        for k in new:
            v = space[k]
            if not is_class and k in _BUILTINS:
                return f"{where}.{k}, a new name that hides Python's builtin {k}"
            if is_class and (callable(v) or hasattr(type(v), "__get__")):
                return f"{where}.{k}, a new attribute {v!r} over its bases' {k}"
        if not is_class:
            held[1], held[2] = list(space), len(space)
            _WHOLE[2].clear()
    return None


def _library_changed():
    """The first recorded name that holds another object (or code) now, or a new name
    that hides a builtin or a method (``_new_key``), or None."""
    if _library_same():
        return None
    spaces, codes, _ = _WHOLE
    for space, keys, values, where in spaces.values():
        for k, v, w in zip(keys, values, where):
            if space.get(k, _GONE) is not v:
                return w
    for attr, (fns, held) in zip(_ATTRS, codes):
        if not all(map(operator.is_, map(operator.attrgetter(attr), fns), held)):
            fn = next(f for f, c in zip(fns, held) if getattr(f, attr) is not c)
            return f"{fn.__module__}.{fn.__qualname__}'s {attr}"
    for space, keys, _, where, _, _ in _KEYS:
        gone = next((k for k in keys if k not in space), None)
        if gone is not None:
            return f"{where}.{gone} (deleted)"
    return _new_key()


def _library_file(code):
    known = _FILES.get(code.co_filename)
    if known is None:
        known = _FILES[code.co_filename] = _PACKAGE in Path(code.co_filename).resolve().parents
    return known


def _items(obj, t):
    """(key, value) of a container's items, a library object's attributes."""
    if t is dict or t is weakref.WeakKeyDictionary or t is weakref.WeakValueDictionary:
        return [p for k, v in list(obj.items()) for p in (((_KEY, k), k), (k, v))]
    if t is list or t is tuple or t is set or t is frozenset:
        return enumerate(obj)
    out = list(getattr(obj, "__dict__", {}).items())
    for c in t.__mro__:
        out += [(k, getattr(obj, k)) for k in getattr(c, "__slots__", ()) if hasattr(obj, k)]
    return out


def _foreign(root, where):
    """``(path, what)`` of the first object reachable from ``root`` (attributes, items,
    closures, bound methods) that is neither plain data (numbers, strings, containers,
    NumPy arrays of numbers) nor the library's (an instance of a class recorded by
    ``snapshot_library``, a function of nnbook's files), or an attribute of a library
    object that hides its class's method; None when there is none."""
    stack, seen = [(root, where)], set()
    while stack:
        obj, path = stack.pop()
        t = type(obj)
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        kids = None
        if t is types.FunctionType:
            if not _library_file(obj.__code__):
                return path, f"the function {obj.__qualname__} of {obj.__code__.co_filename}"
            kids = []
            for cell in obj.__closure__ or ():
                try:
                    kids.append(("closure", cell.cell_contents))
                except ValueError:                           # an empty cell
                    pass
        elif t is types.MethodType:
            kids = [("__func__", obj.__func__), ("__self__", obj.__self__)]
        elif t is types.BuiltinFunctionType:
            owner = obj.__self__
            if not (owner is None or isinstance(owner, types.ModuleType)
                    and owner.__name__.split(".")[0] in ("numpy", "math", "builtins")):
                kids = [("__self__", owner)]
        elif t is types.ModuleType or t is weakref.ref or id(t) in _OWN_TYPES and \
                isinstance(obj, (np.generic, np.dtype)):
            continue
        elif id(t) in _OWN_TYPES and t.__qualname__ in ("Meter", "Watch") \
                and t.__module__ in ("nnbook.arena.budget", "nnbook.arena.guard"):
            # the meter and its watch: no method set on them, what they hold of exact
            # types; the watch's records (containers) are not walked (it compares them)
            kids = list(vars(obj).items())
            if _over_method(obj, t, kids, path) is not None:
                return _over_method(obj, t, kids, path)
            kids = [(k, v) for k, v in kids if id(type(v)) not in _CONTAINERS]
        elif isinstance(obj, type):
            if id(obj) not in _OWN_TYPES and obj.__module__ != "builtins":
                return path, f"the class {obj.__qualname__} of {obj.__module__}"
            continue
        elif id(t) in _CONTAINERS or id(t) in _OWN_TYPES:
            own = getattr(obj, "__dict__", None) if id(t) not in _CONTAINERS else None
            if own is not None:                     # (walked once: a step plan holds the
                if type(own) is not dict:           # layers' own, walked with them)
                    return (path, "__dict__"), f"a {type(own).__qualname__} " \
                                               f"of {type(own).__module__}"
                seen.add(id(own))
            kids = _items(obj, t)
            if id(t) not in _CONTAINERS and _over_method(obj, t, kids, path) is not None:
                return _over_method(obj, t, kids, path)
        else:
            return path, f"a {t.__qualname__} of {t.__module__}"
        for k, v in kids or ():
            tv = type(v)
            if tv is np.ndarray:
                if v.dtype.hasobject:
                    return (path, k), "an array of Python objects"
            elif id(tv) not in _PLAIN and not (tv is tuple and _arrays(v)):
                stack.append((v, (path, k)))
    return None


def _arrays(pair):
    """True for a tuple of plain data and arrays of numbers (a step plan's (parameter,
    gradient) pairs, many): looked at here rather than walked, for speed."""
    for v in pair:
        if not (type(v) is np.ndarray and not v.dtype.hasobject or id(type(v)) in _PLAIN):
            return False
    return True


def _spelled(path):
    out = []
    while isinstance(path, tuple):
        path, step = path
        key = type(step) is tuple and len(step) == 2 and step[0] is _KEY
        out.append(f" (a key {step[1]!r})" if key else f".{step}" if isinstance(step, str)
                   else f"[{step!r}]")
    return "".join([str(path), *reversed(out)])


def check_step(model):
    """Raise ``ValueError`` unless a counted step of ``model`` runs the library's own
    update: its optimizer of one of nnbook's optimizer classes (that exact type, not a
    subclass defined elsewhere; Muon's fallback too), every recorded name of nnbook, NumPy,
    math and the builtins, and every attribute of nnbook's classes, as the process started
    with them (``snapshot_library``), everything the model holds (its optimizer, loss,
    layers, step plans and meter, and the lists and dicts that hold them: ``check_whole``)
    plain data or the library's, of exactly their types, with no method set on an object,
    and no hook, gc callback or thread beside the step (``beside.check``). A step that ran
    other code (a list of the recipe's class as ``model.layers``, whose ``__iter__`` the
    step calls) could write in weights trained elsewhere, uncounted."""
    beside.check()
    opt = getattr(model, "optimizer", None)
    for part in (opt, getattr(opt, "fallback", None)):
        if part is not None and (id(type(part)) not in _OWN_TYPES
                                 or not isinstance(part, Optimizer)):
            base = next((c.__name__ for c in type(part).__mro__ if id(c) in _OWN_TYPES),
                        "Optimizer")
            raise ValueError(
                f"arena: arena.model's optimizer is of the class {type(part).__qualname__} "
                f"(of {type(part).__module__}), not one of nnbook's optimizers; expected "
                f"nnbook's own (SGD, Adam, AdamW, RMSProp, Muon, exactly those types): a "
                f"counted step runs the optimizer's step, which could write any weights in. "
                f"Compile with {base} itself, or add the optimizer to nnbook/optimizers/.")
    check_whole(model)


def _over_method(obj, t, items, path):
    """``(path, what)`` of an attribute set on ``obj`` over its class's method, or None."""
    for k, v in items:
        if callable(getattr(t, k, None)) and v is not getattr(t, k):
            return (path, k), f"{v!r}, set on the object over its class's {k}"
    return None


def check_whole(model):
    """``check_step``'s comparison, at every counted step and after the recipe returned:
    every recorded name of nnbook (and NumPy's, math's, the builtins) and everything
    ``model`` reaches (``_foreign``)."""
    changed = _library_changed()
    _refuse(changed, None if changed else _foreign(model, "arena.model"))


def _refuse(changed, found):
    if found is not None:
        changed = f"{_spelled(found[0])} is {found[1]}"
    if changed is not None:
        raise ValueError(
            f"arena: a counted step would run code that is not the library's: {changed} "
            f"(a replaced method, a function or an object of the recipe's); expected "
            f"arena.model's optimizer, loss, layers and nnbook's functions as the library "
            f"made them, since a step could write in weights trained elsewhere. Compile "
            f"with the library's optimizer and loss, set only their numbers "
            f"(model.optimizer.lr = ...), replace no method, and put no object of a class "
            f"of yours (a list or dict subclass too) in the model.")


snapshot_library()                     # what the package holds as it is imported
