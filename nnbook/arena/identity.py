"""What a recipe is, read without running it (chapter 37): its file, found by path or by a
module's dotted name (``recipe_path``), and its identity, the hash a row records
(``recipe_identity``: a function's source, or a source file's bytes with those of the
learner's modules its import statements name, at any depth)."""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.machinery
import importlib.util
import inspect
import re
import sys
import tokenize
from pathlib import Path

from .guard import installed_folders

__all__ = ["recipe_identity", "recipe_path"]

#: characters that reorder what a terminal or an editor shows (the eighteenth cold reading
#: of 37 hid a statement with a carriage return alone; these are the same door)
_DIRECTIONS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def _sha(data):
    return hashlib.sha256(data).hexdigest()[:16]


def recipe_path(recipe) -> Path:
    """The file of a recipe given by its path, or by a module's dotted name
    (``nnbook.arena.baseline``: found from any folder)."""
    path = Path(recipe)
    if path.is_file() or not all(part.isidentifier() for part in str(recipe).split(".")):
        return path
    if all(".".join(str(recipe).split(".")[:i]) in sys.modules
           for i in range(1, len(str(recipe).split(".")))):
        try:
            spec = importlib.util.find_spec(str(recipe))   # its packages ran already
        except (ImportError, ValueError):
            return path
        origin = getattr(spec, "origin", None) or ""
        return Path(origin) if origin.endswith(".py") else path
    # find_spec would import the packages above the module, running their __init__ here,
    # in the harness's process (where it could replace the scorer); the path finder looks
    # for the files and runs nothing
    found = _module_files(str(recipe), sys.path)
    return found[-1] if found else path


def _specs(name, where):
    """The path finder's spec of each part of the dotted ``name`` in turn, from the folders
    ``where`` down; it stops at a part not found or below a module that is not a package.
    Nothing is imported or run."""
    search = list(where)
    for part in name.split("."):
        spec = importlib.machinery.PathFinder.find_spec(part, search)
        if spec is None:
            return
        yield spec
        search = spec.submodule_search_locations
        if search is None:
            return


def _module_files(name, where):
    """The files of module ``name`` and of the packages above it (their ``__init__.py``),
    found on the folders ``where`` by the path finder, which runs nothing; [] when it is
    not there (or is not a Python file)."""
    try:
        specs = list(_specs(name, where))
    except (ImportError, ValueError, OSError):
        return []
    origins = [getattr(spec, "origin", None) or "" for spec in specs]
    if len(specs) != len(name.split(".")) or not origins[-1].endswith(".py"):
        return []
    return [Path(o) for o in origins if o.endswith(".py")]   # (a namespace package: no file)


def _compiled_file(name, where):
    """The first file Python would load of module ``name`` and the packages above it that is
    not source (a .pyc with no .py beside it, an extension), else None; nothing is run."""
    try:
        for spec in _specs(name, where):
            origin = getattr(spec, "origin", None) or ""
            if getattr(spec, "has_location", False) and origin and not origin.endswith(".py"):
                return Path(origin).resolve()
    except (ImportError, ValueError, OSError):
        return None
    return None


def _search(path):
    """The folders the recipe file ``path``'s process imports from, in order: its own folder,
    then ``sys.path`` without the folder this process runs in, which a seed's process leaves
    out (spawning.start). Searched with that folder, the hash had covered a helper module
    there while another of its name, on ``PYTHONPATH``, ran (the twentieth cold reading)."""
    here = Path.cwd().resolve()
    return [str(path.parent), *(e for e in sys.path if isinstance(e, str)
                                and Path(e or ".").resolve() != here)]


