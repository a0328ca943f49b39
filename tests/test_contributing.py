"""CONTRIBUTING.md stays true: every path, command and nnbook name it mentions exists, every
count and limit it quotes is computed here from the repository, it quotes no number of tests
and no timing (those are dated: benchmarks/results.md), every layer and every function it
names has the ``Shapes`` block it promises, its where-to table names folders and test files
that exist, the layers live where it says, the training walk runs as it says, the tests
follow its naming rule, and no test docstring names a file that is gone."""
import ast
import importlib
import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest

import chapters  # tools/chapters.py: the table of chapters
import nnbook as nb
from nnbook.torch_bridge import mappings

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
PROSE = re.sub(r"```.*?```", "", TEXT, flags=re.S)               # without the fenced blocks
TICKED = sorted(set(re.findall(r"`([^`\n]+)`", PROSE)))

# Paths CONTRIBUTING names that a run makes, not the repository holds.
MADE_BY_A_RUN = {".venv", ".nox/", "ci-artifacts/screenshots/", "ci-artifacts/book/",
                 "$NNBOOK_ARTIFACTS/screenshots/", "…/site-packages/numpy/…",
                 "image/gif"}                  # a MIME type, not a path
PATHLIKE = re.compile(r"^[\w.$…<>*-]*(/[\w.$…<>*-]*)+$|^[\w.*<>-]+\.(py|md|toml|yml|cfg|txt|ipynb|css|png)$")


def _exists(path):
    """A path of the repository (or of nnbook/ when it starts with a subfolder's name); a
    ``*`` is a glob that must match, a ``<placeholder>`` stands for any name in its folder."""
    pattern = re.sub(r"<[^>]+>|\bNN_name\b|NN_NN", "*", path).rstrip("/")
    for base in (ROOT, ROOT / "nnbook"):
        if any(base.glob(pattern)) if "*" in pattern else (base / pattern).exists():
            return True
    return False


def _paths():
    return [t for t in TICKED if PATHLIKE.match(t) and t not in MADE_BY_A_RUN]


def test_the_checker_sees_the_paths():
    assert {"nnbook/registry.py", "tests/test_gradients.py", "nnbook/layers/<idea>.py"} \
        <= set(_paths())


@pytest.mark.parametrize("path", _paths())
def test_every_backticked_path_exists(path):
    assert _exists(path), f"CONTRIBUTING.md names `{path}`, which is not in the repository"


def _where_to():
    """{kind: (goes in, tested in)} from the table of "Where things go"."""
    section = re.search(r"## Where things go\n(.*?)\n## ", TEXT, flags=re.S).group(1)
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+) \| ([^|]+) \|$", section, flags=re.M)
    return {kind: (goes, tested) for kind, goes, tested in rows if kind not in ("new …", "---")}


def test_the_where_to_table_has_a_row_for_each_new_thing():
    kinds = " ".join(_where_to())
    for kind in ("layer", "generative model", "precision feature", "experiment", "benchmark",
                 "notebook", "explorable", "exercise", "data set", "diagram", "plot"):
        assert kind in kinds, f"CONTRIBUTING.md's where-to table has no row for a new {kind}"


def test_the_where_to_tables_folders_and_test_files_exist():
    """Each row's folders exist, and each test file pattern it names matches a file now."""
    for kind, (goes, tested) in _where_to().items():
        for path in re.findall(r"`([^` ]+/[^` ]*)`", goes):
            folder = re.sub(r"<[^>]+>.*|\bNN_name.*|[^/]*$", "", path)
            assert (ROOT / folder).is_dir(), f"{kind}: `{path}`'s folder {folder} is missing"
        tests = re.findall(r"`(tests/[^`]+)`", tested)
        assert tests or kind.startswith("notebook"), f"{kind}: no test file named"
        for path in tests:
            assert _exists(path), f"{kind}: no file matches `{path}`"


