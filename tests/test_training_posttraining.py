"""The post-training losses of chapter 22 (nnbook/training/posttraining.py): sequence
log-probabilities, DPO and the policy-gradient loss with group advantages; hand-computed
values, every gradient against finite differences, the unbiased estimate on a bandit, use
with a model's forward/backward, and every message. PyTorch's gathers are in
tests/test_torch_parity_posttraining.py."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.training.posttraining import (dpo_loss, group_advantages, policy_gradient_loss,
                                          sequence_kl, sequence_logprobs,
                                          sequence_logprobs_backward)


def batch(rng, m=4, T=5, V=6):
    z = rng.standard_normal((m, T, V))
    t = rng.integers(0, V, (m, T))
    mask = (np.arange(T) >= rng.integers(0, T - 1, (m, 1))).astype(float)
    return z, t, mask


def test_sequence_logprobs_by_hand():
    z = np.log(np.array([[[0.5, 0.25, 0.25], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]]))
    t = np.array([[0, 1, 2]])
    assert sequence_logprobs(z, t, np.array([[0, 1, 1]]))[0] == pytest.approx(np.log(0.36),
                                                                              abs=1e-14)
    assert sequence_logprobs(z, t, np.array([[1, 1, 1]]))[0] == pytest.approx(np.log(0.18),
                                                                              abs=1e-14)
    assert sequence_logprobs(z, t, np.zeros((1, 3)))[0] == 0.0


def test_sequence_logprobs_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    z, t, mask = batch(rng)
    d = rng.standard_normal(4)
    num = nb.numerical_gradient(lambda v: float(d @ sequence_logprobs(v, t, mask)), z.copy())
    got = sequence_logprobs_backward(z, t, mask, d)
    assert nb.relative_error(got, num) < 1e-7
    assert np.array_equal(got[mask == 0], np.zeros(((mask == 0).sum(), 6)))


def test_dpo_loss_by_hand_at_the_reference():
    rng = np.random.default_rng(1)
    z, t, mask = batch(rng)
    ref = sequence_logprobs(z, t, mask)
    loss, _ = dpo_loss(z, t, mask, ref, beta=0.5)
    assert loss == pytest.approx(np.log(2.0), abs=1e-14)      # h = 0: −log σ(0)
    # a reference 1 nat less sure of the preferred answers: h = β·1, loss = log(1 + e^−β)
    shifted = ref - np.array([1.0, 1.0, 0.0, 0.0])
    assert dpo_loss(z, t, mask, shifted, beta=0.5)[0] == pytest.approx(np.log1p(np.exp(-0.5)),
                                                                       abs=1e-14)


@pytest.mark.parametrize("beta", [0.1, 2.0])
def test_dpo_gradient_matches_finite_differences(beta):
    rng = np.random.default_rng(2)
    z, t, mask = batch(rng, m=6)
    ref = sequence_logprobs(z, t, mask) + rng.standard_normal(6)
    num = nb.numerical_gradient(lambda v: dpo_loss(v, t, mask, ref, beta=beta)[0], z.copy())
    assert nb.relative_error(dpo_loss(z, t, mask, ref, beta=beta)[1], num) < 1e-7


def test_dpo_is_stable_for_large_margins():
    rng = np.random.default_rng(3)
    z, t, mask = batch(rng)
    ref = sequence_logprobs(z, t, mask) + np.array([1e4, 1e4, -1e4, -1e4])
    loss, d = dpo_loss(z, t, mask, ref, beta=1.0)
    assert np.isfinite(loss) and loss > 1e3 and np.isfinite(d).all()


def test_group_advantages_by_hand():
    r = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    assert np.allclose(group_advantages(r, 3, normalise=False), [2 / 3, -1 / 3, -1 / 3, 0, 0, 0],
                       atol=1e-15)
    std = np.sqrt(2) / 3
    assert np.allclose(group_advantages(r, 3, eps=0.0)[:3], np.array([2, -1, -1]) / 3 / std,
                       atol=1e-14)
    assert np.array_equal(group_advantages(r, 3)[3:], [0.0, 0.0, 0.0])


@pytest.mark.parametrize("eps", [0.0, 1e-6])
@pytest.mark.parametrize("normalise", [True, False])
def test_group_advantages_of_equal_rewards_are_exactly_0(eps, normalise):
    """Three rewards of 0.1 have a mean 2⁻⁵⁶ above 0.1: at eps = 0 that rounding divided
    by its own spread made every advantage −1."""
    out = group_advantages([0.1, 0.1, 0.1, 0.3, 0.3, 0.3, 1.0, 0.0, 1.0], 3,
                           eps=eps, normalise=normalise)
    assert np.array_equal(out[:6], np.zeros(6))
    assert out[6] > 0 and out[7] < 0


@pytest.mark.parametrize("scale", [1e200, 1e-200, 1e300])
def test_group_advantages_at_float64s_ends(scale):
    """Rewards of 1e200: their squares overflowed and every advantage came out 0; 1e-200
    at eps = 0: they underflowed, the same."""
    r = np.array([1.0, 0.0, 1.0, -1.0, 0.5, 0.5, 2.0, 0.0])
    at_one = group_advantages(r, 4, eps=0.0)
    assert group_advantages(r * scale, 4, eps=0.0) == pytest.approx(at_one, rel=1e-12)
    assert group_advantages(r * scale, 4, normalise=False) == pytest.approx(
        group_advantages(r, 4, normalise=False) * scale, rel=1e-12)


@pytest.mark.parametrize("normalise", [True, False])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_group_advantages_refuse_a_non_finite_reward(bad, normalise):
    """A NaN reward gave its whole group advantage 0 (normalise) or reached the loss."""
    with pytest.raises(ValueError, match=r"group_advantages: expected finite rewards, got "
                                         r"-?(nan|inf) at position 5 \(group 2\)\. Check the "
                                         r"reward function"):
        group_advantages(np.array([1.0, 0.0, 0.0, 1.0, 1.0, bad]), 2, normalise=normalise)


@pytest.mark.parametrize("kwargs, message", [
    ({"eps": -1e-3}, r"expected eps a finite number ≥ 0 .*got -0\.001\. The default 1e-6"),
    ({"eps": float("nan")}, r"expected eps a finite number ≥ 0 .*got nan"),
    ({"eps": float("inf")}, r"expected eps .*got inf"),
    ({"eps": "1e-6"}, r"expected eps .*got '1e-6'"),
    ({"normalise": "no"}, r"expected normalise=True or False, got 'no'"),
])
def test_group_advantages_refuse_bad_options(kwargs, message):
    """A negative or NaN eps made every advantage 0."""
    with pytest.raises(ValueError, match="group_advantages: " + message):
        group_advantages([1.0, 0.0, 0.0, 1.0], 2, **kwargs)


def test_group_advantages_refuse_groups_of_one_and_text():
    with pytest.raises(ValueError, match=r"group_advantages: expected group_size ≥ 2, got 1: "
                                         r"a group of one .* Draw several answers"):
        group_advantages([1.0, 0.0], 1)
    with pytest.raises(ValueError, match=r"group_advantages: expected rewards as real numbers "
                                         r"\(one per answer\), got \['a', 'b'\]"):
        group_advantages(["a", "b"], 2)
    with pytest.raises(ValueError, match=r"got a ragged list"):
        group_advantages([[1.0], [1.0, 0.0]], 2)


def test_policy_gradient_loss_by_hand_and_finite_differences():
    rng = np.random.default_rng(4)
    z, t, mask = batch(rng)
    a = np.array([1.0, -0.5, 0.0, 2.0])
    loss, d = policy_gradient_loss(z, t, mask, a)
    assert loss == pytest.approx(-(a * sequence_logprobs(z, t, mask)).mean(), abs=1e-14)
    num = nb.numerical_gradient(lambda v: policy_gradient_loss(v, t, mask, a)[0], z.copy())
    assert nb.relative_error(d, num) < 1e-7
    assert np.array_equal(d[2], np.zeros_like(d[2]))          # advantage 0: no gradient


def test_policy_gradient_is_unbiased_on_a_bandit():
    """One step, three arms, reward r = [1, 0, 0.5]: ∇_z E[r] = p ⊙ (r − p·r) exactly. The
    mean over many samples of −gradient of the loss (with a fixed baseline) matches it."""
    rng = np.random.default_rng(5)
    z = np.array([0.2, -0.4, 0.1])
    r = np.array([1.0, 0.0, 0.5])
    p = nb.softmax(z)
    exact = p * (r - p @ r)
    n = 40000
    arms = rng.choice(3, size=n, p=p)
    logits = np.broadcast_to(z, (n, 1, 3)).copy()
    _, d = policy_gradient_loss(logits, arms[:, None], np.ones((n, 1)), r[arms] - 0.3)
    estimate = -d.sum(axis=0)[0]                               # the loss is a mean over n
    assert np.abs(estimate - exact).max() < 0.01
    assert np.abs(exact).max() > 0.05


def test_a_training_loop_with_the_library_forward_and_backward():
    """DPO through a model: the preferred answers' log-probability ratio rises."""
    rng = np.random.default_rng(6)
    V, T = 5, 4
    model = nb.Sequential([nb.Embedding(V, 8, rng=rng), nb.Dense(8, V, rng=rng)])
    ids = rng.integers(0, V, (4, T + 1))
    x, t = ids[:, :-1], ids[:, 1:]
    mask = np.ones((4, T))
    ref = sequence_logprobs(model.forward(x), t, mask)
    opt = nb.Adam(0.05)
    for _ in range(20):
        loss, d = dpo_loss(model.forward(x, training=True), t, mask, ref, beta=0.5)
        model.backward(d, need_dx=False)
        opt.step(model.gradient_pairs())
    ratio = sequence_logprobs(model.forward(x), t, mask) - ref
    assert loss < np.log(2) - 0.1
    assert (ratio[:2] - ratio[2:]).min() > 0.5


