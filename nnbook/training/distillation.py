"""The losses of distillation (chapter 35), a student trained on a teacher's distribution:
soft (Hinton et al. 2015: τ² · KL(p_t^τ ‖ p_s^τ) at a temperature τ, ``SoftDistillation``
for ``fit``, ``soft_distillation_loss`` for a loop of one's own) and on-policy (the reverse
KL(p_s ‖ p_t) on the student's own samples: ``OnPolicyDistillation``,
``on_policy_distillation_loss``; ``nnbook/inference/distillation.py`` draws its batches).
Hard distillation is ``CrossEntropy`` on the teacher's samples (``ids = generate(teacher,
prompts, n_new)``, then ``fit(ids[:, :-1], ids[:, 1:])``), with no loss of its own.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..layers.activations import log_softmax
from ..registry import register_class
from .loss_base import Loss
from .posttraining import _finite_floats, _real_numbers

__all__ = ["SoftDistillation", "OnPolicyDistillation", "soft_distillation_loss",
           "on_policy_distillation_loss", "same_vocabulary"]

_FIX = "Check the model that made them (a diverged run, or an overflow in float16)."


def _temperature(owner, temperature):
    """τ as a float > 0 and finite, or a ValueError naming ``owner``."""
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) or \
            not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"{owner}: temperature must be a finite number > 0, got "
                         f"{temperature!r}. Use temperature=1.0 for the distributions as they "
                         f"are, or e.g. 2.0 to soften both.")
    return float(temperature)


def same_vocabulary(owner, student_shape, teacher_shape):
    """Raise unless the teacher's logits are the student's shape: one vocabulary (the last
    axis), one batch of positions (the others)."""
    if len(student_shape) < 2 or len(teacher_shape) < 2:
        raise ValueError(f"{owner}: expected logits of shape (m, V) or (m, T, V), got "
                         f"{tuple(student_shape)} (student) and {tuple(teacher_shape)} "
                         f"(teacher).")
    if student_shape[-1] != teacher_shape[-1]:
        raise ValueError(f"{owner}: the student's logits have {student_shape[-1]} entries per "
                         f"position but the teacher's have {teacher_shape[-1]}; expected one "
                         f"vocabulary (equal last axes). Distil between models of the same "
                         f"tokenizer, or map the teacher's tokens onto the student's first.")
    if tuple(student_shape) != tuple(teacher_shape):
        raise ValueError(f"{owner}: the student's logits have shape {tuple(student_shape)} "
                         f"but the teacher's {tuple(teacher_shape)}; expected the same shape. "
                         f"Run the teacher on the student's inputs (teacher.predict(x)).")


def _checked(owner, logits, teacher_logits, mask=None):
    """The student's and teacher's logits as finite floats of one shape, and the weights of
    the positions (None: every position counts once)."""
    s = _real_numbers(owner, logits, "the student's logits as real numbers", _FIX)
    t = _real_numbers(owner, teacher_logits, "the teacher's logits as real numbers", _FIX)
    same_vocabulary(owner, s.shape, t.shape)
    dtype = s.dtype if s.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    s = _finite_floats(owner, "student logits", s, dtype, _FIX)
    t = _finite_floats(owner, "teacher logits", t, dtype, _FIX)
    if mask is None:
        return s, t, None
    w = _finite_floats(owner, "mask", mask, dtype, "Pass 1 at the positions to learn from "
                       "and 0 at padding.")
    if w.shape != s.shape[:-1]:
        raise ValueError(f"{owner}: expected a mask of shape {s.shape[:-1]} (one number per "
                         f"position of the logits), got {w.shape}.")
    return s, t, w


def _count(s, w):
    """How many positions the mean is over: all of them, or the mask's sum (1 when it is 0,
    so that a batch of padding only gives a loss of 0 and a zero gradient, not NaN)."""
    if w is None:
        return s.size // s.shape[-1]
    total = float(w.sum())
    return total if total > 0 else 1.0


def _soft(s, t, w, tau):
    """τ² · mean KL(p_t^τ ‖ p_s^τ) and its gradient τ (p_s^τ − p_t^τ) / n."""
    ls, lt = log_softmax(s / tau), log_softmax(t / tau)
    pt = np.exp(lt)
    kl = (pt * (lt - ls)).sum(axis=-1)                         # per position, nats
    g = np.exp(ls) - pt                                        # ∂KL/∂(z_s/τ)
    n = _count(s, w)
    if w is not None:
        kl, g = kl * w, g * w[..., None]
    g *= tau / n                                               # τ² · (1/τ) from z_s/τ
    return float(tau * tau * kl.sum() / n), g


def _reverse(s, t, w):
    """mean KL(p_s ‖ p_t) and its gradient p_s ⊙ (log p_s − log p_t − KL) / n."""
    ls, lt = log_softmax(s), log_softmax(t)
    ps, d = np.exp(ls), ls - lt
    kl = (ps * d).sum(axis=-1)                                 # per position, nats
    g = ps * (d - kl[..., None])
    n = _count(s, w)
    if w is not None:
        kl, g = kl * w, g * w[..., None]
    return float(kl.sum() / n), g / n


def soft_distillation_loss(logits, teacher_logits, mask=None, *, temperature=1.0):
    """Soft distillation: τ² · (1/n) Σ_positions KL(softmax(z_t/τ) ‖ softmax(z_s/τ)), nats.

    Shapes: logits (the student's) and teacher_logits, (m, V) or (m, T, V), one vocabulary;
    mask None or (m,) / (m, T), 1 at the positions to learn from (n = its sum, else all).
    Returns ``(loss, d_logits)``, d_logits = τ (softmax(z_s/τ) − softmax(z_t/τ)) · mask / n.

    The value is the KL, not the cross-entropy H(p_t^τ, p_s^τ): the two differ by the
    teacher's entropy, which does not depend on the student, so the gradient is the same,
    and the KL is 0 when the student matches. The factor τ² (Hinton's) keeps the gradient's
    size from shrinking as 1/τ² at high temperature: mixed with a hard loss, the weight
    between the two then need not change with τ."""
    s, t, w = _checked("soft_distillation_loss", logits, teacher_logits, mask)
    return _soft(s, t, w, _temperature("soft_distillation_loss", temperature))


def on_policy_distillation_loss(logits, teacher_logits, mask=None):
    """On-policy distillation: the reverse KL (1/n) Σ_positions KL(p_s ‖ p_t), nats, over the
    whole vocabulary at each position of sequences the student wrote (the teacher's logits
    on those same inputs).

    Shapes and mask as ``soft_distillation_loss`` (mask: 1 at the written tokens' positions,
    as ``on_policy_batch`` makes it). Returns ``(loss, d_logits)``, d_logits = p_s ⊙
    (log p_s − log p_t − KL) · mask / n: exact, per position (no sampled estimate), the
    gradient of the KL at the samples' positions with the samples themselves held fixed
    (as every on-policy distillation does: the samples are redrawn each step).
    For chapter 29's loop: ``objective_step(student, on_policy_distillation_loss)``."""
    s, t, w = _checked("on_policy_distillation_loss", logits, teacher_logits, mask)
    return _reverse(s, t, w)


class _Distillation(Loss):
    """What the two losses share for ``fit``: y_true is the teacher's logits (the shape of
    the student's, (m, V) or (m, T, V)), y_pred the student's logits; no mask (``fit``'s
    windows are full; padded batches use the function forms)."""

    from_logits = True

    def _check(self, y_true, y_pred):
        s, t, _ = _checked(type(self).__name__, y_pred, y_true)
        return t, s

    def targets(self, owner, y, out_shape, dtype):
        """The teacher's logits, checked against the student's output ``out_shape``."""
        t = _real_numbers(owner, y, "the teacher's logits as real numbers", _FIX)
        same_vocabulary(f"{owner} ({self!r})", (len(t),) + tuple(out_shape), t.shape)
        return _finite_floats(owner, "teacher logits", t, dtype, _FIX)

    def value(self, yt, yp):
        return self.value_and_gradient(yt, yp)[0]

    def gradient(self, yt, yp):
        return self.value_and_gradient(yt, yp)[1]

    def value_and_gradient(self, yt, yp):
        """Both from one pass (the value's log-softmaxes are the gradient's)."""
        value, g = self._both(yt, yp)
        return value, g.astype(yp.dtype, copy=False)


@register_class
class SoftDistillation(_Distillation):
    """Soft distillation for ``fit``: ``compile(loss=SoftDistillation(temperature=2.0))`` and
    ``fit(x, teacher.predict(x))``, the model ending in logits (no ``Softmax``).

    The loss is τ² · mean over positions of KL(softmax(y_true/τ) ‖ softmax(y_pred/τ)) with
    y_true the teacher's logits (so τ softens both), in nats; its gradient τ (p_s − p_t)/n
    (``soft_distillation_loss``, which also takes a mask)."""

    def __init__(self, temperature=1.0):
        self.temperature = _temperature("SoftDistillation", temperature)

    def _both(self, yt, yp):
        return _soft(yp, yt, None, self.temperature)

    def get_config(self):
        return {"temperature": self.temperature}

    def __repr__(self):
        return f"SoftDistillation(temperature={self.temperature:g})"


@register_class
class OnPolicyDistillation(_Distillation):
    """On-policy distillation for ``fit``: the student's logits on its own samples (x) against
    the teacher's on the same (y_true): mean over positions of KL(p_s ‖ p_t), nats, and its
    exact gradient (``on_policy_distillation_loss``, which also takes a mask). Its samples
    should be redrawn as the student learns: chapter 29's loop does that
    (``on_policy_batch``)."""

    def _both(self, yt, yp):
        return _reverse(yp, yt, None)

