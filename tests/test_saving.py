"""nnbook/saving/ as a whole: its public names are its modules' objects, it imports nothing
of nnbook/training/ (training/ imports it: the loss and optimizer base classes come as
arguments), and ``nb.load_model`` is still ``nb.training.load_model`` after the move out of
training/ (issue 77). The file itself is tested in tests/test_saving_model_file.py."""

import ast
import pkgutil
from pathlib import Path

import nnbook as nb
from nnbook import saving
from nnbook.saving import model_file

FOLDER = Path(saving.__file__).parent


def test_every_public_name_is_its_modules_object():
    modules = {info.name for info in pkgutil.iter_modules(saving.__path__)}
    assert modules == {"model_file", "file_checks", "layer_refs"}
    assert sorted(saving.__all__) == sorted(["save_model", "read_model", "optimizer_from_config"])
    for name in saving.__all__:
        assert getattr(saving, name) is getattr(model_file, name), name


def _imports(path):
    """Every module ``path`` imports, at any depth (inside functions too), as written."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield "." * node.level + (node.module or "")


def test_the_folder_imports_nothing_of_training():
    found = [f"{p.name}: {m}" for p in sorted(FOLDER.glob("*.py")) for m in _imports(p)
             if "training" in m.split(".")]
    assert not found, f"nnbook/saving/ imports training/ (training/ imports it): {found}"


def test_load_model_is_where_it_was():
    from nnbook.training import load_model

    assert nb.load_model is load_model is nb.training.load_model
    assert "load_model" in nb.training.__all__ and "load_model" in nb.__all__
