"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 35; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


def _probs(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# 35.1 · The soft loss's gradient at a temperature -------------------------------------------
def soft_gradient(student_logits, teacher_logits, tau):
    # d/dz_s of τ² KL(p_t ‖ p_s) with p = softmax(z/τ): τ² · (1/τ)(p_s − p_t), over n rows
    ps, pt = _probs(student_logits / tau), _probs(teacher_logits / tau)
    return tau * (ps - pt) / len(student_logits)


def _not_squared(zs, zt, tau):
    return soft_gradient(zs, zt, tau) / tau ** 2


def _chain_rule_forgotten(zs, zt, tau):
    return soft_gradient(zs, zt, tau) * tau


def _no_tau(zs, zt, tau):
    return soft_gradient(zs, zt, tau) / tau


def _teacher_minus_student(zs, zt, tau):
    return -soft_gradient(zs, zt, tau)


def _sum(zs, zt, tau):
    return soft_gradient(zs, zt, tau) * len(zs)


def _cold(zs, zt, tau):
    return tau * (_probs(zs) - _probs(zt)) / len(zs)


RIGHT["35.1"] = soft_gradient
WRONG += [
    ("35.1", _not_squared, "not in the gradient's scale"),
    ("35.1", _chain_rule_forgotten, "chain rule's 1/τ is missing"),
    ("35.1", _no_tau, "lacks its factor τ"),
    ("35.1", _teacher_minus_student, "sign is reversed"),
    ("35.1", _sum, "mean over the n positions"),
    ("35.1", _cold, "at the temperature"),
]
