"""The arena's guards (chapter 37): cheap checks, in the recipe's own process (child.py),
that a recipe left the counting as it found it: a subclass counted as its base, a patched
factor, count or meter, a model that starts from weights its layers' own initialisation
does not draw (trained elsewhere and loaded in). The recipe's process is the recipe's, so these stop the casual
cheat there; what they miss cannot reach the harness's process, which scores the model
on text it draws afterwards, and refuses a score below ``SCORE_FLOOR`` and a CPU time past
what the counted multiplications take (harness.py)."""

from __future__ import annotations

import importlib.machinery
import inspect
import numbers
import site
import sys
from pathlib import Path

import numpy as np

from ..layers.base import Layer
from ..saving.layer_refs import layer_from_file, layer_to_file
from . import budget as _budget
from . import settings as _settings
from . import text as _text
from .library import check_step, check_whole, snapshot_library

__all__ = ["SCORE_FLOOR", "Watch", "check_layer_types", "check_initialised", "check_step",
           "check_whole", "snapshot_library", "shadowing_files", "refuse_shadowing"]

#: the lowest score a model that never saw the evaluation text can plausibly get, bits per
#: character: minus about 2.5 times the text's noise per seed (about 0.02, chapter 37 § 5)
SCORE_FLOOR = -0.05
_PACKAGE = Path(__file__).resolve().parents[1]           # nnbook/


def _library_class(cls):
    """True when ``cls`` is defined in a module of the package, under its own name there."""
    module = sys.modules.get(getattr(cls, "__module__", ""), None)
    where = getattr(module, "__file__", None)
    return where is not None and _PACKAGE in Path(where).resolve().parents \
        and getattr(module, cls.__qualname__, None) is cls


def check_layer_types(layers, name="the recipe"):
    """Raise ``ValueError`` for a layer (or a part of one) whose class is not the library's
    own: the budget counts a layer by its library type, so a subclass that overrides
    ``forward`` (an oracle counted as a 1 × 1 ``Dense``) would run uncounted."""
    stack, seen = list(layers), set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (list, tuple)):
            stack.extend(obj)
        elif isinstance(obj, Layer):
            if not _library_class(type(obj)):
                base = next((c.__name__ for c in type(obj).__mro__[1:] if _library_class(c)),
                            "Layer")
                raise ValueError(
                    f"arena: {name} gave the layer {type(obj).__qualname__}, a subclass of "
                    f"{base} defined outside nnbook; expected the library's own layer "
                    f"types, which the budget counts by their type (a subclass's forward "
                    f"would run uncounted). Use {base} itself, or add the layer to nnbook "
                    f"with its count in nnbook/arena/budget.py.")
            stack.extend(v for v in vars(obj).values() if isinstance(v, (Layer, list, tuple)))


def _library_init(init, where):
    """``init`` when it is one of nnbook.init's initialisers (a closure of one holding only
    numbers: ``normal(0.02)``), else ``ValueError``: a function of the recipe's could return
    any weights it likes, trained ones included."""
    cells = [c.cell_contents for c in (getattr(init, "__closure__", None) or ())]
    if getattr(init, "__module__", None) == "nnbook.init" and all(
            isinstance(v, numbers.Real) for v in cells):
        return init
    raise ValueError(
        f"arena: {where} starts from the initialiser {getattr(init, '__name__', init)!r}, "
        f"which is not one of nnbook.init's; expected the library's own (by name, e.g. "
        f"init=\"he\", or nb.init.normal(0.02)): a function of the recipe's could hand the "
        f"model weights trained elsewhere. Use a library initialiser.")


