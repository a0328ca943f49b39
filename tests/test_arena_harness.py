"""The arena's harness (nnbook/arena/harness.py, chapter 37): the same recipe and seeds give the
same score, never below 0; the score is bits above the window bound; every rule a recipe can
break gets its error and no score."""

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnbook as nb
import arena_recipes as recipes

SEEDS = recipes.SEEDS                           # (0, 1, 2): the seeds of honest_seeded
ROOT = Path(__file__).resolve().parents[1]


def test_the_same_recipe_and_seeds_give_the_same_score():
    """Catches a run that draws from anything but its seeds (a shared or global generator)
    and a score below the bound (a wrong bound, or the training text scored)."""
    budget = recipes.budget_for()
    a = recipes.honest_seeded()                   # the run the other files compare with
    b = nb.arena.run(recipes.honest, budget, SEEDS, evaluation="seed")
    assert a.scores == b.scores and a.score == b.score          # bit for bit
    assert all(s.score > 0 for s in a.per_seed)
    assert all(s.spent == budget for s in a.per_seed)           # the whole budget, counted
    assert len(set(a.scores)) == 3                              # each seed its own text
    assert a.recipe_hash == b.recipe_hash and a.seeds == SEEDS


def test_a_fresh_evaluation_is_replayed_from_its_entropy():
    """Evaluation text from fresh entropy: each run draws its own (no seed tells it), and
    the entropies a run records give its scores again, bit for bit. Catches a draw from the
    seed alone (two fresh runs would agree) and a replay that draws anew."""
    budget = recipes.budget_for()
    a = recipes.honest_fresh()
    b = nb.arena.run(recipes.honest, budget, SEEDS, evaluation=a.entropies)
    assert b.scores == a.scores and b.entropies == a.entropies
    assert len(set(a.entropies)) == 3 and all(isinstance(e, int) for e in a.entropies)
    seeded = recipes.honest_seeded()
    assert seeded.scores != a.scores and seeded.entropies == (None,) * 3
    with pytest.raises(ValueError, match="one recorded entropy"):
        nb.arena.run(recipes.honest, budget, SEEDS, evaluation=(1, 2))


def test_the_score_is_bits_above_the_window_bound():
    """Planted bug "the score above the entropy per character": the uniform model scores
    log₂ 26 minus the mean window bound, not minus the grammar's entropy. (Forked, and on
    the seeds' own texts, whose bounds honest_seeded computed: the score is the parent's,
    however the recipe's process started, on whichever text.)"""
    r = nb.arena.run(recipes.forked(recipes.uniform), 1, SEEDS, evaluation="seed")
    for s in r.per_seed:
        ev = nb.arena.evaluation_text(s.seed, s.entropy)
        assert s.bits == pytest.approx(math.log2(26), abs=1e-12)
        assert s.score == pytest.approx(math.log2(26) - ev["bound"].mean(), abs=1e-12)
        assert s.spent == 0


@pytest.mark.parametrize("recipe, match", [
    (recipes.overspends, "overspent its budget"),
    (recipes.overspends_quietly, "overspent its budget"),
    (recipes.returns_nan, r"weights on seed 0 are not finite"),
    (recipes.reads_the_evaluation_text, "asked for the evaluation text"),
    (recipes.trains_uncounted, "changed outside its counted train_step"),
    (recipes.returns_its_own_model, "returned Sequential on seed 0; expected the model "
                                    r"arena.model\(layers\) made"),
    (recipes.raises, r"raised RuntimeError: oops \(on seed 0, at arena_recipes.py:\d+\)"),
    (recipes.exits, r"process ended on seed 0 \(exit code 3\) without a model"),
    (recipes.pretrained, r"layer 0 \(Embedding\) starts with weights 'W' that its own "
                         "initialisation"),
    (recipes.initialiser_of_its_own, "starts from the initialiser '<lambda>', which is not "
                                     "one of nnbook.init's"),
    (recipes.draws_before_building, r"Build the layers first"),
])
def test_a_recipe_that_breaks_a_rule_gets_a_clear_error(recipe, match):
    """Each in a fork of this process (``recipes.forked``): the rule is checked in the
    recipe's process or in the harness's, after it, the same however the process started
    (a spawned recipe's error comes back through the same pipe: the recipe file that reads
    the evaluation text in tests/test_arena_guard.py, the overspending one that
    test_arena_cli.py writes)."""
    with pytest.raises(ValueError, match=match):
        nb.arena.run(recipes.forked(recipe), recipes.budget_for(), SEEDS)


def test_a_recipe_that_never_returns_is_stopped():
    """In a process of its own, so that a harness that fails to stop it fails this test (in
    60 s) instead of hanging the run; the recipe swallows every exception and loops again:
    the harness kills its process."""
    code = ("import nnbook as nb, arena_recipes as r\n"
            "try:\n"
            "    nb.arena.run(r.never_returns, r.budget_for(), (0, 1, 2), seconds=0.5)\n"
            "except nb.arena.RecipeError as exc:\n"
            "    print(exc)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert "did not return within 0.5 s on seed 0" in done.stdout, done.stderr


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"at least 3 different seeds .* got \(0, 1\)"):
        nb.arena.run(recipes.honest, 10**9, (0, 1))
    with pytest.raises(ValueError, match="a whole number of multiplications ≥ 1, got 'lots'"):
        nb.arena.run(recipes.honest, "lots", SEEDS)
    with pytest.raises(ValueError, match="neither a function, a file nor a module"):
        nb.arena.run("no_such_recipe.py", 10**9, SEEDS)


