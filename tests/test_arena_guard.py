"""The arena's guards (nnbook/arena/guard.py, chapter 37): the cheats of the chapter's cold
reading (session 56), each run in a small form and refused with a message that names what
was seen, or (the cheats that process isolation defeats) shown to gain nothing. A recipe
runs in a process of its own (child.py); a cheat run as a function here is forked, so its
patches stay in that process."""

import os
from pathlib import Path

import numpy as np
import pytest

import nnbook as nb
import nnbook.arena.budget as budget_module
import nnbook.arena.guard as guard
import nnbook.arena.harness as harness
import nnbook.arena.text as text_module
import arena_recipes as recipes
from nnbook.arena.baseline import modern_layers

SEEDS = recipes.SEEDS                           # (0, 1, 2): the seeds of honest_seeded


class Oracle(nb.Dense):
    """Cheat E: counted as a 1 × 1 ``Dense``, its forward is whatever it likes."""

    def forward(self, x, *args, **kwargs):
        return np.zeros(np.shape(x) + (26,))


def test_a_subclass_of_a_counted_layer_is_refused():
    """Cheat E (the oracle layer): catches a type check by ``isinstance``."""
    def oracle(arena):
        return arena.model([nb.Embedding(26, 1, rng=arena.rng), Oracle(1, 1, rng=arena.rng)])
    with pytest.raises(ValueError, match="gave the layer Oracle, a subclass of Dense defined "
                                         "outside nnbook; expected the library's own"):
        nb.arena.run(oracle, recipes.budget_for(), SEEDS)


def test_a_subclass_inside_a_block_is_refused():
    """The same one level down: a block's feed-forward network swapped for a subclass."""
    def nested(arena):
        layers = recipes.tiny_layers(arena)
        ffn = layers[1].ffn
        ffn.__class__ = type("Faster", (type(ffn),), {})
        return arena.model(layers)
    with pytest.raises(ValueError, match="gave the layer Faster, a subclass of SwiGLU"):
        nb.arena.run(nested, recipes.budget_for(), SEEDS)


def test_a_patched_scorer_changes_nothing():
    """Cheat F: ``harness.score_model`` replaced inside the recipe's process, where nothing
    scores; the harness's own process scores the model, as it would the honest recipe's."""
    def patches_the_scorer(arena):
        model = recipes.honest(arena)
        harness.score_model = lambda model, seed, spent=0, entropy=None: \
            harness.SeedScore(seed, 0.0001, 0.0, 0.0, spent, entropy)
        return model
    cheat = nb.arena.run(patches_the_scorer, recipes.budget_for(), SEEDS, evaluation="seed")
    assert cheat.scores == recipes.honest_seeded().scores and min(cheat.scores) > 1


def test_a_free_backward_is_refused_even_if_restored():
    """Cheat C2: ``BACKWARD_FACTOR`` set to 0 while training, put back before returning."""
    def free_backward(arena):
        budget_module.BACKWARD_FACTOR = 0
        try:
            return recipes.honest(arena)
        finally:
            budget_module.BACKWARD_FACTOR = 2
    try:
        with pytest.raises(nb.arena.RecipeError,
                           match="budget.BACKWARD_FACTOR changed while it trained"):
            nb.arena.run(free_backward, recipes.budget_for(), SEEDS)
    finally:
        budget_module.BACKWARD_FACTOR = 2


def test_a_meter_given_more_budget_is_refused_even_if_restored():
    """Cheat C: the meter's budget tripled while training, then put back and its spent
    trimmed, so that the record says the budget was spent exactly."""
    def bigger_budget(arena):
        meter = arena.meter
        meter._budget *= 3
        model = recipes.overspends(arena)                 # 3 epochs: 3 × the budget
        meter._budget //= 3
        meter._spent = min(meter._spent, meter._budget)
        return model
    with pytest.raises(nb.arena.RecipeError, match="the meter's budget changed while it "
                                                   "trained"):
        nb.arena.run(bigger_budget, recipes.budget_for(), SEEDS)


def test_a_meter_set_back_is_refused():
    """The meter's spent set back to 0 between two fits: the harness keeps its own tally."""
    def set_back(arena):
        model = recipes.tiny_model(arena)
        x, y = arena.windows(recipes.BATCH * recipes.STEPS)
        model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        arena.meter._spent = 0
        model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        return model
    with pytest.raises(nb.arena.RecipeError, match=r"the meter's spent \(0 where the harness "
                                                   r"counted [\d,]+\) changed while it trained"):
        nb.arena.run(set_back, recipes.budget_for(), SEEDS)


