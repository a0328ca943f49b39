"""The Gaussian pieces of a variational autoencoder (chapter 25): the reparameterised sample
z = μ + σ ⊙ ε with σ = exp(½ log σ²) and its backward, the KL divergence of N(μ, diag σ²)
to N(0, I) with its gradient, the Gaussian log-likelihood of a decoder's output, and
``Reparameterize``, the sample as a layer; and the two one-sample estimators of
∇ E_q[f(z)], reparameterised and score-function, whose variances the chapter compares.
"""

from __future__ import annotations

import numpy as np

from ..layers.base import Layer
from ..registry import register_class
from ..validate import as_float_array, make_rng

__all__ = ["reparameterize", "reparameterize_backward", "gaussian_kl", "gaussian_kl_grad",
           "gaussian_log_likelihood", "Reparameterize", "reparameterized_gradients",
           "score_function_gradients"]

LOG_2PI = float(np.log(2.0 * np.pi))


def _pair(owner, mu, logvar):
    mu = as_float_array(owner, "mu", mu)
    logvar = as_float_array(owner, "logvar", logvar)
    if mu.ndim != 2 or mu.shape != logvar.shape:
        raise ValueError(f"{owner}: expected mu and logvar of the same shape (n, k), one row "
                         f"per sample, got {mu.shape} and {logvar.shape}.")
    return mu, logvar.astype(mu.dtype, copy=False)


def _eps(owner, eps, shape, dtype):
    eps = as_float_array(owner, "eps", eps)
    if eps.shape != shape:
        raise ValueError(f"{owner}: expected eps of shape {shape} (the shape of mu), got "
                         f"{eps.shape}.")
    return eps.astype(dtype, copy=False)


def reparameterize(mu, logvar, eps):
    """z = μ + exp(½ log σ²) ⊙ ε: a sample of N(μ, diag σ²) written as a differentiable
    function of (μ, log σ²) and a noise ε ~ N(0, I) drawn outside.

    Shapes:
        mu, logvar, eps: (n, k)  →  z: (n, k), in mu's float dtype
    """
    mu, logvar = _pair("reparameterize", mu, logvar)
    eps = _eps("reparameterize", eps, mu.shape, mu.dtype)
    return mu + np.exp(0.5 * logvar) * eps


def reparameterize_backward(dz, logvar, eps):
    """The backward of ``reparameterize``: ∂E/∂μ = ∂E/∂z and
    ∂E/∂log σ² = ∂E/∂z ⊙ ε ⊙ ½ exp(½ log σ²) (= ½ ∂E/∂z ⊙ (z − μ)).

    Shapes:
        dz, logvar, eps: (n, k)  →  (dmu, dlogvar), each (n, k)
    """
    dz, logvar = _pair("reparameterize_backward", dz, logvar)
    eps = _eps("reparameterize_backward", eps, dz.shape, dz.dtype)
    return dz.copy(), dz * eps * (0.5 * np.exp(0.5 * logvar))


def gaussian_kl(mu, logvar):
    """KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²), one value per row.

    Shapes:
        mu, logvar: (n, k)  →  (n,)
    """
    mu, logvar = _pair("gaussian_kl", mu, logvar)
    return 0.5 * np.sum(mu * mu + np.exp(logvar) - 1.0 - logvar, axis=1)


def gaussian_kl_grad(mu, logvar):
    """The gradient of each row's ``gaussian_kl``: ∂KL/∂μ = μ, ∂KL/∂log σ² = ½ (σ² − 1).
    Zero exactly at μ = 0, log σ² = 0, where q is the prior.

    Shapes:
        mu, logvar: (n, k)  →  (dmu, dlogvar), each (n, k)
    """
    mu, logvar = _pair("gaussian_kl_grad", mu, logvar)
    return mu.copy(), 0.5 * (np.exp(logvar) - 1.0)


def gaussian_log_likelihood(x, mean, logvar=0.0):
    """log N(x; mean, σ² I) = −½ Σ_j ((x_j − mean_j)² / σ² + log σ² + log 2π), one value
    per row: the log-likelihood of the data under a decoder's output ``mean``.

    Shapes:
        x, mean: (n, d); logvar: a number, (d,) or (n, d), log σ² per coordinate → (n,)

    Its gradient with respect to ``mean`` is (x − mean) / σ² per row.
    """
    x = as_float_array("gaussian_log_likelihood", "x", x)
    mean = as_float_array("gaussian_log_likelihood", "mean", mean)
    if x.ndim != 2 or x.shape != mean.shape:
        raise ValueError(f"gaussian_log_likelihood: expected x and mean of the same shape "
                         f"(n, d), one row per sample, got {x.shape} and {mean.shape}.")
    dtype = np.result_type(x, mean)                  # float32 data: float32 throughout
    logvar = as_float_array("gaussian_log_likelihood", "logvar", logvar).astype(dtype,
                                                                                copy=False)
    try:
        logvar = np.broadcast_to(logvar, x.shape)
    except ValueError:
        raise ValueError(f"gaussian_log_likelihood: expected logvar to be a number or of "
                         f"shape ({x.shape[1]},) or {x.shape}, got {logvar.shape}.") from None
    r = x - mean
    return -0.5 * np.sum(r * r * np.exp(-logvar) + logvar + LOG_2PI, axis=1)


