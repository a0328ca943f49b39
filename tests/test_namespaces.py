"""No helper leaks into a package namespace a learner browses.

``nb.<Tab>``, ``dir(nb.data)`` and the like list what the library offers; a name a
package merely uses (``nb.data.np``, ``nb.data.math``, ``nb.import_module``) reads as
part of the library and gets used as if it were. So in ``nnbook`` and in every folder's
package (``nnbook.data``, ``nnbook.layers``, …, found on disk, so a new folder is
checked too) every public attribute, that is every name without a leading underscore, is

- in the package's ``__all__``, or
- a module of the package itself (``nb.data.labels``, ``nb.training.callbacks``; for
  ``nb``, any nnbook module, such as ``nb.labels`` = ``nnbook.data.labels``).

A package imports what it needs under a private name (``import sys as _sys``) or
inside the function that uses it.
"""

import importlib
import importlib.util
import types
from pathlib import Path

import pytest

import nnbook

PACKAGE = Path(nnbook.__file__).resolve().parent
NAMESPACES = ["nnbook"] + sorted(
    "nnbook." + ".".join(p.parent.relative_to(PACKAGE).parts)
    for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE)


def load(name):
    """The package, with every name it loads on first use (``nb.plot``, …) loaded, so that
    ``dir`` shows them too."""
    module = importlib.import_module(name)
    for attr in getattr(module, "__all__", ()):
        getattr(module, attr)
    return module


def leaks(module):
    """The public attributes of ``module`` that are neither in its ``__all__`` nor one of
    its own modules, as ``name (what it is)``."""
    exported = set(getattr(module, "__all__", ()))
    found = []
    for name in sorted(dir(module)):
        if name.startswith("_") or name in exported:
            continue
        value = getattr(module, name)
        if isinstance(value, types.ModuleType) and value.__name__.startswith(module.__name__ + "."):
            continue
        if isinstance(value, types.ModuleType):
            what = f"module {value.__name__}"
        elif isinstance(getattr(value, "__module__", None), str):
            kind = "class" if isinstance(value, type) else type(value).__name__
            what = f"{kind} from {value.__module__}"
        else:
            what = type(value).__name__                            # a dict, a __future__ feature…
        found.append(f"{name} ({what})")
    return found


def test_every_folder_is_checked():
    assert {"nnbook", "nnbook.data", "nnbook.layers", "nnbook.training", "nnbook.plot",
            "nnbook.diagrams", "nnbook.explore", "nnbook.torch_bridge",
            "nnbook.exercises"} <= set(NAMESPACES)


@pytest.mark.parametrize("name", NAMESPACES)
def test_no_helper_leaks_into_a_package_namespace(name):
    module = load(name)
    found = leaks(module)
    assert not found, (
        f"{name} shows names that are not its exports: {', '.join(found)}. Import them under "
        f"a private name (import x as _x) or inside the function that uses them, or add them "
        f"to {name}.__all__ if they are meant for learners")


def test_leaks_finds_an_imported_helper():
    fake = types.ModuleType("nnbook.fake")
    fake.__all__ = ["shown"]
    fake.shown = lambda: None
    fake.np = importlib.import_module("numpy")                 # a used library
    fake.import_module = importlib.import_module               # a used function
    fake.labels = types.ModuleType("nnbook.fake.labels")       # its own module: fine
    fake.validate = types.ModuleType("nnbook.validate")        # another folder's module
    fake._private = 1
    assert [entry.split(" ")[0] for entry in leaks(fake)] == ["import_module", "np", "validate"]


def test_every_module_of_the_package_imports():
    """Every module of nnbook imports on this stack (its tooling too: the exercise report,
    the arena's command line, the experiments), PyTorch's bridge where torch is installed.
    The version jobs run the library's unit tests only (noxfile.py, VERSION_UNIT_TESTS):
    this is what they still check of the rest, a syntax or a standard-library name newer
    than their Python. Catches a module that fails at import."""
    import pkgutil
    failed = {}
    for info in pkgutil.walk_packages(nnbook.__path__, "nnbook."):
        if info.name.startswith("nnbook.torch_bridge") and importlib.util.find_spec("torch") is None:
            continue
        try:
            if info.name.endswith("__main__"):    # runs its command when imported: compiled
                spec = importlib.util.find_spec(info.name)
                compile(Path(spec.origin).read_text(encoding="utf-8"), spec.origin, "exec")
                continue
            importlib.import_module(info.name)
        except Exception as exc:                  # noqa: BLE001  (reported below)
            failed[info.name] = f"{type(exc).__name__}: {exc}"
    assert not failed, failed
