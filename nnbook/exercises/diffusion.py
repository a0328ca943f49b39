"""Exercises of chapter 26 (diffusion and flow matching): noising in one step, the score and
x̂_0 from a predicted noise, and one deterministic (DDIM) step.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, compare, exercise, unpack


def _cases(seed):
    rng = np.random.default_rng(seed)
    for n, d, ab in [(4, 2, 0.81), (3, 1, 0.3), (5, 3, 0.999), (2, 2, 0.05)]:
        yield rng.normal(size=(n, d)), rng.normal(size=(n, d)), ab


# 26.1 ----------------------------------------------------------------------------------------
@exercise("26.1", "Noise data in one step",
          "function noised(x0, eps, alpha_bar) -> x_t: x0, eps (n, d), alpha_bar a number in "
          "(0, 1]; x_t drawn from q(x_t | x_0) with the noise eps")
def noised(fn):
    run = Runner(fn, "noised")
    for x0, eps, ab in _cases(261):
        where = f"noised(x0 {x0.shape}, eps, alpha_bar={ab})"
        compare(where, run(x0, eps, ab), np.sqrt(ab) * x0 + np.sqrt(1 - ab) * eps, [
            (ab * x0 + (1 - ab) * eps, "ᾱ is a share of the VARIANCE: scale x0 by √ᾱ and "
                                       "the noise by √(1 − ᾱ)."),
            (np.sqrt(ab) * x0 + (1 - ab) * eps, "the noise's standard deviation is "
                                                "√(1 − ᾱ), not 1 − ᾱ."),
            (x0 + np.sqrt(1 - ab) * eps, "the signal shrinks too: x0 is scaled by √ᾱ, so "
                                         "that the variance stays about 1."),
        ])
    return "right: x_t = √ᾱ·x_0 + √(1 − ᾱ)·ε, the chain's many small steps in one."


# 26.2 ----------------------------------------------------------------------------------------
@exercise("26.2", "The score and x̂_0 from a predicted noise",
          "function score_and_x0(x_t, eps_hat, alpha_bar) -> (score, x0_hat): x_t, eps_hat "
          "(n, d); the score ∇ log p_t estimated from eps_hat, and the predicted x_0")
def score_and_x0(fn):
    run = Runner(fn, "score_and_x0")
    for x_t, eps, ab in _cases(262):
        sigma = np.sqrt(1 - ab)
        got = unpack(run(x_t, eps, ab), ("score", "x0_hat"), "score_and_x0")
        where = f"with alpha_bar={ab}"
        compare(f"score {where}", got[0], -eps / sigma, [
            (-sigma * eps, "ε̂ = −σ·score, so the score is −ε̂/σ: divide by σ."),
            (eps / sigma, "the score points AGAINST the noise: −ε̂/σ."),
        ])
        compare(f"x0_hat {where}", got[1], (x_t - sigma * eps) / np.sqrt(ab), [
            (x_t - sigma * eps, "x_t = √ᾱ·x_0 + σ·ε: after removing σ·ε̂, divide by √ᾱ."),
            ((x_t - eps) / np.sqrt(ab), "the noise in x_t is σ·ε: subtract σ·ε̂, not ε̂."),
        ])
    return "right: score = −ε̂/σ(t) and x̂_0 = (x_t − σ(t)·ε̂)/√ᾱ(t)."


# 26.3 ----------------------------------------------------------------------------------------
@exercise("26.3", "One deterministic (DDIM) step",
          "function ddim_step(x_t, eps_hat, ab_t, ab_s) -> x_s: from time t to an earlier s "
          "(ab_s > ab_t), keeping the predicted noise eps_hat")
def ddim_step(fn):
    run = Runner(fn, "ddim_step")
    for x_t, eps, ab_t in _cases(263):
        ab_s = min(1.0, ab_t + 0.5 * (1 - ab_t))
        x0 = (x_t - np.sqrt(1 - ab_t) * eps) / np.sqrt(ab_t)
        where = f"ddim_step(alpha_bar t={ab_t}, s={ab_s:.4g})"
        compare(where, run(x_t, eps, ab_t, ab_s), np.sqrt(ab_s) * x0 + np.sqrt(1 - ab_s) * eps, [
            (np.sqrt(ab_s) * x0, "keep the predicted noise at the new level: add "
                                 "√(1 − ᾱ_s)·ε̂ (only the last step, to ᾱ = 1, drops it)."),
            (np.sqrt(ab_t) * x0 + np.sqrt(1 - ab_t) * eps, "move to time s: use ᾱ_s, not "
                                                           "ᾱ_t, for the new sample."),
            (x0, "one step goes from t to s, not all the way to x̂_0."),
        ])
    return ("right: predict x̂_0, then put it back at the noise level of s with the same ε̂: "
            "no fresh noise, so the same start gives the same sample.")
