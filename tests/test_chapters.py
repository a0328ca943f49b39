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


def test_every_generated_text_is_current():
    """README.md's tables and overview and CONTRIBUTING.md's lists of chapters are what
    ``--write-readme`` writes from the rows: ``--check-readme`` passes."""
    for path, generate in chapters.GENERATED:
        text = path.read_text(encoding="utf-8")
        assert generate(text) == text, (f"{path.name}'s generated text differs from "
                                        f"tools/chapters.py: run {chapters.README_COMMAND}")
    assert chapters.main(["--check-readme"]) == 0


def test_the_overview_and_the_guide_follow_the_rows():
    """A row's ``overview`` phrase comes out in README's overview, with its number; a claims
    file's ``heavy(ci=True)`` puts its chapter in CONTRIBUTING's list."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    last = CHAPTERS[-1]
    saved = list(CHAPTERS)
    CHAPTERS[:] = saved[:-1] + [last._replace(overview="something else entirely")]
    try:
        made = chapters.readme_with_tables(text)
    finally:
        CHAPTERS[:] = saved
    overview = made.split(chapters.OVERVIEW_START)[1].split(chapters.OVERVIEW_END)[0]
    assert f"something else entirely (chapter {last.number})" in " ".join(overview.split())
    assert made.split(chapters.OVERVIEW_END)[1] == text.split(chapters.OVERVIEW_END)[1]
    assert {"27", "28"} <= set(chapters.heavy_ci_chapters()) and \
        "19" not in chapters.heavy_ci_chapters()           # chapter 19's are heavy, not ci=True
    assert chapters.contributing_heavy_ci() == "chapters " + chapters._and(
        chapters.heavy_ci_chapters())


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


# --- the exports: each row's names are exported where it says, and every export is a row's ---

def test_each_rows_exports_are_the_init_lines():
    """Each name of a row's ``exports`` (``nb.fit_scaling_law``, ``nb.data.TwoSources``) is in
    the ``__all__`` of the namespace it names (nnbook/__init__.py, nnbook/data/__init__.py, …)
    and is that namespace's attribute; every name those namespaces (``EXPORTED_BY``) export is
    one row's, once, or one of ``CORE_EXPORTS`` (nnbook's folders and modules). A new chapter's
    public names are its row's; a name in an ``__init__`` that no row claims, or a row's name
    missing from its ``__init__``, fails here."""
    declared = [(e, c.number) for c in CHAPTERS for e in c.exports]
    declared += [(e, "core") for e in chapters.CORE_EXPORTS]
    owner = {}
    for name, who in declared:
        assert name not in owner, f"{name} is exported by {owner[name]} and by {who}"
        owner[name] = who
    exported = set()
    for space in chapters.EXPORTED_BY:
        module = importlib.import_module(space.replace("nb", "nnbook", 1))
        exported |= {f"{space}.{n}" for n in module.__all__}
    for name, who in declared:
        space, attr = name.rsplit(".", 1)
        assert space in chapters.EXPORTED_BY, (
            f"{who}: {name} is not in one of {chapters.EXPORTED_BY} (tools/chapters.py)")
        module = importlib.import_module(space.replace("nb", "nnbook", 1))
        assert attr in module.__all__ and hasattr(module, attr), (
            f"chapter {who}'s row exports {name}: add {attr} to "
            f"{module.__name__.replace('.', '/')}/__init__.py (its import and __all__)")
    unclaimed = sorted(exported - set(owner))
    assert not unclaimed, (f"exported by no row of tools/chapters.py: {unclaimed}; add each "
                           "to the exports of the chapter that introduces it")


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


# --- the shared files a new chapter edits -------------------------------------------------------

# CONTRIBUTING.md's "Add a chapter": besides its own files, a new chapter edits these and no
# other shared file by hand: its row; what `python tools/chapters.py --write-readme` writes
# (README.md, CONTRIBUTING.md's list, nb.diagrams' and nb.explore's exports); the export
# lines of the folders it adds names to, checked against the row's exports.
SHARED = ("tools/chapters.py", "README.md", "nnbook/**/__init__.py")
_NAMED_CHAPTERS = re.compile(r"\b[Cc]hapters\s+(\d\d(?:(?:–|,\s+|,?\s+and\s+|\s+to\s+)\d\d)+)")


def lists_of_chapters(path: Path) -> list:
    """What in ``path`` reads as a list of chapters kept by hand: a sentence naming four
    chapters or more ("chapters 06, 07, 09 and 11"), or, in Python, a tuple, list, set or
    dict's keys holding three chapter numbers or more ("19", "20", "21"), notebooks' names or
    stored tables' names."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->", "", text, flags=re.S)  # generated
    found = [m.group(0).replace("\n", " ") for m in _NAMED_CHAPTERS.finditer(text)
             if len(re.findall(r"\d\d", m.group(1))) >= 4]
    if path.suffix == ".py":
        files = {c.notebook for c in CHAPTERS} | {t for c in CHAPTERS for t in c.tables}
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
                items = node.keys if isinstance(node, ast.Dict) else node.elts
                strings = [e.value for e in items
                           if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                named = [v for v in strings if re.fullmatch(r"\d\d", v) or v in files]
                if len(named) >= 3:
                    found.append(f"line {node.lineno}: {named}")
    return found


def _shared_files():
    """The repository's files that belong to no chapter and that a chapter could be listed in:
    the guide, the root conftest.py, noxfile.py, tools/ (but the table) and the test files no
    chapter owns (its library tests, claims and solutions are its own files). A module's
    docstring naming the chapters that use it is the module's own fact, not looked at."""
    owned = set(chapters.test_files_by_chapter()) | {c.claims for c in CHAPTERS if c.claims}
    tests = [p for p in sorted((ROOT / "tests").glob("*.py"))
             if p.name not in owned and not p.name.startswith("exercise_solutions")
             and p.name != Path(__file__).name]          # this file: the finder's own examples
    tools = [p for p in sorted((ROOT / "tools").glob("*.py")) if p.name != "chapters.py"]
    return [ROOT / "CONTRIBUTING.md", ROOT / "conftest.py", ROOT / "noxfile.py", *tools, *tests]


def test_no_shared_file_lists_the_chapters_by_hand():
    """A list of chapters kept by hand in a shared file is one more file each new chapter must
    edit: derive it from the table (or name the rule, in prose) instead."""
    found = {p.relative_to(ROOT).as_posix(): lists_of_chapters(p) for p in _shared_files()}
    found = {name: lists for name, lists in found.items() if lists}
    assert not found, (f"lists of chapters kept by hand: {found}; derive them from "
                       "tools/chapters.py, or keep them with the chapter's own files")


def test_the_list_finder_finds_the_lists_it_forbids(tmp_path):
    guide, code = tmp_path / "GUIDE.md", tmp_path / "x.py"
    guide.write_text("It moves a slider in chapters 06, 07, 09,\n11 and 17; chapters 10–13 "
                     "and 15 share a split.", encoding="utf-8")
    code.write_text('LATER = ("19", "20", "21")\nTWO = ["17", "18"]\n'
                    'RUN = {"00_big_picture.ipynb", "05_xor.ipynb", "24_fewer_bits.ipynb"}\n'
                    'SKIP = {"17_attention": 1, "18_transformer": 2, "27_digits_guidance": 3}\n',
                    encoding="utf-8")
    assert lists_of_chapters(guide) == ["chapters 06, 07, 09, 11 and 17"]
    assert [f.split(":")[0] for f in lists_of_chapters(code)] == ["line 1", "line 3", "line 4"]


def test_the_guide_names_the_shared_files_a_chapter_edits():
    section = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8").split(
        "## Add a chapter", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\d\. (.+?)(?=^\d\. |^$)", section, flags=re.M | re.S)
    assert len(listed) == 3 <= 4, listed
    assert "`tools/chapters.py`" in listed[0] and "`exports`" in listed[0]
    assert "`README.md`" in listed[1] and chapters.README_COMMAND in " ".join(listed[1].split())
    for folder in chapters.GENERATED_INITS:
        assert f"`nnbook/{folder}/__init__.py`" in listed[1], folder
    assert "`__init__.py`" in listed[2] and "`nnbook/__init__.py`" in listed[2]
    assert len(SHARED) == len(listed)


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