def test_a_meter_replaced_by_another_is_refused():
    """The eleventh cold reading of 37: the arena's meter swapped for one of three times the
    budget, the model made and trained on it (twice the budget), then a fresh meter put on
    the arena and the model claiming half the budget spent: accepted at 2x (and 6x)."""
    def swapped(arena):
        real = arena.meter
        arena._meter = nb.arena.Meter(3 * real.budget)
        model = recipes.overspends(arena)                 # 3 epochs: 3 × the budget
        arena._meter = model._meter = claim = nb.arena.Meter(real.budget)
        claim._spent = real.budget // 2
        return model
    with pytest.raises(nb.arena.RecipeError, match="replaced the arena's meter on seed 0"):
        nb.arena.run(swapped, recipes.budget_for(), SEEDS)


def test_a_models_meter_replaced_while_it_trains_is_refused():
    """The model made on the arena's meter, trained on another and its meter put back: the
    steps check the meter the model was made with."""
    def swapped_back(arena):
        model = recipes.tiny_model(arena)
        real, model._meter = model._meter, nb.arena.Meter(3 * arena.budget)
        x, y = arena.windows(recipes.BATCH * recipes.STEPS)
        model.fit(x, y, epochs=3, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        model._meter = real
        return model
    with pytest.raises(nb.arena.RecipeError, match="meter was replaced"):
        nb.arena.run(swapped_back, recipes.budget_for(), SEEDS)


def test_a_counted_model_arena_model_did_not_make_is_refused():
    """Weights from anywhere (another generator here; a file of trained ones would do as
    well) in a CountedModel built directly and put on arena.models: no initialisation
    check ran, and it was accepted with nothing spent."""
    def built_directly(arena):
        layers = recipes.tiny_layers(type("A", (), {"vocab_size": 26,
                                                    "rng": np.random.default_rng(5)}))
        model = nb.arena.CountedModel(layers, arena.meter, (1, 16))
        arena.models.append(model)
        return model
    with pytest.raises(nb.arena.RecipeError, match=r"returned CountedModel on seed 0; "
                                                   r"expected the model arena.model\(layers\)"):
        nb.arena.run(built_directly, recipes.budget_for(), SEEDS)


def test_the_private_evaluation_cache_is_refused_while_a_recipe_runs():
    """Cheat D's first step: ``text._evaluation``, not only ``evaluation_text``, refuses."""
    def reads_the_cache(arena):
        text_module._evaluation(0)
        return recipes.honest(arena)
    with pytest.raises(ValueError, match="asked for the evaluation text"):
        nb.arena.run(reads_the_cache, recipes.budget_for(), SEEDS)
    text_module._evaluation(0)                             # after it, the harness can


def test_the_evaluation_text_is_refused_at_a_recipes_import(tmp_path):
    """Cheat I: a recipe file that reads the evaluation text when it is imported."""
    path = tmp_path / "at_import.py"
    path.write_text("import nnbook as nb\n"
                    "EV = nb.arena.evaluation_text(0)\n"
                    "def recipe(arena):\n"
                    "    raise AssertionError('never reached')\n")
    with pytest.raises(ValueError, match="asked for the evaluation text"):
        nb.arena.run(str(path), recipes.budget_for(), SEEDS)


def test_a_score_below_the_floor_is_refused():
    """Cheat D: the baseline trained on the evaluation text itself (drawn through the cache's
    inner function, which the lock does not reach) scores far below the window bound; the
    harness refuses any score below ``SCORE_FLOOR``. Seed 0 at 4·10⁹ (measured: −0.196). The
    message names causal attention too: a learner's MultiHeadAttention left at its default
    (causal=False) reads its targets and lands here, though it trained on arena.windows."""
    def memorises(arena):
        ev = text_module._drawn(0)
        nb.arena.budget.serve(arena.meter, ev["x"], ev["y"])   # (the record of arena.windows
        model = arena.model(modern_layers(arena.rng))           # rewritten: open, cell 24)
        model.compile(optimizer=nb.AdamW(lr=0.01, weight_decay=0.01),
                      loss=nb.CrossEntropy(from_logits=True))
        epochs = (arena.left - 2 * arena.step_cost(model, 8)) // (4 * arena.step_cost(model, 32))
        model.fit(ev["x"], ev["y"], epochs=int(epochs), batch_size=32, verbose=0,
                  rng=arena.rng)
        return model
    with pytest.raises(nb.arena.RecipeError, match=r"scored -0\.\d+ bits per character on "
                                                   r"seed 0, below -0.05.*Build attention "
                                                   r"with causal=True"):
        nb.arena.run_seed(memorises, 4 * 10**9, 0, evaluation="seed")
    assert nb.arena.SCORE_FLOOR == -0.05


def test_another_seeds_model_is_not_there():
    """Cheat B's bluntest form: the model trained on the previous seed, kept in a global and
    listed as this seed's. Each seed runs in a process of its own, so the global is empty
    every time: each seed trains from scratch and scores as the honest recipe does."""
    kept = []

    def returns_the_last_one(arena):
        if kept:
            arena.models.append(kept[-1])
            return kept[-1]
        kept.append(recipes.honest(arena))
        return kept[-1]
    cheat = nb.arena.run(returns_the_last_one, recipes.budget_for(), SEEDS, evaluation="seed")
    assert cheat.scores == recipes.honest_seeded().scores and not kept


def test_weights_written_in_after_training_are_refused_with_the_record_set_again():
    """Weights written into the trained model outside any step, and the model's own record
    of its fingerprint set again (``model._print`` held it: the recipe could compute it with
    ``budget.fingerprint``): the record is the budget module's, not the model's."""
    def resets_the_record(arena):
        model = recipes.honest(arena)
        for layer in model.layers:
            for w in layer.params.values():
                w[...] = 0.01
        model._print = budget_module.fingerprint(model.layers)
        return model
    with pytest.raises(nb.arena.RecipeError, match="weights changed outside its counted "
                                                   "train_step"):
        nb.arena.run_seed(resets_the_record, recipes.budget_for(), 0, evaluation="seed")


def test_an_honest_recipe_passes_every_guard():
    """The guards refuse nothing honest: the tiny recipe's score, spent and seeds as before."""
    r = recipes.honest_seeded()                 # the run the cheats' scores are compared with
    assert all(s.spent == recipes.budget_for() for s in r.per_seed)
    assert all(nb.arena.SCORE_FLOOR < s.score for s in r.per_seed)


# -- the starting weights: the layers' own initialisation, drawn from arena.rng -------------
def arena(seed=1):
    return nb.arena.Arena(10**12, np.random.default_rng(seed))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layers_built_first_from_arena_rng_are_accepted(dtype):
    """Chapter 20's model (a tied unembedding: a link to an earlier layer), in either
    precision; then a second model built next is checked against the draws after the first."""
    a = arena()
    a.model([layer for layer in modern_layers(a.rng)])
    a.model([nb.Embedding(26, 4, rng=a.rng, dtype=dtype),
             nb.Dense(4, 26, init=nb.init.normal(0.02), rng=a.rng, dtype=dtype)])


def test_weights_changed_before_arena_model_are_refused():
    """Cheat M (a model trained elsewhere, loaded in before the counting starts): the smallest
    change, one gain of the final norm by 1e-12, is found."""
    a = arena()
    layers = modern_layers(a.rng)
    layers[3].params["gamma"][5] += 1e-12
    with pytest.raises(ValueError, match=r"layer 3 \(RMSNorm\) starts with weights 'gamma'"):
        a.model(layers)


def test_layers_drawn_from_another_generator_are_refused():
    a = arena()
    with pytest.raises(ValueError, match="drawn from arena.rng as the recipe was given it"):
        a.model(modern_layers(np.random.default_rng(2)))


@pytest.mark.parametrize("init", [
    lambda shape, fan_in, fan_out, rng, dtype=np.float64: np.zeros(shape),
    nb.init.constant(np.ones((4, 26))),        # a library closure holding an array
], ids=["a function of the recipe's", "constant of an array"])
def test_an_initialiser_that_is_not_the_librarys_is_refused(init):
    a = arena()
    emb = nb.Embedding(26, 4, rng=a.rng)
    with pytest.raises(ValueError, match="not one of nnbook.init's"):
        a.model([emb, nb.Dense(4, 26, init=init, rng=a.rng)])


# -- the board's key: what the recipe's process is not given ------------------------------
def test_a_spawned_recipe_is_not_told_where_the_boards_key_is(tmp_path, monkeypatch):
    """Cheat 3 of the second reading read the key through ``NNBOOK_ARENA_KEY``: a recipe
    file's process starts without it (the same user can still read the key's file: a row is
    as trustworthy as ``verify``)."""
    monkeypatch.setenv(harness.KEY_VARIABLE, str(tmp_path / "secret.key"))
    path = tmp_path / "looks_for_the_key.py"
    path.write_text("import os\nimport arena_recipes as r\n\n"
                    "def recipe(arena):\n"
                    f"    assert {harness.KEY_VARIABLE!r} not in os.environ, 'key visible'\n"
                    "    return r.honest(arena)\n")
    monkeypatch.syspath_prepend(str(Path(recipes.__file__).parent))
    nb.arena.run(str(path), recipes.budget_for(), SEEDS, evaluation="seed")   # texts cached
    assert os.environ[harness.KEY_VARIABLE] == str(tmp_path / "secret.key")


# -- what is installed and what is the learner's ------------------------------------------
def test_installed_folders_hold_numpy_and_not_a_learners_folder(tmp_path):
    """The shadowing tripwire and the recipe's hash both sort files by these folders: a
    list that missed site-packages would hash NumPy into every recipe (or call it a
    learner's shadowing file); one that held the learner's folder would hash nothing."""
    folders = guard.installed_folders()
    assert any(f in Path(np.__file__).resolve().parents for f in folders)
    assert not any(f == tmp_path.resolve() or f in tmp_path.resolve().parents
                   for f in folders if f != Path("/").resolve())
