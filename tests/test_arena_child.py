"""The recipe's process (nnbook/arena/child.py, chapter 37), held to hand-made cheating
recipes, the three a cold reading found
working past the guards of guard.py, each as a recipe file run through ``nb.arena.run`` as
the command line runs one (a spawned process a seed): A, work the meter does not see (a
second, uncounted model trained beside the counted one, or at import), refused by the CPU
bound; B, weights carried from one seed to the next (a module global, a class attribute,
a file in the working folder), which find nothing at the next seed (and, found, would be
refused by the starting-weights check: tests/test_arena_harness.py); C, a forged row, in
tests/test_arena_leaderboard.py. What is still open (a second model small enough to hide
in ``CPU_FACTOR``) is in nnbook/arena/__init__.py."""

import functools
import textwrap
from pathlib import Path

import numpy as np
import pytest

import nnbook as nb
import arena_recipes as recipes

SEEDS = recipes.SEEDS                           # (0, 1, 2): the seeds of honest_seeded
HEAD = """\
import sys
sys.path.insert(0, {tests!r})
import numpy as np
import nnbook as nb
import arena_recipes as r
"""


def _file(tmp_path, name, body):
    path = tmp_path / f"{name}.py"
    path.write_text(HEAD.format(tests=str(recipes.__file__).rsplit("/", 1)[0])
                    + textwrap.dedent(body))
    return path


def test_a_second_uncounted_model_is_refused_by_the_cpu_bound(tmp_path):
    """Cheat A: a second model, never counted, trained beside the counted one (about 5 s of
    CPU, no meter: a teacher, say, whose outputs could steer the counted model's data; at 4
    epochs, 2 s since the layers got faster, it passed the bound on a loaded machine). The
    same layers trained first and then wrapped by arena.model are refused sooner, by their
    starting weights (tests/test_arena_harness.py, ``pretrained``)."""
    path = _file(tmp_path, "second_model", """
        def recipe(arena):
            model = r.tiny_model(arena)
            free_rng = np.random.default_rng(0)
            free = nb.Sequential(r.tiny_layers(type("Free", (), {"vocab_size": 26,
                                                                  "rng": free_rng})))
            free.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True))
            x, y = arena.windows(r.BATCH * 200)
            free.fit(x, y, epochs=10, batch_size=r.BATCH, verbose=0, rng=free_rng)
            x, y = arena.windows(r.BATCH * r.STEPS)
            model.fit(x, y, epochs=1, batch_size=r.BATCH, verbose=0, rng=arena.rng)
            return model
        """)
    with pytest.raises(nb.arena.RecipeError, match=r"used [\d.]+ s of CPU on seed 0, more "
                                                   r"than the [\d.]+ s its [\d,]+ counted"):
        nb.arena.run(str(path), recipes.budget_for(), SEEDS)


def test_work_at_import_is_counted_as_the_recipes_too(tmp_path):
    """Cheat A at import: NumPy work when the file is imported (in the recipe's process,
    after the harness took its start time), then an honest recipe. The work is counted in
    CPU seconds, not products (3 s on any machine, a fast one too), past the CPU_FREE +
    CPU_FACTOR × (honest's steps: a few hundredths of a second) the bound allows."""
    path = _file(tmp_path, "at_import", """
        import time
        a = np.random.default_rng(0).standard_normal((400, 400))
        start = time.process_time()
        while time.process_time() - start < 3.0:
            a = np.tanh(a @ a / 20)
        recipe = r.honest
        """)
    with pytest.raises(nb.arena.RecipeError, match="s of CPU on seed 0, more than"):
        nb.arena.run(str(path), recipes.budget_for(), SEEDS)


