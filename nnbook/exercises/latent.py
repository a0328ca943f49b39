"""Exercises of chapter 25 (latent variables and the VAE): the reparameterised sample, the KL
divergence of a diagonal Gaussian to N(0, I), and the sample's backward.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, compare, exercise, unpack


def _cases(seed):
    rng = np.random.default_rng(seed)
    for n, k in [(4, 2), (3, 1), (5, 3), (2, 4)]:
        yield rng.normal(size=(n, k)), rng.uniform(-2.0, 1.0, (n, k)), rng.normal(size=(n, k))


# 25.1 ----------------------------------------------------------------------------------------
@exercise("25.1", "The reparameterised sample",
          "function sample(mu, logvar, eps) -> z: mu, logvar (the log-variance), eps (n, k); "
          "z drawn from N(mu, diag exp(logvar)) with the noise eps")
def sample(fn):
    run = Runner(fn, "sample")
    for mu, lv, eps in _cases(251):
        compare(f"sample(mu {mu.shape}, logvar, eps)", run(mu, lv, eps),
                mu + np.exp(0.5 * lv) * eps, [
                    (mu + np.exp(lv) * eps, "exp(logvar) is the VARIANCE: the noise is scaled "
                                            "by the standard deviation exp(logvar / 2)."),
                    (mu + lv * eps, "logvar is a log: scale eps by exp(logvar / 2)."),
                    (mu + 0.5 * lv * eps, "σ = exp(logvar / 2), not logvar / 2."),
                ])
    return "right: z = μ + exp(½ log σ²)·ε, a sample whose randomness sits in ε alone."


# 25.2 ----------------------------------------------------------------------------------------
@exercise("25.2", "The KL divergence to the prior",
          "function kl(mu, logvar) -> (n,): KL(N(mu, diag exp(logvar)) ‖ N(0, I)) of each row")
def kl(fn):
    run = Runner(fn, "kl")
    for mu, lv, _ in _cases(252):
        right = 0.5 * np.sum(mu * mu + np.exp(lv) - 1 - lv, axis=1)
        compare(f"kl(mu {mu.shape}, logvar)", run(mu, lv), right, [
            (2 * right, "the KL has a factor ½ in front of the sum."),
            (0.5 * np.sum(mu * mu + np.exp(lv) - lv, axis=1),
             "subtract 1 per coordinate: the KL of the prior to itself is 0."),
            (0.5 * np.sum(mu * mu - 1, axis=1), "σ² = exp(logvar), not logvar: "
                                                 "σ² − log σ² does not cancel."),
            (0.5 * np.mean(mu * mu + np.exp(lv) - 1 - lv, axis=1),
             "sum over the k coordinates, do not average."),
        ])
    return "right: KL = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²), zero only when q is the prior."


# 25.3 ----------------------------------------------------------------------------------------
@exercise("25.3", "The backward of the reparameterised sample",
          "function sample_backward(dz, logvar, eps) -> (dmu, dlogvar): dz = ∂E/∂z (n, k) for "
          "z = mu + exp(logvar / 2) * eps; the gradients with respect to mu and logvar")
def sample_backward(fn):
    run = Runner(fn, "sample_backward")
    for dz, lv, eps in _cases(253):
        got = unpack(run(dz, lv, eps), ("dmu", "dlogvar"), "sample_backward")
        sigma = np.exp(0.5 * lv)
        compare("dmu", got[0], dz, [(dz * sigma, "z moves one for one with μ: ∂E/∂μ = ∂E/∂z.")])
        compare("dlogvar", got[1], 0.5 * dz * sigma * eps, [
            (dz * sigma * eps, "d exp(logvar/2) / d logvar = ½ exp(logvar/2): the ½."),
            (dz * eps, "the chain rule through σ = exp(logvar/2): multiply by ½σ."),
            (0.5 * dz * np.exp(lv) * eps, "σ = exp(logvar / 2), not exp(logvar)."),
        ])
    return "right: ∂E/∂μ = ∂E/∂z and ∂E/∂log σ² = ½ ∂E/∂z ⊙ σ ⊙ ε."
