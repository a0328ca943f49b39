"""On-policy distillation's batches (nnbook/inference/distillation.py, chapter 35): the
student's samples, the teacher's logits on them and the mask of the written tokens, and
training with them in chapter 29's loop (``fit_fresh`` + ``objective_step``)."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.inference import on_policy_batch
from nnbook.training.loop import fit_fresh, objective_step


def tiny_lm(seed, V=6, d=8):
    rng = np.random.default_rng(seed)
    return nb.Sequential([nb.Embedding(V, d, rng=rng), nb.Dense(d, V, rng=rng)])


def test_on_policy_distillation_runs_in_chapter_29s_loop():
    teacher, student = tiny_lm(0), tiny_lm(1)
    prompts = np.random.default_rng(4).integers(0, 6, (16, 2))
    x, (t, mask) = on_policy_batch(student, teacher, prompts, 4, rng=np.random.default_rng(5))
    # the mask off by one (the prompt's last position predicts the first written token)
    assert x.shape == (16, 5) and t.shape == (16, 5, 6)
    assert np.array_equal(mask[0], [0, 1, 1, 1, 1])
    assert np.allclose(t, teacher.predict(x))      # the teacher's logits, not the student's
    student.compile(optimizer=nb.Adam(lr=0.05), loss=nb.OnPolicyDistillation())
    losses = fit_fresh(student, lambda r: on_policy_batch(student, teacher, prompts, 4, rng=r),
                       40, step=objective_step(student, nb.on_policy_distillation_loss),
                       rng=np.random.default_rng(6))
    # steps that did not move the student toward the teacher do not shrink the KL 3×
    assert losses[-5:].mean() < losses[:5].mean() / 3


def test_a_teacher_of_another_vocabulary_is_refused():
    with pytest.raises(ValueError, match=r"on_policy_batch: the student's logits have 6 .*"
                                         r"teacher's have 7"):
        on_policy_batch(tiny_lm(1), tiny_lm(0, V=7), np.zeros((2, 1), int), 2,
                        rng=np.random.default_rng(0))


def test_a_teacher_of_a_smaller_vocabulary_is_refused_before_the_student_writes():
    """The vocabularies are compared before the student writes: a teacher of 4 tokens
    would otherwise meet a written id 4 or 5 in its embedding, a message about the wrong
    layer, and only on the draws where the student writes one."""
    for seed in range(5):
        with pytest.raises(ValueError, match=r"on_policy_batch: the student's logits have "
                                             r"6 .*teacher's have 4; expected one vocabulary"):
            on_policy_batch(tiny_lm(1), tiny_lm(0, V=4), np.zeros((8, 1), int), 6,
                            rng=np.random.default_rng(seed))


def test_a_smaller_teacher_is_refused_whatever_the_prompts_ids():
    """The vocabularies are compared on a probe of id 0, not on the prompts: a prompt
    holding an id the teacher cannot embed (5, for a teacher of 4 tokens) still gets the
    vocabulary message, not the embedding's (whose fix, a larger layer, is wrong for a
    trained teacher)."""
    with pytest.raises(ValueError, match=r"on_policy_batch: the student's logits have "
                                         r"6 .*teacher's have 4; expected one vocabulary"):
        on_policy_batch(tiny_lm(1), tiny_lm(0, V=4), np.array([[5], [2]]), 3,
                        rng=np.random.default_rng(0))
