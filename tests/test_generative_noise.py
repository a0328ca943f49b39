"""nb.generative's noise schedules: ᾱ(0) = 1 and decreasing, the linear schedule's closed form
and its closeness to DDPM's discrete betas, the chain's betas multiplying out to ᾱ, the cosine
schedule's floor, the samplers' grid, and every error."""

import math

import numpy as np
import pytest

import nnbook as nb

G = nb.generative


@pytest.mark.parametrize("schedule", [G.LinearSchedule(), G.CosineSchedule()])
def test_alpha_bar_starts_at_one_and_decreases(schedule):
    t = np.linspace(0, 1, 101)
    ab = schedule.alpha_bar(t)
    assert ab.shape == (101,) and schedule.alpha_bar(0.0) == pytest.approx(1.0)
    assert np.all(np.diff(ab) <= 0) and ab[-1] < 1e-4
    assert isinstance(schedule.alpha_bar(0.5), float)
    np.testing.assert_allclose(schedule.sigma(t) ** 2 + ab, 1.0)


@pytest.mark.parametrize("schedule", [G.LinearSchedule(), G.CosineSchedule(),
                                      G.LinearSchedule(0.5, 5.0)])
def test_the_chains_betas_multiply_out_to_alpha_bar(schedule):
    for steps in (1, 10, 1000):
        b = schedule.betas(steps)
        assert b.shape == (steps,) and np.all((b >= 0) & (b < 1))
        np.testing.assert_allclose(np.cumprod(1 - b),
                                   schedule.alpha_bar(np.arange(1, steps + 1) / steps), rtol=1e-10)


def test_linear_is_the_continuous_ddpm_schedule():
    s = G.LinearSchedule()
    assert s.alpha_bar(1.0) == pytest.approx(np.exp(-10.05))
    ddpm = np.linspace(1e-4, 0.02, 1000)
    np.testing.assert_allclose(s.betas(1000), ddpm, atol=3e-4)
    assert s.alpha_bar(0.3) == pytest.approx(np.exp(-0.1 * 0.3 - 0.5 * 19.9 * 0.09))


def test_cosine_formula_and_floor():
    s = G.CosineSchedule()
    f = lambda t: np.cos(np.pi / 2 * (t + 0.008) / 1.008) ** 2
    assert s.alpha_bar(0.4) == pytest.approx(f(0.4) / f(0.0))
    assert s.alpha_bar(1.0) == pytest.approx(4e-5)
    assert repr(s) == "CosineSchedule(s=0.008)"
    assert repr(G.LinearSchedule()) == "LinearSchedule(beta_min=0.1, beta_max=20)"


def test_times_run_from_one_to_zero():
    np.testing.assert_allclose(G.LinearSchedule().times(4), [1, 0.75, 0.5, 0.25, 0])


def test_errors():
    s = G.LinearSchedule()
    with pytest.raises(ValueError, match=r"alpha_bar: expected times 0 ≤ t ≤ 1"):
        s.alpha_bar(1.5)
    with pytest.raises(ValueError, match=r"sigma: expected times 0 ≤ t ≤ 1"):
        s.sigma([-0.1, 0.5])
    with pytest.raises(ValueError, match="expected times"):
        s.alpha_bar("half")
    with pytest.raises(ValueError, match="times: expected steps to be an integer ≥ 1"):
        s.times(0)
    with pytest.raises(ValueError, match="betas: expected steps to be an integer ≥ 1"):
        s.betas(2.5)
    with pytest.raises(ValueError, match="LinearSchedule: expected beta_min > 0"):
        G.LinearSchedule(beta_min=0)
    with pytest.raises(ValueError, match="expected beta_min ≤ beta_max"):
        G.LinearSchedule(beta_min=5, beta_max=1)
    with pytest.raises(ValueError, match="CosineSchedule: expected 0 < alpha_bar_min < 1"):
        G.CosineSchedule(alpha_bar_min=2)
    with pytest.raises(NotImplementedError):
        G.NoiseSchedule().alpha_bar(0.5)


@pytest.mark.parametrize("t", [True, np.array([False, True]), 0.5j, np.array([0.5 + 0j])])
def test_a_bool_or_complex_time_is_refused(t):
    """Held-out check (issue 39): True was taken as t = 1 and a complex t was a bare
    "TypeError: float() argument must be a string or a real number"."""
    s = G.LinearSchedule()
    with pytest.raises(ValueError, match=r"alpha_bar: expected times 0 ≤ t ≤ 1"):
        s.alpha_bar(t)
    with pytest.raises(ValueError, match=r"sigma: expected times 0 ≤ t ≤ 1"):
        s.sigma(t)


