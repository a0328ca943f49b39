"""Chapter 26's experiments over seeds: the chapter's mixture; the null law of
``nb.data.mixture_mmd``'s z on true samples (the yardstick); and the samplers' quality against
their number of steps, scored against the true density, first with the exact score and
velocity (the samplers alone, also with more samples to see small biases), then with trained
networks.
"""

from __future__ import annotations

import numpy as np

from ..data.mixture import GaussianMixture, mixture_mmd, mixture_mmd_null
from ..generative import (CosineSchedule, LinearSchedule, as_function, ddim_sample,
                          ddpm_sample, denoiser, euler_sample, exact_noise, exact_velocity,
                          train_denoiser)
from ..optimizers import Adam

__all__ = ["mixture", "N_SAMPLES", "STEPS", "COSINE_STEPS", "YARDSTICK", "mmd_null",
           "sampler_steps", "N_LARGE", "sampler_bias", "train_network", "trained_functions",
           "learned_steps", "paired_distance", "learned_paired", "diagnose",
           "learned_diagnosis", "TABLES"]

N_SAMPLES = 1000                       # samples per score: the null spread shrinks as 1/n
STEPS = (1000, 100, 30, 10)
COSINE_STEPS = (30, 10)                # DDIM also on the cosine schedule at these steps
YARDSTICK = 5.0                        # z < 5: what true samples give (see mmd_null)
N_LARGE = 8000                         # samples per score in sampler_bias


def _rotated(angle, sx, sy):
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    return R @ np.diag([sx * sx, sy * sy]) @ R.T


def mixture():
    """Chapter 26's data: three elongated components around a tight fourth one."""
    covs = [_rotated(-0.5, 0.55, 0.18), _rotated(0.0, 0.55, 0.18), _rotated(0.5, 0.55, 0.18),
            0.12 ** 2 * np.eye(2)]
    return GaussianMixture([[-1.6, -0.9], [0.0, 1.8], [1.6, -0.9], [0.0, -0.1]], covs,
                           [0.3, 0.3, 0.25, 0.15])


def mmd_null(seed, draws=400):
    """The null law of z for ``N_SAMPLES`` true samples, simulated from ``seed``
    (``mixture_mmd_null``, ``draws`` sets): its mean and standard deviation (0 and 1 in
    closed form), its 99 % quantile, its largest value, and the shares of draws at or above
    4 and at or above ``YARDSTICK`` = 5 (the yardstick's false-alarm rate)."""
    z = mixture_mmd_null(mixture(), N_SAMPLES, draws, rng=np.random.default_rng(seed))
    return {"mean": float(z.mean()), "sd": float(z.std()),
            "99 % quantile": float(np.quantile(z, 0.99)), "max": float(z.max()),
            "share ≥ 4": float(np.mean(z >= 4)),
            f"share ≥ {YARDSTICK:g}": float(np.mean(z >= YARDSTICK))}


def _three_samplers(mix, schedule, noise, velocity, x, n, rng):
    """z of DDPM (drawing its noise from ``rng``), DDIM and Euler in ``n`` steps, each from
    the starting noise ``x``: ``{"DDPM n": z, "DDIM n": z, "Euler n": z}``."""
    return {f"DDPM {n}": mixture_mmd(ddpm_sample(noise, x, schedule, steps=n, rng=rng), mix).z,
            f"DDIM {n}": mixture_mmd(ddim_sample(noise, x, schedule, steps=n), mix).z,
            f"Euler {n}": mixture_mmd(euler_sample(velocity, x, steps=n), mix).z}


def sampler_steps(seed, steps=STEPS):
    """z = MMD / null spread of DDPM and DDIM with the exact score and of Euler with the
    exact velocity, at each number of steps, all three from the same draw of starting noise
    (so their differences are paired); at the steps in ``COSINE_STEPS`` also DDIM on the
    cosine schedule, from that same noise."""
    rng = np.random.default_rng(seed)
    mix, schedule, cosine = mixture(), LinearSchedule(), CosineSchedule()
    noise, velocity = exact_noise(mix, schedule), exact_velocity(mix)
    row = {}
    for n in steps:
        x = rng.standard_normal((N_SAMPLES, 2))
        row.update(_three_samplers(mix, schedule, noise, velocity, x, n, rng))
        if n in COSINE_STEPS:
            row[f"DDIM-cos {n}"] = mixture_mmd(
                ddim_sample(exact_noise(mix, cosine), x, cosine, steps=n), mix).z
    return row


def sampler_bias(seed, n=N_LARGE):
    """z of ``n`` samples (default 8000, eight times the table's): true samples, and DDPM,
    DDIM and Euler at 100 steps with the exact score and velocity, the samplers from one draw
    of starting noise. A fixed bias in the samples grows z in proportion to n, while true
    samples keep z's null law, so a bias too small to see at n = 1000 shows here."""
    rng = np.random.default_rng(seed)
    mix, schedule = mixture(), LinearSchedule()
    noise, velocity = exact_noise(mix, schedule), exact_velocity(mix)
    x = rng.standard_normal((n, 2))
    return {"true": mixture_mmd(mix.sample(n, rng=rng), mix).z,
            "DDPM 100": mixture_mmd(ddpm_sample(noise, x, schedule, steps=100, rng=rng),
                                    mix).z,
            "DDIM 100": mixture_mmd(ddim_sample(noise, x, schedule, steps=100), mix).z,
            "Euler 100": mixture_mmd(euler_sample(velocity, x, steps=100), mix).z}