def test_weights_kept_for_the_next_seed_are_not_there(tmp_path):
    """Cheat B: every seed's trained weights kept in three places (a module global, a class
    attribute, a file in the working folder), and the first of them found copied into the
    next seed's layers before arena.model wraps them. Each seed runs in a new process in a
    new, empty folder: the cheat finds nothing and scores exactly as the honest recipe does
    (had one place kept them, the next seed would start from them: refused, or lower). One
    recipe for the three places: a run of three spawned seeds each (about 2 s of CPU)."""
    path = _file(tmp_path, "keeps", """
        import os

        class Box:
            kept = None

        KEPT = []

        def recipe(arena):
            layers = r.tiny_layers(arena)
            kept = {"global": KEPT[-1] if KEPT else None, "class": Box.kept,
                    "file": dict(np.load("kept.npz")) if os.path.exists("kept.npz")
                    else None}
            old = next((w for w in kept.values() if w is not None), None)
            if old is not None:
                for i, layer in enumerate(layers):
                    for k in layer.params:
                        layer.params[k][...] = old[f"{i}.{k}"]
            model = arena.model(layers)
            model.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True))
            x, y = arena.windows(r.BATCH * r.STEPS)
            model.fit(x, y, epochs=1, batch_size=r.BATCH, verbose=0, rng=arena.rng)
            now = {f"{i}.{k}": w.copy() for i, l in enumerate(model.layers)
                   for k, w in l.params.items()}
            KEPT.append(now)
            Box.kept = now
            np.savez("kept.npz", **now)
            return model
        """)
    cheat = nb.arena.run(str(path), recipes.budget_for(), SEEDS, evaluation="seed")
    assert cheat.scores == recipes.honest_seeded().scores
    assert not (tmp_path / "kept.npz").exists()


