"""nb.generative's classifier-free guidance: ``guide`` is the unconditional prediction at
w = 0 and the conditional one at w = 1 bit for bit (where the textbook form u + w·(c − u)
is not), and the line through them elsewhere, accurate at large w (where the form
(1 − w)·u + w·c cancels) and refused where it overflows; ``guided`` gives the samplers exactly the
conditional (or unconditional) samples at those ends; a class of a mixture is p(x | c) by
Bayes' rule, and its exact score and noise are chapter 26's for that class; errors."""

import numpy as np
import pytest

import nnbook as nb

G = nb.generative


def mixture():
    return nb.data.GaussianMixture([[-1.5, 0.0], [1.0, 1.0], [0.5, -1.0]],
                                   [0.2 * np.eye(2), [[0.3, 0.1], [0.1, 0.15]], 0.1 * np.eye(2)],
                                   [0.3, 0.5, 0.2])


def predictions(dtype, n=4000, seed=0):
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((n, 2)).astype(dtype)
    c = (3.0 * rng.standard_normal((n, 2)) + 0.5).astype(dtype)    # unrelated: c − u rounds
    return u, c


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_guide_is_exact_at_w_0_and_w_1(dtype):
    u, c = predictions(dtype)
    # the textbook form misses c by a rounding somewhere: so equality below is no accident
    # (catches guide written as u + w·(c − u) with its ends not taken as they are)
    assert not np.array_equal(u + 1.0 * (c - u), c)
    for w in (1, 1.0, np.float32(1.0), np.float64(1.0)):
        out = G.guide(u, c, w)
        assert out.dtype == dtype and np.array_equal(out, c)
    for w in (0, 0.0, np.float32(0.0)):
        out = G.guide(u, c, w)
        assert out.dtype == dtype and np.array_equal(out, u)


def test_the_ends_keep_negative_zeros_and_give_a_new_array():
    # −0.0 · 1 + 0 · c is +0.0: catches the ends computed as (1 − w)·u + w·c
    u, c = np.array([-0.0, 1.0, -0.0]), np.array([2.0, -0.0, 0.0])
    for w, want in ((0.0, u), (1.0, c)):
        out = G.guide(u, c, w)
        assert np.array_equal(np.signbit(out), np.signbit(want)) and np.array_equal(out, want)
        assert out is not want and not np.shares_memory(out, want)   # the caller's stays


@pytest.mark.parametrize("dtype, w", [(np.float32, 1e6), (np.float32, 3e4),
                                      (np.float64, 1e17), (np.float64, 1e12)])
def test_a_large_weight_where_the_predictions_agree_gives_them(dtype, w):
    # u + w·(c − u) with c = u is u exactly; (1 − w)·u + w·c cancels (float32 at w = 1e6
    # is off by percents, float64 at w = 1e17 gives zeros): catches the second form
    u = np.random.default_rng(4).uniform(0.5, 2.0, (500, 2)).astype(dtype)
    out = G.guide(u, u.copy(), w)
    assert out.dtype == dtype and np.array_equal(out, u)


def test_a_large_weight_keeps_the_difference_to_a_few_roundings():
    # c within 1e-6 of u, w = 1e8: the exact u + w·(c − u) (in fractions, from the stored
    # floats) is matched to 4 roundings of the result; (1 − w)·u + w·c is off by ~w·ε·|u|
    from fractions import Fraction
    rng = np.random.default_rng(5)
    u = rng.uniform(0.5, 2.0, 200)
    c = u + 1e-6 * rng.standard_normal(200)
    w = 1e8
    exact = np.array([float(Fraction(a) + Fraction(w) * (Fraction(b) - Fraction(a)))
                      for a, b in zip(u, c)])
    np.testing.assert_allclose(G.guide(u, c, w), exact, rtol=4 * np.finfo(float).eps, atol=0)


@pytest.mark.parametrize("dtype, w", [(np.float64, 1e308), (np.float32, 1e38)])
def test_a_weight_that_overflows_the_guided_prediction_is_refused(dtype, w):
    # catches a guided prediction of inf handed to the sampler without a word
    u, c = np.zeros(3, dtype), np.full(3, 10.0, dtype)
    with pytest.raises(ValueError, match=r"guide: the guided prediction u \+ w·\(c − u\) "
                                         r"overflows .* Use a smaller w"):
        G.guide(u, c, w)
    assert np.isfinite(G.guide(u, c, 1e3)).all()                  # a usual w is fine


@pytest.mark.parametrize("w", [0.25, 3.0, 7.5])
def test_guide_is_the_line_through_the_two_predictions(w):
    # catches a swapped pair, w on the wrong side, or the score's sign mixed into it
    u, c = predictions(np.float64)
    np.testing.assert_allclose(G.guide(u, c, w), u + w * (c - u), rtol=0, atol=1e-12)
    assert not np.allclose(G.guide(u, c, w), c + w * (u - c))


def test_guided_functions_give_the_samplers_the_ends_exactly():
    m, s = mixture(), G.LinearSchedule()
    uncond, cond = G.exact_class_noise(m, s, None), G.exact_class_noise(m, s, 1)
    x = np.random.default_rng(1).standard_normal((300, 2))
    # w = 1 is the conditional sampler, w = 0 the unconditional one, sample for sample
    # (catches a guided function that calls the wrong function, or the null class swapped)
    ends = {w: G.ddim_sample(G.guided(uncond, cond, w), x, s, steps=20) for w in (0.0, 1.0)}
    assert np.array_equal(ends[1.0], G.ddim_sample(cond, x, s, steps=20))
    assert np.array_equal(ends[0.0], G.ddim_sample(uncond, x, s, steps=20))
    assert not np.allclose(ends[0.0], ends[1.0])
    # DDPM with the same noise, and float32 start: float32 samples
    for w, fn in ((1.0, cond), (0.0, uncond)):
        a = G.ddpm_sample(G.guided(uncond, cond, w), x.astype(np.float32), s, steps=20,
                          rng=np.random.default_rng(2))
        b = G.ddpm_sample(fn, x.astype(np.float32), s, steps=20, rng=np.random.default_rng(2))
        assert a.dtype == np.float32 and np.array_equal(a, b)