def test_one_seed_is_the_seed_of_a_run():
    """Catches ``run_seed`` drawing another stream or budget than ``run`` (a seed table's row
    would then not be the leaderboard's score), and a seed it should refuse."""
    r = recipes.honest_fresh()
    again = nb.arena.run_seed(recipes.honest, recipes.budget_for(), 1,
                              evaluation=r.per_seed[1].entropy)
    assert again == r.per_seed[1]
    with pytest.raises(ValueError, match="expected a seed that is an int ≥ 0"):
        nb.arena.run_seed(recipes.honest, recipes.budget_for(), -1)


def test_a_step_cost_includes_muons_update():
    """Catches ``arena.step_cost`` that leaves the update out: a recipe sizing its epochs by
    it would overspend with Muon."""
    arena = nb.arena.Arena(10**12, np.random.default_rng(0))
    model = arena.model(recipes.tiny_layers(arena))
    forward_backward = arena.step_cost(model, 16)           # not compiled: no update yet
    model.compile(optimizer=nb.Muon(), loss=nb.CrossEntropy(from_logits=True))
    update = nb.arena.optimizer_multiplications(model.optimizer,
                                                [p for p, _ in model.gradient_pairs()])
    assert update > 0 and arena.step_cost(model, 16) == forward_backward + update
    x, y = arena.windows(16)
    model.train_step(x, y)
    assert arena.spent == forward_backward + update


def test_a_spawned_recipe_gets_one_blas_thread_and_no_key_and_this_environment_is_put_back(
        monkeypatch):
    """_start sets one BLAS thread and removes the board's key for the spawned process only:
    afterwards each variable is as it was, set or not. The mistakes caught: the key left out
    of this process's environment (the board could no longer sign), a thread count left at
    1 here, or a variable that was unset left set."""
    from nnbook.arena import child, harness
    monkeypatch.setenv(harness.KEY_VARIABLE, "the board's key")
    monkeypatch.setenv(child.THREADS[0], "4")
    for name in child.THREADS[1:]:
        monkeypatch.delenv(name, raising=False)
    seen = {}

    class Process:
        def start(self):
            seen.update({k: os.environ.get(k) for k in (harness.KEY_VARIABLE, *child.THREADS)})

    harness._start(Process(), "spawn")
    assert seen == {harness.KEY_VARIABLE: None, **{k: "1" for k in child.THREADS}}
    assert os.environ[harness.KEY_VARIABLE] == "the board's key"
    assert os.environ[child.THREADS[0]] == "4"
    assert not any(name in os.environ for name in child.THREADS[1:])


def test_a_model_file_rewritten_after_the_process_ended_is_refused(monkeypatch):
    """The fourteenth cold reading of 37: a process a recipe left running rewrote the model
    file of later seeds (of any recipe: the library's own baseline got a row of 0.905 at
    2·10⁸, and verify passed it). The process now says its weights' digest, and the file
    must hold them. Here the rewrite comes between the process's end and the load."""
    real = nb.arena.harness.load_model

    def other_weights(path):
        other = recipes.tiny_layers(type("A", (), {"vocab_size": 26,
                                                   "rng": np.random.default_rng(7)}))
        nb.Sequential(other).save(path)

    def other_eps(path):               # the same weights, a norm's eps changed (the fifteenth
        model = real(path)             # reading: the digest was of the weights alone)
        model.layers[-2].eps = 0.5
        model.save(path)
    for rewrite in (other_weights, other_eps):
        monkeypatch.setattr(nb.arena.harness, "load_model",
                            lambda path, rewrite=rewrite: (rewrite(path), real(path))[1])
        with pytest.raises(nb.arena.RecipeError, match="holds another model than the recipe"):
            nb.arena.train_seed(recipes.honest, recipes.budget_for(), 0)


def test_a_model_file_whose_attention_sees_later_positions_is_refused(monkeypatch):
    """The sixteenth cold reading: the harness checked the loaded model's layer types and
    digest, but not what the recipe's process checks at every step, attention's ``causal``:
    it is now checked on what is scored, before the digest (which a model made non-causal
    in the recipe's process, and sent as its own, would match)."""
    real = nb.arena.harness.load_model

    def sees_ahead(path):
        model = real(path)
        model.layers[1].attn.causal = False
        return model
    monkeypatch.setattr(nb.arena.harness, "load_model", sees_ahead)
    with pytest.raises(nb.arena.RecipeError, match=r"the model file of seed 0: arena: "
                                                   r"layer 1 \(TransformerBlock\).attn.causal "
                                                   r"is False"):
        nb.arena.train_seed(recipes.honest, recipes.budget_for(), 0)
