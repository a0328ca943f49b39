"""Exercises of chapter 13: the batch-normalisation forward pass for a batch, the
running-statistics update (PyTorch's momentum convention) and the compact backward.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, compare, exercise, unpack


def _forward(X, gamma, beta, eps, axis=0, ddof=0):
    mu = X.mean(axis=axis, keepdims=True)
    var = X.var(axis=axis, ddof=ddof, keepdims=True)
    return gamma * (X - mu) / np.sqrt(var + eps) + beta


def _cases(seed):
    rng = np.random.default_rng(seed)
    for m, n in [(6, 3), (10, 4), (5, 2)]:
        X = rng.normal(loc=rng.uniform(-3, 3, n), scale=rng.uniform(0.3, 3, n), size=(m, n))
        yield X, rng.uniform(0.5, 2.0, n), rng.normal(size=n)


@exercise("13.1", "BN forward for a batch", "function batchnorm_forward(X, gamma, beta, eps) -> Y")
def batchnorm_forward(fn):
    run = Runner(fn, "batchnorm_forward")
    for X, gamma, beta in _cases(131):
        eps = 0.5                                         # large, so that a missing ε shows
        m, n = X.shape
        mu, var = X.mean(axis=0), X.var(axis=0)
        wrongs = [
            (_forward(X, gamma, beta, eps, ddof=1), "use the biased variance Σ(x − μ)²/m (np.var's default), not /(m − 1)."),
            (_forward(X, gamma, beta, eps, axis=1), "that normalises each sample (row) over its features: BN normalises "
                                                    "each feature (column) over the batch, axis=0."),
            (_forward(X, gamma, beta, 0.0), "ε is missing: divide by √(σ² + ε)."),
            (gamma * (X - mu) / (var + eps) + beta, "divide by the standard deviation √(σ² + ε), not by the variance."),
            (gamma * (X - mu) / (np.sqrt(var) + eps) + beta, "ε goes under the square root: √(σ² + ε)."),
            (beta * (X - mu) / np.sqrt(var + eps) + gamma, "γ scales and β shifts: y = γ x̂ + β."),
            ((X - mu) / np.sqrt(var + eps), "the scale γ and the shift β are missing: y = γ x̂ + β."),
            (gamma * X / np.sqrt(var + eps) + beta, "subtract the batch mean μ before dividing."),
        ]
        compare(f"batchnorm_forward(X of shape ({m}, {n}), …)", run(X, gamma, beta, eps),
                _forward(X, gamma, beta, eps), wrongs)
    return "right: each column standardised with its batch mean and biased variance, then γ x̂ + β."


@exercise("13.2", "The running-statistics update", "function update_running(running_mean, running_var, X, momentum) -> (mean, var)")
def update_running(fn):
    run = Runner(fn, "update_running")
    rng = np.random.default_rng(132)
    for m, n, momentum in [(8, 3, 0.1), (5, 2, 0.3), (16, 4, 0.05)]:
        X = rng.normal(loc=2.0, scale=1.5, size=(m, n))
        rm, rv = rng.normal(size=n), rng.uniform(0.5, 2.0, n)
        mu, var_b, var_u = X.mean(axis=0), X.var(axis=0), X.var(axis=0, ddof=1)
        new_mean = (1 - momentum) * rm + momentum * mu
        new_var = (1 - momentum) * rv + momentum * var_u
        where = f"update_running(…, X of shape ({m}, {n}), momentum={momentum})"
        got_mean, got_var = unpack(run(rm, rv, X, momentum), ("running_mean", "running_var"), "update_running")
        swapped = "that weights the old value by momentum, Keras' convention; here (as in PyTorch) momentum is " \
                  "the weight of the new batch: (1 − momentum)·old + momentum·batch."
        compare(f"the running mean of {where}", got_mean, new_mean, [
            (momentum * rm + (1 - momentum) * mu, swapped),
            (mu, "the running mean is an average over batches: (1 − momentum)·old + momentum·μ_batch, not μ_batch alone."),
            (rm + momentum * mu, "the old value must be weighted by (1 − momentum)."),
        ])
        compare(f"the running variance of {where}", got_var, new_var, [
            ((1 - momentum) * rv + momentum * var_b, "the running variance takes the unbiased batch variance, "
                                                     "Σ(x − μ)²/(m − 1) (np.var(X, axis=0, ddof=1))."),
            (momentum * rv + (1 - momentum) * var_u, swapped),
            ((1 - momentum) * rv + momentum * np.sqrt(var_u), "update the variance, not the standard deviation."),
        ])
    return "right: an exponential moving average with weight momentum on the new batch, unbiased variance."


def _backward(dY, X, gamma, eps):
    m = X.shape[0]
    var = X.var(axis=0)
    x_hat = (X - X.mean(axis=0)) / np.sqrt(var + eps)
    dbeta, dgamma = dY.sum(axis=0), (dY * x_hat).sum(axis=0)
    return gamma / np.sqrt(var + eps) * (dY - dbeta / m - x_hat * dgamma / m), dgamma, dbeta, x_hat, var


@exercise("13.3", "The compact backward", "function batchnorm_backward(dY, X, gamma, eps) -> (dX, dgamma, dbeta)")
def batchnorm_backward(fn):
    run = Runner(fn, "batchnorm_backward")
    rng = np.random.default_rng(133)
    for X, gamma, _ in _cases(1331):
        eps = 1e-5
        m, n = X.shape
        dY = rng.normal(size=(m, n))
        dX, dgamma, dbeta, x_hat, var = _backward(dY, X, gamma, eps)
        got = unpack(run(dY, X, gamma, eps), ("dX", "dgamma", "dbeta"), "batchnorm_backward")
        where = f"for X of shape ({m}, {n})"
        compare(f"dbeta {where}", got[2], dbeta, [
            (dY.mean(axis=0), "∂E/∂β is the sum Σ_i δy over the batch, not the mean."),
            (dY.sum(axis=1), "sum over the batch (axis=0): one number per feature.")])
        compare(f"dgamma {where}", got[1], dgamma, [
            ((dY * X).sum(axis=0), "∂E/∂γ = Σ_i δy · x̂ uses the normalised x̂, not x."),
            ((dY * x_hat).mean(axis=0), "∂E/∂γ is the sum Σ_i δy · x̂, not the mean.")])
        s = gamma / np.sqrt(var + eps)
        compare(f"dX {where}", got[0], dX, [
            (s * dY, "that treats μ and σ² as constants (the inference-mode gradient); in training they depend on "
                     "every x of the column: subtract dβ/m and x̂·dγ/m."),
            (s * (dY - dbeta / m), "the term −x̂·(∂E/∂γ)/m, which comes through σ², is missing."),
            (s * (dY - x_hat * dgamma / m), "the term −(∂E/∂β)/m, which comes through μ, is missing."),
            (dY - dbeta / m - x_hat * dgamma / m, "the factor γ/√(σ² + ε) in front is missing."),
            (s * (dY - dbeta / (m - 1) - x_hat * dgamma / (m - 1)), "the forward pass divides by m: use 1/m, not 1/(m − 1)."),
            (s * (dY + dbeta / m + x_hat * dgamma / m), "the two correction terms are subtracted."),
        ])
    return "right: γ/√(σ² + ε) · (δy − dβ/m − x̂·dγ/m), with dβ = Σ δy and dγ = Σ δy·x̂."
