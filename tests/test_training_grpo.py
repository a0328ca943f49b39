"""nnbook/training/grpo.py: GRPO's advantages by hand, the exact expected update against
REINFORCE's gradient and its closed forms, sampled groups against the enumeration, the
share of zero-variance groups, PPO's clip by cases against finite differences, errors."""

import math

import numpy as np
import pytest

from nnbook.gradcheck import numerical_gradient
from nnbook.layers.activations import softmax
from nnbook.training.grpo import (ADVANTAGE_KINDS, expected_update, expected_weight,
                                  grpo_advantages, ppo_clip, reinforce_gradient,
                                  reward_patterns, sampled_updates, weight_closed_form,
                                  zero_variance_share)

LOGITS = np.array([0.3, -0.2, 1.0, 0.1])
SUCCESS = np.array([1.0, 0.0, 0.3, 1.0])


def test_advantages_by_hand():
    r = np.array([1.0, 0.0, 0.0, 0.0])                 # mean 1/4, population std √3/4
    np.testing.assert_allclose(grpo_advantages(r, "group mean"), [0.75, -0.25, -0.25, -0.25])
    np.testing.assert_allclose(grpo_advantages(r, "std population"),
                               np.array([3, -1, -1, -1]) / math.sqrt(3))
    np.testing.assert_allclose(grpo_advantages(r, "std Bessel"),           # std √(1/4)
                               np.array([1.5, -0.5, -0.5, -0.5]))
    np.testing.assert_allclose(grpo_advantages(r, "RLOO"), [1.0, -1 / 3, -1 / 3, -1 / 3])
    np.testing.assert_allclose(grpo_advantages(r, "constant", scale=4.0),
                               [0.1875, -0.0625, -0.0625, -0.0625])


def test_advantages_groups_dtype_and_equal_rewards():
    r = np.array([[1, 1, 1], [0, 1, 0]], dtype=np.float32)
    for kind in ADVANTAGE_KINDS:
        a = grpo_advantages(r, kind)
        assert a.dtype == np.float32 and a.shape == (2, 3)
        assert np.all(a[0] == 0)                        # nothing to learn from equal rewards
    # population and Bessel differ by √(G/(G − 1)) exactly (√(8/7) at G = 8)
    r8 = np.array([1, 0, 0, 1, 0, 0, 0, 1.0])
    ratio = grpo_advantages(r8, "std Bessel") / grpo_advantages(r8, "std population")
    np.testing.assert_allclose(ratio, math.sqrt(7 / 8))


def test_reward_patterns():
    R = reward_patterns(3)
    assert R.shape == (8, 3) and len({tuple(r) for r in R}) == 8
    assert R.sum() == 12                                # each position is 1 in half the rows


def test_reinforce_gradient_against_finite_differences():
    def J(z):
        return float(softmax(z[None])[0] @ SUCCESS)
    num = numerical_gradient(J, LOGITS.copy())
    np.testing.assert_allclose(reinforce_gradient(LOGITS, SUCCESS), num, atol=1e-8)


@pytest.mark.parametrize("G", [2, 3, 8])
def test_expected_update_closed_forms(G):
    g = reinforce_gradient(LOGITS, SUCCESS)
    p = float(softmax(LOGITS[None])[0] @ SUCCESS)
    np.testing.assert_allclose(expected_update(LOGITS, SUCCESS, G, "group mean"),
                               (G - 1) / G * g, atol=1e-14)
    np.testing.assert_allclose(expected_update(LOGITS, SUCCESS, G, "RLOO"), g, atol=1e-14)
    for kind in ADVANTAGE_KINDS:
        w = expected_weight(p, G, kind)
        np.testing.assert_allclose(expected_update(LOGITS, SUCCESS, G, kind), w * g,
                                   atol=1e-14)
        np.testing.assert_allclose(w, weight_closed_form(p, G, kind), rtol=1e-12)


