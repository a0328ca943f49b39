"""nb.generative's samplers: run with the exact score of a mixture they reproduce it (the
kernel distance within a few null spreads); one step by hand; a score and a noise prediction
give the same samples; DDIM is deterministic; Euler's step; paths; errors."""

import numpy as np
import pytest

import nnbook as nb

G = nb.generative


def mixture():
    return nb.data.GaussianMixture([[-1.5, 0.0], [1.0, 1.0]],
                                   [0.2 * np.eye(2), [[0.3, 0.1], [0.1, 0.15]]], [0.4, 0.6])


@pytest.mark.parametrize("sampler", ["ddpm", "ddim", "euler"])
def test_exact_functions_sample_the_mixture(sampler):
    m, s = mixture(), G.LinearSchedule()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1000, 2))
    if sampler == "ddpm":
        out = G.ddpm_sample(G.exact_noise(m, s), x, s, steps=200, rng=rng)
    elif sampler == "ddim":
        out = G.ddim_sample(G.exact_noise(m, s), x, s, steps=100)
    else:
        out = G.euler_sample(G.exact_velocity(m), x, steps=100)
    assert abs(nb.data.mixture_mmd(out, m).z) < 5


def test_too_few_steps_are_seen():
    m, s = mixture(), G.LinearSchedule()
    x = np.random.default_rng(1).standard_normal((1000, 2))
    assert nb.data.mixture_mmd(G.ddim_sample(G.exact_noise(m, s), x, s, steps=3), m).z > 10


def test_one_step_by_hand():
    s = G.LinearSchedule()
    f = lambda x, t: 0.5 * x
    x = np.array([[1.0, -2.0]])
    a1 = s.alpha_bar(1.0)
    want = (x - (1 - a1) / np.sqrt(1 - a1) * 0.5 * x) / np.sqrt(a1)    # s = 0: no noise added
    np.testing.assert_allclose(G.ddpm_sample(f, x, s, steps=1, rng=np.random.default_rng(0)),
                               want)
    x0 = (x - np.sqrt(1 - a1) * 0.5 * x) / np.sqrt(a1)
    np.testing.assert_allclose(G.ddim_sample(f, x, s, steps=1), x0)


def test_ddpm_step_is_one_step_of_ddpm_sample():
    m, s = mixture(), G.LinearSchedule()
    f = G.exact_noise(m, s)
    x = np.random.default_rng(4).standard_normal((6, 2))
    z = np.random.default_rng(5).standard_normal((6, 2))
    step = G.ddpm_step(f, x, 1.0, 0.5, s, z=z)
    both = G.ddpm_sample(f, x, s, steps=2, rng=np.random.default_rng(5), path=True)
    np.testing.assert_allclose(step, both[1], rtol=1e-12)
    np.testing.assert_allclose(G.ddpm_step(f, step, 0.5, 0.0, s), both[2], rtol=1e-12)
    with pytest.raises(ValueError, match="ddpm_step: expected times 0 ≤ s < t ≤ 1"):
        G.ddpm_step(f, x, 0.2, 0.5, s)
    with pytest.raises(ValueError, match=r"ddpm_step: expected z of x's shape \(6, 2\)"):
        G.ddpm_step(f, x, 0.5, 0.2, s, z=z[:3])


def test_score_and_noise_predictions_agree_and_ddim_is_deterministic():
    m, s = mixture(), G.CosineSchedule()
    x = np.random.default_rng(2).standard_normal((50, 2))
    a = G.ddim_sample(G.exact_noise(m, s), x, s, steps=20)
    b = G.ddim_sample(G.exact_score(m, s), x, s, steps=20, prediction="score")
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(a, G.ddim_sample(G.exact_noise(m, s), x, s, steps=20))
    c = G.ddpm_sample(G.exact_noise(m, s), x, s, steps=20, rng=np.random.default_rng(3))
    d = G.ddpm_sample(G.exact_score(m, s), x, s, steps=20, prediction="score",
                      rng=np.random.default_rng(3))
    np.testing.assert_allclose(c, d, rtol=1e-10, atol=1e-12)


def test_float32_stays_float32():
    s = G.LinearSchedule()
    f = lambda x, t: 0.1 * x
    x = np.ones((3, 2), np.float32)
    for out in (G.ddpm_sample(f, x, s, steps=3, rng=np.random.default_rng(0)),
                G.ddim_sample(f, x, s, steps=3), G.euler_sample(f, x, steps=3)):
        assert out.dtype == np.float32
    # held-out check (issue 39): the exact functions, and any fn that answers in float64,
    # used to turn float32 samples into float64 after the first step
    m = nb.data.GaussianMixture([[0.0, 0.0]], [np.eye(2)], [1.0])
    score, noise, velocity = G.exact_score(m, s), G.exact_noise(m, s), G.exact_velocity(m)
    for fn in (score, noise, velocity):
        assert fn(x, 0.5).dtype == np.float32
        np.testing.assert_allclose(fn(x, 0.5), fn(x.astype(np.float64), 0.5), rtol=1e-6)
    f64 = lambda x, t: 0.1 * x.astype(np.float64)
    for out in (G.ddpm_sample(score, x, s, steps=3, prediction="score",
                              rng=np.random.default_rng(0)),
                G.ddim_sample(noise, x, s, steps=3), G.euler_sample(velocity, x, steps=3),
                G.ddpm_step(f64, x, 0.5, 0.25, s), G.ddim_sample(f64, x, s, steps=2, path=True)):
        assert out.dtype == np.float32