def test_the_layer_families_are_the_folders_of_layers():
    said = set(re.findall(r"`nnbook/layers/(\w+)/`", TEXT))
    folders = {p.name for p in (ROOT / "nnbook" / "layers").iterdir()
               if p.is_dir() and (p / "__init__.py").exists()}
    assert said == folders, f"the guide names the families {sorted(said)}; layers/ has {sorted(folders)}"


def _commands():
    fenced = re.findall(r"```bash\n(.*?)```", TEXT, flags=re.S)
    lines = [ln.split("#")[0].strip() for block in fenced for ln in block.splitlines()]
    lines += [t for t in TICKED if re.match(r"(\S+=\S+ )*(python|pytest|bash) ", t)]
    return sorted({ln for ln in lines if ln})


@pytest.mark.parametrize("command", _commands())
def test_every_command_names_existing_scripts_and_tests(command):
    words = command.split()
    targets = [w for w in words if re.match(r"^[\w.][\w./-]*\.(py|ipynb)$|^\.ci/run$", w)
               or w in ("notebooks", "tests")]
    if "-m" in words and words[words.index("-m") + 1] not in ("pytest",):
        return                                       # `-m "not browser"` is a marker
    for target in targets:
        assert _exists(target), f"`{command}` in CONTRIBUTING.md runs {target}, which is missing"


def _dotted():
    names = set()
    for tick in TICKED:
        if PATHLIKE.match(tick):
            continue
        for name in re.findall(r"(?<![\w.])((?:nb|nnbook|[A-Z]\w*)\.[A-Za-z_]\w*(?:\.\w+)*)", tick):
            if not re.match(r"^[A-Z_]+\.|^(np|plt|torch)\.", name) and name not in ABSENT:
                names.add(name)
    return sorted(names)


# Names CONTRIBUTING.md says must NOT exist ("no `nb.data.np`").
ABSENT = {"nb.data.np"}


def test_the_names_said_absent_are_absent():
    for name in ABSENT:
        assert f"no `{name}`" in TEXT
        with pytest.raises((AttributeError, ImportError)):
            _resolve(name)


def _resolve(name):
    head, *rest = name.split(".")
    if head in ("nb", "nnbook"):
        obj = nb
        for i, part in enumerate(rest):
            if not hasattr(obj, part):
                obj = importlib.import_module("nnbook." + ".".join(rest[:i + 1]))
            else:
                obj = getattr(obj, part)
        return obj
    obj = getattr(nb, head)                          # Class.method: a public class of nnbook
    for part in rest:
        obj = getattr(obj, part)
    return obj


def test_the_checker_sees_the_names():
    assert {"nb.plot.IMAGE_CMAP", "Loss.fuses_with", "Sequential.forward"} <= set(_dotted())


@pytest.mark.parametrize("name", _dotted())
def test_every_dotted_nnbook_name_resolves(name):
    try:
        _resolve(name)
    except (AttributeError, ImportError) as error:
        pytest.fail(f"CONTRIBUTING.md names {name}, which does not resolve: {error}")


