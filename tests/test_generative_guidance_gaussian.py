"""nb.generative's closed forms of what guidance samples, for a class N(μ, a²) inside
p(x) = N(0, b²) in 1-D: the VE numbers of the course plan's chapter 27 (the ODE's and the tilted
target's; the SDE's is 0.0600, not the 0.064 quoted there), the ends w = 0 and w = 1, the
quadrature against integrals done by hand; then the course's own samplers with the exact
guided score on 200,000 samples, whose end moments match the closed forms within the
sample's standard error plus the discretisation error of the step count (both computed),
and are far from the tilted target's for w = 3; in float32 they give the float64 samples,
sample by sample; errors."""

import math

import numpy as np
import pytest

import nnbook as nb

G = nb.generative
MU, A2, B2 = 1.0, 0.25, 1.5               # the course plan's example: μ = 1, a² = 0.25, b² = 1.5
N = 200_000
Z = 4.5          # two-sided normal false alarm 6.8e-6 per comparison (the estimates are
                 # normal to well under that: n = 200,000 Gaussian samples)


# --- the closed forms alone -----------------------------------------------------------------

def test_the_course_s_ve_numbers():
    S = 1e8                               # "a large noise level": the S → ∞ limits to 1e-8
    _, v_ode = G.ve_guided_ode_moments(MU, A2, B2, 3.0, S)
    _, v_tilt = G.tilted_moments(MU, A2, B2, 3.0)
    _, v_sde = G.ve_guided_sde_moments(MU, A2, B2, 3.0, S)
    # the course plan: "about 0.0069, 0.094 and 0.064"; the first is the ODE's a^(2w)·b^(2(1−w)),
    # the second the tilted 1/(w/a² + (1 − w)/b²)
    assert round(v_ode, 4) == 0.0069 and round(v_tilt, 3) == 0.094
    np.testing.assert_allclose(v_ode, A2 ** 3 / B2 ** 2, rtol=1e-7)
    np.testing.assert_allclose(v_tilt, 3 / 32, rtol=1e-14)
    # the SDE's, ∫₀^∞ G⁻⁴ ds by hand: for w = 3 the integrand a¹²·(b² + s)⁴/(b⁸·(a² + s)⁶)
    # is rational; with t = a² + s, d = b² − a²: Σ_j C(4, j)·d^j·(a²)^(−1−j)/(1 + j)
    d = B2 - A2
    by_hand = A2 ** 6 / B2 ** 4 * sum(math.comb(4, j) * d ** j * A2 ** (-1 - j) / (1 + j)
                                      for j in range(5))
    np.testing.assert_allclose(v_sde, by_hand, rtol=1e-9)      # the quadrature, and the ODE
    assert round(v_sde, 4) == 0.0600                           # not the plan's 0.064


@pytest.mark.parametrize("w", [0.0, 0.5, 1.0, 3.0])
def test_the_tilted_moments_are_those_of_the_tilted_density_on_a_grid(w):
    # p(x | c)^w·p(x)^(1−w) normalised on a fine grid, by another route than the quadratic
    # (catches a wrong mean or precision)
    x = np.linspace(-12.0, 12.0, 240_001)
    log_p = w * -(x - MU) ** 2 / (2 * A2) + (1 - w) * -x ** 2 / (2 * B2)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    mean = (p * x).sum()
    np.testing.assert_allclose(G.tilted_moments(MU, A2, B2, w),
                               (mean, (p * (x - mean) ** 2).sum()), rtol=1e-9, atol=1e-12)


def test_the_ode_variance_is_the_course_s_formula_at_every_start_level():
    for S, w in ((0.5, 3.0), (10.0, 0.5), (400.0, 2.0)):
        _, v = G.ve_guided_ode_moments(MU, A2, B2, w, S)
        course = (B2 + S) * (A2 / (A2 + S)) ** w * (B2 / (B2 + S)) ** (1 - w)
        np.testing.assert_allclose(v, course, rtol=1e-12)


