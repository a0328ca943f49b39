"""nnbook/evaluation/ as a whole: each public name is its module's object, and the names
that stood in nnbook/training/ before the move (issue 77) are still found there, as the
same objects, though ``nb.training`` lists only the trainer's."""

import importlib
import pkgutil

import pytest

import nnbook as nb
from nnbook import evaluation


def test_every_public_name_is_its_modules_object():
    modules = {info.name for info in pkgutil.iter_modules(evaluation.__path__)}
    assert modules == {"grpo", "pass_at_k", "best_of_n", "leaderboards", "scaling_law",
                       "mixing_law", "distillation", "paired"}
    homes = {m: importlib.import_module(f"nnbook.evaluation.{m}") for m in modules}
    every = [(n, m) for m in modules for n in homes[m].__all__]
    assert sorted(n for n, _ in every) == sorted(evaluation.__all__)
    for name, module in every:
        assert getattr(evaluation, name) is getattr(homes[module], name), name


def test_the_old_names_in_training_are_the_same_objects():
    from nnbook.training import _MOVED, pass_at_k, ppo_clip

    assert ppo_clip is evaluation.ppo_clip and pass_at_k is evaluation.pass_at_k
    assert nb.training.ppo_clip is nb.evaluation.ppo_clip
    # the names added to evaluation/ after the move never stood in training/
    after = {"ELO_SCALE", "distillation_distances", "DistillationDistances", "PairedTest",
             "paired_test"}
    assert set(_MOVED) == set(evaluation.__all__) - after
    for name in _MOVED:
        assert getattr(nb.training, name) is getattr(evaluation, name), name
        assert name not in nb.training.__all__, f"nb.training lists {name}: the trainer only"
    for name in ("ScalingFit", "fit_scaling_law", "fit_mixing_law"):
        assert getattr(nb, name) is getattr(evaluation, name)


def test_a_name_training_never_had_is_still_missing():
    with pytest.raises(AttributeError, match="nnbook.training.*ELO_SCALE"):
        nb.training.ELO_SCALE