def _layer_classes():
    """{module path: [public Layer subclasses it defines]} over every nnbook module."""
    found = {}
    for path in sorted((ROOT / "nnbook").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if path.name == "__main__.py" or "torch_bridge" in rel.parts:
            continue
        name = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        found[rel.as_posix()] = [n for n, o in vars(module).items()
                                 if inspect.isclass(o) and issubclass(o, nb.Layer)
                                 and o.__module__ == name and not n.startswith("_")]
    return found


def test_every_layer_lives_where_the_guide_says():
    """A layer lives in nnbook/layers/, or is one of the Part packages' layers the guide
    names with its module; the kernels' modules, each named in the guide, define no layer."""
    rule = _quoted(r"(A layer lives in `nnbook/layers/`, except.*?\.)\nSpeed code that is not a layer")[0]
    named = dict((cls, path) for cls, path in re.findall(r"`(\w+)` \(`([\w/]+\.py)`\)", rule))
    classes = _layer_classes()
    outside = {cls: path.removeprefix("nnbook/") for path, found in classes.items()
               for cls in found if not path.startswith("nnbook/layers/")}
    assert outside == named, f"layers outside nnbook/layers/: {outside}; the guide says {named}"
    floor = _quoted(r"(Speed code that is not a layer goes one floor below.*?)\n\n")[0]
    named = set(re.findall(r"`(nnbook/kernels/\w+\.py)`", floor))
    kernels = {p.relative_to(ROOT).as_posix() for p in (ROOT / "nnbook" / "kernels").glob("*.py")
               if p.name != "__init__.py"}
    assert named == kernels, f"the guide names the kernels {sorted(named)}, the floor holds " \
        f"{sorted(kernels)}"
    for path in kernels:
        assert path in classes and not classes[path], f"{path} defines layers {classes[path]}"
    assert "integer_input" in TEXT and "88" in TEXT


def test_modules_are_named_by_topic_as_the_guide_says():
    """The guide's rule, "never by a Part or chapter number", with no exception left
    (issue 51, item 3 renamed the experiments); tests/test_structure.py enforces it."""
    assert re.search(r"A module is named by its topic, never by a Part or chapter number",
                     TEXT)
    assert re.search(r"`tests/test_structure\.py` fails on a module\s+of `nnbook/` named", TEXT)
    assert "known exception" not in TEXT and "chNN_topic" not in TEXT
    numbered = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "nnbook").rglob("*.py")
                      if re.search(r"(^|_)(ch|part)\d", p.stem))
    assert not numbered, numbered


def _has_shapes(cls):
    return any(re.search(r"^\s*Shapes\b", k.__doc__ or "", flags=re.M)
               for k in cls.__mro__ if k.__module__.startswith("nnbook"))


def test_every_layer_docstring_has_a_shapes_block():
    assert "`Shapes`" in TEXT or "`Shapes:`" in TEXT
    lacking = [n for n in nb.__all__ if inspect.isclass(getattr(nb, n))
               and issubclass(getattr(nb, n), nb.Layer) and n != "Layer"
               and not _has_shapes(getattr(nb, n))]
    assert not lacking, f"layers whose docstrings (and base classes') have no Shapes block: {lacking}"


