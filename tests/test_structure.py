"""The package's shape stays small enough to read: the limits that the course's
structure tool reports, checked here by the project itself (from the source
files, with ``ast``; nothing is imported).

- (a) no module of ``nnbook/`` is over ``MAX_LINES`` lines, docstrings included;
- (b) at most ``MAX_TOP`` modules sit directly in ``nnbook/`` (``__init__.py`` and
  ``__main__.py`` not counted): a new module goes into the folder of its role;
- (c) no import cycle among nnbook's modules, imports inside functions included
  (a function-level import only postpones a cycle, it does not remove it);
- (d) no module imports another folder's private helper: an import whose target
  lies in a different folder (package directory) than the importing module names
  no private module (``_blocks``) and no private name (``from x import _y``). The
  modules directly in ``nnbook/`` are the folder ``nnbook``. A folder's
  ``_helpers`` are free to change with that folder; a helper another folder needs
  is public (no underscore) or moves to where both can use it;
- (e) no reach-ins: no code reads or writes another object's private attribute,
  ``obj._name`` where ``obj`` is not ``self``, ``cls`` or ``super()`` (dunders
  aside); what another object needs from it is a public method or attribute;
- (i) no two folders import each other: the modules of one folder (or one module directly
  in ``nnbook/``) may import another folder's, or that folder theirs, not both, so that
  each folder can be read, and moved, with what it stands on (``training/`` imports
  ``optimizers/`` and ``saving/``, which import nothing of it; issue 77);
- (g) the floors under the others import nothing above them: ``nnbook/kernels/``
  (the speed code under the layers) imports no module of nnbook outside ``kernels/``,
  and its modules import only NumPy and the standard library;
- (h) no module or folder is named by a chapter or a Part (``ch18_part3``, ``part3``,
  ``chapter_12``): it is named by its topic, and its docstring says which chapter uses it;
- (f) every module opens with a docstring of at most ``MAX_SENTENCES`` sentences that
  says what the module holds (sentences split at ``.``, ``!`` or ``?`` before a capital,
  a backtick or a bracket); how it is fast, and what that was measured at, goes to
  ``benchmarks/README.md``, details of how it works to the docstrings of its functions.

How imports are read (as ``python ../shared/tools/structure.py`` reads them):
relative imports are resolved against the importing module's package;
``from . import x`` where ``x`` is a submodule imports that submodule, otherwise
the module it names; an import of a module that does not exist counts as
importing the nearest enclosing module that does. A package's ``__init__`` is
the module named like its folder (``nnbook.layers``).

The checker takes any package directory, so the tests at the bottom run it on a
small package made up in a temporary directory, with one instance of each
problem, to show that each is caught (and that a clean package passes).
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nnbook"
MAX_LINES = 400
MAX_TOP = 10
MAX_SENTENCES = 3


# --------------------------------------------------------------------------------------------
# the checker


def modules(package: Path) -> dict[str, Path]:
    """``{dotted module name: file}`` for every ``.py`` file under ``package``."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def where(path: Path, package: Path) -> str:
    return path.relative_to(package.parent).as_posix()


def too_long(package: Path, max_lines: int = MAX_LINES) -> list[str]:
    """One line per module over ``max_lines`` lines."""
    problems = []
    for name, path in modules(package).items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > max_lines:
            problems.append(f"{where(path, package)} ({name}): {n} lines")
    return problems


def top_level(package: Path) -> list[str]:
    """The modules directly in ``package`` (the ones (b) counts)."""
    return sorted(p.name for p in package.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))


