"""nnbook/diagrams/ as a package: ``nb.diagrams.<name>`` is every public name of its
topic modules (found on disk, so a new module is checked too), and every diagram
follows the figure rules: text at least 9 pt, at most 9.6 inches wide (the notebook's
width), and a size in whole pixels (the ``<Figure size …>`` text a notebook stores).
The tests of each diagram's content are in tests/test_diagrams_<module>.py, with the
drawings checked here (its ``GALLERY``)."""

import importlib
import pkgutil
import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

MODULES = sorted(m.name for m in pkgutil.iter_modules(nb.diagrams.__path__) if not m.name.startswith("_"))
NOT_DRAWN = {"forward_backward", "output_size_formula"}     # the numbers and text a diagram shows


def gallery():
    """Every diagram's drawings, as the chapters draw them: the ``GALLERY`` of each module's
    own test file (tests/test_diagrams_<module>.py, beside the tests of what it draws), so a
    new diagrams module brings its drawings with it and edits no shared list."""
    found = {}
    for name in MODULES:
        test = importlib.import_module(f"test_diagrams_{name}")
        own = getattr(test, "GALLERY", None)
        assert isinstance(own, dict), f"tests/test_diagrams_{name}.py defines no GALLERY = {{…}}"
        for diagram, draws in own.items():
            assert diagram not in found, f"{diagram} is drawn in two test files' GALLERY"
            assert getattr(nb.diagrams, diagram).__module__ == f"nnbook.diagrams.{name}", (
                f"tests/test_diagrams_{name}.py's GALLERY draws {diagram}, which is not "
                f"nnbook/diagrams/{name}.py's")
            found[diagram] = draws
    return found


GALLERY = gallery()
DRAWINGS = [(name, k, draw) for name, draws in GALLERY.items() for k, draw in enumerate(draws)]


def test_the_package_exports_every_public_name_of_its_modules():
    assert {"networks", "graph", "conv", "recurrent", "gated", "attention"} <= set(MODULES)
    exported = []
    for name in MODULES:
        module = importlib.import_module(f"nnbook.diagrams.{name}")
        for public in module.__all__:
            assert getattr(nb.diagrams, public) is getattr(module, public), (name, public)
        exported += module.__all__
    assert sorted(exported) == sorted(nb.diagrams.__all__)           # and nothing else, once
    assert not set(MODULES) & set(nb.diagrams.__all__)                # no function named like a module


def test_the_gallery_draws_every_diagram():
    assert set(GALLERY) == set(nb.diagrams.__all__) - NOT_DRAWN


@pytest.mark.parametrize("name, k, draw", DRAWINGS, ids=[f"{n}-{k}" for n, k, _ in DRAWINGS])
def test_text_is_at_least_9_pt_whole_pixels_and_fits_the_notebook(name, k, draw):
    fig = draw().figure
    sizes = [t.get_fontsize() for ax in fig.axes for t in ax.texts + [ax.title] if t.get_text()]
    assert min(sizes) >= 9
    assert fig.get_figwidth() <= 9.6
    fig.set_dpi(100)
    assert re.fullmatch(r"<Figure size \d+x\d+ with \d+ Axes>", repr(fig)), repr(fig)
