"""nb.generative's noise schedules: ᾱ(0) = 1 and decreasing, the linear schedule's closed form
and its closeness to DDPM's discrete betas, the chain's betas multiplying out to ᾱ, the cosine
schedule's floor, the samplers' grid, and every error."""

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