def test_a_recipe_named_by_a_dotted_name_runs_nothing_in_the_harness(tmp_path, monkeypatch):
    """``pkg.recipe``: finding the file must not import ``pkg`` here (its ``__init__`` would
    run in the harness's process, where it could replace the scorer; a cold reading signed
    a row of 0.001 that way), and the hash is the file's."""
    from nnbook.arena.child import recipe_identity, recipe_path
    pkg = tmp_path / "arena_forger_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("raise SystemExit('the package ran in the harness')\n")
    (pkg / "recipe.py").write_text("from nnbook.arena.baseline import recipe\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert recipe_path("arena_forger_pkg.recipe") == pkg / "recipe.py"
    assert recipe_identity("arena_forger_pkg.recipe")[0] == "recipe.py"
    assert "arena_forger_pkg" not in __import__("sys").modules
    # the package's own recipes are still found by name
    assert recipe_path("nnbook.arena.baseline").name == "baseline.py"


def test_a_dotted_name_through_a_plain_module_names_no_file(tmp_path, monkeypatch):
    """``q.q`` where ``q`` is a plain module, not a package: there is no module ``q.q``, so
    no file is hashed for it. Catches telling the last part by identity (CPython keeps one
    copy of each one-character str, so both parts of ``q.q`` are the same object and the
    first looked like the last: the file of ``q`` was returned)."""
    from pathlib import Path

    from nnbook.arena.child import recipe_path
    (tmp_path / "q.py").write_text("from nnbook.arena.baseline import recipe\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert recipe_path("q") == tmp_path / "q.py"
    assert recipe_path("q.q") == Path("q.q")


def test_a_recipes_hash_covers_the_learners_modules_it_imports(tmp_path, monkeypatch):
    """A recipe file's hash covers the modules of the learner's it imports (beside it or on
    sys.path, at any depth), read without running them; a change in one changes the hash,
    which verify compares. Modules of nnbook, Python and installed packages are not
    included, and a file that imports none of the learner's keeps the hash of its bytes."""
    from nnbook.arena.child import _sha, recipe_identity
    (tmp_path / "helper.py").write_text("import numpy as np\nimport deeper\nW = 1\n")
    (tmp_path / "deeper.py").write_text("X = 2\n")
    recipe = tmp_path / "uses_helper.py"
    recipe.write_text("import json\nimport nnbook as nb\nfrom helper import W\n\n"
                      "def recipe(arena):\n    return None\n")
    before = recipe_identity(str(recipe))
    assert before[1] != _sha(recipe.read_bytes())
    (tmp_path / "deeper.py").write_text("X = 3\n")              # two imports down
    assert recipe_identity(str(recipe))[1] != before[1]
    alone = tmp_path / "alone.py"
    alone.write_text("import json\nimport numpy as np\nimport nnbook as nb\nfrom "
                     "nnbook.arena.baseline import recipe\n")
    assert recipe_identity(str(alone))[1] == _sha(alone.read_bytes())


def test_the_checks_of_counted_steps_are_recorded_on_the_meter(tmp_path):
    """The arena's checks of every counted step (the library's names, the fingerprints, what
    runs beside) are the arena's work: at batches of 4 windows they cost more than the
    steps, and the baseline's schedule there (2e9) was refused by the CPU bound. Each step
    adds its checks' CPU time to ``Meter.checking``; fails when a step records nothing."""
    path = _file(tmp_path, "checked", """
        def recipe(arena):
            model = r.honest(arena)
            assert arena.meter.checking > 0, "counted steps recorded no checks"
            return model
        """)
    nb.arena.train_seed(str(path), recipes.budget_for(), 0)


def test_the_checks_cpu_is_taken_off_at_most_twice_the_steps(tmp_path, monkeypatch):
    """``_check_cpu`` subtracts the checks' CPU the recipe's process reports, but never more
    than twice the steps' own share of the bound: a recipe that adds hours to that record
    (a cold reading's did, and trained a second model for 20 s) gains that much slack and
    no more. With the steps priced at 1e-9 s a multiplication, 1e9 of them are 3 s of the
    bound (CPU_FACTOR 3), the bound 4.5 s. Fails when the checks are not taken off (5 s with
    2 s of checks is 3 s), or taken off without the cap (8 s with hours reported is 2 s)."""
    from nnbook.arena import harness
    monkeypatch.setattr(harness, "step_seconds", lambda path: 1e-9)
    assert harness.CPU_FACTOR == 3.0 and harness.CPU_FREE == 1.5
    check = functools.partial(harness._check_cpu, "r", 0, "m.npz", 10**9)
    assert check(5.0, 2.0) == pytest.approx(3.0)                 # 2 s of checks taken off
    with pytest.raises(nb.arena.RecipeError, match=r"used 6\.0 s of CPU on seed 0, more "
                                                   r"than the 4\.5 s"):
        check(8.0, 2.0)
    assert check(10.5, 7200.0) == pytest.approx(4.5)             # hours: 6 s taken off
    with pytest.raises(nb.arena.RecipeError, match=r"used 5\.0 s of CPU"):
        check(11.0, 7200.0)
    for report in ("2.0", -3.0, float("nan"), None):              # no number: nothing off
        with pytest.raises(nb.arena.RecipeError, match=r"used 5\.0 s of CPU"):
            check(5.0, report)


def test_a_batch_that_runs_the_recipes_code_inside_the_step_is_refused(tmp_path):
    """A cold reading's cheat: ``train_step`` given an object with ``__array__`` for the
    batch, which NumPy called inside the step, after its checks: it wrote weights trained
    elsewhere in (0.30 at 1e8, no error). The batch is now made a plain array before the
    checks, so such a write is seen as a change outside the step; an array of objects (whose
    methods the products would call) is refused. Fails when the batch reaches the step as
    it came."""
    path = _file(tmp_path, "batch", """
        class Batch:
            def __init__(self, ids, write):
                self.ids, self.write = ids, write

            def __array__(self, dtype=None, copy=None):
                self.write()
                return self.ids

        def recipe(arena):
            model = r.tiny_model(arena)
            x, y = arena.windows(r.BATCH)
            w = model.gradient_pairs()[0][0]

            def write():
                w[...] += 0.01
            model.train_step(Batch(x, write), y)
            return model
        """)
    with pytest.raises(nb.arena.RecipeError, match="weights changed outside its counted"):
        nb.arena.train_seed(str(path), recipes.budget_for(), 0)
    objects = _file(tmp_path, "objects", """
        def recipe(arena):
            model = r.tiny_model(arena)
            x, y = arena.windows(r.BATCH)
            model.train_step(x.astype(object), y)
            return model
        """)
    with pytest.raises(nb.arena.RecipeError, match="got x of dtype object; expected numbers"):
        nb.arena.train_seed(str(objects), recipes.budget_for(), 0)


@pytest.mark.parametrize("left", ["sys.setprofile(hook)", "gc.callbacks.append(hook)"])
def test_a_hook_left_running_when_the_recipe_returns_is_refused(tmp_path, left):
    """A cold reading's cheat: a profile hook (or a gc callback) installed after the last
    counted step and left at the return ran during the checks and the save that followed,
    where no step checks what runs beside (it wrote weights in as ``save`` was called:
    0.33 at 1e8). The recipe's process now checks what runs beside when the recipe
    returns. Fails when it does not."""
    path = _file(tmp_path, "left", f"""
        import gc

        def hook(*args):
            return None

        def recipe(arena):
            model = r.honest(arena)
            {left}
            return model
        """)
    with pytest.raises(nb.arena.RecipeError, match="when the recipe returned"):
        nb.arena.train_seed(str(path), recipes.budget_for(), 0)


def test_windows_with_targets_arena_windows_did_not_draw_are_refused():
    """Relabelling: a recipe's own targets for its windows (the grammar parser's likeliest
    next character, a second model's), or windows from elsewhere (the evaluation text), would
    train the model on uncounted work. Catches a counted step of an arena's model that takes
    a window, or a target row, that ``arena.windows`` did not hand out, also before any was
    drawn; its windows shuffled and subsampled by fit, as ids or one-hot rows, pass."""
    arena = nb.arena.Arena(10**12, np.random.default_rng(0))
    model = arena.model(recipes.tiny_layers(arena))
    model.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True))
    fresh = np.random.default_rng(1).integers(0, 26, (4, 16))
    with pytest.raises(ValueError, match=r"did not hand out"):
        model.train_step(fresh, fresh)                        # before any window was drawn
    x, y = arena.windows(24)
    relabelled = y.copy()
    relabelled[3, 5] = (y[3, 5] + 1) % 26
    for xb, yb in ((x[:8], relabelled[:8]), (x[:8], np.roll(y[:8], 1, axis=0)),
                   (fresh, y[:4]), (x[:8], np.eye(26)[relabelled[:8]])):
        with pytest.raises(ValueError, match=r"did not hand out"):
            model.train_step(xb, yb)
    model.train_step(x[5:13], y[5:13])
    model.train_step(x[[7, 2]], np.eye(26)[y[[7, 2]]])
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, rng=arena.rng)