def test_euler_and_paths():
    x = np.zeros((3, 2))
    out = G.euler_sample(lambda x, t: np.ones_like(x) * [1.0, 2.0], x, steps=4)
    np.testing.assert_allclose(out, [[1.0, 2.0]] * 3)
    times = []
    G.euler_sample(lambda x, t: times.append(t) or x, x, steps=4)
    assert times == [0.0, 0.25, 0.5, 0.75]
    s = G.LinearSchedule()
    f = lambda x, t: 0.1 * x
    for path in (G.euler_sample(f, x + 1, steps=5, path=True),
                 G.ddim_sample(f, x + 1, s, steps=5, path=True),
                 G.ddpm_sample(f, x + 1, s, steps=5, path=True, rng=np.random.default_rng(0))):
        assert path.shape == (6, 3, 2) and np.all(path[0] == 1)


def test_errors():
    s = G.LinearSchedule()
    x = np.zeros((4, 2))
    f = lambda x, t: x
    with pytest.raises(ValueError, match="ddpm_sample: expected fn, a function f"):
        G.ddpm_sample(None, x, s)
    with pytest.raises(ValueError, match=r"ddim_sample: expected x of shape \(n, d\)"):
        G.ddim_sample(f, np.zeros(3), s)
    with pytest.raises(ValueError, match="ddim_sample: expected schedule to be a NoiseSchedule"):
        G.ddim_sample(f, x, "cosine")
    with pytest.raises(ValueError, match="expected prediction 'noise'"):
        G.ddpm_sample(f, x, s, prediction="eps")
    with pytest.raises(ValueError, match=r"fn\(x, t\) returned shape \(4, 1\)"):
        G.ddim_sample(lambda x, t: x[:, :1], x, s, steps=2)
    with pytest.raises(ValueError, match="euler_sample: expected steps to be an integer ≥ 1"):
        G.euler_sample(f, x, steps=0)
    with pytest.raises(ValueError, match="ddpm_sample: expected rng to be"):
        G.ddpm_sample(f, x, s, rng=1)


def test_a_missing_schedule_or_prediction_and_bad_times_are_value_errors():
    """Found by chapter 26's cold reading: no schedule was an AttributeError, prediction=None
    was silently taken as a score, and a time that is not a number a bare float() error."""
    x, f = np.zeros((4, 2)), (lambda x, t: x)
    for sampler in (G.ddpm_sample, G.ddim_sample):
        name = sampler.__name__
        with pytest.raises(ValueError, match=f"{name}: expected schedule to be a NoiseSchedule"):
            sampler(f, x, None)
        with pytest.raises(ValueError, match=f"{name}: expected prediction 'noise'.*None"):
            sampler(f, x, G.LinearSchedule(), prediction=None)
    with pytest.raises(ValueError, match="ddpm_step: expected schedule to be a NoiseSchedule"):
        G.ddpm_step(f, x, 0.5, 0.4, None)
    with pytest.raises(ValueError, match=r"ddpm_step: expected times 0 ≤ s < t ≤ 1.*t='a'"):
        G.ddpm_step(f, x, "a", 0.4, G.LinearSchedule())


@pytest.mark.parametrize("sampler", ["ddpm", "ddim", "euler"])
def test_a_nan_start_or_a_nan_function_is_refused(sampler):
    """Issue 50.6: a NaN start, or fn returning NaN, is a ValueError that says why (the
    samples came back NaN without a word). Catches a check of the start only, or of the
    first call only: the function turns NaN at its third call."""
    s, rng = G.LinearSchedule(), np.random.default_rng(0)
    run = {"ddpm": lambda f, x: G.ddpm_sample(f, x, s, steps=10, rng=rng),
           "ddim": lambda f, x: G.ddim_sample(f, x, s, steps=10),
           "euler": lambda f, x: G.euler_sample(f, x, steps=10)}[sampler]
    name = {"ddpm": "ddpm_sample", "ddim": "ddim_sample", "euler": "euler_sample"}[sampler]
    x = rng.standard_normal((4, 2))
    bad = x.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match=rf"{name}: the starting x holds NaN or inf"):
        run(lambda x, t: np.zeros_like(x), bad)
    calls = []

    def turns_nan(x, t):
        calls.append(t)
        return np.full_like(x, np.nan if len(calls) == 3 else 0.1)

    with pytest.raises(ValueError, match=rf"{name}: fn\(x, t\) at t = .* holds NaN or inf.*"
                                         rf"retrain"):
        run(turns_nan, x)
    assert len(calls) == 3
