"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 26; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 26.1 · Noise data in one step ---------------------------------------------------------------
def noised(x0, eps, alpha_bar):
    return np.sqrt(alpha_bar) * x0 + np.sqrt(1 - alpha_bar) * eps


RIGHT["26.1"] = noised
WRONG += [
    ("26.1", lambda x0, eps, ab: ab * x0 + (1 - ab) * eps, "share of the VARIANCE"),
    ("26.1", lambda x0, eps, ab: np.sqrt(ab) * x0 + (1 - ab) * eps, "standard deviation"),
    ("26.1", lambda x0, eps, ab: x0 + np.sqrt(1 - ab) * eps, "the signal shrinks too"),
]


# 26.2 · The score and x̂_0 from a predicted noise ---------------------------------------------
def score_and_x0(x_t, eps_hat, alpha_bar):
    sigma = np.sqrt(1 - alpha_bar)                     # the noise's standard deviation
    return -eps_hat / sigma, (x_t - sigma * eps_hat) / np.sqrt(alpha_bar)


RIGHT["26.2"] = score_and_x0
WRONG += [
    ("26.2", lambda x, e, ab: (-np.sqrt(1 - ab) * e, score_and_x0(x, e, ab)[1]), "divide by σ"),
    ("26.2", lambda x, e, ab: (e / np.sqrt(1 - ab), score_and_x0(x, e, ab)[1]), "AGAINST"),
    ("26.2", lambda x, e, ab: (score_and_x0(x, e, ab)[0], x - np.sqrt(1 - ab) * e),
     "divide by √ᾱ"),
    ("26.2", lambda x, e, ab: (score_and_x0(x, e, ab)[0], (x - e) / np.sqrt(ab)),
     "subtract σ·ε̂"),
]


# 26.3 · One deterministic (DDIM) step --------------------------------------------------------
def ddim_step(x_t, eps_hat, ab_t, ab_s):
    x0 = (x_t - np.sqrt(1 - ab_t) * eps_hat) / np.sqrt(ab_t)      # the predicted data
    return np.sqrt(ab_s) * x0 + np.sqrt(1 - ab_s) * eps_hat      # back at the level of s


RIGHT["26.3"] = ddim_step
WRONG += [
    ("26.3", lambda x, e, at, as_: np.sqrt(as_) * (x - np.sqrt(1 - at) * e) / np.sqrt(at),
     "keep the predicted noise"),
    ("26.3", lambda x, e, at, as_: ddim_step(x, e, at, at), "use ᾱ_s"),
    ("26.3", lambda x, e, at, as_: (x - np.sqrt(1 - at) * e) / np.sqrt(at), "not all the way"),
]
