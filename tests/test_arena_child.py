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

import textwrap

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


def test_the_checks_of_counted_steps_go_to_the_meter_not_to_the_recipes_cpu(tmp_path):
    """The arena's checks of every counted step (the library's names, the fingerprints, what
    runs beside) are the arena's work, not the recipe's: at batches of 4 windows they cost
    more than the steps (the baseline's schedule at 2e9: 3.5 s of CPU, refused by the bound
    of 2.8; 1.2 s with the checks left out). Each step adds its checks' CPU time to
    ``Meter.checking`` and ``train_seed`` subtracts it: here a recipe that adds 1,000 s to
    that record (trusted as the meter's count is: the recipe's process is the recipe's) gets
    a CPU time 1,000 s lower. Fails when a step's checks are not recorded, or not taken off."""
    path = _file(tmp_path, "checked", """
        def recipe(arena):
            model = r.honest(arena)
            assert arena.meter.checking > 0, "counted steps recorded no checks"
            arena.meter.checked(1000.0)
            return model
        """)
    _, _, cpu = nb.arena.train_seed(str(path), recipes.budget_for(), 0)
    if cpu == cpu:                                  # (nan where the platform has no bound)
        assert -1000.0 < cpu < -990.0, cpu
