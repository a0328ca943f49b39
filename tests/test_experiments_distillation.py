"""Chapter 35's experiment (nnbook/experiments/distillation.py), its cheap parts: the exact
next-character conditional against the window bound, the confident errors' rule, the
students' equal size, and a wrong kind of student named. The row itself is re-run by
tests/test_experiments.py (the stored table) and tests/test_claims_over_seeds_35_35.py."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.experiments import distillation as ex


def test_the_exact_conditional_scores_each_target_as_the_window_bound_does():
    corpus = nb.data.language_corpus(200, rng=np.random.default_rng(0))
    x, y = nb.data.char_windows(corpus.ids, 8)
    p = ex.exact_next(corpus.language, x)
    assert p.shape == x.shape + (26,) and np.allclose(p.sum(axis=-1), 1, atol=1e-12)
    bound = corpus.language.window_bound(corpus.text, 8)
    got = -np.log(np.take_along_axis(p, y[..., None], axis=-1)[..., 0])
    # the conditional one position late or early, or of the whole history, differs here
    assert np.abs(got - bound[:len(x)]).max() < 1e-9


def test_confident_errors_take_the_teachers_first_choice_above_the_truth():
    p = np.array([[0.5, 0.5, 0.0], [0.1, 0.9, 0.0], [0.3, 0.3, 0.4], [0.0, 0.3, 0.7]])
    t = np.array([[0.8, 0.1, 0.1], [0.1, 0.9, 0.0], [0.6, 0.2, 0.2], [0.1, 0.6, 0.3]])
    where, chars = ex.confident_errors(p, t)
    # row 0: 0.8 vs 0.5 (over by 0.3); row 1 right; row 2: 0.6 vs 0.3; row 3: 0.6 vs 0.3
    assert where.tolist() == [0, 2, 3] and chars.tolist() == [0, 0, 1]
    assert ex.confident_errors(p, t, over=0.31)[0].tolist() == []


def test_every_student_has_the_same_layers_and_a_quarter_of_the_teachers_parameters():
    def count(layers):
        return sum(v.size for layer in layers for v in layer.params.values())
    student = count(ex.student_layers(np.random.default_rng(0)))
    teacher = count(nb.experiments.modern_block.modern(16)(np.random.default_rng(0)))
    assert 0.2 < student / teacher < 0.3


def test_an_unknown_kind_of_student_is_named():
    with pytest.raises(ValueError, match=r"train_student: kind must be one of"):
        ex.train_student("dark", {"x": np.zeros((2, 16), int), "y": np.zeros((2, 16), int)},
                         None, 0)


def test_dropped_counts_the_characters_the_truth_allows_and_the_model_all_but_drops():
    p = np.array([[0.5, 0.45, 0.05, 0.0], [0.9, 0.04, 0.06, 0.0]])
    s = np.array([[0.995, 0.002, 0.003, 0.0], [0.5, 0.0, 0.005, 0.495]])
    # row 0: the second character (0.45 against 0.002) is dropped, the third is not
    # possible by the rule (0.05 is not above 0.05); row 1: the third (0.06 against 0.005)
    assert ex.dropped(p, s) == 1.0
    assert ex.dropped(p, s, possible=0.5) == 0.0 and ex.dropped(s, p) == 0.5


def test_the_on_policy_start_is_where_the_on_policy_student_starts_its_reverse_kl(
        monkeypatch):
    """With the reverse-KL phase stubbed out, train_student("on-policy") returns the weights
    it would start that phase from: on_policy_start's, to the last bit (a start drawn
    from another generator, or trained for all 4 epochs, differs)."""
    monkeypatch.setattr(ex, "fit_fresh", lambda model, *a, **k: None)
    rng = np.random.default_rng(1)
    data = {"x": rng.integers(0, 26, (64, 16))}
    data["y"] = np.roll(data["x"], -1, axis=1)
    a = ex.on_policy_start(data, 7)
    b = ex.train_student("on-policy", data, None, 7)
    assert all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))
    c = ex.train_student("data", data, None, 7)
    assert not all(np.array_equal(u, v) for u, v in zip(a.get_weights(), c.get_weights()))
