"""The names learners type complete in JupyterLab. Its completer is jedi: it reads the
source files (it runs nothing), so a name made at run time by an import hook or an
alias gets no Tab completion and no go-to-definition. These tests ask jedi, as
JupyterLab does, for the completions of ``nb.diagrams.``, ``nb.explore.``, ``nb.plot.``,
``from nnbook.callbacks import `` and the other short names, statically (``jedi.Script``
on the source, like the editor) and on a live kernel's objects (``jedi.Interpreter``,
like a notebook), and check that each short module holds the very objects of the module
where the code lives."""

import importlib
import textwrap
from pathlib import Path

import pytest

jedi = pytest.importorskip("jedi")

import nnbook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROJECT = jedi.Project(ROOT, added_sys_path=[str(ROOT)])
PACKAGES = ["plot", "diagrams", "explore"]                  # nb.<name>.<Tab>
SHORT = {"callbacks": "nnbook.training.callbacks", "schedules": "nnbook.training.schedules",
         "metrics": "nnbook.training.metrics"}              # from nnbook.<name> import <Tab>
# SampleText writes with a model, beside sample_text: training never imports inference
BESIDE = {"callbacks": {"SampleText": "nnbook.inference.text"}}


def completions(source, project=PROJECT):
    return {c.name for c in jedi.Script(source, project=project).complete()}


def exported(name):
    return set(importlib.import_module(f"nnbook.{name}").__all__)


def test_nb_lists_the_short_names():
    names = completions("import nnbook as nb\nnb.")
    assert {*PACKAGES, *SHORT, "labels", "data", "exercises", "Dense"} <= names


@pytest.mark.parametrize("name", PACKAGES + list(SHORT) + ["labels", "data"])
def test_nb_dot_name_dot_completes_every_export(name):
    module = nnbook.labels if name == "labels" else importlib.import_module(f"nnbook.{name}")
    missing = set(module.__all__) - completions(f"import nnbook as nb\nnb.{name}.")
    assert not missing, f"nb.{name}.<Tab> does not offer {sorted(missing)}"


@pytest.mark.parametrize("name", PACKAGES + list(SHORT))
def test_from_nnbook_name_import_completes_every_export(name):
    missing = exported(name) - completions(f"from nnbook.{name} import ")
    assert not missing, f"from nnbook.{name} import <Tab> does not offer {sorted(missing)}"


@pytest.mark.parametrize("source, path", [
    ("import nnbook as nb\nnb.diagrams.network", "nnbook/diagrams/networks.py"),
    ("import nnbook as nb\nnb.explore.xor_training", "nnbook/explore/xor.py"),
    ("import nnbook as nb\nnb.plot.loss_curve", "nnbook/plot/curves.py"),
    ("from nnbook.callbacks import EarlyStopping", "nnbook/training/monitoring.py"),
    ("from nnbook.schedules import cosine_decay", "nnbook/training/schedules.py"),
])
def test_go_to_definition_reaches_the_code_in_this_checkout(source, path):
    line = source.count("\n") + 1
    column = len(source.splitlines()[-1])
    found = jedi.Script(source, project=PROJECT).goto(line, column, follow_imports=True)
    assert [d.module_path for d in found] == [ROOT / path]


@pytest.mark.parametrize("name", PACKAGES + list(SHORT))
def test_a_notebooks_live_namespace_completes_too(name):
    # a kernel's completer: jedi.Interpreter on the live module object
    names = {c.name for c in jedi.Interpreter(f"nb.{name}.", [{"nb": nnbook}]).complete()}
    assert exported(name) <= names


@pytest.mark.parametrize("name, home", SHORT.items())
def test_each_short_module_holds_the_objects_of_the_module_with_the_code(name, home):
    short, real = importlib.import_module(f"nnbook.{name}"), importlib.import_module(home)
    beside = BESIDE.get(name, {})                # names whose code lives in another module
    assert sorted(short.__all__) == sorted([*real.__all__, *beside])
    assert all(getattr(short, n) is getattr(real, n) for n in real.__all__)
    assert all(getattr(short, n) is getattr(importlib.import_module(m), n)
               for n, m in beside.items())
    assert getattr(nnbook, name) is short


def test_jedi_cannot_see_an_alias_made_at_run_time(tmp_path):
    # why the import hook had to go: the same name, made by __getattr__, completes nothing
    package = tmp_path / "aliased"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent("""\
        import importlib

        def __getattr__(name):
            if name == "short":
                return importlib.import_module("aliased.real.module")
            raise AttributeError(name)
        """))
    (package / "real").mkdir()
    (package / "real" / "__init__.py").write_text("")
    (package / "real" / "module.py").write_text("def visible():\n    pass\n")
    project = jedi.Project(tmp_path, added_sys_path=[str(tmp_path)])
    assert "visible" in completions("import aliased.real.module as m\nm.", project)
    assert "visible" not in completions("import aliased\naliased.short.", project)