def test_std_weight_is_large_near_the_ends():
    p = np.array([0.02, 0.5, 0.98])
    w = expected_weight(p, 8, "std population")
    assert w[0] > 1.3 * w[1] and w[2] > 1.3 * w[1]
    # as p → 0 only one success counts: w → G · √((1/G)(1 − 1/G)) = √(G − 1)
    assert expected_weight(1e-7, 8, "std population") == pytest.approx(math.sqrt(7), rel=1e-5)
    np.testing.assert_allclose(w, w[::-1])             # symmetric in p ↔ 1 − p
    np.testing.assert_allclose(expected_weight(p, 8, "std Bessel"), w * math.sqrt(7 / 8))


def test_sampled_updates_agree_with_the_enumeration():
    u = sampled_updates(LOGITS, SUCCESS, 4, "std population", 40_000,
                        rng=np.random.default_rng(0))
    se = u.std(axis=0) / math.sqrt(len(u))
    exact = expected_update(LOGITS, SUCCESS, 4, "std population")
    assert np.all(np.abs(u.mean(axis=0) - exact) < 5 * se)
    np.testing.assert_allclose(u.sum(axis=1), 0, atol=1e-12)     # Σ_a (e_a − π) A = 0


def test_zero_variance_share():
    assert zero_variance_share(0.5, 8) == pytest.approx(2 / 256)
    assert zero_variance_share(0.05, 8) == pytest.approx(0.95 ** 8 + 0.05 ** 8)
    R = reward_patterns(5)
    k = R.sum(axis=1)
    p = 0.3
    prob = p ** k * (1 - p) ** (5 - k)
    assert zero_variance_share(p, 5) == pytest.approx(prob[(k == 0) | (k == 5)].sum())


def test_ppo_clip_four_cases_and_finite_differences():
    rho = np.array([1.5, 0.5, 0.5, 1.5, 1.1, 0.9])
    A = np.array([2.0, 2.0, -2.0, -2.0, 2.0, -2.0])
    obj, d = ppo_clip(rho, A, 0.2)
    np.testing.assert_allclose(obj, np.minimum(rho * A, np.clip(rho, 0.8, 1.2) * A))
    np.testing.assert_allclose(d, [0, 2, 0, -2, 2, -2])
    for i in range(len(rho)):
        num = numerical_gradient(lambda r: float(ppo_clip(r, A[i:i + 1])[0][0]),
                                 rho[i:i + 1].copy())
        np.testing.assert_allclose(d[i], num[0], atol=1e-7)
    o32, d32 = ppo_clip(rho.astype(np.float32), A)
    assert o32.dtype == np.float32 and d32.dtype == np.float32


@pytest.mark.parametrize("call, match", [
    (lambda: grpo_advantages([1.0], "RLOO"), r"shape \(G,\) or \(n_groups, G\)"),
    (lambda: grpo_advantages([1.0, 0.0], "std"), "expected kind to be one of"),
    (lambda: grpo_advantages([1.0, 0.0], "constant", scale=0), "positive scale"),
    (lambda: expected_update(LOGITS, SUCCESS, 1, "RLOO"), "G ≥ 2"),
    (lambda: expected_update(LOGITS, SUCCESS[:3], 4, "RLOO"), "of one shape"),
    (lambda: expected_update(LOGITS, SUCCESS + 1, 4, "RLOO"), r"in \[0, 1\]"),
    (lambda: expected_weight(1.2, 4, "RLOO"), r"in \[0, 1\]"),
    (lambda: expected_weight(0.0, 4, "RLOO"), r"strictly inside \(0, 1\)"),
    (lambda: zero_variance_share(-0.1, 4), r"p in \[0, 1\]"),
    (lambda: reward_patterns(21), "too many to list"),
    (lambda: sampled_updates(LOGITS, SUCCESS, 4, "RLOO", 0), "n_groups"),
    (lambda: ppo_clip(np.array([1.0]), np.array([1.0, 2.0])), "of one shape"),
    (lambda: ppo_clip(np.array([-1.0]), np.array([1.0])), "must be positive"),
    (lambda: ppo_clip(np.array([1.0]), np.array([1.0]), eps=1.5), r"eps in \(0, 1\)"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