# --------------------------------------------------------------------------
# The papers' discrete schedules, and nnbook's samplers against the closed forms of
# diffusers' DDPMScheduler (clip_sample=False) and DDIMScheduler (timestep_spacing=
# "trailing", set_alpha_to_one=True, η = 0), written out here by hand in float64
# (issue 50, item 22). nnbook's time t = (k + 1)/T is diffusers' timestep k.

T = 1000


def ddpm_linear_betas():
    return np.linspace(1e-4, 0.02, T)                      # Ho et al. 2020, section 4


def improved_cosine_betas():
    """Nichol and Dhariwal 2021, eq. 17, with β capped at 0.999 (diffusers' squaredcos_cap_v2:
    β_i = min(1 − ᾱ(t_{i+1})/ᾱ(t_i), 0.999) on t_i = i/T)."""
    f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2      # noqa: E731
    return np.array([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)])


def fn(x, t):
    """A noise prediction that depends on x and t (any function will do)."""
    return np.tanh(x) * (0.5 + t) + 0.3 * np.sin(7 * t)


def diffusers_ddpm_step(x, k, alphas_cumprod, z):
    """DDPMScheduler.step at timestep k (variance "fixed_small", no clipping)."""
    ab_t = alphas_cumprod[k]
    ab_prev = alphas_cumprod[k - 1] if k > 0 else 1.0
    beta_t = 1 - ab_t / ab_prev
    eps = fn(x, (k + 1) / T)
    x0 = (x - np.sqrt(1 - ab_t) * eps) / np.sqrt(ab_t)
    mean = (np.sqrt(ab_prev) * beta_t / (1 - ab_t)) * x0 \
        + (np.sqrt(1 - beta_t) * (1 - ab_prev) / (1 - ab_t)) * x
    variance = max((1 - ab_prev) / (1 - ab_t) * beta_t, 1e-20)
    return mean + (np.sqrt(variance) * z if k > 0 else 0.0)


def diffusers_ddim(x, alphas_cumprod, steps):
    """DDIMScheduler with "trailing" timesteps, set_alpha_to_one=True and η = 0."""
    timesteps = np.round(np.arange(T, 0, -T / steps)).astype(np.int64) - 1   # 999, 979, …
    for k in timesteps:
        prev = k - T // steps
        ab_t = alphas_cumprod[k]
        ab_prev = alphas_cumprod[prev] if prev >= 0 else 1.0
        eps = fn(x, (k + 1) / T)
        x0 = (x - np.sqrt(1 - ab_t) * eps) / np.sqrt(ab_t)
        x = np.sqrt(ab_prev) * x0 + np.sqrt(1 - ab_prev) * eps
    return x


@pytest.mark.parametrize("make, betas", [(G.LinearSchedule.discrete, ddpm_linear_betas),
                                         (G.CosineSchedule.discrete, improved_cosine_betas)])