def _rebuilt(layers, rng, name):
    """``layers`` built again from their configs (``get_config``, as ``load_model`` builds
    them; a link to an earlier layer kept), every one drawing from ``rng``: the weights the
    layers' own initialisation gives."""
    out = []
    for i, layer in enumerate(layers):
        where = f"{name}'s layer {i} ({type(layer).__name__})"
        try:
            cfg = {k: layer_from_file(layer_to_file(i, layer, k, v, layers), out)
                   for k, v in layer.get_config().items()}
            accepts = inspect.signature(type(layer).__init__).parameters
            made = {"rng": rng} if "rng" in accepts else {}
            arrays = [*layer.params.values(), *getattr(layer, "buffers", {}).values()]
            if "dtype" in accepts and "dtype" not in cfg and arrays:
                made["dtype"] = arrays[0].dtype
            if "init" in accepts and "init" not in cfg and hasattr(layer, "init"):
                made["init"] = _library_init(layer.init, where)
            out.append(type(layer)(**{**made, **cfg}))
        except (TypeError, ValueError) as exc:
            if str(exc).startswith("arena:"):
                raise
            raise ValueError(
                f"arena: could not build {where} again from its config to check its starting "
                f"weights ({exc}); expected a layer that load_model can rebuild. Use the "
                f"library's layers with their constructor's arguments.") from None
    return out


def check_initialised(layers, rng, name="arena.model"):
    """Raise ``ValueError`` unless every weight of ``layers`` is what the layers' own
    initialisation draws from ``rng`` (a copy of the arena's generator as the recipe was
    given it; it advances, so a second model is checked against the draws after the first).
    Weights set, loaded or trained before ``arena.model`` would count no multiplications:
    a model trained elsewhere, on any budget, scored as if trained on this one."""
    for i, (layer, fresh) in enumerate(zip(layers, _rebuilt(layers, rng, name))):
        arrays = {**layer.params, **getattr(layer, "buffers", {})}
        expected = {**fresh.params, **getattr(fresh, "buffers", {})}
        for k in arrays.keys() | expected.keys():
            a, e = arrays.get(k), expected.get(k)
            if a is None or e is None or a.shape != e.shape or not np.array_equal(
                    a, e, equal_nan=True):
                raise ValueError(
                    f"arena: {name}'s layer {i} ({type(layer).__name__}) starts with weights "
                    f"{k!r} that its own initialisation, drawn from arena.rng as the recipe "
                    f"was given it, does not give; expected the layers built from arena.rng "
                    f"before anything else draws from it, and their weights left as built "
                    f"(weights set, loaded or trained before arena.model would be trained "
                    f"on no counted multiplications). Build the layers first "
                    f"(arena.model(my_layers(arena.rng))), then draw windows, and change "
                    f"the weights only through fit.")

def _state(meter):
    """Everything the counting relies on that a recipe could replace, by name."""
    out = {f"budget.{k}": getattr(_budget, k) for k in (
        "BACKWARD_FACTOR", "forward_multiplications", "layer_multiplications",
        "optimizer_multiplications", "fingerprint", "_FREE", "_PRINTS", "_SERVED",
        "serve", "_unserved")}
    out.update({f"settings.{k}": getattr(_settings, k) for k in ("_WRITTEN", "_SKIP", "_SCALARS")})
    out.update({f"budget.Meter.{k}": vars(_budget.Meter)[k] for k in (
        "spend", "__init__", "budget", "spent")})
    out.update({f"budget.CountedModel.{k}": vars(_budget.CountedModel)[k] for k in (
        "forward", "backward", "train_step", "check_untouched")})
    out.update({f"text.{k}": getattr(_text, k) for k in (
        "evaluation_text", "_evaluation", "_RUNNING", "_EVAL", "_TRAIN", "recipe_running",
        "a_recipe_runs")})
    child = sys.modules.get("nnbook.arena.child")         # loaded when a recipe runs
    out["guard.check_initialised"] = check_initialised
    if child is not None:
        out["child.Arena.model"] = vars(child.Arena)["model"]
        out["child.check_initialised"] = child.check_initialised
        out["child.MADE"] = child.MADE
    out["the meter's budget"] = meter.budget
    out["the meter's watcher"] = meter.watcher
    out["a recipe running (the evaluation text's lock)"] = _text.a_recipe_runs()
    return out