def _learners_files(path):
    """The files of the modules the recipe file ``path`` imports by name, at any depth,
    that are the learner's (found where the recipe's process finds them, ``_search``,
    outside Python's own folders, its installed packages and nnbook), without running them:
    its hash covers them."""
    where = _search(path)
    outside = set(installed_folders())
    outside.add(Path(__file__).resolve().parents[1])           # nnbook/
    found, todo = {}, [(path, None)]           # (file, its module's name; None: the script)
    while todo:
        here, module = todo.pop()
        try:
            data = here.read_bytes()
            coding = tokenize.detect_encoding(iter(data.splitlines(True)).__next__)[0]
            tree = ast.parse(data)
        except (SyntaxError, ValueError, OSError) as exc:
            if here == path:                     # runpy runs bytecode named .py too
                raise ValueError(f"arena: the recipe {path.name} is not Python source ({exc});"
                                 f" expected source, which its hash and a reader cover. "
                                 f"Pass the recipe's .py file.") from None
            continue
        if coding not in ("utf-8", "utf-8-sig"):   # utf-7 hid code from a reader in a comment
            raise ValueError(f"arena: {here.name}, the recipe's or a module of yours it "
                             f"imports, declares the encoding {coding}; expected UTF-8, the "
                             f"text a reader sees being the code Python runs. Remove the "
                             f"coding line (and save the file as UTF-8).")
        if re.search(rb"\r(?!\n)", data) or any(c in data.decode("utf-8", "replace")
                                                for c in _DIRECTIONS):
            raise ValueError(f"arena: {here.name}, the recipe's or a module of yours it "
                             f"imports, holds a carriage return alone or a Unicode direction "
                             f"control, with which a terminal shows other text than Python "
                             f"runs; expected neither. Remove them.")
        package = module if here.name == "__init__.py" else (module or "").rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or node.level):
                base = node.module
                if node.level:                  # from . import helper, in a module of yours
                    try:
                        base = importlib.util.resolve_name("." * node.level + (base or ""),
                                                           package)
                    except (ImportError, ValueError):
                        continue                # (a script's: it fails when run)
                names = [base, *(f"{base}.{a.name}" for a in node.names)]
            else:
                continue
            for name in names:
                compiled = _compiled_file(name, where)
                if compiled is not None and not any(o in compiled.parents for o in outside):
                    raise ValueError(f"arena: the recipe {path.name} imports {name}, a "
                                     f"compiled file of yours ({compiled.name}) whose source "
                                     f"its hash cannot cover; expected Python source (.py). "
                                     f"Delete the compiled file and keep the .py.")
                parts, at = name.split("."), 0
                for file in _module_files(name, where):
                    part = file.parent.name if file.name == "__init__.py" else file.stem
                    while at < len(parts) - 1 and parts[at] != part:
                        at += 1                 # (a namespace package above has no file)
                    file = file.resolve()
                    if file not in found and file != path.resolve() and not any(
                            o in file.parents for o in outside):
                        found[file] = None
                        todo.append((file, ".".join(parts[:at + 1])))
    return sorted(found, key=lambda f: (f.name, str(f)))


def recipe_identity(recipe):
    """``(name, hash)`` of a recipe without running it: a function's source, or a Python
    source file's bytes (by its path or module name) with those of the learner's modules its
    import statements name, at any depth (``importlib.import_module(name)`` is not seen)."""
    if callable(recipe):
        try:
            source = inspect.getsource(recipe).encode()
        except (OSError, TypeError):             # (exec'd code, a partial: a hash no verify
            source = repr(recipe).encode()       # can match; a file's row is the one to trust)
        return getattr(recipe, "__name__", repr(recipe)), _sha(source)
    path = recipe_path(recipe)
    if not path.is_file():
        raise ValueError(f"arena: got the recipe {recipe!r}, which is neither a function, a "
                         f"file nor a module; expected a Python file that defines "
                         f"recipe(arena), by its path or its module's dotted name. Check "
                         f"the path (relative to the folder you are in).")
    data = path.read_bytes()
    for file in _learners_files(path):            # none: the file's bytes alone, as before
        data += b"\0" + file.name.encode() + b"\0" + file.read_bytes()
    return path.name, _sha(data)