def is_private(name: str) -> bool:
    """``_y`` is private; ``__init__`` and other dunders are not."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class Import:
    """One imported thing: ``written`` is the absolute dotted path as written
    (``nnbook.layers.conv._blocks``, or ``nnbook.optimizers.sgd._positive`` for a name),
    ``target`` the existing module it imports, ``name`` the imported name when it is
    not a module (else ``None``)."""

    def __init__(self, written, target, name, line, source):
        self.written, self.target, self.name, self.line, self.source = written, target, name, line, source


def imports(package: Path) -> dict[str, list[Import]]:
    """Every import of a module of ``package`` by a module of ``package``, at any depth
    of the syntax tree (inside functions, ``if`` blocks, ``try``…), per importing module."""
    mods = modules(package)
    top = package.name

    def existing(dotted):
        while dotted and dotted not in mods:
            dotted = dotted.rpartition(".")[0]
        return dotted

    found = {}
    for name, path in mods.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found[name] = []
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.Import):
                pairs = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")
                    base = base[:len(base) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                pairs = []
                for alias in node.names:
                    sub = f"{module}.{alias.name}"
                    if alias.name == "*":
                        pairs.append((module, None))
                    elif sub in mods:
                        pairs.append((sub, None))                # from . import submodule
                    else:
                        pairs.append((module, alias.name))       # from module import name
            else:
                continue
            source = lines[node.lineno - 1].strip()
            for dotted, imported in pairs:
                if dotted.split(".")[0] != top:
                    continue                                      # numpy, matplotlib, …
                target = existing(dotted)
                if target:
                    written = dotted if imported is None else f"{dotted}.{imported}"
                    found[name].append(Import(written, target, imported, node.lineno, source))
    return found


def cycles(package: Path) -> list[str]:
    """One message per import cycle (a strongly connected component of two or more
    modules), listing the imports that close it, with their files and lines."""
    found = imports(package)
    mods = modules(package)
    edges = {n: sorted({i.target for i in found[n] if i.target != n}) for n in found}

    # Tarjan's strongly connected components, iteratively (no recursion limit)
    index, low, on_stack, stack, components, counter = {}, {}, set(), [], [], 0
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(edges[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    messages = []
    for component in sorted(components):
        inside = set(component)
        how = [f"  {where(mods[n], package)}:{i.line} ({n} -> {i.target}): {i.source}"
               for n in component for i in found[n] if i.target in inside and i.target != n]
        messages.append("import cycle among " + ", ".join(component) + ":\n" + "\n".join(how))
    return messages


def private_crossings(package: Path) -> list[str]:
    """One line per import of another folder's private module or private name."""
    mods = modules(package)
    top = package.name
    problems = []
    for name, found in imports(package).items():
        folder = mods[name].parent
        for i in found:
            if mods[i.target].parent == folder:
                continue                                          # a folder's own helpers
            parts = i.written.split(".")[1:]                      # below the package itself
            private = [p for p in parts if is_private(p)]
            if private:
                problems.append(
                    f"{where(mods[name], package)}:{i.line} ({name}, folder "
                    f"{folder.relative_to(package.parent).as_posix()}) imports "
                    f"{'.'.join([top] + parts)}, private to folder "
                    f"{mods[i.target].parent.relative_to(package.parent).as_posix()}: {i.source}")
    return problems


def reach_ins(package: Path) -> list[str]:
    """One line per ``obj._name`` whose ``obj`` is not ``self``, ``cls`` or ``super()``."""
    found = []
    for path in modules(package).values():
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Attribute) and is_private(node.attr)
                    and not node.attr.startswith("__")):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name)
                    and owner.func.id == "super"):
                continue
            found.append(f"{where(path, package)}:{node.lineno}: reaches into .{node.attr}")
    return sorted(found)


FLOORS = ("kernels",)          # folders that import nothing of the package outside themselves


def reaching_up(package: Path, floors=FLOORS) -> list[str]:
    """One line per import, by a module of one of ``floors`` (folders of ``package``), of a
    module of ``package`` outside that folder, or of anything but NumPy and the standard
    library (what the floor stands on)."""
    import sys
    problems = []
    found = imports(package)
    for floor in floors:
        prefix = f"{package.name}.{floor}"
        for name, path in modules(package).items():
            if not (name == prefix or name.startswith(prefix + ".")):
                continue
            for i in found.get(name, []):
                if not (i.target == prefix or i.target.startswith(prefix + ".")):
                    problems.append(f"{where(path, package)}:{i.line} ({name}) imports "
                                    f"{i.target}, above the {floor} floor: {i.source}")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module] if isinstance(node, ast.ImportFrom) and not node.level
                         else [])
                for top in {n.split(".")[0] for n in names if n}:
                    if top not in ("numpy", package.name) and top not in sys.stdlib_module_names:
                        problems.append(f"{where(path, package)}:{node.lineno} ({name}) "
                                        f"imports {top}: the {floor} floor is NumPy only")
    return problems


NUMBERED = re.compile(r"(^|_)(ch|chapter|part)_?\d", re.IGNORECASE)


def mutual_folders(package: Path) -> list[str]:
    """One message per pair of folders (or modules directly in the package) that import
    each other, with one import each way; the package's own ``__init__`` is no folder."""
    found, top = imports(package), package.name

    def folder(dotted):
        parts = dotted.split(".")
        return ".".join(parts[:2]) if len(parts) > 1 else None

    edges = {}
    for name, found_here in found.items():
        for imp in found_here:
            a, b = folder(name), folder(imp.target)
            if a and b and a != b:
                edges.setdefault((a, b), f"{name}:{imp.line} {imp.source}")
    return [f"{a} <-> {b}: {edges[a, b]}; {edges[b, a]}"
            for a, b in sorted(edges) if a < b and (b, a) in edges and a.startswith(top)]