# --- the test layout -------------------------------------------------------------------------
# Rule (CONTRIBUTING.md, "How the tests work"): nnbook/<module>.py is tested in
# tests/test_<module>.py, nnbook/<folder>/<module>.py in tests/test_<folder>_<module>.py, a
# package as a whole in tests/test_<folder>.py; more files for one module add an aspect:
# tests/test_<folder>_<module>_<aspect>.py. Private modules (_name.py) are tested through
# their users. The modules below are tested elsewhere, for the reason given.
ELSEWHERE = {
    "experiments/*": "each chapter's experiment is re-run by its notebook, by "
                     "test_experiments.py (the first seed of a stored table) and by "
                     "test_claims_over_seeds_*.py; seeds.py is tested in "
                     "test_experiments_seeds.py",
    "callbacks.py": "re-exports training/callbacks.py (test_training_callbacks.py); "
                    "test_completion.py checks the short name",
    "schedules.py": "re-exports training/schedules.py (test_training_schedules.py)",
    "metrics.py": "re-exports training/metrics.py (test_training_metrics.py)",
    "kernels/conv_dx.py": "the conv engine's ∂E/∂x, tested through Conv2D in "
                          "test_kernels_conv.py and test_layers_conv.py",
    "kernels/elementwise.py": "exp_neg, tested through sigmoid and SiLU in "
                              "test_layers_activations.py",
    "conv_impl.py": "chapter 07's reference convolutions, checked against Conv2D in "
                    "test_layers_conv.py",
    "layers/base.py": "the Layer contract: test_layers_dense.py, test_custom_layers.py, "
                      "test_probes_custom*.py",
    "data/bpe_merges.py": "bpe.py's merge table, tested in test_data_bpe.py",
    "data/generated.py": "tested in the package's test_data.py",
    "data/splits.py": "tested in the package's test_data.py",
    "data/labels.py": "tested in the package's test_data.py",
    "autodiff/*": "one engine in four modules, tested as a whole in test_autodiff.py",
    "exercises/*": "every checker is tested by test_exercises.py against "
                   "tests/exercise_solutions*.py; test_exercises_<module>.py only for more",
    "torch_bridge/*": "the bridge is tested as a whole in test_torch_bridge.py and "
                      "test_torch_parity_*.py (torch CI job)",
    "training/callback_base.py": "the Callback interface, in test_training_callbacks.py",
    "training/monitoring.py": "EarlyStopping and ModelCheckpoint, in test_training_callbacks.py",
    "training/loss_base.py": "the Loss interface, in test_training_losses.py",
    "training/crossentropy.py": "CrossEntropy, in test_training_losses.py and "
                                "test_sequence_training.py",
    "optimizers/hyperparams.py": "checks of learning rates and fractions, tested through the "
                                 "optimizers' and callbacks' error messages",
    "optimizers/sgd.py": "SGD, with RMSProp and Adam, in the package's test_optimizers.py",
    "optimizers/rmsprop.py": "RMSProp, with SGD and Adam, in the package's test_optimizers.py",
    "optimizers/adam.py": "Adam, with SGD and RMSProp, in the package's test_optimizers.py",
    "training/loop.py": "the epoch loop, in test_training_walk.py and test_training_callbacks_fit.py",
    "training/summary.py": "Sequential.summary, in test_training_model.py",
    "training/loading.py": "load_model, with save, in test_saving_model_file.py",
    "saving/layer_refs.py": "tied layers in a saved file, in test_layers_unembedding.py",
    "training/protocol.py": "the layer contract's checks, in test_custom_layers.py and "
                            "test_probes_custom*.py",
}
# Test files of behaviour that crosses modules, or of the repository itself, not of one module.
CROSS_CUTTING = {"test_api", "test_gradients", "test_custom_layers", "test_sequence_training",
                 "test_probes_careless", "test_probes_custom", "test_probes_custom_saving",
                 "test_namespaces", "test_completion", "test_structure", "test_contributing",
                 "test_notebooks_meta", "test_stored_outputs", "test_nbval_config",
                 "test_readme", "test_packaging", "test_repo_size", "test_ci", "test_book",
                 "test_jupyterlab", "test_jupyterlab_settings", "test_browser_skip_summary",
                 "test_benchmarks", "test_training_walk", "test_fresh_seeds",
                 "test_claims_rule",  # "every" claims say why (CONTRIBUTING, issue 76)
                 "test_chapters",   # the table of chapters (tools/chapters.py) against the files
                 "test_chapters_names",   # every name a chapter's row lists, run by its notebook
                 "test_planted_bugs",  # the planted bugs' catalogue (tools/planted_bugs.py)
                 "test_walk_calls",  # the calls from fit, a step and generate (issue 51)
                 "test_course",  # README's first command: the learner's copies (tools/course.py)
                 "test_nbval_kernel",  # the notebooks' kernel start (tests/nbval_kernel.py)
                 "test_cell_deps"}  # the browser test's explorable setup (tests/cell_deps.py)


def _modules():
    for path in sorted((ROOT / "nnbook").rglob("*.py")):
        rel = path.relative_to(ROOT / "nnbook")
        if path.name.startswith("_") or "__pycache__" in rel.parts:
            continue
        yield rel


def _test_name(rel):
    return "test_" + "_".join(rel.with_suffix("").parts)


def _test_names(rel):
    """The names a module's test file may have: by the rule, and for a layer in a family
    folder (``nnbook/layers/attention/rope.py``) the layer's own name or its family's
    (``test_layers_rope``, ``test_layers_attention``)."""
    names = {_test_name(rel)}
    if rel.parts[0] == "layers" and len(rel.parts) == 3:
        names |= {f"test_layers_{rel.stem}", f"test_layers_{rel.parts[1]}"}
    return names


