"""The arena's guards (chapter 37): cheap checks, in the recipe's own process (child.py),
that a recipe left the counting as it found it: a subclass counted as its base, a patched
factor, count or meter. The recipe's process is the recipe's, so these stop the casual
cheat there; what they miss cannot reach the harness's process, which scores the model
on text it draws afterwards, and refuses a score below ``SCORE_FLOOR`` and a CPU time past
what the counted multiplications take (harness.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..layers.base import Layer
from . import budget as _budget
from . import text as _text

__all__ = ["SCORE_FLOOR", "Watch", "check_layer_types"]

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


def _state(meter):
    """Everything the counting relies on that a recipe could replace, by name."""
    out = {f"budget.{k}": getattr(_budget, k) for k in (
        "BACKWARD_FACTOR", "forward_multiplications", "layer_multiplications",
        "optimizer_multiplications", "fingerprint", "_FREE")}
    out.update({f"budget.Meter.{k}": vars(_budget.Meter)[k] for k in (
        "spend", "__init__", "budget", "spent")})
    out.update({f"budget.CountedModel.{k}": vars(_budget.CountedModel)[k] for k in (
        "forward", "backward", "train_step", "check_untouched")})
    out.update({f"text.{k}": getattr(_text, k) for k in (
        "evaluation_text", "_evaluation", "_RUNNING", "_EVAL", "_TRAIN", "recipe_running",
        "a_recipe_runs")})
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