def _estimator_args(owner, mu, logvar, eps):
    eps = as_float_array(owner, "eps", eps)
    mu = as_float_array(owner, "mu", mu)
    logvar = as_float_array(owner, "logvar", logvar)
    if eps.ndim != 2 or mu.shape[-1:] != eps.shape[1:] or logvar.shape != mu.shape \
            or mu.ndim not in (1, 2) or (mu.ndim == 2 and mu.shape != eps.shape):
        raise ValueError(f"{owner}: expected eps of shape (n, k) and mu, logvar both (k,) or "
                         f"(n, k), got eps {eps.shape}, mu {mu.shape}, logvar "
                         f"{logvar.shape}.")
    mu, logvar = np.broadcast_to(mu, eps.shape), np.broadcast_to(logvar, eps.shape)
    return mu, logvar, eps, np.exp(0.5 * logvar)


def reparameterized_gradients(grad_f, mu, logvar, eps):
    """One-sample estimates of ∇ E_{z~q}[f(z)] with respect to (μ, log σ²), q = N(μ, diag σ²),
    one per row of ``eps``: with z = μ + σ ⊙ ε, ∇_μ ≈ ∇f(z) and ∇_{log σ²} ≈ ∇f(z) ⊙ σ ⊙ ε / 2.
    ``grad_f`` maps z (n, k) to ∇f(z) (n, k).

    Shapes:
        mu, logvar: (k,) or (n, k); eps: (n, k)  →  (dmu, dlogvar), each (n, k)
    """
    mu, logvar, eps, sigma = _estimator_args("reparameterized_gradients", mu, logvar, eps)
    g = np.asarray(grad_f(mu + sigma * eps))
    if g.shape != eps.shape:
        raise ValueError(f"reparameterized_gradients: expected grad_f to return {eps.shape} "
                         f"(∇f at each z), got {g.shape}.")
    return g, 0.5 * g * sigma * eps


def score_function_gradients(f, mu, logvar, eps):
    """The score-function (REINFORCE, chapter 22) estimates of the same gradient, needing only
    f's values: f(z) ∇ log q(z), that is ∇_μ ≈ f(z) ε / σ and
    ∇_{log σ²} ≈ f(z) (ε² − 1) / 2. ``f`` maps z (n, k) to (n,).

    Shapes:
        mu, logvar: (k,) or (n, k); eps: (n, k)  →  (dmu, dlogvar), each (n, k)
    """
    mu, logvar, eps, sigma = _estimator_args("score_function_gradients", mu, logvar, eps)
    v = np.asarray(f(mu + sigma * eps))
    if v.shape != eps.shape[:1]:
        raise ValueError(f"score_function_gradients: expected f to return ({len(eps)},) (f at "
                         f"each z), got {v.shape}.")
    return v[:, None] * eps / sigma, v[:, None] * 0.5 * (eps * eps - 1.0)


@register_class
class Reparameterize(Layer):
    """``[μ, log σ²] → z = μ + exp(½ log σ²) ⊙ ε``: the reparameterised sample as a layer,
    after an encoder whose last ``Dense`` has 2k outputs.

    Shapes:
        x: (m, 2k), μ in the first k columns, log σ² in the last k  →  z: (m, k)

    In training (``training`` True) each forward draws a fresh ε ~ N(0, I) from ``rng``
    (``fixed_eps = True`` keeps the last one, for gradient checks); in inference it
    returns μ. Backward: ``reparameterize_backward``, the two halves side by side.
    No parameters; float32 or float64, as its input. Chapter 25.
    """

    def __init__(self, rng=None):
        super().__init__()
        self.rng = None if rng is None else make_rng(rng, "Reparameterize")
        self.eps = None
        self.fixed_eps = False

    def forward(self, x):
        x = as_float_array("Reparameterize", "x", x)
        if x.ndim != 2 or x.shape[1] % 2:
            raise ValueError(f"Reparameterize: expected input of shape (m, 2k), μ then "
                             f"log σ², got {x.shape}.")
        k = x.shape[1] // 2
        self._x = x
        if not self.training:
            self.eps = np.zeros((len(x), k), x.dtype)
            return x[:, :k].copy()
        if not (self.fixed_eps and self.eps is not None and self.eps.shape == (len(x), k)):
            rng = self.rng if self.rng is not None else np.random.default_rng()
            self.eps = rng.standard_normal((len(x), k)).astype(x.dtype)
        return reparameterize(x[:, :k], x[:, k:], self.eps)

    def backward(self, dy, need_dx=True):
        if getattr(self, "_x", None) is None:
            self._before_forward()
        k = self._x.shape[1] // 2
        dy = np.asarray(dy, dtype=self._x.dtype)          # a float32 layer passes float32 back
        if dy.shape != (len(self._x), k):
            self._bad_dy(dy, (len(self._x), k))
        dmu, dlv = reparameterize_backward(dy, self._x[:, k:], self.eps)
        return np.concatenate([dmu, dlv], axis=1).astype(self._x.dtype, copy=False)

    def output_shape(self, input_shape):
        return (input_shape[-1] // 2,)

    def get_config(self):
        return {}

    def __repr__(self):
        return "Reparameterize()"
