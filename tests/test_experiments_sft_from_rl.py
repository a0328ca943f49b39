"""Chapter 35's part 4 (nnbook/experiments/sft_from_rl.py), its cheap parts: the exact
accepted mass walked over prefixes against teacher forcing by hand, the smaller model's
size, and one SFT step per batch of accepted answers. The row itself is re-run by
tests/test_experiments.py (the stored table) and tests/test_claims_over_seeds_35_35.py."""

import numpy as np

import nnbook as nb
from nnbook.experiments import sft_from_rl as ex
from nnbook.experiments import sft_rl_dpo
from nnbook.experiments import verifier_rl as vr


def forced_mass(model):
    """Σ over the short accepted answers of exp(Σ log π), by teacher forcing (one row each)."""
    task = ex.TASK
    code = {c: i for i, c in enumerate(task.language.vocab)}
    pairs = [(task.prompt(s), a) for s in task.subjects
             for a in nb.data.accepted_answers(task, s, vr.MAX_CHARS)]
    X = np.full((len(pairs), ex.T), code[" "])
    Y, M = np.zeros_like(X), np.zeros(X.shape)
    for i, (p, a) in enumerate(pairs):
        ids = [code[c] for c in p + a]
        X[i, :len(ids) - 1], Y[i, :len(ids) - 1] = ids[:-1], ids[1:]
        M[i, len(p) - 1:len(ids) - 1] = 1
    return np.exp(nb.sequence_logprobs(model.predict(X), Y, M)).sum()


def test_the_walked_mass_is_the_teacher_forced_mass():
    model = ex.small_lm(np.random.default_rng(1))
    walked = sum(q.sum() for q in ex.walked_mass(model).values())
    # a walk that skips the first or the last character is off by a factor near 1/26
    assert abs(walked / forced_mass(model) - 1) < 1e-9


def test_the_smaller_model_has_about_a_quarter_of_chapter_22s_parameters():
    """Cell 23 says "about a quarter": 6,602 parameters against 24,506 (0.27)."""
    def count(model):
        return sum(w.size for w in model.get_weights())
    small = count(ex.small_lm(np.random.default_rng(0)))
    full = count(sft_rl_dpo.modern_lm(np.random.default_rng(0)))
    assert 0.2 < small / full < 0.3