class Watch:
    """Watches one seed's recipe: ``start`` takes a snapshot; the meter calls the watch at
    every spend (it compares the snapshot and keeps the harness's own tally of the
    multiplications); ``check`` compares once more after the recipe returned and raises
    ``ValueError`` naming the first thing that changed."""

    def __init__(self, meter, name, seed):
        self.meter, self.name, self.seed = meter, name, seed
        self.tally, self.seen, self.before = 0, [], None

    def start(self):
        self.meter.watcher = self
        self.before = _state(self.meter)
        return self

    def _changed(self):
        now = _state(self.meter)
        return [k for k, v in self.before.items() if not (now[k] is v or now[k] == v)]

    def __call__(self, n):                      # Meter.spend, before it adds n
        changed = self._changed()
        if self.meter.spent != self.tally:
            changed.append(f"the meter's spent ({self.meter.spent:,} where the harness "
                           f"counted {self.tally:,})")
        self.tally += int(n)
        if changed and not self.seen:
            self.seen.append(f"{changed[0]} changed while it trained")
        if self.seen:
            raise ValueError(self._message(self.seen[0]))

    def check(self):
        """Raise ``ValueError`` when the recipe replaced anything the harness relies on."""
        if self.seen:
            raise ValueError(self._message(self.seen[0]))
        changed = self._changed()
        if self.meter.spent != self.tally:
            changed.append(f"the meter's spent ({self.meter.spent:,} where the harness "
                           f"counted {self.tally:,})")
        if changed:
            raise ValueError(self._message(f"{changed[0]} changed"))

    def _message(self, what):
        return (f"arena: the recipe {self.name} tampered with the harness on seed "
                f"{self.seed}: {what}; expected it to leave the harness, its meter and "
                f"budget module as it found them. Remove the assignment: "
                f"train only through arena.model(...).fit.")


def installed_folders():
    """Python's own folders and its installed packages' (the environment's and the user's
    site-packages), resolved: what is there is not the learner's."""
    return sorted({Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                               *site.getsitepackages(),
                                               site.getusersitepackages())})


def shadowing_files():
    """The files in your own folders on ``sys.path`` (the current one under ``python -m`` and
    in a notebook, a script's) named as a module this process imported that Python also
    finds installed (NumPy, threadpoolctl, json, ...). A recipe runs as you and can write one
    there; the next import of that name, in a later seed's process or the next command,
    would run it in place of the module (the twelfth cold reading of 37: a threadpoolctl.py
    left in the board's folder halved the next submit's scores, and verify passed it)."""
    installed = installed_folders()
    entries = [Path(e or ".").resolve() for e in sys.path if isinstance(e, str)]
    yours = [e for e in entries if not any(e == p or p in e.parents for p in installed)]
    theirs = [str(e) for e in entries if e not in yours]
    found = []
    for name in sorted({m.partition(".")[0] for m in list(sys.modules)}):
        if name.startswith("__") or not name.isidentifier():
            continue
        here = [spec.origin for spec in (importlib.machinery.PathFinder.find_spec(
            name, [str(f)]) for f in yours) if spec is not None and spec.has_location]
        if here and (name in sys.stdlib_module_names or name in sys.builtin_module_names
                     or importlib.machinery.PathFinder.find_spec(name, theirs) is not None):
            found.append(here[0])
    return found


def refuse_shadowing(when):
    """``ValueError`` naming the first of ``shadowing_files()``, found ``when``."""
    planted = shadowing_files()
    if planted:
        raise ValueError(
            f"arena: {when}, {planted[0]} is in a folder Python searches before the "
            f"installed modules, under the name of one the arena uses: a recipe (it runs as "
            f"you) can leave such a file, and the next import of that name would run it in "
            f"place of the module; expected none. Remove it (and look at the recipe that "
            f"wrote it), and run the arena from a folder of its own.")