def _excused(rel):
    key = rel.as_posix()
    return key in ELSEWHERE or (len(rel.parts) > 1 and f"{rel.parts[0]}/*" in ELSEWHERE)


def test_every_public_module_has_its_test_file():
    tests = {p.stem for p in (ROOT / "tests").glob("test_*.py")}
    missing = [f"nnbook/{rel.as_posix()} → tests/{_test_name(rel)}.py" for rel in _modules()
               if not _test_names(rel) & tests and not _excused(rel)]
    assert not missing, "modules without a test file named by the rule in CONTRIBUTING.md " \
        f"(or a reason in ELSEWHERE): {missing}"


def test_every_test_file_is_named_after_what_it_tests():
    stems = set().union(*(_test_names(rel) for rel in _modules()))
    stems |= {"test_" + p.name for p in (ROOT / "nnbook").iterdir() if p.is_dir()}
    stems |= {"test_bench_" + p.stem[len("bench_"):]
              for p in (ROOT / "benchmarks").glob("bench_*.py")}
    stems |= {"test_torch_parity"}                   # the bridge against PyTorch, by family
    stems |= {"test_claims_over_seeds"}              # the chapters' conclusions, re-run on new seeds
    odd = [p.name for p in sorted((ROOT / "tests").glob("test_*.py"))
           if p.stem not in CROSS_CUTTING
           and not any(p.stem == s or p.stem.startswith(s + "_") for s in stems)]
    assert not odd, f"test files named after no module of nnbook (rename, or list them " \
        f"in CROSS_CUTTING with a reason): {odd}"


def test_the_excuses_are_still_needed():
    tests = {p.stem for p in (ROOT / "tests").glob("test_*.py")}
    stale = [k for k in ELSEWHERE if "*" not in k and (not (ROOT / "nnbook" / k).exists()
             or _test_names(Path(k)) & tests)]
    assert not stale, f"ELSEWHERE lists modules that are gone or have their own file: {stale}"


# --- test docstrings name existing files ----------------------------------------------------
FILE = re.compile(r"(?<![\w/.])((?:[\w.-]+/)*[\w*-]+\.(?:py|md|toml|cfg|ipynb|yml|txt|css))\b")


def _docstrings(tree):
    nodes = [tree] + [n for n in ast.walk(tree)
                      if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))]
    return [ast.get_docstring(n) or "" for n in nodes]


def _named_files():
    # nnbook's folders, walked once (walked again for each docstring, they cost most of
    # this file's time)
    package = [d for d in (ROOT / "nnbook").rglob("*")
               if d.is_dir() and "__pycache__" not in d.parts]
    for path in sorted((ROOT / "tests").glob("*.py")):
        for doc in _docstrings(ast.parse(path.read_text(encoding="utf-8"))):
            folders = [ROOT, ROOT / "tests"] + package
            for name in (n for n in FILE.findall(doc) if not n.startswith("../")):
                if "/" in name:
                    folders.append((ROOT / name).parent)
                yield path.name, name, list(folders)


def test_no_test_docstring_names_a_missing_file():
    missing = sorted({(test, name) for test, name, folders in _named_files()
                      if not any(any(d.glob(name)) for d in folders if d.is_dir())})
    assert not missing, f"test docstrings name files that do not exist: {missing}"


# --- every count and limit the guide quotes, computed from the repository --------------------
def _quoted(pattern):
    """The groups of the one sentence of CONTRIBUTING.md that ``pattern`` matches."""
    m = re.search(pattern, TEXT, flags=re.S)
    assert m, f"CONTRIBUTING.md no longer says {pattern!r}: check the new wording against " \
              "the repository and update this test"
    return m.groups()


def _source(path):
    return (ROOT / path).read_text(encoding="utf-8")