def test_guided_on_scores_and_on_noise_predictions_is_the_same():
    # ε̂ = −σ(t)·ŝ is linear, so guiding scores (prediction="score") gives the same samples
    # up to rounding (catches a guided function that treats the two kinds differently)
    m, s = mixture(), G.CosineSchedule()
    x = np.random.default_rng(3).standard_normal((200, 2))
    by_noise = G.guided(G.exact_class_noise(m, s, None), G.exact_class_noise(m, s, [0, 2]), 3.0)
    by_score = G.guided(G.exact_class_score(m, s, None), G.exact_class_score(m, s, [0, 2]), 3.0)
    np.testing.assert_allclose(G.ddim_sample(by_noise, x, s, steps=30),
                               G.ddim_sample(by_score, x, s, steps=30, prediction="score"),
                               rtol=0, atol=1e-9)


def test_a_class_is_the_mixture_conditioned_by_bayes_rule():
    m = mixture()
    x = m.sample(500, rng=np.random.default_rng(4))
    r = m.responsibilities(x)
    # log p(x | c) = log p(x) + log P(c | x) − log P(c), by another route than the weights
    # divided by their sum (catches weights not renormalised, or the wrong components)
    for c in (1, [0, 2], np.array([2, 0])):
        idx = np.atleast_1d(c)
        expected = m.log_prob(x) + np.log(r[:, idx].sum(1)) - np.log(m.weights[idx].sum())
        np.testing.assert_allclose(G.class_mixture(m, c).log_prob(x), expected, atol=1e-10)
    assert G.class_mixture(m, None) is m                           # the null class


def test_exact_class_functions_are_the_noised_class_s():
    m, s = mixture(), G.LinearSchedule()
    x = np.random.default_rng(5).standard_normal((50, 2))
    t = 0.3
    ab = s.alpha_bar(t)
    # one component: the Gaussian N(√ᾱ·μ, ᾱ·Σ + (1 − ᾱ)·I) by hand
    cov = ab * m.covs[1] + (1 - ab) * np.eye(2)
    by_hand = -(x - np.sqrt(ab) * m.means[1]) @ np.linalg.inv(cov)
    np.testing.assert_allclose(G.exact_class_score(m, s, 1)(x, t), by_hand, atol=1e-12)
    np.testing.assert_allclose(G.exact_class_noise(m, s, 1)(x, t), -s.sigma(t) * by_hand,
                               atol=1e-12)
    # the null class is the whole mixture: chapter 26's exact score itself
    assert np.array_equal(G.exact_class_score(m, s, None)(x, t), G.exact_score(m, s)(x, t))


@pytest.mark.parametrize("w", [-0.5, float("nan"), float("inf"), True, "3", None,
                               np.array([1.0, 2.0])])
def test_a_weight_that_is_not_a_finite_number_at_least_0_is_refused(w):
    u, c = predictions(np.float64, n=3)
    with pytest.raises(ValueError, match=r"guide: expected the guidance weight w.*w=3\.0"):
        G.guide(u, c, w)
    with pytest.raises(ValueError, match=r"guided: expected the guidance weight w"):
        G.guided(lambda x, t: x, lambda x, t: x, w)


def test_bad_predictions_are_refused_with_the_fix():
    u, c = predictions(np.float64, n=3)
    with pytest.raises(ValueError, match=r"guide: expected uncond and cond of the same shape.*"
                                         r"\(3, 2\) and \(2, 2\)\. Call both"):
        G.guide(u, c[:2], 2.0)
    with pytest.raises(ValueError, match=r"same shape.*\(3, 2\) and \(3, 1\)"):
        G.guide(u, c[:, :1], 2.0)                  # would broadcast to a wrong answer
    bad = c.copy()
    bad[1, 0] = np.nan
    for args in ((u, bad), (bad, u)):
        with pytest.raises(ValueError, match=r"guide: (cond|uncond) holds NaN or inf"):
            G.guide(*args, 0.0)                    # w = 0 would hide a NaN in cond
    with pytest.raises(ValueError, match=r"guided: expected cond, a function"):
        G.guided(lambda x, t: x, np.zeros(3), 1.0)


@pytest.mark.parametrize("component", [3, -1, [0, 0], 1.0, True, [], "a"])
def test_a_class_that_is_not_components_of_the_mixture_is_refused(component):
    with pytest.raises(ValueError, match=r"class_mixture: expected component, an index 0…2"):
        G.class_mixture(mixture(), component)


def test_a_class_of_weight_0_and_a_non_mixture_are_refused():
    m = nb.data.GaussianMixture([[0.0], [1.0]], [[[1.0]], [[1.0]]], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"class \[1\] has weight 0.*weight > 0"):
        G.class_mixture(m, 1)
    with pytest.raises(ValueError, match=r"class_mixture: expected mixture to be a "
                                         r"nb.data.GaussianMixture, got list"):
        G.exact_class_noise([0.0], G.LinearSchedule(), 0)