def test_the_papers_discrete_schedules(make, betas):
    schedule, want = make(), betas()
    alphas_cumprod = np.cumprod(1 - want)
    assert isinstance(schedule, G.DiscreteSchedule) and schedule.T == T
    np.testing.assert_allclose(schedule.beta, want, rtol=0, atol=1e-15)
    np.testing.assert_allclose(schedule.betas(T), want, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(schedule.alpha_bar(np.arange(1, T + 1) / T), alphas_cumprod,
                               rtol=1e-12, atol=0)
    assert schedule.alpha_bar(0.0) == 1.0 and isinstance(schedule.alpha_bar(0.5), float)
    t = np.linspace(0, 1, 4001)                          # between the grid's times too
    assert np.all(np.diff(schedule.alpha_bar(t)) < 0)
    np.testing.assert_allclose(schedule.sigma(t) ** 2 + schedule.alpha_bar(t), 1.0)


def test_the_cosine_cap_is_reached_and_the_defaults_did_not_move():
    capped = G.CosineSchedule.discrete()
    assert capped.beta[-1] == 0.999 and np.sum(capped.beta == 0.999) >= 1
    assert np.all(capped.beta[:-1] < 0.999)              # only where f(t) reaches 0
    assert G.CosineSchedule.discrete(max_beta=0.5).beta.max() == 0.5
    # the continuous schedules chapter 26 stored its outputs with: the same numbers
    t = np.linspace(0, 1, 11)
    f = np.cos(0.5 * np.pi * (t + 0.008) / 1.008) ** 2
    np.testing.assert_allclose(G.CosineSchedule().alpha_bar(t),
                               np.maximum(f / f[0], 4e-5), rtol=1e-15, atol=0)
    np.testing.assert_allclose(G.LinearSchedule().alpha_bar(t),
                               np.exp(-0.1 * t - 0.5 * 19.9 * t * t), rtol=1e-15, atol=0)
    assert repr(G.LinearSchedule.discrete()) == \
        "LinearSchedule.discrete(T=1000, beta_start=0.0001, beta_end=0.02)"


@pytest.mark.parametrize("make, betas", [(G.LinearSchedule.discrete, ddpm_linear_betas),
                                         (G.CosineSchedule.discrete, improved_cosine_betas)])
def test_ddpm_steps_equal_diffusers_closed_form(make, betas):
    schedule, alphas_cumprod = make(), np.cumprod(1 - betas())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 2))
    for k in (T - 1, T - 2, 700, 400, 37, 1, 0):
        z = rng.standard_normal(x.shape)
        ours = G.ddpm_step(fn, x, (k + 1) / T, k / T, schedule, z=z if k > 0 else None)
        np.testing.assert_allclose(ours, diffusers_ddpm_step(x, k, alphas_cumprod, z),
                                   rtol=0, atol=1e-10)
    # the whole chain: the same noise drawn in the same order
    x_T = rng.standard_normal((5, 2))
    ours = G.ddpm_sample(fn, x_T, schedule, steps=T, rng=np.random.default_rng(3))
    draws, x = np.random.default_rng(3), x_T
    for k in range(T - 1, -1, -1):
        z = draws.standard_normal(x.shape) if k > 0 else None
        x = diffusers_ddpm_step(x, k, alphas_cumprod, z)
    # 1e-10, or 1e-12 of the value: this fn is no denoiser, and where the capped cosine
    # leaves ᾱ ≈ 1e-8 its chain reaches thousands
    np.testing.assert_allclose(ours, x, rtol=1e-12, atol=1e-10)
    assert np.abs(x).max() > 0.1                         # not trivially small


@pytest.mark.parametrize("make, betas", [(G.LinearSchedule.discrete, ddpm_linear_betas),
                                         (G.CosineSchedule.discrete, improved_cosine_betas)])
@pytest.mark.parametrize("steps", [1000, 50, 10])
def test_ddim_equals_diffusers_trailing_closed_form(make, betas, steps):
    schedule, alphas_cumprod = make(), np.cumprod(1 - betas())
    x_T = np.random.default_rng(1).standard_normal((5, 2))
    want = diffusers_ddim(x_T, alphas_cumprod, steps)
    np.testing.assert_allclose(G.ddim_sample(fn, x_T, schedule, steps=steps), want,
                               rtol=0, atol=1e-10)
    # the continuous schedule nnbook uses by default is another one: not within 1e-10
    assert np.abs(G.ddim_sample(fn, x_T, G.LinearSchedule(), steps=steps) - want).max() > 1e-6


@pytest.mark.parametrize("call, match", [
    (lambda: G.LinearSchedule.discrete(T=0), r"LinearSchedule\.discrete: expected T to be an "
                                             r"integer ≥ 1"),
    (lambda: G.LinearSchedule.discrete(beta_start=0.1, beta_end=0.01),
     r"expected 0 < beta_start ≤ beta_end < 1, got beta_start=0\.1 and beta_end=0\.01"),
    (lambda: G.CosineSchedule.discrete(max_beta=1.0), r"CosineSchedule\.discrete: expected 0 < "
                                                      r"max_beta < 1, got 1\.0"),
    (lambda: G.DiscreteSchedule([0.1, 1.0]), r"DiscreteSchedule: expected betas, a 1-D array "
                                             r"of T numbers 0 < β < 1, got shape \(2,\), from 0\.1 to 1"),
    (lambda: G.DiscreteSchedule("abc"), r"DiscreteSchedule: expected betas.*got str"),
])
def test_discrete_schedule_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