@pytest.mark.parametrize("call, message", [
    (lambda z, t, m: sequence_logprobs(z[0], t, m), r"sequence_logprobs: expected logits of "
                                                    r"shape \(m, T, V\)"),
    (lambda z, t, m: sequence_logprobs(z, t.astype(float), m), r"expected integer targets of "
                                                               r"shape \(2, 3\).*ids\[:, 1:\]"),
    (lambda z, t, m: sequence_logprobs(z, t + 4, m), r"targets must lie in \[0, 4\)"),
    (lambda z, t, m: sequence_logprobs(z, t, m[:, :2]), r"expected a mask of shape \(2, 3\)"),
    (lambda z, t, m: sequence_logprobs_backward(z, t, m, np.ones(3)),
     r"sequence_logprobs_backward: expected d_logp of shape \(2,\)"),
    (lambda z, t, m: dpo_loss(z[:1], t[:1], m[:1], np.zeros(1)),
     r"dpo_loss: expected an even number of rows.*np\.concatenate"),
    (lambda z, t, m: dpo_loss(z, t, m, np.zeros(3)), r"dpo_loss: expected ref_logprobs of shape"),
    (lambda z, t, m: dpo_loss(z, t, m, np.zeros(2), beta=0), r"dpo_loss: beta must be a "
                                                             r"positive number"),
    (lambda z, t, m: policy_gradient_loss(z, t, m, np.ones(3)),
     r"policy_gradient_loss: expected advantages of shape \(2,\).*group_advantages"),
    (lambda z, t, m: group_advantages(np.ones(5), 2), r"group_advantages: expected rewards"),
    (lambda z, t, m: group_advantages(np.ones(4), 0), r"group_advantages: .*group_size=0"),
])
def test_messages_name_what_was_expected(call, message):
    z = np.zeros((2, 3, 4))
    t = np.zeros((2, 3), dtype=int)
    with pytest.raises(ValueError, match=message):
        call(z, t, np.ones((2, 3)))