def test_a_recipe_that_writes_the_harness_answer_itself_gets_a_score_an_open_door(tmp_path):
    """An open door, stated in chapter 37 (cell 24's "Open still", its takeaways) and in
    README: the recipe's process writes the model file the harness loads and tells the
    harness what it spent, and a recipe can do both itself (the ninth cold reading's, 13
    lines: the pipe and the path are locals one frame up) and exit. No counted step runs,
    so no check does; the harness scores the weights it finds, here a model of library
    layers that no counted step trained, on the budget the recipe claims. This test holds
    the text to the code: a fix that closes the door makes it fail, and the chapter's list
    must then lose the sentence."""
    path = _file(tmp_path, "writes_the_answer", """
        import json, os
        def recipe(arena):
            frame = sys._getframe()
            while not (frame.f_code.co_name == "main" and "conn" in frame.f_locals):
                frame = frame.f_back
            conn, target = frame.f_locals["conn"], frame.f_locals["path"]
            elsewhere = type("A", (), {"vocab_size": arena.vocab_size,
                                       "rng": np.random.default_rng(99)})
            model = nb.Sequential(r.tiny_layers(elsewhere))
            model.save(target)
            conn.send_bytes(json.dumps({"spent": arena.budget, "checking": 0.0, "weights":
                                        nb.arena.child.model_print(model.layers)}).encode())
            os._exit(0)
        """)
    budget = recipes.budget_for()
    result = nb.arena.run(str(path), budget, SEEDS)
    assert [s.spent for s in result.per_seed] == [budget] * len(SEEDS)
    assert np.isfinite(result.score) and result.score > 0


