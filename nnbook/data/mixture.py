"""Data with a known density (Part V, chapters 25–26): ``GaussianMixture``, whose density,
score and noised versions are exact, and ``mixture_mmd``, a kernel distance between samples
and the mixture itself whose value and spread for true samples are known in closed form, and
``mixture_mmd_null``, its z simulated on true samples (the law a yardstick is read from).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from ..validate import as_float_array, finite, make_rng, positive_int

__all__ = ["GaussianMixture", "mixture_mmd", "MMD", "mixture_mmd_null"]

_LOG_2PI = np.log(2.0 * np.pi)


def _log_gauss(x, means, covs):
    """log N(x_i; means_j, covs_j) for every pair: (n, k). x (n, d), means (k, d), covs (k, d, d)."""
    L = np.linalg.cholesky(covs)                                  # (k, d, d)
    diff = x[None, :, :] - means[:, None, :]                      # (k, n, d)
    z = np.linalg.solve(L, diff.transpose(0, 2, 1))               # (k, d, n): L⁻¹(x − μ)
    logdet = 2.0 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)   # (k,)
    d = x.shape[1]
    return (-0.5 * ((z * z).sum(axis=1) + logdet[:, None] + d * _LOG_2PI)).T


class GaussianMixture:
    """``p(x) = Σ_k π_k N(x; μ_k, Σ_k)``: a density whose value, score and noised versions
    are known exactly, so samples and learned scores can be judged against the truth.

    Shapes:
        means: (k, d);  covs: (k, d, d), symmetric positive definite;  weights: (k,)
        sample(n) → (n, d);  log_prob(x), x (n, d) → (n,);  score(x) → (n, d)
        responsibilities(x) → (n, k), p(component j | x)

    Args:
        means: the k centres μ_k.
        covs: the k covariance matrices Σ_k.
        weights: π_k ≥ 0, summing to 1 (to 1e-8; float32 weights to their own rounding,
            then divided by their sum). A weight of 0 leaves its component out.

    ``noised(alpha_bar)`` is the law of √ᾱ·x + √(1 − ᾱ)·ε with x ~ p and ε ~ N(0, I): again a
    mixture, with means √ᾱ·μ_k and covariances ᾱ·Σ_k + (1 − ᾱ)·I, so its ``score`` is the
    exact score of the noised data (chapter 26). Computed in float64.
    """

    def __init__(self, means, covs, weights):
        means = as_float_array("GaussianMixture", "means", means).astype(np.float64)
        if means.ndim != 2 or 0 in means.shape:
            raise ValueError(f"GaussianMixture: expected means of shape (k, d), one centre per "
                             f"row, got {means.shape}. For one component in 2-D pass "
                             f"[[0.0, 0.0]].")
        k, d = means.shape
        covs = as_float_array("GaussianMixture", "covs", covs).astype(np.float64)
        if covs.shape != (k, d, d):
            raise ValueError(f"GaussianMixture: expected covs of shape (k, d, d) = {(k, d, d)} "
                             f"(one d × d covariance per mean), got {covs.shape}. For round "
                             f"components pass s**2 * np.eye(d)[None].repeat(k, 0).")
        weights = as_float_array("GaussianMixture", "weights", weights)
        # the sum may be off by the rounding of the weights' own dtype (float32: ~1e-7)
        tol = max(1e-8, 4 * k * float(np.finfo(weights.dtype).eps))
        rounded = weights.dtype != np.float64                      # renormalised below
        weights = weights.astype(np.float64)
        if weights.shape != (k,):
            raise ValueError(f"GaussianMixture: expected weights of shape ({k},), one per mean, "
                             f"got {weights.shape}.")
        for name, arr in (("means", means), ("covs", covs), ("weights", weights)):
            finite("GaussianMixture", name, arr)
        if np.any(weights < 0) or abs(weights.sum() - 1.0) > tol:
            raise ValueError(f"GaussianMixture: expected weights ≥ 0 that sum to 1, got "
                             f"{np.round(weights, 6).tolist()} (sum {weights.sum():.10g}). "
                             f"Divide them by their sum.")
        if rounded:
            weights = weights / weights.sum()                      # exactly 1 in float64
        if not np.allclose(covs, covs.transpose(0, 2, 1), rtol=1e-10, atol=1e-12):
            raise ValueError("GaussianMixture: expected symmetric covs (Σ_k = Σ_kᵀ); "
                             "symmetrise them with (S + S.T) / 2.")
        eig = np.linalg.eigvalsh(covs).min(axis=1)               # (k,)
        if np.any(eig <= 0):
            j = int(np.argmin(eig))
            raise ValueError(f"GaussianMixture: expected positive-definite covs, but covs[{j}] "
                             f"has eigenvalue {eig[j]:.3g} ≤ 0. Add a small multiple of the "
                             f"identity, e.g. covs + 1e-6 * np.eye(d).")
        self._set(means, covs, weights)

    def _set(self, means, covs, weights):
        self.means, self.covs, self.weights = means, covs, weights
        self._chol = np.linalg.cholesky(covs)
        self._prec = np.linalg.inv(covs)                          # (k, d, d): Σ_k⁻¹

    @property
    def k(self) -> int:
        """The number of components."""
        return self.means.shape[0]

    @property
    def d(self) -> int:
        """The dimension of a sample."""
        return self.means.shape[1]

    def __repr__(self):
        return f"GaussianMixture(k={self.k}, d={self.d})"

    def check_points(self, x, what="x"):
        """``x`` as float64 points of this mixture, (n, d), or a ValueError naming the
        method ``what`` and the shape it needs, or the first NaN or inf (``mixture_mmd``
        checks its samples so)."""
        x = as_float_array(f"{self!r}.{what}", "x", x).astype(np.float64)
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ValueError(f"{self!r}.{what}: expected x of shape (n, {self.d}), one point "
                             f"per row, got {x.shape}. A single point is x[None, :].")
        finite(f"{self!r}.{what}", "x", x)
        return x

    def sample(self, n, *, rng=None, return_labels=False):
        """``n`` independent draws, (n, d); with ``return_labels`` also the component of each
        (n,). ``rng``: a ``np.random.Generator`` (``None``: a fresh one)."""
        n = positive_int(f"{self!r}.sample", "n", n)
        rng = make_rng(rng, f"{self!r}.sample")
        labels = rng.choice(self.k, size=n, p=self.weights)        # (n,)
        eps = rng.standard_normal((n, self.d))                     # (n, d)
        x = self.means[labels] + np.einsum("nij,nj->ni", self._chol[labels], eps)
        return (x, labels) if return_labels else x

    def _joint(self, x):
        """log π_j + log N(x; μ_j, Σ_j): (n, k); −inf for a component of weight 0, which then
        counts for nothing (a tiny stand-in weight would take over far from the others)."""
        with np.errstate(divide="ignore"):
            log_w = np.log(self.weights)                           # (k,)
        return log_w + _log_gauss(x, self.means, self.covs)

    def log_prob(self, x):
        """log p(x) for each row of ``x`` (n, d): (n,)."""
        a = self._joint(self.check_points(x, "log_prob"))
        top = a.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(a - top).sum(axis=1, keepdims=True)))[:, 0]

    def responsibilities(self, x):
        """p(component j | x) for each row of ``x`` (n, d): (n, k), rows summing to 1."""
        return self._responsibilities(self.check_points(x, "responsibilities"))

    def _responsibilities(self, x):
        """``responsibilities`` of points already checked (``score`` checks them once)."""
        a = self._joint(x)
        a = np.exp(a - a.max(axis=1, keepdims=True))
        return a / a.sum(axis=1, keepdims=True)

    def score(self, x):
        """∇ₓ log p(x) = −Σ_j r_j(x) Σ_j⁻¹ (x − μ_j), for each row of ``x`` (n, d): (n, d)."""
        x = self.check_points(x, "score")
        r = self._responsibilities(x)                              # (n, k)
        diff = x[None, :, :] - self.means[:, None, :]              # (k, n, d)
        return -(r.T[:, :, None] * (diff @ self._prec)).sum(axis=0)   # Σ_k symmetric

    def noised(self, alpha_bar):
        """The mixture of √ᾱ·x + √(1 − ᾱ)·ε (x ~ this mixture, ε ~ N(0, I)), for a number
        0 ≤ ᾱ ≤ 1: means √ᾱ·μ_k, covariances ᾱ·Σ_k + (1 − ᾱ)·I, the same weights."""
        if (isinstance(alpha_bar, bool) or not isinstance(alpha_bar, numbers.Real)
                or not 0.0 <= alpha_bar <= 1.0):
            raise ValueError(f"{self!r}.noised: expected alpha_bar, a number in [0, 1] (the "
                             f"share of signal variance kept), got {alpha_bar!r}. For a "
                             f"schedule use schedule.alpha_bar(t) at one time t.")
        a = float(alpha_bar)
        return _NoisedMixture(np.sqrt(a) * self.means,
                              a * self.covs + (1.0 - a) * np.eye(self.d), self.weights.copy())


class _NoisedMixture(GaussianMixture):
    """``GaussianMixture.noised``'s result, made without the constructor's checks: its
    weights are a checked mixture's and its covariances ᾱ·Σ_k + (1 − ᾱ)·I (0 ≤ ᾱ ≤ 1) are
    finite, symmetric and positive definite whenever the Σ_k are."""

    # Speed only: an exact sampler makes one noised mixture per step (and per class), and
    # the checks (symmetry, eigenvalues, finiteness) were a third of each step's time. The
    # attributes hold the same float64 values as GaussianMixture's constructor would make.
    def __init__(self, means, covs, weights):
        self._set(means, covs, weights)


# ---------------------------------------------------------------------------------------------
# A kernel distance between samples and the mixture, exact for true samples


class MMD(NamedTuple):
    """``mixture_mmd``'s result: ``value``, the unbiased estimate of MMD²(samples' law, p),
    and ``null_std``, its standard deviation over samples of the same size drawn from p
    itself (for which its mean is exactly 0). ``z = value / null_std``."""
    value: float
    null_std: float
    bandwidth: float

    @property
    def z(self) -> float:
        return self.value / self.null_std


def _normal(diff, cov):
    """N(diff; 0, cov) over any batch shape: diff (…, d), cov (…, d, d) → (…)."""
    L = np.linalg.cholesky(cov)
    z = np.linalg.solve(L, diff[..., None])[..., 0]
    logdet = 2.0 * np.log(np.diagonal(L, axis1=-2, axis2=-1)).sum(-1)
    return np.exp(-0.5 * ((z * z).sum(-1) + logdet + diff.shape[-1] * _LOG_2PI))


def _kernel_constants(mixture, h2):
    """c = E k(y, y'), E[k²] and E[g²] for y, y' ~ p (see mixture_mmd)."""
    mu, S, w = mixture.means, mixture.covs, mixture.weights
    d = mixture.d
    eye = np.eye(d)
    norm = (2 * np.pi * h2) ** (d / 2)
    diff = mu[:, None] - mu[None]                                   # (k, k, d): μ_i − μ_j
    c = norm * w @ _normal(diff, S[:, None] + S[None] + h2 * eye) @ w
    ek2 = (np.pi * h2) ** (d / 2) * w @ _normal(diff, S[:, None] + S[None] + 0.5 * h2 * eye) @ w
    # g = norm Σ_j w_j N(x; μ_j, Sh_j); N(x; μ_j, Sh_j) N(x; μ_l, Sh_l) = N(μ_j; μ_l, Sh_j + Sh_l)
    # N(x; m_jl, C_jl), and E_p N(x; m, C) = Σ_i w_i N(μ_i; m, Σ_i + C)
    Sh = S + h2 * eye
    P = np.linalg.inv(Sh)                                           # (k, d, d)
    C = np.linalg.inv(P[:, None] + P[None])                         # (k, k, d, d)
    Pm = np.einsum("kde,ke->kd", P, mu)
    m = np.einsum("jlde,jle->jld", C, Pm[:, None] + Pm[None])       # (k, k, d)
    pair = _normal(diff, Sh[:, None] + Sh[None])                    # (k, k)
    inner = _normal(mu[:, None, None] - m[None], S[:, None, None] + C[None])  # (i, j, l)
    eg2 = norm ** 2 * np.einsum("j,l,jl,i,ijl->", w, w, pair, w, inner)
    return c, ek2, eg2


def _pair_kernel_sum(x, h2):
    """Σ_{i,j} exp(−|x_i − x_j|² / 2h²) over every pair of rows of x (n, d), the diagonal
    included, with |x_i − x_j|² = |x_i|² + |x_j|² − 2 x_i·x_j, 1024 rows at a time."""
    # Each block is computed as exp(−max(|x_i|² + |x_j|² − (2x_i)·x_j, 0) / 2h²) written
    # into two buffers made once: the same operations in the same order as with a fresh
    # array for each, but a block of 8000 samples is 65 MB, and fresh arrays that large
    # cost a page fault per 4 kB each time (a third of the time at n = 8000).
    n = x.shape[0]
    sq = np.einsum("nd,nd->n", x, x)
    twice = 2.0 * x
    prod, dist = np.empty((2, min(n, 1024), n))
    total = 0.0
    for lo in range(0, n, 1024):
        rows = min(1024, n - lo)
        p, d = prod[:rows], dist[:rows]
        np.matmul(twice[lo:lo + rows], x.T, out=p)                  # 2 x_i·x_j
        np.add(sq[lo:lo + rows, None], sq[None], out=d)
        d -= p
        np.maximum(d, 0.0, out=d)
        np.negative(d, out=d)
        d /= 2 * h2
        np.exp(d, out=d)
        total += d.sum()
    return total


def mixture_mmd(samples, mixture, *, bandwidth=None):
    """A kernel distance between ``samples`` and the density of ``mixture``, with the value it
    takes for true samples known exactly (chapters 25–26).

    With the Gaussian kernel k(x, y) = exp(−|x − y|² / 2h²), g(x) = E_{y~p} k(x, y) and
    c = E_{y,y'~p} k(y, y') (both in closed form for a mixture), the value is

        (1 / n(n−1)) Σ_{i≠j} k(x_i, x_j) − (2/n) Σ_i g(x_i) + c,

    an unbiased estimate of MMD²(q, p) for samples drawn from q: 0 on average when q = p,
    larger when q ≠ p (kernel MMD, Gretton et al. 2012). For samples from p its standard
    deviation is exactly √(2 E[h²] / n(n−1)) with h(x, y) = k(x, y) − g(x) − g(y) + c
    (a degenerate U-statistic), also in closed form: ``null_std``.

    Shapes:
        samples: (n, d), n ≥ 2, d = mixture.d

    Args:
        bandwidth: h > 0; ``None`` is the components' typical standard deviation,
            mean over k of √(trace Σ_k / d).

    Returns:
        ``MMD(value, null_std, bandwidth)``; ``.z`` is value / null_std.
    """
    if not isinstance(mixture, GaussianMixture):
        raise ValueError(f"mixture_mmd: expected mixture to be a GaussianMixture, got "
                         f"{type(mixture).__name__}.")
    x = mixture.check_points(samples, "mixture_mmd")
    n, d = x.shape
    if n < 2:
        raise ValueError(f"mixture_mmd: expected at least 2 samples, got {n}.")
    if bandwidth is None:
        bandwidth = float(np.mean(np.sqrt(np.trace(mixture.covs, axis1=1, axis2=2) / d)))
    if (isinstance(bandwidth, bool) or not isinstance(bandwidth, numbers.Real)
            or not bandwidth > 0 or not np.isfinite(bandwidth)):
        raise ValueError(f"mixture_mmd: expected bandwidth, a number > 0 (the kernel's "
                         f"length scale, about a component's spread), got {bandwidth!r}.")
    h2 = float(bandwidth) ** 2
    c, ek2, eg2 = _kernel_constants(mixture, h2)
    norm = (2 * np.pi * h2) ** (d / 2)
    g = norm * np.exp(_log_gauss(x, mixture.means, mixture.covs + h2 * np.eye(d))) \
        @ mixture.weights                                           # (n,): g(x_i)
    pair_sum = _pair_kernel_sum(x, h2) - n        # Σ_{i≠j} k(x_i, x_j): the diagonal is 1
    value = pair_sum / (n * (n - 1)) - 2.0 * g.mean() + c
    eh2 = max(ek2 - 2.0 * eg2 + c ** 2, 0.0)                       # E[h²]
    return MMD(float(value), float(np.sqrt(2.0 * eh2 / (n * (n - 1)))), float(bandwidth))


def mixture_mmd_null(mixture, n, draws, *, rng, bandwidth=None):
    """The z of ``mixture_mmd`` on ``draws`` independent sets of ``n`` true samples of
    ``mixture``: a simulation of its null law (mean 0 and standard deviation 1 in closed
    form, but skewed, with a long right tail), from which a yardstick z < c and its
    false-alarm rate, the share of draws at or above c, are read (chapter 26).

    Shapes:
        returns (draws,)

    Args:
        n: samples per set, ≥ 2 (the size of the sets the yardstick will judge).
        draws: how many sets, ≥ 1.
        rng: a ``np.random.Generator`` (required: the draws are random).
        bandwidth: as in ``mixture_mmd``.
    """
    if not isinstance(mixture, GaussianMixture):
        raise ValueError(f"mixture_mmd_null: expected mixture to be a GaussianMixture, got "
                         f"{type(mixture).__name__}.")
    n = positive_int("mixture_mmd_null", "n (samples per set)", n, minimum=2)
    draws = positive_int("mixture_mmd_null", "draws", draws)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"mixture_mmd_null: expected rng, a np.random.Generator (e.g. "
                         f"np.random.default_rng(0)), got {type(rng).__name__}.")
    return np.array([mixture_mmd(mixture.sample(n, rng=rng), mixture,
                                 bandwidth=bandwidth).z for _ in range(draws)])