def test_the_names_are_at_the_top_level():
    assert nb.dpo_loss is dpo_loss and nb.training.policy_gradient_loss is policy_gradient_loss


def test_sequence_kl_by_hand():
    p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    z = np.log(np.array([[p, p, q]]))
    r = np.log(np.array([[q, q, q]]))
    one = 0.5 * np.log(0.5 / 0.25) + 0.5 * np.log(0.5 / 0.75)
    assert nb.sequence_kl(z, r, np.array([[1, 1, 1]]))[0] == pytest.approx(2 * one, abs=1e-15)
    assert nb.sequence_kl(z, r, np.array([[0, 1, 0]]))[0] == pytest.approx(one, abs=1e-15)
    assert nb.sequence_kl(r, r, np.ones((1, 3)))[0] == 0.0
    with pytest.raises(ValueError, match=r"sequence_kl: expected logits and ref_logits of one "
                                         r"shape \(m, T, V\).*same batch"):
        nb.sequence_kl(z, r[:, :2], np.ones((1, 3)))


@pytest.mark.parametrize("call, message", [
    (lambda z, t, m: sequence_logprobs_backward(z, t, m, ["a", "b"]),
     r"sequence_logprobs_backward: expected d_logp as real numbers, got \['a', 'b'\]"),
    (lambda z, t, m: dpo_loss(z, t, m, ["a", "b"]),
     r"dpo_loss: expected ref_logprobs as real numbers, got \['a', 'b'\]"),
    (lambda z, t, m: policy_gradient_loss(z, t, m, ["a", "b"]),
     r"policy_gradient_loss: expected advantages as real numbers, got \['a', 'b'\]"),
    (lambda z, t, m: policy_gradient_loss(z, t, m, [np.nan, 1.0]),
     r"policy_gradient_loss: expected finite advantages, got nan at index 0\. Use "
     r"group_advantages"),
    (lambda z, t, m: dpo_loss(z, t, m, [0.0, np.inf]),
     r"dpo_loss: expected finite ref_logprobs, got inf at index 1"),
    (lambda z, t, m: sequence_logprobs(z, t, np.array([["a"] * 3] * 2)),
     r"sequence_logprobs: expected a mask of shape \(2, 3\), numbers .* dtype <U1"),
    (lambda z, t, m: sequence_kl(z, z, np.array([["a"] * 3] * 2)),
     r"sequence_kl: expected logits and ref_logits of one shape .* \(2, 3\) \(<U1\)"),
])
def test_text_and_nan_are_named(call, message):
    """Text raised NumPy's "could not convert string to float"; a NaN advantage or
    reference log-probability made the loss NaN; a mask of text in sequence_kl raised
    UFuncTypeError."""
    z = np.zeros((2, 3, 4))
    t = np.zeros((2, 3), dtype=int)
    with pytest.raises(ValueError, match=message):
        call(z, t, np.ones((2, 3)))
