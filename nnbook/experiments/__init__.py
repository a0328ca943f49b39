"""Results over seeds (from chapter 05 on): the tool (seeds.py: ``nb.over_seeds``,
``nb.SeedTable``, ``nb.seeds.stored``), and one module per chapter's experiment, named by
what it studies (``batch_sizes.py``, ``sequence_models.py``, ``masked_diffusion.py``; its
docstring says which chapter uses it), whose tables the repository stores in ``tables/``.

A module whose seeds cost too much for its notebook declares ``TABLES = {"NN_name":
(function, seeds)}``, where ``function(seed)`` returns a number or a dict of numbers; its
notebook imports the same function, shows ``nb.seeds.stored("NN_name")`` and runs one seed
itself, and ``python tools/seed_tables.py NN_name`` recomputes the table (README, "Results
over seeds").

A fixed trained model that many notebooks and tests start from (chapter 22's base and SFT
models, which chapters 29 and 30 fine-tune further) is stored the same way: its module
declares ``STORED_MODELS = {"NN_name": (train, loss)}``, where ``train()`` trains it from
today's code and ``loss(model)`` is its loss on held-out data; ``python tools/seed_tables.py
--models`` writes every one to ``models/NN_name.npz``, the module loads it
(``seeds.stored_model``), and tests/test_experiments.py trains each again and compares.
"""

import importlib as _importlib
import pkgutil as _pkgutil

from . import seeds
from .seeds import SeedTable, over_seeds, stored

__all__ = ["seeds", "SeedTable", "over_seeds", "stored", "tables", "models"]


def _declared(attribute):
    """``(module, name, value)`` for every entry of ``attribute`` (a dict) of each
    experiment module here, the modules in name order."""
    for info in sorted(_pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "seeds" or info.ispkg:
            continue
        module = _importlib.import_module(f"{__name__}.{info.name}")
        for name, value in getattr(module, attribute, {}).items():
            yield module, name, value


def tables():
    """Every stored table's experiment: ``{name: (function, seeds)}``, from the
    ``TABLES`` of each experiment module here (a name declared twice is an error)."""
    found = {}
    for module, name, (function, seeds_) in _declared("TABLES"):
        if name in found:
            raise ValueError(f"experiments: the table {name!r} is declared twice "
                             f"(in {found[name][0].__module__} and {module.__name__}).")
        found[name] = (function, tuple(int(s) for s in seeds_))
    return found


def models():
    """Every stored model's experiment: ``{name: (train, loss)}`` (``train()`` trains the
    model from today's code, ``loss(model)`` is its loss on held-out data), from the
    ``STORED_MODELS`` of each experiment module here (a name declared twice is an error)."""
    found = {}
    for module, name, (train, loss) in _declared("STORED_MODELS"):
        if name in found:
            raise ValueError(f"experiments: the model {name!r} is declared twice "
                             f"(in {found[name][0].__module__} and {module.__name__}).")
        found[name] = (train, loss)
    return found
