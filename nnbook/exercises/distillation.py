"""Exercises of chapter 35 (distillation): the gradient of the soft distillation loss
τ² · mean KL(softmax(z_t/τ) ‖ softmax(z_s/τ)) with respect to the student's logits.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, compare, exercise


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _cases():
    """(student logits (n, V), teacher logits (n, V), τ) for a few sizes and temperatures."""
    rng = np.random.default_rng(3501)
    return [(2 * rng.standard_normal((n, V)), 2 * rng.standard_normal((n, V)), tau)
            for n, V, tau in ((4, 5, 2.0), (3, 7, 4.0), (6, 3, 0.5), (5, 26, 3.0))]


def _gradient(zs, zt, tau, power=1.0):
    return tau ** power * (_softmax(zs / tau) - _softmax(zt / tau)) / len(zs)


# 35.1 ----------------------------------------------------------------------------------------
@exercise("35.1", "The soft loss's gradient at a temperature",
          "function soft_gradient(student_logits, teacher_logits, tau) -> array (n, V): the "
          "gradient of τ² · (1/n) Σ_i KL(softmax(z_t,i/τ) ‖ softmax(z_s,i/τ)) with respect to "
          "the student's logits z_s")
def soft_gradient(fn):
    run = Runner(fn, "soft_gradient")
    for zs, zt, tau in _cases():
        where = f"soft_gradient(logits of shape {zs.shape}, tau={tau:g})"
        n = len(zs)
        wrongs = [
            (_gradient(zs, zt, tau, power=-1.0), "the τ² is not in the gradient's scale: "
             "the chain rule through z_s/τ gives a factor 1/τ, and τ² · (1/τ) = τ, so the "
             "gradient is τ (p_s − p_t)/n, not (p_s − p_t)/(τ n)."),
            (_gradient(zs, zt, tau, power=2.0), "the chain rule's 1/τ is missing: the "
             "softmax's argument is z_s/τ, so differentiating through it gives a factor "
             "1/τ, and τ² · (1/τ) = τ: the gradient is τ (p_s − p_t)/n, not "
             "τ² (p_s − p_t)/n."),
            (_gradient(zs, zt, tau, power=0.0), "the gradient lacks its factor τ: τ² times "
             "the 1/τ from differentiating through z_s/τ leaves τ (p_s − p_t)/n."),
            (-_gradient(zs, zt, tau), "the sign is reversed: the loss falls when p_s moves "
             "toward p_t, so its gradient is τ (p_s − p_t)/n, student minus teacher."),
            (_gradient(zs, zt, tau) * n, "the loss is a mean over the n positions: divide "
             "by n."),
            (tau * (_softmax(zs) - _softmax(zt)) / n, "both distributions are taken at the "
             "temperature: softmax(z/τ), not softmax(z)."),
        ]
        compare(where, run(zs, zt, tau), _gradient(zs, zt, tau), wrongs, rtol=1e-7)
    return ("right: τ (softmax(z_s/τ) − softmax(z_t/τ))/n; the τ² keeps its size from "
            "shrinking as 1/τ², so at large τ it tends to (z_s − z_t, centred)/(V n).")
