"""nnbook/evaluation/grpo.py: GRPO's advantages by hand, the exact expected update against
REINFORCE's gradient and its closed forms, sampled groups against the enumeration, the
share of zero-variance groups, PPO's clip by cases against finite differences, errors."""

import math

import numpy as np
import pytest

from nnbook.gradcheck import numerical_gradient
from nnbook.layers.activations import softmax
from nnbook.evaluation.grpo import (ADVANTAGE_KINDS, expected_update, expected_weight,
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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ADVANTAGE_KINDS)
def test_equal_real_valued_rewards_teach_nothing(kind, dtype):
    """A group of equal rewards gets 0 everywhere, whatever their value: three rewards of
    0.1 have a float64 mean 2⁻⁵⁶ above 0.1, and the std versions once divided that rounding
    by its own spread, giving every answer −1 (a whole group pushed down for nothing)."""
    for value, G in ((0.1, 3), (0.7, 3), (0.3, 8), (1 / 3, 5)):
        r = np.full((2, G), value, dtype=dtype)
        a = grpo_advantages(r, kind)
        assert a.dtype == dtype and np.all(a == 0), (value, G, a)


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


NAN3, INF3 = np.array([np.nan, 0.0, 1.0]), np.array([0.0, np.inf, 1.0])


def test_float32_advantages_and_clip_against_float64():
    """float32 in, float32 out, within 4 ε₃₂ of float64 on every 0/1 group of G = 8."""
    R = reward_patterns(8).astype(np.float64)
    eps32 = float(np.finfo(np.float32).eps)
    for kind in ADVANTAGE_KINDS:
        a64, a32 = grpo_advantages(R, kind), grpo_advantages(R.astype(np.float32), kind)
        assert a32.dtype == np.float32
        assert np.all(np.abs(a32 - a64) <= 4 * eps32 * np.maximum(1, np.abs(a64)))
    rho = np.array([0.5, 0.9, 1.0, 1.1, 1.5])
    A = np.array([1.3, -0.7, 2.0, -1.1, 0.4])
    (o64, d64), (o32, d32) = ppo_clip(rho, A), ppo_clip(rho.astype(np.float32), A)
    assert o32.dtype == d32.dtype == np.float32
    assert np.all(np.abs(o32 - o64) <= 4 * eps32 * np.abs(o64))
    assert np.all(np.abs(d32 - d64) <= 4 * eps32 * np.abs(d64))


def test_constant_scale_closed_form_at_c_not_1():
    g = reinforce_gradient(LOGITS, SUCCESS)
    for G, c in ((3, 3.0), (8, 0.5), (8, 8.0)):
        np.testing.assert_allclose(expected_update(LOGITS, SUCCESS, G, "constant", scale=c),
                                   (G - 1) / (G * c) * g, atol=1e-14)
        assert weight_closed_form(0.3, G, "constant", scale=c) == pytest.approx(
            (G - 1) / (G * c), rel=1e-14)


def test_std_weight_is_constant_at_G_2_and_3_only():
    """At G = 2, 3 only groups with one success or one failure count, with one σ:
    w = G σ₁ = √(G − 1) at every p; from G = 4 on, w(0.05) > w(0.5)."""
    ps = np.linspace(0.01, 0.99, 99)
    for G in (2, 3):
        np.testing.assert_allclose(weight_closed_form(ps, G, "std population"),
                                   math.sqrt(G - 1), rtol=1e-12)
    for G in range(4, 17):
        w = weight_closed_form(np.array([0.05, 0.5]), G, "std population")
        assert w[0] > w[1] * 1.01, G