def numbered(package: Path) -> list[str]:
    """One line per module or folder of ``package`` whose name holds a chapter or Part
    number: ``ch18``, ``part3`` or ``chapter_12`` at its start or after an underscore."""
    found = set()
    for path in package.rglob("*.py"):
        for part in path.relative_to(package.parent).with_suffix("").parts:
            if NUMBERED.search(part):
                found.add(f"{where(path, package)}: {part!r}")
    return sorted(found)


def sentences(docstring: str) -> list[str]:
    """The sentences of a docstring: split at ``.``, ``!`` or ``?`` before a capital, a
    backtick, a bracket or a quote (so ``e.g. x`` and ``nb.Dense`` do not split)."""
    text = " ".join(docstring.split())
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`(\"'])", text) if s]


def long_docstrings(package: Path, max_sentences: int = MAX_SENTENCES) -> list[str]:
    """One line per module without a docstring or with one over ``max_sentences``."""
    problems = []
    for name, path in modules(package).items():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        n = len(sentences(doc)) if doc else 0
        if not doc or n > max_sentences:
            problems.append(f"{where(path, package)} ({name}): "
                            + (f"{n} sentences" if doc else "no docstring"))
    return problems


# --------------------------------------------------------------------------------------------
# nnbook itself


def test_no_module_is_over_the_line_limit():
    long = too_long(PACKAGE)
    assert not long, (f"modules over {MAX_LINES} lines (docstrings included); split each "
                      f"by what its parts do:\n" + "\n".join(long))


def test_few_modules_directly_in_the_package():
    top = top_level(PACKAGE)
    assert len(top) <= MAX_TOP, (
        f"{len(top)} modules directly in nnbook/ (at most {MAX_TOP}, __init__/__main__ not "
        f"counted); move some into the folder of their role: {', '.join(top)}")


def test_no_import_cycles():
    found = cycles(PACKAGE)
    assert not found, ("import cycles (imports inside functions count too):\n"
                       + "\n".join(found))


def test_no_folder_imports_another_folders_private_helpers():
    found = private_crossings(PACKAGE)
    assert not found, ("imports of another folder's private module or name (make the "
                       "helper public, or move it where both folders can use it):\n"
                       + "\n".join(found))


def test_no_reach_ins():
    found = reach_ins(PACKAGE)
    assert not found, ("code that reads or writes another object's private attribute (give "
                       "that object a public method or attribute for it):\n" + "\n".join(found))


def test_the_kernels_floor_imports_nothing_above_it():
    assert (PACKAGE / "kernels").is_dir()
    found = reaching_up(PACKAGE)
    assert not found, ("nnbook/kernels/ is the floor under the layers: it imports NumPy and "
                       "nothing of nnbook outside itself (pass what a kernel needs as "
                       "arguments, or keep the check in the layer):\n" + "\n".join(found))


def test_no_two_folders_import_each_other():
    found = mutual_folders(PACKAGE)
    assert not found, ("folders that import each other (one of them should not need the "
                       "other: pass what it needs as an argument, or move the shared part "
                       "below both):\n" + "\n".join(found))


def test_no_module_is_named_by_a_chapter_or_part():
    found = numbered(PACKAGE)
    assert not found, ("modules named by a chapter or Part number (name each by what it "
                       "holds or studies, and let its docstring say which chapter uses "
                       "it; `git mv` keeps its history):\n" + "\n".join(found))


def test_every_module_opens_with_a_short_docstring():
    found = long_docstrings(PACKAGE)
    assert not found, (f"modules whose docstring is missing or over {MAX_SENTENCES} sentences "
                       "(say what the module holds; move how it works to its functions' "
                       "docstrings, measurements to benchmarks/README.md):\n" + "\n".join(found))


# --------------------------------------------------------------------------------------------
# the checker on a made-up package: each problem is caught, and a clean package passes


def write(package: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return package


CLEAN = {
    "__init__.py": """\
        from . import core, tools
        from .shapes.square import area
        """,
    "__main__.py": "from .core import main\n",
    "core.py": """\
        from ._small import helper          # its own folder's helper: allowed
        from . import tools

        def main():
            from .shapes import square      # function-level, no cycle
            return square.area(helper())
        """,
    "_small.py": "def helper():\n    return 2\n",
    "tools.py": "import numpy as np\nfrom .shapes.square import area\n",
    "shapes/__init__.py": "from .square import area\n",
    "shapes/_geometry.py": "def _side(x):\n    return x\n",
    "shapes/square.py": """\
        from . import _geometry
        from ._geometry import _side

        def area(x):
            return _side(x) ** 2
        """,
    "exactly_400.py": '"""A docstring\n' + "line\n" * 398 + '"""\n',
}


def test_checker_passes_a_clean_package(tmp_path):
    package = write(tmp_path / "clean", CLEAN)
    assert len((package / "exactly_400.py").read_text().splitlines()) == 400
    assert too_long(package) == []
    assert top_level(package) == ["_small.py", "core.py", "exactly_400.py", "tools.py"]
    assert cycles(package) == []
    assert private_crossings(package) == []


def test_checker_finds_a_module_over_the_limit_docstrings_included(tmp_path):
    package = write(tmp_path / "pkg", dict(CLEAN, **{
        "shapes/long.py": '"""' + "Only a docstring.\n" * 401 + '"""\n'}))
    assert too_long(package) == ["pkg/shapes/long.py (pkg.shapes.long): 402 lines"]


def test_checker_counts_the_modules_directly_in_the_package(tmp_path):
    package = write(tmp_path / "pkg", dict(CLEAN, **{f"m{i}.py": "" for i in range(7)}))
    assert len(top_level(package)) == 11                  # 4 + 7; __init__, __main__ not counted
    assert "shapes" not in " ".join(top_level(package))   # nor a folder's modules


def test_checker_finds_a_cycle_through_a_function_level_import(tmp_path):
    package = write(tmp_path / "pkg", dict(CLEAN, **{
        "_small.py": """\
            def helper():
                from .core import main       # core imports _small at the top
                return 2
            """}))
    (found,) = cycles(package)
    assert found.startswith("import cycle among pkg._small, pkg.core:")
    assert "pkg/_small.py:2 (pkg._small -> pkg.core): from .core import main" in found
    assert "pkg/core.py:1 (pkg.core -> pkg._small): from ._small import helper" in found


def test_checker_finds_a_cycle_through_from_dot_import_a_submodule(tmp_path):
    package = write(tmp_path / "pkg", dict(CLEAN, **{
        # square imports the submodule _geometry (not the package shapes), which imports back
        "shapes/_geometry.py": "import pkg.shapes.square\n\ndef _side(x):\n    return x\n"}))
    (found,) = cycles(package)
    assert found.startswith("import cycle among pkg.shapes._geometry, pkg.shapes.square:")
    assert "pkg/shapes/square.py:1 (pkg.shapes.square -> pkg.shapes._geometry)" in found


def test_checker_finds_a_longer_cycle_across_folders(tmp_path):
    package = write(tmp_path / "pkg", dict(CLEAN, **{
        "shapes/__init__.py": "from .square import area\nfrom ..tools import np\n",
        "tools.py": "import numpy as np\nif True:\n    from .shapes import area\n"}))
    (found,) = cycles(package)
    assert found.startswith("import cycle among pkg.shapes, pkg.tools:")
    assert "pkg/tools.py:3 (pkg.tools -> pkg.shapes): from .shapes import area" in found
    assert "pkg/shapes/__init__.py:2 (pkg.shapes -> pkg.tools): from ..tools import np" in found
    package = write(tmp_path / "pkg2", dict(CLEAN, **{
        "shapes/__init__.py": "from .square import area\n",
        "shapes/square.py": "from .. import tools\n",
        "tools.py": "def f():\n    from .shapes.square import area\n"}))
    (found,) = cycles(package)
    assert found.startswith("import cycle among pkg2.shapes.square, pkg2.tools:")
    assert "pkg2/tools.py:2 (pkg2.tools -> pkg2.shapes.square)" in found


def test_checker_finds_private_helpers_imported_across_folders(tmp_path):
    package = write(tmp_path / "pkg", dict(CLEAN, **{
        "tools.py": "import numpy as np\nfrom .shapes._geometry import _side as side_of\n",
        "shapes/square.py": "from . import _geometry\nfrom .._small import helper\n"}))
    found = private_crossings(package)
    assert found == [
        "pkg/shapes/square.py:2 (pkg.shapes.square, folder pkg/shapes) imports pkg._small.helper, "
        "private to folder pkg: from .._small import helper",
        "pkg/tools.py:2 (pkg.tools, folder pkg) imports pkg.shapes._geometry._side, "
        "private to folder pkg/shapes: from .shapes._geometry import _side as side_of",
    ]
    package = write(tmp_path / "pkg2", dict(CLEAN, **{
        "tools.py": """\
            def f():
                from .shapes import _geometry                 # a private module, by from-import
                import pkg2.shapes._geometry                  # by absolute import
                from .shapes.square import _side              # a private name of a public module
                from .shapes.square import area               # public: fine
            """,
        "shapes/square.py": "from ._geometry import _side\n"}))
    assert [line.split(" (")[0] for line in private_crossings(package)] == [
        "pkg2/tools.py:2", "pkg2/tools.py:3", "pkg2/tools.py:4"]


def test_checker_finds_reach_ins_and_leaves_self_cls_super_and_dunders(tmp_path):
    package = write(tmp_path / "pkg", dict(CLEAN, **{"shapes/reach.py": """\
        class Box:
            def __init__(self, other):
                self._x = other._x
                super()._init()
                print(other.__class__, type(self)._made)

            @classmethod
            def make(cls):
                return cls._new()
        """}))
    assert reach_ins(package) == ["pkg/shapes/reach.py:3: reaches into ._x",
                                  "pkg/shapes/reach.py:5: reaches into ._made"]
    assert reach_ins(write(tmp_path / "clean", CLEAN)) == []


def test_checker_finds_long_and_missing_docstrings(tmp_path):
    package = write(tmp_path / "pkg", {
        "__init__.py": '"""One! Two? Three, e.g. this; nb.Dense too."""\n',
        "bare.py": "x = 1\n",
        "long.py": '"""One. Two. Three `x`. Four (here)."""\n',
        "three.py": '"""One line\n\nand a paragraph. ``x`` is two. (Three.)"""\n'})
    assert long_docstrings(package) == ["pkg/bare.py (pkg.bare): no docstring",
                                        "pkg/long.py (pkg.long): 4 sentences"]


def test_checker_finds_a_floor_that_reaches_up(tmp_path):
    package = write(tmp_path / "pkg", dict(CLEAN, **{
        "kernels/__init__.py": "",
        "kernels/fast.py": "import math\nimport numpy as np\nfrom .small import f\n",
        "kernels/small.py": "def f():\n    from ..tools import np\n    import scipy\n",
    }))
    assert reaching_up(package) == [
        "pkg/kernels/small.py:2 (pkg.kernels.small) imports pkg.tools, above the kernels "
        "floor: from ..tools import np",
        "pkg/kernels/small.py:3 (pkg.kernels.small) imports scipy: the kernels floor is "
        "NumPy only"]
    assert reaching_up(write(tmp_path / "clean", dict(CLEAN, **{
        "kernels/__init__.py": "", "kernels/fast.py": "import numpy as np\n"}))) == []


def test_checker_finds_folders_that_import_each_other(tmp_path):
    package = write(tmp_path / "pkg", dict(CLEAN, **{
        "a/__init__.py": "", "a/one.py": "from ..b.two import f\n", "a/four.py": "",
        "b/__init__.py": "", "b/two.py": "def f():\n    pass\n",
        "b/three.py": "def g():\n    from ..a import four\n"}))
    assert cycles(package) == []                   # no module cycle, but a folder cycle
    assert mutual_folders(package) == [
        "pkg.a <-> pkg.b: pkg.a.one:1 from ..b.two import f; pkg.b.three:2 from ..a import four"]
    assert mutual_folders(write(tmp_path / "clean", CLEAN)) == []


def test_checker_finds_modules_named_by_a_chapter_or_part(tmp_path):
    package = write(tmp_path / "pkg", dict(CLEAN, **{
        "experiments/__init__.py": "", "experiments/ch18_part3.py": "",
        "experiments/sequence_models.py": "", "experiments/chapter_12.py": "",
        "part3/__init__.py": "", "part3/tokens.py": "", "charts.py": "", "chains2.py": "",
        "depart2.py": "", "torch2nb.py": ""}))
    assert numbered(package) == ["pkg/experiments/ch18_part3.py: 'ch18_part3'",
                                 "pkg/experiments/chapter_12.py: 'chapter_12'",
                                 "pkg/part3/__init__.py: 'part3'",
                                 "pkg/part3/tokens.py: 'part3'"]
    assert numbered(write(tmp_path / "clean", CLEAN)) == []
