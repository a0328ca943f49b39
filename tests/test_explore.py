"""nnbook/explore/ as a package: ``nb.explore.<name>`` is every public name of its topic
modules (found on disk, so a new module is checked too); each explorable names its
static figure, which lives in the same module; and every slider explorable builds, a
programmatic change of a control redraws its figure and caption, and its repr is
deterministic at the defaults (for nbval). The tests of each topic's numbers are in
tests/test_explore_<module>.py."""

import importlib
import inspect
import pkgutil
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

MODULES = sorted(m.name for m in pkgutil.iter_modules(nb.explore.__path__) if not m.name.startswith("_"))

# (factory, control description to move, its new value, text the caption then holds)
CASES = [
    (nb.explore.learning_rate, "α", 0.8, "so it is oscillating"),
    (nb.explore.sigmoid_saturation, "z", 6.0, "σ(6) = 0.9975"),
    (nb.explore.xor_training, "hidden", 2, "2 hidden units"),
    (nb.explore.init_depth, "depth", 4, "each of 4 layers"),
    (nb.explore.conv_window, "s", 2, "the output is 2×2"),
    (nb.explore.softmax_temperature, "T", 0.1, "T = 0.1"),
    (nb.explore.optimizer_paths, "α", 0.12, "SGD diverges"),
    (nb.explore.l2_polynomial, "log₁₀ λ", -3.0, "λ = 1e-03, degree 9"),
    (nb.explore.tile_memory, "log₂ T", 12, "T = 4096, tiles of 64"),
    (nb.explore.test_time_compute, "n", 41, "majority vote with 0.186"),
]
IDS = [c[0].__name__ for c in CASES]


def controls(box):
    return {c.description: c for c in box.children[0].children}


def test_the_package_exports_every_public_name_of_its_modules():
    assert {"gradient_descent", "xor", "conv", "recurrent", "attention", "animation"} <= set(MODULES)
    exported = []
    for name in MODULES:
        module = importlib.import_module(f"nnbook.explore.{name}")
        for public in module.__all__:
            assert getattr(nb.explore, public) is getattr(module, public), (name, public)
        exported += module.__all__
    assert sorted(exported) == sorted(nb.explore.__all__)           # and nothing else, once
    assert not set(MODULES) & set(nb.explore.__all__)                # no function named like a module


@pytest.mark.parametrize("name", [m for m in MODULES if m != "animation"])
def test_each_explorable_has_its_static_figure_beside_it(name):
    module = importlib.import_module(f"nnbook.explore.{name}")
    named = {}
    for public in module.__all__:
        found = re.search(r"Figure:\s+``(\w+)``", inspect.getdoc(getattr(module, public)) or "")
        if found:
            named[public] = found.group(1)
    assert named, f"nnbook/explore/{name}.py has no explorable (a docstring saying 'Figure: ``…``')"
    figures = {n for n in module.__all__ if n.endswith("_figure")}
    assert set(named.values()) == figures, (named, figures)


# Each explorable is built twice, once for both tests below (building draws its figure: 1 to
# 3 s of CPU each; the two tests used to build it three times): the repr test compares the two
# builds' reprs, taken as each was built; the redraw test then moves a control of the second.
_BUILT = {}


def built_twice(factory):
    """``(repr of the first build, repr of the second, the second box)``, at the defaults."""
    if factory not in _BUILT:
        pytest.importorskip("ipywidgets")
        # nbval compares the widget's text/plain: repr(...) cut at 110 characters
        first = factory()._repr_mimebundle_()["text/plain"]
        box = factory()
        _BUILT[factory] = (first, box._repr_mimebundle_()["text/plain"], box)
        assert not plt.get_fignums(), "every figure is closed after it is turned into a PNG"
    return _BUILT[factory]


@pytest.mark.parametrize("factory, name, value, expected", CASES, ids=IDS)
def test_moving_a_control_redraws(factory, name, value, expected):
    box = built_twice(factory)[2]
    caption, image = box.children[1], box.children[2]
    before_png, before_text = bytes(image.value), caption.value
    assert before_png.startswith(b"\x89PNG") and box.redraws == 1
    controls(box)[name].value = value
    assert box.redraws == 2
    assert bytes(image.value) != before_png and bytes(image.value).startswith(b"\x89PNG")
    assert caption.value != before_text and expected in caption.value
    assert not plt.get_fignums(), "every figure is closed after it is turned into a PNG"


@pytest.mark.parametrize("factory", [c[0] for c in CASES], ids=IDS)
def test_repr_is_deterministic_at_the_defaults(factory):
    a, b, _ = built_twice(factory)
    assert a == b
    assert a.startswith("VBox(children=(HBox(children=(")
