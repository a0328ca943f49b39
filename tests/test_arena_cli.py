"""``python -m nnbook.arena`` (nnbook/arena/__main__.py, chapter 37) end to end in a temporary
folder: README's three lines, run, submit and show, and a bad recipe's error."""

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import arena_recipes as recipes
import nnbook.arena.harness as harness
from nnbook.arena.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    shutil.copy(recipes.__file__, tmp_path / "arena_recipes.py")
    for name in ("honest", "overspends"):
        (tmp_path / f"{name}.py").write_text(
            "import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent))\n"
            f"from arena_recipes import {name} as recipe\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NNBOOK_ARENA_KEY", str(tmp_path / "arena.key"))   # not the user's
    return tmp_path


def _draws(monkeypatch, n):
    """Fix the next run's evaluation draws at 3700, 3701, …, one a seed: run's three texts
    are then submit's first three, their window bounds (about 0.8 s of CPU each) computed
    once (``text._drawn``'s cache)."""
    draws = iter(range(3700, 3700 + n))
    monkeypatch.setattr(harness, "fresh_entropy", functools.partial(next, draws))


def test_run_submit_show(folder, capsys, monkeypatch):
    budget = str(recipes.budget_for())
    _draws(monkeypatch, 3)
    assert main(["run", "honest.py", "--budget", budget, "--seeds", "0,1,2"]) == 0
    out = capsys.readouterr().out
    assert out.count("bits/char above the window bound") == 4       # 3 seeds, then the mean
    _draws(monkeypatch, 5)
    assert main(["submit", "honest.py", "--budget", budget, "--seeds", "0,1,2,3,4"]) == 0
    out = capsys.readouterr().out
    assert "row 1 appended to arena_leaderboard.jsonl: " in out
    score = out.split("arena_leaderboard.jsonl: ")[1].split(",")[0]
    assert (folder / "arena.key").stat().st_mode & 0o077 == 0       # the owner's only
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    shown = subprocess.run([sys.executable, "-m", "nnbook.arena", "show"], cwd=folder, env=env,
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert score in shown.stdout and "honest.py" in shown.stdout
    assert "UNSIGNED" not in shown.stdout


def test_a_bad_recipe_gets_an_error_and_no_row(folder, capsys):
    budget = str(recipes.budget_for())
    assert main(["submit", "overspends.py", "--budget", budget, "--seeds", "0,1,2,3,4"]) == 2
    assert "error: arena: the recipe overspent its budget" in capsys.readouterr().err
    assert not (folder / "arena_leaderboard.jsonl").exists()
    assert main(["run", "honest.py", "--budget", "1e9", "--seeds", "0,1"]) == 2
    assert "at least 3 different seeds" in capsys.readouterr().err


def test_a_recipe_given_by_its_modules_name_runs_from_any_folder(folder, capsys):
    """README's lines name the baseline by its module, so that they work outside the
    repository: the same file as its path, the same hash."""
    from nnbook.arena.child import recipe_identity
    path = ROOT / "nnbook" / "arena" / "baseline.py"
    assert recipe_identity("nnbook.arena.baseline") == recipe_identity(str(path))
    assert main(["run", "nnbook.arena.baseline", "--budget", "1e6", "--seeds", "0,1,2"]) == 2
    assert "baseline recipe: a budget of 1,000,000 multiplications pays for no epoch" in \
        capsys.readouterr().err                       # it ran: the baseline's own refusal
    assert main(["run", "nnbook.arena.no_such_recipe", "--budget", "1e6"]) == 2
    assert "neither a function, a file nor a module" in capsys.readouterr().err


IMPORTS_AFTER = """
import sys
import arena_recipes as recipes
import nnbook as nb
from nnbook.arena import harness, leaderboard as lb

tops = lambda: {name.partition(".")[0] for name in sys.modules}
before, start = [], harness._start
def first_start(proc, method, *folder):  # the modules imported before any recipe could run
    before.append(before[0] if before else tops())
    return start(proc, method, *folder)
harness._start = first_start
harness.CPU_FREE, harness.CPU_FACTOR = -1.0, 1e9         # the CPU bound timed every seed
result = nb.arena.run("honest.py", recipes.budget_for(), (0, 1, 2), evaluation="seed")
key = b"k" * 32
for _ in range(2):                                       # submit's and verify's rest
    with lb._locked("board.jsonl"):
        lb._append("board.jsonl", lb.read_board("board.jsonl", key), result, key)
lb.show("board.jsonl", key), lb._commit()
print(sorted(tops() - before[0]))
"""


def test_the_harness_imports_no_module_after_a_recipe_ran(folder):
    """Catches a module the harness's process imports after a recipe's process started:
    Python looks for it first in the current folder (under python -m), where the recipe
    can write a file of that name, which would then run in the scorer's process (the
    eleventh cold reading of 37: a file named after threadpoolctl there, imported to time
    the CPU bound, moved a score by 0.1 bits and was accepted)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(folder)]))
    out = subprocess.run([sys.executable, "-c", IMPORTS_AFTER], cwd=folder, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


def test_a_module_file_a_recipe_leaves_where_the_harness_runs_is_refused(folder, capsys,
                                                                          monkeypatch):
    """The twelfth cold reading of 37: a recipe wrote a threadpoolctl module into the folder
    the harness ran in (first on sys.path under python -m); the next submit there imported
    it in place of the installed one, its scores halved, accepted, and verify passed it.
    Now the run that left it is refused, and so is the next command started there."""
    (folder / "plants.py").write_text(
        "import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent))\n"
        "from arena_recipes import honest\n"
        f"HERE = pathlib.Path({str(folder)!r})\n"
        "def recipe(arena):\n"
        "    (HERE / 'threadpoolctl.py').write_text('threadpool_limits = None\\n')\n"
        "    return honest(arena)\n")
    budget = str(recipes.budget_for())
    monkeypatch.syspath_prepend(str(folder))     # as python -m puts the folder it runs in
    assert main(["run", "plants.py", "--budget", budget, "--seeds", "0,1,2"]) == 2
    err = capsys.readouterr().err
    assert "after the recipe plants.py ran on seed 0" in err and "threadpoolctl.py" in err
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    shown = subprocess.run([sys.executable, "-m", "nnbook.arena", "show"], cwd=folder, env=env,
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 2 and "at the start of this command" in shown.stderr
    (folder / "threadpoolctl.py").unlink()
    assert main(["run", "honest.py", "--budget", budget, "--seeds", "0,1,2"]) == 0


def test_the_console_script_does_not_run_a_module_left_in_the_folder(folder):
    """``nnbook-arena`` (pyproject.toml's script) puts its own folder first on Python's path,
    not the one it runs in, so a module a recipe left there (the thirteenth cold reading of
    37: one that deletes itself when imported, which no check of the folder sees) is not
    imported; ``python -m nnbook.arena`` imports it before any of nnbook's code can look."""
    script = Path(sys.executable).with_name("nnbook-arena")
    if not script.exists():
        pytest.skip("nnbook-arena is not installed here: pip install -e . makes it")
    (folder / "threadpoolctl.py").write_text("raise SystemExit('the planted module ran')\n")
    out = subprocess.run([str(script), "show"], cwd=folder, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and "no rows yet" in out.stdout, out.stderr
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "nnbook.arena", "show"], cwd=folder, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "the planted module ran" in out.stderr
