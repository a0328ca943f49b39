"""What a recipe is, read without running it (nnbook/arena/identity.py, chapter 37): the
hash a row records must cover code a reader can read: the seventeenth cold reading of 37
hid a statement from a reader in a recipe file's comment, under a UTF-7 coding line."""

import sys

import pytest

from nnbook.arena.identity import recipe_identity


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


@pytest.mark.parametrize("trick", [b"\r", "\u202e".encode(), "\u2066".encode()],
                         ids=["a carriage return alone", "right-to-left override", "isolate"])
def test_a_file_that_shows_a_terminal_other_text_is_refused(tmp_path, trick):
    """The eighteenth cold reading: ``LR = 1e-9  # ...\\rLR = 0.01`` shows a reader the
    first assignment and runs the second (``cat``, ``head`` overwrite the line at the
    carriage return); Unicode direction controls reorder a line the same way. Windows'
    line ends (carriage return and newline) are accepted."""
    hidden = tmp_path / "control.py"
    hidden.write_bytes(b"from arena_recipes import honest as recipe\nLR = 1e-9  # x"
                       + trick + b"LR = 0.01\n")
    with pytest.raises(ValueError, match="carriage return alone or a Unicode direction"):
        recipe_identity(str(hidden))
    windows = tmp_path / "windows.py"
    windows.write_bytes(b"from arena_recipes import honest as recipe\r\nLR = 1e-9\r\n")
    assert recipe_identity(str(windows))[0] == "windows.py"


def test_the_hash_covers_the_module_the_recipes_process_imports(tmp_path, monkeypatch):
    """The twentieth cold reading: under ``python -m`` the folder the command runs in is
    first on ``sys.path``, and a seed's process is started without it (spawning.start), so
    a recipe's ``import helper`` ran a helper on ``PYTHONPATH`` while the row's hash covered
    the one in that folder, which a reader would read. The hash must follow the file that
    runs: an edit of the one left out changes nothing, an edit of the other changes it."""
    here, own, other = tmp_path / "here", tmp_path / "recipe", tmp_path / "pythonpath"
    for folder in (here, own, other):
        folder.mkdir()
    recipe = own / "r.py"
    recipe.write_text("import helper_r37t\n\nrecipe = helper_r37t.recipe\n")
    (here / "helper_r37t.py").write_text("recipe = 'shown to a reader'\n")
    (other / "helper_r37t.py").write_text("recipe = 'what runs'\n")
    monkeypatch.chdir(here)
    monkeypatch.setattr(sys, "path", ["", str(other), *sys.path])
    before = recipe_identity(str(recipe))[1]
    (here / "helper_r37t.py").write_text("recipe = 'edited, never run'\n")
    assert recipe_identity(str(recipe))[1] == before
    (other / "helper_r37t.py").write_text("recipe = 'edited, and run'\n")
    assert recipe_identity(str(recipe))[1] != before
    # beside the recipe, a module is found first, as in the recipe's process
    (own / "helper_r37t.py").write_text("recipe = 'beside it'\n")
    beside = recipe_identity(str(recipe))[1]
    (own / "helper_r37t.py").write_text("recipe = 'beside it, edited'\n")
    assert recipe_identity(str(recipe))[1] != beside
