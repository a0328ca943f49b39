"""How the harness starts a recipe's process (nnbook/arena/spawning.py, chapter 37): in the
seed's own new folder, without the harness's folder on its path, with the recipe as a file's
path, or as a module's function with that module's folder."""

from pathlib import Path

import nnbook as nb
from nnbook.arena.spawning import transport
import arena_recipes as recipes

ROOT = Path(__file__).resolve().parents[1]


def test_a_seeds_process_does_not_search_the_folder_the_harness_runs_in(tmp_path,
                                                                        monkeypatch):
    """The fourteenth cold reading of 37: multiprocessing starts a seed as `python -c …`
    in the harness's folder, which `-c` puts first on the path: a module named
    multiprocessing left there ran in every seed before any check (an honest recipe then trained on four times
    its budget and reported it within). Each seed now starts in its own new folder, with
    the harness's left out of its path. The harness's own path does not hold the folder
    here, as under nnbook-arena."""
    (tmp_path / "multiprocessing.py").write_text(
        f"open({str(tmp_path / 'ran')!r}, 'w').close()\n"
        "raise SystemExit('the planted module ran')\n")
    (tmp_path / "honest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        "from arena_recipes import honest as recipe\n")
    monkeypatch.chdir(tmp_path)
    s = nb.arena.run_seed("honest.py", recipes.budget_for(), 0, evaluation="seed")
    assert s.spent == recipes.budget_for() and not (tmp_path / "ran").exists()


def test_a_module_function_travels_with_its_folder_and_a_file_as_its_path(tmp_path):
    """A recipe function of an importable module is spawned by name with the module's own
    folder (the seed's path no longer holds the harness's folder, where a notebook's module
    may live); a recipe file by its absolute path; a function only this process knows is
    forked."""
    what, method = transport(recipes.honest)
    assert method == "spawn" and what == ("arena_recipes", "honest", str(ROOT / "tests"))
    (tmp_path / "r.py").write_text("recipe = None\n")
    assert transport(str(tmp_path / "r.py")) == (str((tmp_path / "r.py").resolve()), "spawn")
    assert transport(lambda arena: None)[1] == "fork"