@pytest.mark.parametrize("S", [0.3, 50.0, 1e6])
def test_w_1_and_w_0_sample_the_class_and_the_marginal(S):
    # started from the right noised law, w = 1 ends at N(μ, a²) and w = 0 at N(0, b²)
    # exactly, for both samplers (the means test the quadrature of the drift integrals)
    for w, m, v in ((1.0, MU, A2), (0.0, 0.0, B2)):
        start = (m, v + S)
        for fn in (G.ve_guided_ode_moments, G.ve_guided_sde_moments):
            np.testing.assert_allclose(fn(MU, A2, B2, w, S, start=start), (m, v),
                                       rtol=1e-11, atol=1e-12)
    # and from another start the ODE keeps the error scaled by a/√(a² + S), the SDE by
    # a²/(a² + S) (the drift integrals in closed form at w = 1)
    m_ode, _ = G.ve_guided_ode_moments(MU, A2, B2, 1.0, S, start=(0.0, 1.0))
    m_sde, v_sde = G.ve_guided_sde_moments(MU, A2, B2, 1.0, S, start=(0.0, 1.0))
    np.testing.assert_allclose(m_ode, MU * (1 - math.sqrt(A2 / (A2 + S))), rtol=1e-11)
    np.testing.assert_allclose(m_sde, MU * (1 - A2 / (A2 + S)), rtol=1e-11)
    np.testing.assert_allclose(v_sde, A2 - A2 ** 2 / (A2 + S) + A2 ** 2 / (A2 + S) ** 2,
                               rtol=1e-11)


def test_the_vp_moments_are_the_ve_ones_in_y_equal_x_over_root_alpha_bar():
    # step (4), by another route: at w = 1 from the VP start N(0, 1) the ODE's variance is
    # a²/(ᾱ(1)a² + 1 − ᾱ(1)) (the start over the true noised variance, times a²)
    s = G.LinearSchedule()
    ab = s.alpha_bar(1.0)
    _, v = G.guided_ode_moments(MU, A2, B2, 1.0, s)
    np.testing.assert_allclose(v, A2 / (ab * A2 + 1 - ab), rtol=1e-12)
    # and only ᾱ(1) matters: a cosine schedule with the same ᾱ(1) gives the same numbers
    same = G.CosineSchedule(alpha_bar_min=ab)
    assert same.alpha_bar(1.0) == ab
    for fn in (G.guided_ode_moments, G.guided_sde_moments):
        np.testing.assert_allclose(fn(MU, A2, B2, 3.0, s), fn(MU, A2, B2, 3.0, same),
                                   rtol=1e-12)


# --- against the samplers -------------------------------------------------------------------

def gaussian_noise(m, v, schedule):
    """The exact noise prediction of N(m, v)'s noised law N(√ᾱ·m, ᾱ·v + 1 − ᾱ), in closed
    form (20 times faster than the mixture's; equal to it, the next test checks)."""
    def f(x, t):
        ab = schedule.alpha_bar(t)
        out = x - math.sqrt(ab) * m               # two passes over x, not three: DDPM calls
        out *= schedule.sigma(t) / (ab * v + 1 - ab)    # this 2,000 times on 200,000 rows
        return out
    return f


def guided_noise(w, schedule):
    return G.guided(gaussian_noise(0.0, B2, schedule), gaussian_noise(MU, A2, schedule), w)


def test_the_closed_form_noise_is_the_mixture_s_exact_noise():
    s = G.CosineSchedule()
    x = np.linspace(-3, 3, 41)[:, None]
    for m, v in ((0.0, B2), (MU, A2)):
        mix = nb.data.GaussianMixture([[m]], [[[v]]], [1.0])
        for t in (0.05, 0.5, 1.0):
            np.testing.assert_allclose(gaussian_noise(m, v, s)(x, t),
                                       G.exact_noise(mix, s)(x, t), rtol=1e-12, atol=1e-14)


