"""What a recipe is, read without running it (nnbook/arena/identity.py, chapter 37): the
hash a row records must cover code a reader can read. The seventeenth cold reading of 37
ran code no hash or reader covered in two ways: a function whose module exists only as a
compiled file (hashed by its ``repr``, an address no verify can match), and a recipe file
whose UTF-7 coding line hid a statement in a comment."""

import functools
import importlib
import py_compile
import sys

import pytest

import arena_recipes as recipes
from nnbook.arena.identity import recipe_identity


def test_a_function_whose_source_cannot_be_found_is_refused(tmp_path, monkeypatch):
    """A function of a module shipped as bytecode alone, and a partial: no source, so no
    hash a verify can match; fails when either is hashed by its repr again."""
    source = tmp_path / "hidden_recipe.py"
    source.write_text("from arena_recipes import honest\n\n"
                      "def recipe(arena):\n    return honest(arena)\n")
    py_compile.compile(str(source), cfile=str(tmp_path / "hidden_recipe.pyc"))
    source.unlink()
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("hidden_recipe")
    try:
        for recipe in (module.recipe, functools.partial(recipes.honest)):
            with pytest.raises(ValueError, match="has no Python source inspect can find"):
                recipe_identity(recipe)
    finally:
        sys.modules.pop("hidden_recipe", None)
    name, digest = recipe_identity(recipes.honest)            # a function in source: hashed
    assert name == "honest" and len(digest) == 16


def test_a_file_that_declares_another_encoding_is_refused(tmp_path):
    """``# -*- coding: utf-7 -*-``: an editor shows ``+AAo-`` inside a comment, Python
    decodes it as a newline and runs what follows (the reading's recipe read as lr 1e-9
    and trained at 0.01). Declared UTF-8, or nothing declared, is accepted."""
    hidden = tmp_path / "control.py"
    hidden.write_bytes(b"# -*- coding: utf-7 -*-\n"
                       b"from arena_recipes import honest as recipe  # lr 1e-9+AAo-LR = 1\n")
    with pytest.raises(ValueError, match="declares the encoding utf-7; expected UTF-8"):
        recipe_identity(str(hidden))
    for head in (b"", b"# -*- coding: utf-8 -*-\n"):
        plain = tmp_path / "plain.py"
        plain.write_bytes(head + b"from arena_recipes import honest as recipe\n")
        assert recipe_identity(str(plain))[0] == "plain.py"
