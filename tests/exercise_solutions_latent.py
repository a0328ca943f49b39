"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 25; exercise_solutions.py merges them into its own."""

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 25.1 · The reparameterised sample ------------------------------------------------------------
def sample(mu, logvar, eps):
    return mu + np.exp(0.5 * logvar) * eps             # σ = exp(½ log σ²)


RIGHT["25.1"] = sample
WRONG += [
    ("25.1", lambda mu, lv, eps: mu + np.exp(lv) * eps, "VARIANCE"),
    ("25.1", lambda mu, lv, eps: mu + lv * eps, "logvar is a log"),
]


# 25.2 · The KL divergence to the prior --------------------------------------------------------
def kl(mu, logvar):
    return 0.5 * np.sum(mu ** 2 + np.exp(logvar) - 1 - logvar, axis=1)


RIGHT["25.2"] = kl
WRONG += [
    ("25.2", lambda mu, lv: 2 * kl(mu, lv), "factor ½"),
    ("25.2", lambda mu, lv: 0.5 * np.sum(mu ** 2 + np.exp(lv) - lv, axis=1), "subtract 1"),
    ("25.2", lambda mu, lv: 0.5 * np.mean(mu ** 2 + np.exp(lv) - 1 - lv, axis=1), "do not average"),
]


# 25.3 · The backward of the reparameterised sample --------------------------------------------
def sample_backward(dz, logvar, eps):
    sigma = np.exp(0.5 * logvar)
    return dz, 0.5 * dz * sigma * eps                  # dσ/d log σ² = σ / 2


RIGHT["25.3"] = sample_backward
WRONG += [
    ("25.3", lambda dz, lv, eps: (dz, dz * np.exp(0.5 * lv) * eps), "the ½"),
    ("25.3", lambda dz, lv, eps: (dz, dz * eps), "chain rule"),
    ("25.3", lambda dz, lv, eps: (dz * np.exp(0.5 * lv), 0.5 * dz * np.exp(0.5 * lv) * eps),
     "one for one"),
]
WRONG += [("25.2", lambda mu, lv: 0.5 * np.sum(mu ** 2 + lv - 1 - lv, axis=1), "not logvar")]