def ddim_moments(fn, schedule, steps, start=(0.0, 1.0)):
    """The DDIM sampler's own end moments at this step count, exactly: with a linear fn its
    map is x ↦ A·x + B, read off by running it from 0 and 1."""
    out = G.ddim_sample(fn, np.array([[0.0], [1.0]]), schedule, steps=steps)[:, 0]
    A, B = out[1] - out[0], out[0]
    return A * start[0] + B, A * A * start[1]


def ddpm_moments(fn, schedule, steps, start=(0.0, 1.0)):
    """The DDPM sampler's own end moments, exactly: each ``ddpm_step`` is x ↦ A·x + B + c·z,
    read off from three rows (x, z) = (0, 0), (1, 0), (0, 1); then m ← A·m + B and
    V ← A²·V + c²."""
    m, v = start
    x, z = np.array([[0.0], [1.0], [0.0]]), np.array([[0.0], [0.0], [1.0]])
    times = schedule.times(steps)
    for t, s in zip(times[:-1], times[1:]):
        out = G.ddpm_step(fn, x, t, s, schedule, z=z if s > 0 else None)[:, 0]
        A, B, c = out[1] - out[0], out[0], out[2] - out[0]
        m, v = A * m + B, A * A * v + c * c
    return m, v


SAMPLERS = {"ode": (G.guided_ode_moments, ddim_moments),
            "sde": (G.guided_sde_moments, ddpm_moments)}


@pytest.mark.parametrize("kind", ["ode", "sde"])
@pytest.mark.parametrize("w", [0.5, 3.0])
def test_the_samplers_converge_to_the_closed_forms(kind, w):
    # the discretisation error of both samplers is first order in 1/steps (it halves as the
    # steps double: catches a closed form that is off by a constant); Richardson's
    # 2·v(2N) − v(N) removes that term, and what is left is under 0.17 % of v here (of the
    # means, under 0.02 % of √v): bounds of 0.3 %, against the 7 % by which 0.064 misses
    # 0.0600 (deterministic: no false alarm)
    s = G.CosineSchedule()
    closed, moments = SAMPLERS[kind]
    m, v = closed(MU, A2, B2, w, s)
    (m1, v1), (m2, v2) = (moments(guided_noise(w, s), s, n) for n in (500, 1000))
    assert 1.8 < (v1 - v) / (v2 - v) < 2.2
    assert abs(2 * v2 - v1 - v) < 0.003 * v
    assert abs(2 * m2 - m1 - m) < 0.003 * math.sqrt(v)


STEPS = {"ode": 250, "sde": 1000}           # DDIM at 250 steps, DDPM at its default 1000


def sampled(kind, n, dtype, w=3.0):
    """``n`` samples of the sampler ``kind`` with the exact guided noise, started from
    ``n`` standard normals of ``dtype`` (seed 7; DDPM's noise from the same generator)."""
    s = G.CosineSchedule()
    rng = np.random.default_rng(7)
    x = rng.standard_normal((n, 1)).astype(dtype)
    if kind == "ode":
        return G.ddim_sample(guided_noise(w, s), x, s, steps=STEPS[kind])
    return G.ddpm_sample(guided_noise(w, s), x, s, steps=STEPS[kind], rng=rng)


