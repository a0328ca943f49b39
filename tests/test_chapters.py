"""The table of chapters (tools/chapters.py) against the files: one row per notebook, each
row's exercises, explorables, stored seed tables, modules, solutions and claims are those
the repository holds; the lists derived from it (README.md's chapter tables, the browser
test's explorables, the book's sections, the exercise solutions, the tables the notebooks
assert) are derived; the diagram gallery (each diagrams module's test file's GALLERY)
agrees with it; and the per-chapter markers (``pytest -m ch25``) select each chapter's
notebook and its tests."""

import ast
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import chapters
from chapters import CHAPTERS

import nnbook as nb

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
IDS = [c.number for c in CHAPTERS]


def _code(chapter):
    cells = json.loads((NOTEBOOKS / chapter.notebook).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def _first_markdown(chapter):
    cells = json.loads((NOTEBOOKS / chapter.notebook).read_text(encoding="utf-8"))["cells"]
    return next("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


# --- the table itself ------------------------------------------------------------------------

def test_one_row_per_notebook_in_order():
    on_disk = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert [c.notebook for c in CHAPTERS] == on_disk, (
        "tools/chapters.py's CHAPTERS must have one row per notebook, in order")
    assert [c.number for c in CHAPTERS] == [c.notebook[:2] for c in CHAPTERS]
    assert [c.part for c in CHAPTERS] == sorted((c.part for c in CHAPTERS),
                                                key=list(chapters.PARTS).index)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_title_is_the_notebooks_heading(chapter):
    assert re.search(rf"^# {chapter.number} · {re.escape(chapter.title)}$",
                     _first_markdown(chapter), flags=re.M), (
        f"{chapter.notebook} opens with another title than {chapter.title!r} (tools/chapters.py)")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_exercises_are_the_notebooks_and_the_registrys(chapter):
    from nnbook.exercises import _core

    registered = sorted((k for k in _core.REGISTRY if k.startswith(chapter.number + ".")),
                        key=lambda k: int(k.split(".")[1]))
    checked = sorted(set(re.findall(r'exercises\.check\("(\d\d\.\d+)"', _code(chapter))),
                     key=lambda k: int(k.split(".")[1]))
    assert list(chapter.exercises) == registered, (
        f"chapter {chapter.number}: the table says {chapter.exercises}, nb.exercises registers "
        f"{registered} (its checkers' module has no line starting @exercise(?)")
    assert list(chapter.exercises) == checked, (
        f"chapter {chapter.number}: the table says {chapter.exercises}, the notebook checks {checked}")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_solutions_file_holds_the_chapters_exercises(chapter):
    held = set(importlib.import_module(chapter.solutions).RIGHT)
    assert set(chapter.exercises) <= held, (
        f"chapter {chapter.number}: tests/{chapter.solutions}.py holds no worked solution "
        f"for {sorted(set(chapter.exercises) - held)}")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_explorables_are_those_the_notebook_calls(chapter):
    code = _code(chapter)
    for e in chapter.explorables:
        assert f"nb.explore.{e.call}(" in code, f"{chapter.notebook} never calls nb.explore.{e.call}"
        assert getattr(nb.explore, e.call).__module__ == f"nnbook.explore.{e.module}", e
    called = {getattr(nb.explore, f).__module__.rsplit(".", 1)[1]
              for f in re.findall(r"nb\.explore\.(\w+)\(", code)}
    assert called == {e.module for e in chapter.explorables}, (
        f"{chapter.notebook} calls explorables of nnbook/explore/ {sorted(called)}; "
        f"the table names {sorted({e.module for e in chapter.explorables})}")
    assert sum(e.slider is not None for e in chapter.explorables) <= 1, (
        "the browser test moves one slider a chapter")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_stored_tables_are_the_chapters(chapter):
    stored = sorted(p.stem for p in (ROOT / "nnbook" / "experiments" / "tables").glob(
        f"{chapter.number}_*.json"))
    assert list(chapter.tables) == stored, (
        f"chapter {chapter.number}: the table says {chapter.tables}, "
        f"nnbook/experiments/tables/ holds {stored}")
    asserted = [a.table for a in chapter.asserted]
    assert set(asserted) <= set(chapter.tables) and len(set(asserted)) == len(asserted), (
        f"chapter {chapter.number}: asserted {asserted} are not among its tables {chapter.tables}")


def test_every_module_named_exists_and_belongs_to_one_chapter():
    named = [m for c in CHAPTERS for m in c.modules]
    missing = [m for m in named if not (ROOT / "nnbook" / m).is_file()]
    assert not missing, f"tools/chapters.py names modules that are not in nnbook/: {missing}"
    twice = sorted({m for m in named if named.count(m) > 1})
    assert not twice, f"modules introduced by two chapters: {twice}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_modules_name_their_chapter(chapter):
    """A module's docstring says which chapter uses it (CONTRIBUTING); the row that lists it
    is one of those (the first it names, when the table was made)."""
    for module in chapter.modules:
        doc = ast.get_docstring(ast.parse((ROOT / "nnbook" / module).read_text(encoding="utf-8")))
        named = re.findall(r"[Cc]hapters? (\d\d)", doc or "")
        assert chapter.number in named, (
            f"nnbook/{module} is listed under chapter {chapter.number} in tools/chapters.py; "
            f"its docstring names chapters {named}")


def test_the_claims_files_are_the_tables():
    files = sorted(p.name for p in (ROOT / "tests").glob("test_claims_over_seeds_*.py"))
    named = sorted({c.claims for c in CHAPTERS if c.claims})
    assert named == files, f"claims files {files}; the table names {named}"
    for path in files:
        first, last = re.findall(r"(\d\d)_(\d\d)", path)[0]
        tests = [n.name for n in ast.parse((ROOT / "tests" / path).read_text(encoding="utf-8")).body
                 if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        for test in tests:
            owners = chapters.chapters_of(path, test, "", {})
            assert owners and all(first <= n <= last for n in owners), (
                f"{path}::{test} belongs to no chapter of {first}–{last} (name it test_NN_…)")


# --- the lists derived from the table --------------------------------------------------------

def test_the_browser_test_moves_the_tables_sliders():
    import test_jupyterlab

    assert test_jupyterlab.EXPLORABLES == chapters.browser_explorables()
    moved = [e[0] for e in test_jupyterlab.EXPLORABLES]
    assert moved == [c.notebook for c in CHAPTERS if any(e.slider for e in c.explorables)]


def test_the_books_sections_are_the_parts():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_book
    finally:
        sys.path.remove(str(ROOT / "tools"))
    toc = build_book.landing_page().split("<!-- book:end -->")[-1]
    sections = re.findall(r":caption: (.+)\n\n((?:notebooks/\S+\n)+)", toc)
    expected = [(f"Part {part}: {title}", "".join(f"notebooks/{c.stem}\n" for c in rows))
                for part, title, rows in chapters.parts()]
    assert sections[:len(expected)] == expected


def test_the_exercise_solutions_merge_every_topic_file():
    import exercise_solutions

    topic_files = sorted(p.stem for p in (ROOT / "tests").glob("exercise_solutions_*.py"))
    assert sorted(set(chapters.solution_modules()) - {"exercise_solutions"}) == topic_files, (
        "a tests/exercise_solutions_<topic>.py that no row of tools/chapters.py names")
    assert sorted(exercise_solutions.RIGHT) == sorted(x for c in CHAPTERS for x in c.exercises)


def test_readmes_chapter_tables_are_generated_from_the_table():
    """README.md between its chapters markers is ``readme_tables()``, character for character:
    a row added, or its ``covers`` edited, without regenerating README fails here."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"\n## The chapters\n\n(.*?)\n### Exercises", text, flags=re.S)
    assert section and chapters.README_START in section.group(1) and \
        chapters.README_END in section.group(1), (
        f"README.md's section \"## The chapters\" holds no {chapters.README_START} … "
        f"{chapters.README_END}")
    assert chapters.readme_with_tables(text) == text, (
        f"README.md's chapter tables differ from tools/chapters.py: run {chapters.README_COMMAND}")


def test_readme_generation_writes_a_changed_row():
    """The generator itself: a row's ``covers`` changed in a copy of the table comes out in
    its README row, and only there."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first = CHAPTERS[0]
    changed = [first._replace(covers="something else entirely")] + CHAPTERS[1:]
    saved = list(CHAPTERS)
    CHAPTERS[:] = changed
    try:
        made = chapters.readme_with_tables(text)
    finally:
        CHAPTERS[:] = saved
    old, new = [line for line in text.splitlines() if line.startswith(f"| {first.number} |")], \
        [line for line in made.splitlines() if line.startswith(f"| {first.number} |")]
    assert new == [f"| {first.number} | [`{first.stem}`](notebooks/{first.notebook}) | "
                   "something else entirely |"] and new != old
    assert sum(a != b for a, b in zip(text.splitlines(), made.splitlines())) == 1


# --- the diagram gallery, with each diagram's test file, checked ----------------------------

def test_the_diagram_gallery_draws_every_diagram_of_the_chapters():
    """The gallery (each tests/test_diagrams_<topic>.py's GALLERY, gathered by
    tests/test_diagrams.py: each drawing is a call with its own arguments) draws every
    diagram of each chapter's diagrams modules."""
    from test_diagrams import GALLERY, NOT_DRAWN

    for c in CHAPTERS:
        for module in (m for m in c.modules if m.startswith("diagrams/")):
            names = getattr(nb.diagrams, Path(module).stem).__all__
            missing = sorted(set(names) - set(GALLERY) - NOT_DRAWN)
            assert not missing, (f"chapter {c.number}'s nnbook/{module} draws {missing}, "
                                 f"which tests/test_diagrams_{Path(module).stem}.py's GALLERY "
                                 "does not")
    diagram_modules = {p.stem for p in (ROOT / "nnbook" / "diagrams").glob("[a-z]*.py")}
    listed = {Path(m).stem for c in CHAPTERS for m in c.modules if m.startswith("diagrams/")}
    assert diagram_modules == listed, "a diagrams module that no chapter of tools/chapters.py lists"


# --- the markers --------------------------------------------------------------------------------

def test_every_chapter_has_its_marker(pytestconfig):
    registered = {line.split(":")[0] for line in pytestconfig.getini("markers")}
    assert {c.marker for c in CHAPTERS} <= registered


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_every_chapter_selects_its_notebook_and_more(chapter):
    by_file = chapters.test_files_by_chapter()
    assert chapter.number in chapters.chapters_of(chapter.notebook, "Cell 0", "", by_file)
    files = {f for f, numbers in by_file.items() if chapter.number in numbers}
    if chapter.claims:
        files.add(chapter.claims)
    if chapter.exercises:
        files.add("test_exercises.py")
    assert files, f"-m {chapter.marker} selects only the notebook"
    for name in files:
        assert (ROOT / "tests" / name).is_file(), name


def test_a_test_goes_to_its_chapter():
    by_file = chapters.test_files_by_chapter()
    assert chapters.chapters_of("test_generative_vae.py", "test_x", "", by_file) == {"25"}
    assert chapters.chapters_of("test_generative_guidance_gaussian.py", "t", "", by_file) == {"27"}
    assert chapters.chapters_of("test_layers_attention.py", "t", "", by_file) == {"17"}
    assert chapters.chapters_of("test_explore_attention.py", "t", "", by_file) == {"17", "18"}
    assert chapters.chapters_of("test_claims_over_seeds_00_06.py", "test_03_errata", "9001",
                                by_file) == {"03"}
    assert chapters.chapters_of("test_claims_over_seeds_15_18.py", "test_chapter_16_rnn", "1",
                                by_file) == {"16"}
    assert chapters.chapters_of("test_claims_over_seeds_25_25.py", "test_anything", "", by_file) \
        == {"25"}
    assert chapters.chapters_of("test_exercises.py", "test_x", "25.1-the hint", by_file) == {"25"}
    assert chapters.chapters_of("test_exercises.py", "test_x", "Ellipsis-03.1", by_file) == {"03"}
    assert chapters.chapters_of("test_exercises.py", "test_x", "0.25.1", by_file) == set()
    assert chapters.chapters_of("test_experiments.py", "test_x", "25_mixture_vae", by_file) == {"25"}
    assert chapters.chapters_of("test_structure.py", "test_x", "", by_file) == set()


def test_minus_m_ch25_collects_the_chapter():
    """``pytest -m ch25 --co`` in a subprocess, over a few files: chapter 25's notebook, its
    claims and the VAE's tests are selected, Dense's are not."""
    files = ["notebooks/25_latent_variables.ipynb", "notebooks/03_multi_neuron_backprop.ipynb",
             "tests/test_claims_over_seeds_25_25.py", "tests/test_generative_vae.py",
             "tests/test_layers_dense.py"]
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider",
                           "--nbval", "-m", "ch25", "--co", "-q", *files],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr
    selected = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    assert selected == set(files) - {"notebooks/03_multi_neuron_backprop.ipynb",
                                     "tests/test_layers_dense.py"}, done.stdout