def train_network(seed, objective="noise", steps=4000):
    """The chapter's denoiser (or velocity network), trained from ``seed`` on 5000 samples:
    Adam at 2·10⁻³ for the first half of the steps, then 5·10⁻⁴, batches of 256."""
    rng = np.random.default_rng(seed)
    data = mixture().sample(5000, rng=rng)
    model = denoiser(2, hidden=64, depth=2, rng=rng)
    opt = Adam(lr=2e-3)
    model.compile(opt, "mse")
    schedule = LinearSchedule() if objective == "noise" else None
    half = steps // 2
    losses = [train_denoiser(model, data, objective=objective, schedule=schedule,
                             steps=half, batch_size=256, rng=rng)]
    opt.lr = 5e-4
    losses.append(train_denoiser(model, data, objective=objective, schedule=schedule,
                                 steps=steps - half, batch_size=256, rng=rng))
    return model, np.concatenate(losses)


def trained_functions(seed):
    """The trained denoiser and velocity network of ``seed`` (``train_network``), as the
    functions of (x, t) that the samplers take."""
    return (as_function(train_network(seed, "noise")[0]),
            as_function(train_network(seed, "flow")[0]))


def learned_steps(seed, steps=(100, 10), functions=None):
    """z of DDPM and DDIM with a trained denoiser and of Euler with a trained velocity
    network (both ``train_network(seed)``, or ``functions`` = ``trained_functions(seed)``
    already computed), at each number of steps."""
    mix, schedule = mixture(), LinearSchedule()
    noise, velocity = functions or trained_functions(seed)
    rng = np.random.default_rng(seed + 1000)
    row = {}
    for n in steps:
        x = rng.standard_normal((N_SAMPLES, 2))
        row.update(_three_samplers(mix, schedule, noise, velocity, x, n, rng))
    return row


def paired_distance(a, b):
    """The median over points of ‖a_i − b_i‖, for end points ``a`` and ``b`` (n, d) of two
    deterministic samplers started from the same noise (row i from the same start)."""
    return float(np.median(np.linalg.norm(np.asarray(a) - np.asarray(b), axis=1)))


def learned_paired(seed, steps=100, functions=None):
    """How far the trained samplers land from the exact ones started from the same noise
    (``learned_steps``'s first draw): ``paired_distance`` of DDIM with the trained denoiser
    against DDIM with the exact noise, and of Euler with the trained velocity against Euler
    with the exact velocity. The draw's luck is shared, so what is left is the networks'
    error along the paths."""
    mix, schedule = mixture(), LinearSchedule()
    noise, velocity = functions or trained_functions(seed)
    x = np.random.default_rng(seed + 1000).standard_normal((N_SAMPLES, 2))
    exact_ddim = ddim_sample(exact_noise(mix, schedule), x, schedule, steps=steps)
    exact_euler = euler_sample(exact_velocity(mix), x, steps=steps)
    return {f"DDIM {steps}": paired_distance(
                ddim_sample(noise, x, schedule, steps=steps), exact_ddim),
            f"Euler {steps}": paired_distance(euler_sample(velocity, x, steps=steps),
                                              exact_euler)}


def diagnose(x):
    """Where samples ``x`` (n, 2) go wrong against the chapter's mixture: the share of them
    where the true log-density is below −5 (the haze between the components), each
    component's share (by largest responsibility; its weight for true samples), and each
    component's standard deviation across its thin axis ÷ the truth's (1 for true
    samples)."""
    mix = mixture()
    vals, vecs = np.linalg.eigh(mix.covs)                 # columns: thin axis first
    comp = mix.responsibilities(x).argmax(1)
    thin = [np.std((x[comp == j] - mix.means[j]) @ vecs[j][:, 0]) / np.sqrt(vals[j, 0])
            for j in range(mix.k)]
    return (float(np.mean(mix.log_prob(x) < -5)),
            np.bincount(comp, minlength=mix.k) / len(x), np.array(thin))


def learned_diagnosis(seed, functions=None):
    """``diagnose`` of the trained denoiser's DDPM 100 samples: the very samples whose z is
    ``learned_steps(seed)["DDPM 100"]`` (same start, same noise)."""
    mix, schedule = mixture(), LinearSchedule()
    noise, _ = functions or trained_functions(seed)
    rng = np.random.default_rng(seed + 1000)
    x = rng.standard_normal((N_SAMPLES, 2))
    return diagnose(ddpm_sample(noise, x, schedule, steps=100, rng=rng))


TABLES = {"26_mmd_null": (mmd_null, range(5)),
          "26_samplers_exact": (sampler_steps, range(5)),
          "26_samplers_bias": (sampler_bias, range(5)),
          "26_samplers_learned": (learned_steps, range(5))}