@pytest.mark.parametrize("call, match", [
    # each message names the function, what it got, what it expected and the fix
    (lambda: grpo_advantages([1.0], "RLOO"),
     r"grpo_advantages: expected rewards of shape \(G,\) or \(n_groups, G\).* got shape "
     r"\(1,\)\. Put one group per row"),
    (lambda: grpo_advantages([1.0, 0.0], "std"),
     r"grpo_advantages: expected kind to be one of .* got 'std'\. Pass one of these names"),
    (lambda: grpo_advantages([1.0, 0.0], "constant", scale=0),
     r"grpo_advantages: expected a positive finite scale .* got 0\. Dr GRPO uses 1, or G"),
    (lambda: grpo_advantages([1.0, 0.0], "constant", scale=True), "got True"),
    (lambda: grpo_advantages(NAN3), r"grpo_advantages: expected finite rewards, got nan at "
                                    r"index 0\. Check the reward function"),
    (lambda: grpo_advantages(INF3), "got inf at index 1"),
    (lambda: grpo_advantages(np.array(["a", "b"])),
     r"grpo_advantages: expected the rewards as real numbers, got an array of dtype <U1 "
     r"\(first entry 'a'\)\. Give each answer its reward as a number"),
    (lambda: grpo_advantages([[1.0, 0.0], [1.0]]), "got a ragged list"),
    (lambda: grpo_advantages(None), "real numbers, got None"),
    (lambda: grpo_advantages(np.array([1 + 1j, 0])), "dtype complex128"),
    (lambda: expected_update(LOGITS, SUCCESS, 1, "RLOO"),
     r"expected_update: expected the group size G as an integer ≥ 2 .* got 1\. Draw "
     r"several answers"),
    (lambda: expected_update(LOGITS, SUCCESS, 0, "RLOO"), "integer ≥ 2 .* got 0"),
    (lambda: expected_update(LOGITS, SUCCESS, 2.5, "RLOO"), "integer ≥ 2 .* got 2.5"),
    (lambda: expected_update(LOGITS, SUCCESS, 25, "RLOO"),
     r"expected_update: lists all 2\^G .* expects G ≤ 20; got G=25\. .*weight_closed_form"),
    (lambda: expected_update(LOGITS, SUCCESS, 4, "constant", scale=-1),
     r"expected_update: expected a positive finite scale .* got -1"),
    (lambda: expected_update(LOGITS, SUCCESS[:3], 4, "RLOO"),
     r"expected_update: .*of one shape .* got \(4,\) and \(3,\)\. Give one logit"),
    (lambda: expected_update(LOGITS, SUCCESS + 1, 4, "RLOO"),
     r"expected_update: expected success .* in \[0, 1\] .* got 2\.0 at index 0\. s_a is"),
    (lambda: expected_update(np.array([np.nan, 0, 1, 2]), SUCCESS, 4, "RLOO"),
     r"expected_update: expected finite logits, got nan at index 0\. .*large finite logit"),
    (lambda: expected_update(np.array(["a", "b", "c", "d"]), SUCCESS, 4, "RLOO"),
     r"expected_update: expected the logits as real numbers"),
    (lambda: reinforce_gradient(np.array([0.0, -np.inf, 1, 2]), SUCCESS),
     r"reinforce_gradient: expected finite logits, got -inf at index 1"),
    (lambda: reinforce_gradient(LOGITS, [1.0, np.nan, 0, 0]),
     r"reinforce_gradient: expected success .* got nan at index 1"),
    (lambda: expected_weight(1.2, 4, "RLOO"),
     r"expected_weight: expected p in \[0, 1\] .* got 1\.2\. p is a prompt's success"),
    (lambda: expected_weight(0.0, 4, "RLOO"),
     r"expected_weight: expected p strictly inside \(0, 1\), got 0\.0.*Leave out"),
    (lambda: expected_weight(0.3, 21, "RLOO"), r"expected_weight: .*G ≤ 20; got G=21"),
    (lambda: weight_closed_form(0.0, 8, "std population"),
     r"weight_closed_form: expected p strictly inside \(0, 1\), got 0\.0"),
    (lambda: weight_closed_form(np.array([0.2, 1.0]), 8, "std Bessel"),
     r"weight_closed_form: .* got 1\.0 at index 1"),
    (lambda: weight_closed_form(0.3, 8, "constant", scale=0.0),
     r"weight_closed_form: expected a positive finite scale .* got 0\.0"),
    (lambda: weight_closed_form(0.3, 1, "RLOO"), r"weight_closed_form: .* ≥ 2"),
    (lambda: zero_variance_share(-0.1, 4),
     r"zero_variance_share: expected p in \[0, 1\] .* got -0\.1\. p is"),
    (lambda: zero_variance_share(0.5, True), r"zero_variance_share: .* got True"),
    (lambda: reward_patterns(21),
     r"reward_patterns: lists all 2\^G .* got G=21\. For a larger G use weight_closed_form"),
    (lambda: reward_patterns(1), r"reward_patterns: .* got 1\. Draw several answers"),
    (lambda: sampled_updates(LOGITS, SUCCESS, 4, "RLOO", 0),
     r"sampled_updates: expected n_groups as an integer ≥ 1, got 0\. It is how many"),
    (lambda: sampled_updates(LOGITS, SUCCESS, 4, "constant", 10, scale=np.nan),
     r"sampled_updates: expected a positive finite scale"),
    (lambda: sampled_updates(np.array([np.inf, 0, 1, 2]), SUCCESS, 4, "RLOO", 10),
     r"sampled_updates: expected finite logits"),
    (lambda: ppo_clip(np.array([1.0]), np.array([1.0, 2.0])),
     r"ppo_clip: expected ratio and advantage .* of one shape \(n,\), got \(1,\) "
     r"\(float64\) and \(2,\) \(float64\)\. Pass one ratio"),
    (lambda: ppo_clip(np.array([1, 2]), np.array([1.0, 2.0])), r"got \(2,\) \(int64\)"),
    (lambda: ppo_clip(np.array([-1.0]), np.array([1.0])),
     r"ppo_clip: expected each ratio π/π_old positive and finite, got -1\.0 at index 0\. "
     r"Compute it as np\.exp"),
    (lambda: ppo_clip(np.array([1.0, np.nan]), np.array([1.0, 1.0])), "got nan at index 1"),
    (lambda: ppo_clip(np.array([1.0, 1.0]), np.array([np.nan, 1.0])),
     r"ppo_clip: expected finite advantages, got nan at index 0\. Check the rewards"),
    (lambda: ppo_clip(np.array([1.0]), np.array([1.0]), eps=1.5),
     r"ppo_clip: expected eps in \(0, 1\), got 1\.5\. 0\.2 is usual"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- float32 against float64 ----------------------------------------------------------------
EPS32 = float(np.finfo(np.float32).eps)


@pytest.mark.parametrize("kind", ADVANTAGE_KINDS)
def test_float32_advantages_of_verifier_rewards_within_four_ulps(kind):
    """Rewards of 0 and 1 (chapter 29's verifier): float32 advantages are float32 and within
    4 ε₃₂ · max(1, max|A|) of float64's, every group of G = 2, 8 and 16 (measured: at most
    1.4 ε₃₂). Catches a float32 path that rounds through float16, casts the mean or the std
    to another dtype, or divides by the wrong spread."""
    rng = np.random.default_rng(29)
    for G in (2, 8, 16):
        r = (rng.random((2000, G)) < rng.random((2000, 1))).astype(np.float64)
        a64, a32 = grpo_advantages(r, kind), grpo_advantages(r.astype(np.float32), kind)
        assert a32.dtype == np.float32 and a64.dtype == np.float64
        tol = 4 * EPS32 * max(1.0, np.abs(a64).max())
        assert np.abs(a32 - a64).max() <= tol, (G, np.abs(a32 - a64).max() / EPS32)


@pytest.mark.parametrize("kind", ADVANTAGE_KINDS)
def test_float32_advantages_of_close_rewards_within_their_conditioning(kind):
    """Real-valued rewards that nearly agree (spread 1e-5 around 1) are ill-conditioned for
    the std versions: r − mean loses about ε₃₂·max|r| to rounding, which dividing by the
    spread std(r) magnifies. Stated tolerance, per group, against float64 on the same
    float32 numbers: 4 ε₃₂ max|r| for the kinds that do not divide by the spread, and
    4 ε₃₂ (1 + |A|) max|r| / std(r) for the std kinds (measured: at most 1.8 of that)."""
    rng = np.random.default_rng(30)
    for G in (2, 3, 8):
        for spread in (1.0, 1e-3, 1e-5):
            r32 = (1.0 + spread * rng.standard_normal((500, G))).astype(np.float32)
            r = r32.astype(np.float64)                      # the same numbers, in float64
            a64, a32 = grpo_advantages(r, kind), grpo_advantages(r32, kind)
            big = np.abs(r).max(axis=1, keepdims=True)
            if kind.startswith("std"):
                s = r.std(axis=1, keepdims=True)             # 0: equal rewards, A = 0 both
                tol = 4 * EPS32 * (1 + np.abs(a64)) * big / np.where(s > 0, s, np.inf)
            else:
                tol = 4 * EPS32 * big
            assert np.all(np.abs(a32 - a64) <= tol), (G, spread)


@pytest.mark.parametrize("kind", ADVANTAGE_KINDS)
def test_float32_sampled_updates_draw_the_same_groups(kind):
    """Float32 logits draw the same answers and rewards as float64 ones (the draws are made
    in float64) and give a float32 update within 4 ε₃₂ · max|A| of float64's in every group
    (|onehot − π| ≤ 1, and the 1/G sum of G terms each within that); their mean over 4,000
    groups (summed in float64) agrees as well. Catches an update computed in float64 and returned as such, or
    draws made from float32 probabilities (other answers, differences of order 1/G)."""
    u64 = sampled_updates(LOGITS, SUCCESS, 8, kind, 4000, rng=np.random.default_rng(5))
    u32 = sampled_updates(LOGITS.astype(np.float32), SUCCESS, 8, kind, 4000,
                          rng=np.random.default_rng(5))
    assert u32.dtype == np.float32 and u64.dtype == np.float64
    A = np.abs(grpo_advantages(np.array([1.0] + [0.0] * 7), kind)).max()   # the largest |A|
    assert np.abs(u32 - u64).max() <= 4 * EPS32 * A
    np.testing.assert_allclose(u32.mean(axis=0, dtype=np.float64), u64.mean(axis=0),
                               atol=4 * EPS32 * A)
    # the exact expectation stays float64 (an exact sum) whatever the logits' dtype
    assert expected_update(LOGITS.astype(np.float32), SUCCESS, 8, kind).dtype == np.float64


@pytest.mark.parametrize("kind", ADVANTAGE_KINDS)
def test_float32_policy_gradient_update_against_float64(kind):
    """Chapter 29's RL step: GRPO's advantages of a group's 0/1 rewards into
    ``policy_gradient_loss`` on float32 logits give a float32 ∂L/∂logits within
    8 ε₃₂ · max|∂L/∂logits| of float64's (measured: at most 1.3 ε₃₂ of it): the log-softmax
    and the softmax in float32 each lose a few ulps, nothing more."""
    from nnbook.training.posttraining import policy_gradient_loss
    rng = np.random.default_rng(31)
    m, T, V, G = 64, 12, 26, 8
    z = 2 * rng.standard_normal((m, T, V))
    y, M = rng.integers(0, V, (m, T)), (rng.random((m, T)) < 0.7).astype(np.float64)
    r = (rng.random((m // G, G)) < 0.4).astype(np.float64)
    a64 = grpo_advantages(r, kind).ravel()
    a32 = grpo_advantages(r.astype(np.float32), kind).ravel()
    _, d64 = policy_gradient_loss(z, y, M, a64)
    _, d32 = policy_gradient_loss(z.astype(np.float32), y, M.astype(np.float32), a32)
    assert d32.dtype == np.float32
    assert np.abs(d32 - d64).max() <= 8 * EPS32 * np.abs(d64).max()


@pytest.mark.parametrize("kind", ["std population", "std Bessel"])
def test_weight_closed_form_for_groups_of_thousands(kind, monkeypatch):
    """G = 2000 raised OverflowError (C(2000, k) is no float64); past G = 1000 the pmf is
    taken through log-gammas, which agree with the exact binomials where both exist."""
    import nnbook.evaluation.grpo as grpo
    ps = np.array([0.01, 0.3, 0.5, 0.97])
    exact = weight_closed_form(ps, 1000, kind)
    monkeypatch.setattr(grpo, "MAX_EXACT_COMB", 10)
    np.testing.assert_allclose(weight_closed_form(ps, 1000, kind), exact, rtol=1e-9)
    monkeypatch.undo()
    big = weight_closed_form(ps, 2000, kind)
    assert np.all(np.isfinite(big))
    # the weight tends to 1/√(p(1 − p)) as G grows (σ_k → √(p(1 − p)))
    np.testing.assert_allclose(big, 1 / np.sqrt(ps * (1 - ps)), rtol=0.05)
    assert weight_closed_form(0.3, 2000, kind) == pytest.approx(big[1], rel=1e-14)
    with pytest.raises(ValueError, match=r"weight_closed_form: .* expects G ≤ 1,000,000; got "
                                         r"G=10,000,000\. .*1/√\(p\(1 − p\)\)"):
        weight_closed_form(0.3, 10 ** 7, kind)


def test_sampled_updates_names_ragged_logits():
    """A ragged list of logits raised NumPy's "inhomogeneous shape" before the checks."""
    with pytest.raises(ValueError, match=r"sampled_updates: expected the logits as real "
                                         r"numbers, got a ragged list"):
        sampled_updates([[1.0, 2.0], [1.0]], [1.0, 0.0], 4, "RLOO", 3,
                        rng=np.random.default_rng(0))
