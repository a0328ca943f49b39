"""The distillation losses of chapter 35 (nnbook/training/distillation.py): soft (τ² · KL at a
temperature) and on-policy (reverse KL on the student's samples), their values by hand and
against a direct formula, every gradient against finite differences, the mask, training
with ``fit``, save/load and every message (chapter 29's loop:
tests/test_inference_distillation.py). Each assert names the mistake it catches."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.training.distillation import (OnPolicyDistillation, SoftDistillation,
                                          on_policy_distillation_loss, soft_distillation_loss)


def logits(seed, shape=(3, 4, 5)):
    return np.random.default_rng(seed).standard_normal(shape) * 2


def kl(p, q):
    return (p * (np.log(p) - np.log(q))).sum(axis=-1)


def test_soft_loss_is_tau_squared_times_the_forward_kl_at_temperature():
    zs, zt = logits(0), logits(1)
    for tau in (1.0, 2.0, 4.0):
        ps, pt = nb.softmax(zs / tau), nb.softmax(zt / tau)
        loss, _ = soft_distillation_loss(zs, zt, temperature=tau)
        # dropping τ² (the planted bug) is off by τ² at τ = 2 and 4;
        # KL(p_s ‖ p_t) in place of KL(p_t ‖ p_s) differs for these random logits;
        # the temperature on one side only changes the distributions
        assert loss == pytest.approx(tau ** 2 * kl(pt, ps).mean(), rel=1e-12)
    assert kl(nb.softmax(zt), nb.softmax(zs)).mean() != pytest.approx(
        kl(nb.softmax(zs), nb.softmax(zt)).mean(), rel=1e-3)     # the order check can fail


def test_soft_gradient_matches_finite_differences_and_keeps_its_size_at_high_temperature():
    zs, zt = logits(2), logits(3)
    for tau in (1.0, 3.0):
        _, g = soft_distillation_loss(zs, zt, temperature=tau)
        num = nb.numerical_gradient(
            lambda v: soft_distillation_loss(v, zt, temperature=tau)[0], zs.copy())
        # a gradient without τ² (τ·… → …/τ), or without 1/n, fails here
        assert nb.relative_error(g, num) < 1e-7
    # Hinton's point of τ²: at large τ the gradient tends to (z_s − z_t − mean)/(V n),
    # its size independent of τ; without τ² it would shrink by 1/τ² = 1e-6
    _, g = soft_distillation_loss(zs, zt, temperature=1000.0)
    d = zs - zt
    expected = (d - d.mean(axis=-1, keepdims=True)) / (5 * 12)
    assert np.allclose(g, expected, rtol=0.02, atol=1e-3 * np.abs(expected).max())


def test_soft_loss_is_zero_when_the_student_matches_and_shift_invariant():
    zt = logits(4)
    loss, g = soft_distillation_loss(zt + 3.0, zt, temperature=2.0)
    # the value is the KL, not the cross-entropy (which would be the teacher's entropy > 0)
    assert loss == pytest.approx(0.0, abs=1e-12) and np.abs(g).max() < 1e-12


def test_mask_skips_padding_and_averages_over_the_kept_positions():
    zs, zt = logits(5), logits(6)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 1]], float)
    for f, kw in ((soft_distillation_loss, {"temperature": 2.0}),
                  (on_policy_distillation_loss, {})):
        loss, g = f(zs, zt, mask, **kw)
        kept = mask.astype(bool)
        alone, g_alone = f(zs[kept][None], zt[kept][None], **kw)   # only the kept positions
        # a mask ignored, or a mean over all m·T positions instead of the 7 kept, fails
        assert loss == pytest.approx(alone, rel=1e-12)
        assert np.allclose(g[kept], g_alone[0], rtol=1e-12, atol=0)
        assert not g[~kept].any()                                 # padding: no gradient
        assert f(zs, zt, np.zeros((3, 4)), **kw)[0] == 0.0        # all padding: 0, not NaN


def test_on_policy_loss_is_the_reverse_kl_with_its_exact_gradient():
    zs, zt = logits(7), logits(8)
    loss, g = on_policy_distillation_loss(zs, zt)
    ps, pt = nb.softmax(zs), nb.softmax(zt)
    # the forward KL(p_t ‖ p_s) in its place (argument order swapped) fails
    assert loss == pytest.approx(kl(ps, pt).mean(), rel=1e-12)
    assert loss != pytest.approx(kl(pt, ps).mean(), rel=1e-3)
    mask = (np.arange(4) >= np.array([[0], [1], [3]])).astype(float)
    _, gm = on_policy_distillation_loss(zs, zt, mask)
    num = nb.numerical_gradient(lambda v: on_policy_distillation_loss(v, zt, mask)[0],
                                zs.copy())
    # a gradient without the −KL term, or p_t in place of p_s, fails
    assert nb.relative_error(gm, num) < 1e-7
    assert nb.relative_error(g, nb.numerical_gradient(
        lambda v: on_policy_distillation_loss(v, zt)[0], zs.copy())) < 1e-7


def test_the_loss_objects_give_the_functions_values_and_gradients():
    zs, zt = logits(9, (6, 5)), logits(10, (6, 5))
    soft = SoftDistillation(temperature=2.0)
    assert soft(zt, zs) == soft_distillation_loss(zs, zt, temperature=2.0)[0]
    # y_true is the teacher: the student and teacher swapped in the object fails
    assert np.array_equal(soft.grad(zt, zs), soft_distillation_loss(zs, zt, temperature=2.0)[1])
    reverse = OnPolicyDistillation()
    assert reverse(zt, zs) == on_policy_distillation_loss(zs, zt)[0]
    assert np.array_equal(reverse.grad(zt, zs), on_policy_distillation_loss(zs, zt)[1])


def tiny_lm(seed, V=6, d=8):
    rng = np.random.default_rng(seed)
    return nb.Sequential([nb.Embedding(V, d, rng=rng), nb.Dense(d, V, rng=rng)])


def test_fit_brings_a_student_toward_a_fixed_teacher_and_saves(tmp_path):
    teacher, student = tiny_lm(0), tiny_lm(1)
    x = np.random.default_rng(2).integers(0, 6, (64, 5))
    y = teacher.predict(x)
    student.compile(optimizer=nb.Adam(lr=0.05), loss=SoftDistillation(temperature=2.0))
    before = student.evaluate(x, y, verbose=0)
    student.fit(x, y, epochs=30, batch_size=16, verbose=0, rng=np.random.default_rng(3))
    after = student.evaluate(x, y, verbose=0)
    # a gradient of the wrong sign, or of the other model's logits, does not shrink it 10×
    assert after < before / 10
    loaded = nb.load_model(student.save(tmp_path / "student"))
    # the loss not registered, or its temperature not in the config, fails
    assert isinstance(loaded.loss, SoftDistillation) and loaded.loss.temperature == 2.0
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(after, rel=1e-12)


def test_different_vocabularies_are_a_value_error_naming_the_loss_and_the_fix():
    zs, zt = logits(0, (2, 3, 5)), logits(1, (2, 3, 7))
    for f in (soft_distillation_loss, on_policy_distillation_loss):
        with pytest.raises(ValueError, match=rf"{f.__name__}: the student's logits have 5 .*"
                                             r"teacher's have 7; expected one vocabulary.*"
                                             r"same tokenizer"):
            f(zs, zt)
    with pytest.raises(ValueError, match=r"SoftDistillation: .* 5 .* 7; expected one voc"):
        SoftDistillation()(zt, zs)
    student = tiny_lm(1)
    student.compile(loss=SoftDistillation())
    with pytest.raises(ValueError, match=r"have 6 entries .* teacher's have 7; expected one"):
        student.fit(np.zeros((4, 3), int), np.zeros((4, 3, 7)), verbose=0)
    with pytest.raises(ValueError, match=r"have shape \(2, 3, 5\) but the teacher's \(2, 4, 5\)"
                                         r".*Run the teacher on the student's inputs"):
        soft_distillation_loss(zs, logits(1, (2, 4, 5)))


@pytest.mark.parametrize("tau", [0, -1.0, float("nan"), float("inf"), True, "2"])
def test_a_temperature_not_positive_and_finite_is_refused(tau):
    with pytest.raises(ValueError, match=r"temperature must be a finite number > 0"):
        SoftDistillation(temperature=tau)
    with pytest.raises(ValueError, match=r"soft_distillation_loss: temperature must be"):
        soft_distillation_loss(logits(0), logits(1), temperature=tau)


def test_non_finite_logits_and_bad_masks_are_named():
    zs, zt = logits(0), logits(1)
    zt[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match=r"soft_distillation_loss: expected finite teacher "
                                         r"logits, got nan at index \(1, 2, 3\)"):
        soft_distillation_loss(zs, zt)
    zs[0, 1, 0] = np.inf
    with pytest.raises(ValueError, match=r"on_policy_distillation_loss: expected finite "
                                         r"student logits, got inf at index \(0, 1, 0\)"):
        on_policy_distillation_loss(zs, logits(1))
    with pytest.raises(ValueError, match=r"expected the student's logits as real numbers"):
        on_policy_distillation_loss("abc", logits(1))
    with pytest.raises(ValueError, match=r"expected a mask of shape \(3, 4\).*got \(3,\)"):
        soft_distillation_loss(logits(0), logits(1), np.ones(3))