def _constant(path, name):
    """The value of ``NAME = <expression of literals>`` at the top of a file."""
    for node in ast.parse(_source(path)).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name
                                                 for t in node.targets):
            return eval(compile(ast.Expression(node.value), path, "eval"), {})
    raise AssertionError(f"{path} has no {name}")


def test_the_sliders_the_browser_test_moves_are_the_tables():
    """The guide names the rule, not the chapters: the browser test moves each row's
    ``Slider`` (test_jupyterlab.py's EXPLORABLES is chapters.browser_explorables(), checked in
    tests/test_chapters.py), running the cells above first for the setup the guide quotes."""
    kind, = _quoted(r"moves the slider of each chapter whose row in\s+`tools/chapters\.py` gives "
                    r"its explorable a `(\w+)`")
    assert kind == chapters.Slider.__name__
    above, = _quoted(r"after running the cells above it that\s+it depends on when the slider's "
                     r"setup is `\"(\w+)\"`")
    setups = {e[-1] for e in chapters.browser_explorables()}
    assert above in setups and setups == {"imports", above}, setups


def test_the_exercise_solution_files_hold_the_chapters_the_guide_says():
    first, last, later = _quoted(r"`tests/exercise_solutions\.py` for chapters (\d\d)–(\d\d), a"
                                 r"\s+`tests/exercise_solutions_<topic>\.py` per later topic "
                                 r"\(from chapter (\d\d) on\)")
    key = r'^RIGHT\["(\d\d)\.\d+"\]'
    own = sorted(set(re.findall(key, _source("tests/exercise_solutions.py"), flags=re.M)))
    topics = sorted({c for p in (ROOT / "tests").glob("exercise_solutions_*.py")
                     for c in re.findall(key, p.read_text(encoding="utf-8"), flags=re.M)})
    assert (own[0], own[-1]) == (first, last), f"exercise_solutions.py holds chapters {own}"
    assert topics[0] == later, f"the topic files hold chapters {topics}"


def test_the_quoted_error_message_is_the_one_dense_raises():
    quoted, = _quoted(r"and the fix:\s+`(Dense\([^`]+)`")
    with pytest.raises(ValueError) as error:
        nb.Dense(3, 1).forward(np.zeros((4, 2)))
    assert str(error.value) == quoted


def test_the_limits_quoted_are_those_the_tests_enforce():
    lines, top = _quoted(r"`tests/test_structure\.py`: no module over (\d+) lines \(aim for "
                         r"\d+\),\s+docstrings\s+included; at most (\d+) modules directly in `nnbook/`")
    assert int(lines) == _constant("tests/test_structure.py", "MAX_LINES")
    assert int(top) == _constant("tests/test_structure.py", "MAX_TOP")
    sentences, = _quoted(r"each module opens with a docstring of at most (\d+) sentences")
    assert int(sentences) == _constant("tests/test_structure.py", "MAX_SENTENCES")
    assert "no module is let off the limit" in " ".join(TEXT.split())
    assert "LONG_DOCSTRINGS" not in _source("tests/test_structure.py")   # no allowance list
    one, average, image = _quoted(r"keeps every notebook\s+under ([\d.]+) MB, `notebooks/` under "
                                  r"(\d+) KB per notebook on average, and every stored image\s+"
                                  r"under ([\d.]+) MB")
    size = "tests/test_repo_size.py"
    assert float(one) * 2**20 == _constant(size, "NOTEBOOK_BUDGET")
    assert int(average) * 1024 == _constant(size, "PER_NOTEBOOK")
    assert float(image) * 2**20 == _constant(size, "FIGURE_BUDGET")
    width = _constant("tests/test_notebooks_meta.py", "CODE_WIDTH")
    widths = set(re.findall(r"(\d+)[ -]characters?|at\s+most (\d+) characters", TEXT))
    assert {int(w) for pair in widths for w in pair if w} == {width}