def test_a_module_beside_the_recipe_runs_from_its_source_not_a_planted_pyc(tmp_path):
    """The thirteenth cold reading of 37: a module the recipe imports ran from a .pyc in its
    __pycache__ whose header matched the source's time and size (Python checks only those),
    while the row's hash covers the source; a reader of the source saw other code. The
    recipe's process now compiles the learner's modules afresh (``sys.pycache_prefix`` in
    its own folder), and the recipe's folder is on its path as a script's is."""
    import importlib.util
    import marshal
    helper = tmp_path / "helper.py"
    helper.write_text("LR = 1\n")
    stat = helper.stat()
    code = compile("LR = 2\n", str(helper), "exec")          # the planted twin, same size
    cached = tmp_path / "__pycache__" / Path(importlib.util.cache_from_source(str(helper))).name
    cached.parent.mkdir()
    cached.write_bytes(importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little")
                       + int(stat.st_mtime).to_bytes(4, "little")
                       + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little") + marshal.dumps(code))
    recipe = _file(tmp_path, "uses_helper", """
        sys.path.insert(0, __file__.rsplit("/", 1)[0])       # (run as a script, it is)
        from helper import LR
        def recipe(arena):
            if LR != 1:
                raise RuntimeError("the cached bytecode ran, not the source")
            return r.honest(arena)
        """)
    s = nb.arena.run_seed(str(recipe), recipes.budget_for(), 0, evaluation="seed")
    assert s.spent == recipes.budget_for()


def test_a_compiled_module_of_the_learners_without_its_source_is_refused(tmp_path):
    """The fourteenth cold reading of 37: a compiled helper module with no source beside
    it, imported by the recipe, ran while the row's hash covered the recipe file alone."""
    import py_compile
    source = tmp_path / "helper.py"
    source.write_text("LR = 0.003\n")
    py_compile.compile(str(source), cfile=str(tmp_path / "helper.pyc"))
    source.unlink()
    recipe = _file(tmp_path, "uses_compiled", """
        from helper import LR
        recipe = r.honest
        """)
    with pytest.raises(ValueError, match=r"imports helper, a compiled file of yours "
                                         r"\(helper.pyc\)"):
        nb.arena.child.recipe_identity(str(recipe))


def test_the_hash_follows_relative_imports_and_refuses_a_compiled_submodule(tmp_path):
    """The fifteenth cold reading of 37: a recipe importing a package of the learner's whose
    module ran ``from . import deep`` kept its hash when ``deep`` changed, and ``from kit
    import tuned`` ran a compiled ``kit/tuned.pyc`` with no source while the hash covered
    the recipe alone. Fails when relative imports are not resolved against the importing
    module's package, or when only a dotted name's first part is checked for compiled
    files. (A recipe file's own relative import fails when it runs: it is run as a script.)"""
    import py_compile
    from nnbook.arena.child import recipe_identity
    kit = tmp_path / "kit"
    kit.mkdir()
    (kit / "__init__.py").write_text("")
    (kit / "helper.py").write_text("from . import deep\nfrom .deep import LR\n")
    (kit / "deep.py").write_text("LR = 0.003\n")
    (tmp_path / "mine.py").write_text("from kit import helper\n\n"
                                      "def recipe(arena):\n    return None\n")
    before = recipe_identity(str(tmp_path / "mine.py"))[1]
    (kit / "deep.py").write_text("LR = 0.004\n")
    assert recipe_identity(str(tmp_path / "mine.py"))[1] != before
    (kit / "tuned.py").write_text("LR = 0.003\n")
    py_compile.compile(str(kit / "tuned.py"), cfile=str(kit / "tuned.pyc"))
    (kit / "tuned.py").unlink()
    (tmp_path / "uses_kit.py").write_text("from kit import tuned\n\n"
                                          "def recipe(arena):\n    return None\n")
    with pytest.raises(ValueError, match=r"a compiled file of yours \(tuned.pyc\)"):
        recipe_identity(str(tmp_path / "uses_kit.py"))


def test_a_recipe_file_that_is_bytecode_is_refused(tmp_path):
    """The sixteenth cold reading: a compiled recipe given a source file's name ran (runpy
    runs a file that starts with bytecode's magic number, whatever its name) while an
    imported compiled module is refused: nobody could read the recipe that made the row."""
    import py_compile
    source = _file(tmp_path, "plain", "recipe = r.honest\n")
    compiled = py_compile.compile(str(source), cfile=str(tmp_path / "innocent.py.pyc"))
    innocent = tmp_path / "innocent.py"
    innocent.write_bytes(Path(compiled).read_bytes())
    with pytest.raises(ValueError, match=r"the recipe innocent.py is not Python source"):
        nb.arena.child.recipe_identity(str(innocent))
    nb.arena.child.recipe_identity(str(source))             # its source: accepted