@pytest.mark.parametrize("kind", ["ode", "sde"])
def test_the_samplers_end_where_the_closed_forms_say_and_not_at_the_tilted_target(kind):
    s, w, steps = G.CosineSchedule(), 3.0, STEPS[kind]
    fn = guided_noise(w, s)
    out = sampled(kind, N, np.float64, w)
    assert out.dtype == np.float64
    out = out[:, 0]
    mean, var = out.mean(), out.var(ddof=1)
    closed, moments = SAMPLERS[kind]
    m, v = closed(MU, A2, B2, w, s)
    m_n, v_n = moments(fn, s, steps)            # the sampler's own at this step count, exactly
    # the samples are Gaussian (an affine map of Gaussian noise): a variance estimate's
    # standard error is v·√(2/(n − 1)), a mean's √(v/n)
    se_v, se_m = v_n * math.sqrt(2 / (N - 1)), math.sqrt(v_n / N)
    # 1) the closed form, within the sampling error plus the discretisation error of the
    #    step count (computed: 4 % of v for DDIM at 250 steps, 2 % for DDPM at 1000)
    assert abs(var - v) <= Z * se_v + abs(v_n - v)
    assert abs(mean - m) <= Z * se_m + abs(m_n - m)
    # 2) the sampler's own moments at this step count, within the sampling error alone (catches a
    #    sampler that guides differently on many rows than on the three read here)
    assert abs(var - v_n) <= Z * se_v and abs(mean - m_n) <= Z * se_m
    # 3) neither sampler draws the tilted target N(1.125, 0.094): both distances are over
    #    ten times the tolerance above
    m_t, v_t = G.tilted_moments(MU, A2, B2, w)
    assert abs(var - v_t) > 10 * (Z * se_v + abs(v_n - v))
    assert abs(mean - m_t) > 10 * (Z * se_m + abs(m_n - m))


@pytest.mark.parametrize("kind", ["ode", "sde"])
def test_in_float32_the_samplers_give_the_float64_samples(kind):
    # float32 in, float32 out, and sample by sample the float64 run's from the same start and
    # noise, to float32's precision: the largest difference is 2.3e-6 (samples of spread 0.08
    # to 0.24), the bound 1e-4. Catches a float32 path that steps, guides or adds the noise
    # differently, far more sharply than the moments above would on 200,000 float32 samples
    # (their bound on the mean is 2.5e-3), for a tenth of the CPU (DDPM's float32 moments
    # took 5 s, this 0.5 s)
    ours, float64 = sampled(kind, 2000, np.float32), sampled(kind, 2000, np.float64)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, float64, rtol=0, atol=1e-4)


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args, match", [
    ((MU, 0.0, B2, 3.0), r"tilted_moments: expected a2 \(the class variance a²\), a finite "
                         r"number > 0, got 0\.0"),
    ((MU, A2, -1.0, 3.0), r"expected b2 .* > 0, got -1\.0"),
    ((MU, A2, B2, -1.0), r"expected w \(the guidance weight\), a finite number ≥ 0"),
    ((MU, A2, B2, float("nan")), r"expected w .* got nan"),
    ((float("inf"), A2, B2, 1.0), r"expected mu \(the class mean\), a finite number"),
    ((MU, A2, B2, True), r"expected w .* got True"),
    ((MU, 2.0, 1.0, 3.0), r"w/a² \+ \(1 − w\)/b² = -0\.5 ≤ 0.*Use a² < b² or a smaller w"),
])
def test_tilted_moments_refuses_bad_problems(args, match):
    with pytest.raises(ValueError, match=match):
        G.tilted_moments(*args)


def test_the_sampler_moments_refuse_bad_input():
    s = G.LinearSchedule()
    with pytest.raises(ValueError, match=r"guided_ode_moments: expected w .* ≥ 0"):
        G.guided_ode_moments(MU, A2, B2, -2.0, s)
    with pytest.raises(ValueError, match=r"guided_sde_moments: expected schedule to be a "
                                         r"NoiseSchedule .*got float"):
        G.guided_sde_moments(MU, A2, B2, 3.0, 0.5)
    with pytest.raises(ValueError, match=r"expected start, a pair \(mean, variance\).*"
                                         r"\(0\.0, 1\.0\)"):
        G.guided_ode_moments(MU, A2, B2, 3.0, s, start=np.zeros(2))
    with pytest.raises(ValueError, match=r"the start's variance, a finite number > 0"):
        G.guided_sde_moments(MU, A2, B2, 3.0, s, start=(0.0, 0.0))
    for fn in (G.ve_guided_ode_moments, G.ve_guided_sde_moments):
        with pytest.raises(ValueError, match=r"expected S \(the starting noise variance\)"):
            fn(MU, A2, B2, 3.0, float("inf"))