def test_the_numbers_of_the_code_quoted_are_the_codes():
    first, = _quoted(r"one on the last batch's first (\d+) samples")
    defaults = inspect.signature(nb.training.loop._check_final_step).parameters
    assert int(first) == defaults["n"].default
    bench = _source("benchmarks/README.md")
    assert "at most 10⁶\n  multiply-adds" in bench
    assert _constant("nnbook/kernels/products.py", "SMALL") == 10 ** 6
    kept, = re.search(r"glibc keeps (\d+) MB at the top of its heap", bench).groups()
    assert int(kept) << 20 == _constant("benchmarks/timing.py", "TOP_PAD")
    kept, = re.search(r"from 64 kB\s+up \(`KEEP_FROM`\)", bench).groups() or ("64",)
    assert _constant("nnbook/layers/base.py", "KEEP_FROM") == 64 << 10
    pin, = _quoted(r"adds `(torch==[\d.]+)`")
    ci = [p for p in [ROOT / "noxfile.py", *(ROOT / ".ci").glob("*")] if p.is_file()]
    assert any(pin in p.read_text(encoding="utf-8") for p in ci), f"CI pins no {pin}"
    oldest, = _quoted(r"`\.ci/constraints-oldest\.txt`: ([^)]+?), the lower bounds")
    pins = dict(re.findall(r"^([\w-]+)==([\d.]+)\.\*$", _source(".ci/constraints-oldest.txt"),
                           flags=re.M))
    for name, version in re.findall(r"([\w-]+) ([\d.]+)", oldest):
        assert pins.get(name) == version, f"{name} {version}: constraints say {pins.get(name)}"


def test_the_guide_quotes_no_count_of_tests_and_no_timing():
    """Counts of tests and measured times go stale with every change: the guide says how to
    count (``--collect-only``) and points to benchmarks/results.md for the times."""
    counts = re.findall(r"\b\d[\d,]* (?:\w+ )?tests\b", TEXT)
    timings = re.findall(r"\b\d[\d,.½]* ?(?:s|min|minutes|seconds)\b(?! per)", TEXT)
    dated = re.findall(r"\b20\d\d-\d\d-\d\d\b", TEXT)
    assert not counts, f"CONTRIBUTING.md quotes numbers of tests: {counts}"
    assert not dated, f"CONTRIBUTING.md quotes dated runs (move them to " \
                      f"benchmarks/results.md): {dated}"
    assert not timings, f"CONTRIBUTING.md quotes timings (move them to " \
                        f"benchmarks/results.md): {timings}"
    assert "Test and CI timings" in _source("benchmarks/results.md")


def test_the_chapters_said_to_share_the_digits_split_are_those_that_call_it():
    quoted, = _quoted(r"so chapters ([\d–, and]+?) share one split")
    said = set()
    for a, b in re.findall(r"(\d\d)(?:–(\d\d))?", quoted):
        said |= {f"{n:02d}" for n in range(int(a), int(b or a) + 1)}
    calling = set()
    for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        if "digits_split()" in code:
            calling.add(path.name[:2])
    assert said == calling, f"the notebooks that call digits_split() are {sorted(calling)}"


def test_the_browser_width_and_the_ci_pythons_are_the_tests_and_ci_own():
    widths = {int(w) for w in re.findall(r"(\d+) px", TEXT)}
    assert widths == {_constant("tests/test_book.py", "VIEWPORT")["width"]}
    assert widths == {_constant("tests/test_jupyterlab.py", "VIEWPORT")["width"]}
    ci = "".join(p.read_text(encoding="utf-8") for p in
                 [ROOT / "noxfile.py", *(ROOT / ".ci").glob("*")] if p.is_file())
    for job in ("oldest", "newest"):
        version, = _quoted(rf"\| `{job}` \| Python (3\.\d+) ")
        assert re.search(rf"\b{re.escape(version)}\b", ci), f"CI runs no Python {version}"
    main, = _quoted(r"the CI machine's Python (3\.\d+)")
    assert re.search(rf"\b{re.escape(main)}\b", ci), f"CI runs no Python {main}"


