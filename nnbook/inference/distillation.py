"""On-policy distillation's batches (chapter 35): the student writes, the teacher reads."""

from __future__ import annotations

import numpy as np

from ..training.distillation import same_vocabulary
from .generation import generate

__all__ = ["on_policy_batch"]


def on_policy_batch(student, teacher, prompts, n_new, *, rng, temperature=1.0):
    """One batch of on-policy distillation: the student writes ``n_new`` tokens after each
    prompt (``generate``), the teacher reads the result. Returns ``(x, (teacher_logits,
    mask))``, what ``fit_fresh``'s ``draw`` returns for ``objective_step(student,
    on_policy_distillation_loss)``::

        fit_fresh(student, lambda r: on_policy_batch(student, teacher, prompts, 8, rng=r),
                  steps, step=objective_step(student, on_policy_distillation_loss), rng=rng)

    Shapes: prompts (m, T0) ids → x (m, T0 + n_new − 1), teacher_logits (m, T0 + n_new − 1,
    V), mask (m, T0 + n_new − 1): 1 at the positions that predict a written token (from
    T0 − 1 on), 0 on the prompt's. The two vocabularies are compared before the student
    writes, on a probe of the one id every vocabulary holds, 0 (a prompt's own ids could be
    ones a teacher of fewer tokens cannot read)."""
    probe = np.zeros((1, 1), dtype=int)
    same_vocabulary("on_policy_batch", student.predict(probe).shape,
                    teacher.predict(probe).shape)
    ids, zs = generate(student, prompts, n_new, rng=rng, temperature=temperature,
                       return_logits=True)
    x = ids[:, :-1]
    t = teacher.predict(x)
    same_vocabulary("on_policy_batch", (len(t), zs.shape[-1]), (len(t), t.shape[-1]))
    mask = (np.arange(x.shape[1]) >= ids.shape[1] - n_new - 1).astype(t.dtype)
    return x, (t, np.broadcast_to(mask, x.shape).copy())