# --- the claims rewritten for issue 51.5, each checked against the code -----------------------
def test_the_functions_said_to_have_shapes_blocks_have_them():
    said, = _quoted(r"and so do these\s+public functions: (.*?) \(`tests/test_contributing\.py`")
    names = re.findall(r"`nb\.(\w+)`", said)
    assert len(names) > 5
    lacking = [n for n in names if not re.search(r"^\s*Shapes\b", inspect.getdoc(getattr(nb, n)),
                                                 flags=re.M)]
    assert not lacking, f"CONTRIBUTING.md says these have a Shapes: block; they have none: {lacking}"


def test_the_namespace_rule_is_enforced_by_the_file_the_guide_names():
    path, = _quoted(r"`(tests/test_\w+\.py)`: public namespaces\s+export exactly their `__all__`")
    assert "__all__" in _source(path) and "__all__" not in _source("tests/test_structure.py")


def test_the_training_walk_is_as_the_guide_says():
    """Dense.forward runs on the checked first step only; a learner's own layer every step."""
    assert re.search(r"So in `fit`, `Dense\.forward` runs once per batch shape, not once\s+per "
                     r"batch, while a learner's own layer runs its `forward` every step", TEXT)
    assert "StepPlan" in vars(nb.training.step_plan)
    assert "first_non_finite" in vars(nb.training.protocol)

    class Mine(nb.Layer):
        def __init__(self):
            super().__init__()
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            return x

        def backward(self, dy):
            return dy

    calls = []
    dense_forward = nb.Dense.forward

    def counted(self, x, *args, **kwargs):
        calls.append(x.shape)
        return dense_forward(self, x, *args, **kwargs)

    mine = Mine()
    model = nb.Sequential([nb.Dense(3, 4, rng=np.random.default_rng(0)), mine, nb.ReLU(),
                           nb.Dense(4, 2, rng=np.random.default_rng(1))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.default_rng(2).normal(size=(40, 3)), np.zeros((40, 2))
    try:
        nb.Dense.forward = counted
        model.fit(x, y, epochs=1, batch_size=10, shuffle=False, verbose=0)
    finally:
        nb.Dense.forward = dense_forward
    training = [c for c in calls if c == (10, 3)]         # the first Dense, on training batches
    assert len(training) == 1, f"Dense.forward ran {len(training)} times in 4 steps"
    assert mine.calls >= 4                                # (fit's final check runs on 8 rows)


def test_the_torch_parity_files_are_those_the_guide_lists():
    said, = _quoted(r"`tests/test_torch_parity_<family>\.py` of its family or chapter \(([\w,\s]+)\)")
    files = {p.stem.removeprefix("test_torch_parity_")
             for p in (ROOT / "tests").glob("test_torch_parity_*.py")}
    assert set(re.findall(r"\w+", said)) == files
    maps = re.search(r"MAPS = \(([^)]*)\)", _source("nnbook/torch_bridge/mappings.py")).group(1)
    listed = re.findall(r"map_\w+", maps)
    files = sorted(p.stem for p in (ROOT / "nnbook" / "torch_bridge").glob("map_*.py"))
    assert sorted(listed) == files                           # "those mappings.py lists in MAPS"
    said = " ".join(TEXT.split())
    assert "a class has one map, and two modules that claim it stop the import" in said
    with pytest.raises(ValueError, match="mapped by both"):  # what the guide says happens
        mappings.merged([("map_a", {"Block": len}), ("map_b", {"Block": len})])


def test_the_benchmark_parts_are_run_alls():
    bench = _source("benchmarks/README.md")
    said, = re.search(r"# one part \(([\w, ]+)\) alone", bench).groups()
    assert sorted(re.findall(r"\w+", said)) == sorted(_constant("benchmarks/run_all.py", "ONLY"))
    assert "benchmarks/README.md" in TEXT and "## Benchmarks" in TEXT
