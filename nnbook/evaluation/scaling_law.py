"""Scaling laws (chapter 32): ``fit_scaling_law`` fits L(N, D) = E + A/N^α + B/D^β to the
losses of a grid of model sizes N and token budgets D, with each parameter's standard error
and whether the fit converged (``fit_power_law``: the law in D alone); ``ScalingFit`` holds
the fit, and its ``compute_optimal`` splits a compute budget C ≈ 6·N·D between parameters
and tokens; the checks of the runs, which mixing_law.py shares."""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

__all__ = ["ScalingFit", "fit_scaling_law", "scaling_law", "fit_power_law"]

NAMES = ("E", "A", "alpha", "B", "beta")


def scaling_law(N, D, E, A, alpha, B, beta):
    """E + A/N^α + B/D^β, elementwise (NumPy broadcasting)."""
    N, D = _numbers("scaling_law", "N", N), _numbers("scaling_law", "D", D)
    return E + A * N ** -alpha + B * D ** -beta


class ScalingFit(NamedTuple):
    """The fitted law. ``stderr`` holds each parameter's standard error (0 for a fixed E);
    ``converged`` says whether Levenberg–Marquardt stopped before its step limit: on an
    accepted step that lowered the squared error by at most ``tol`` of it while moving
    every free parameter by under 1e-6 of its size, or when no step lowered the error at
    all (its damping past 1e12), with no exponent pinned at 0; ``rss`` is the sum of
    squared residuals over ``n`` points."""

    E: float
    A: float
    alpha: float
    B: float
    beta: float
    stderr: dict
    converged: bool
    rss: float
    n: int

    def predict(self, N, D):
        """The fitted loss at sizes N and budgets D (broadcast)."""
        return scaling_law(N, D, self.E, self.A, self.alpha, self.B, self.beta)

    def compute_optimal(self, C):
        """(N*, D*) minimising the fitted loss at compute C = 6·N·D (FLOPs, the usual
        estimate for a forward and backward pass per token per parameter).

        Setting the derivative of A/N^α + B/D^β along N·D = C/6 to zero gives
        α·A/N^α = β·B/D^β, so N* = G·(C/6)^(β/(α+β)) with G = (αA/(βB))^(1/(α+β)) and
        D* = C/(6·N*); D*/N* is the compute-optimal number of tokens per parameter."""
        owner = "ScalingFit.compute_optimal"
        C = _numbers(owner, "C", C)
        if np.any(~np.isfinite(C)) or np.any(C <= 0):
            raise ValueError(f"{owner}: expected a positive compute C (FLOPs, about 6·N·D), "
                             f"got {C}. Pass e.g. C = 6 * N * D of a run.")
        if not all(np.isfinite([self.A, self.B, self.alpha, self.beta])) or \
                min(self.A, self.B, self.alpha, self.beta) <= 0:
            raise ValueError(f"ScalingFit.compute_optimal: the fit has A={self.A:.3g}, "
                             f"alpha={self.alpha:.3g}, B={self.B:.3g}, beta={self.beta:.3g}; "
                             f"the allocation needs all four positive. Fit on a grid where the "
                             f"loss falls with both N and D.")
        a, b = self.alpha, self.beta
        G = (a * self.A / (b * self.B)) ** (1 / (a + b))
        N = G * (C / 6) ** (b / (a + b))
        return N, C / (6 * N)


def _numbers(owner, name, x):
    """``x`` as a float64 array, or a ValueError naming ``owner`` (strings, None, objects)."""
    try:
        if isinstance(x, (str, bytes)) or x is None or np.asarray(x).dtype.kind in "USbO":
            raise TypeError
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: expected {name} as numbers, got {x!r:.80}. Pass numbers "
                         f"(a float, a list or a NumPy array), not text.") from None


def _finite(owner, **arrays):
    """Each array given (``D=D``), flat float64 and finite, or a ValueError naming it."""
    out = []
    for name, x in arrays.items():
        a = _numbers(owner, name, x).ravel()
        if a.size == 0 or not np.all(np.isfinite(a)):
            raise ValueError(f"{owner}: expected {name} as finite numbers, got "
                             f"{np.asarray(x)!r}. Drop the runs that diverged (nan or inf).")
        out.append(a)
    return out


def _nonnegative(owner, L):
    if np.any(L < 0):
        raise ValueError(f"{owner}: expected losses L ≥ 0 (a cross-entropy in nats), got "
                         f"{L.min():g}. Pass the held-out loss itself, not a log-loss "
                         f"difference or a log-likelihood.")


def _check(N, D, L, one_variable=False):
    owner = "fit_power_law" if one_variable else "fit_scaling_law"
    N, D, L = _finite(owner, N=N, D=D, L=L)
    names, sizes = ("D and L", (D.size, L.size)) if one_variable else ("N, D and L", (
        N.size, D.size, L.size))                     # fit_power_law's N is its own
    if not N.size == D.size == L.size:
        raise ValueError(f"{owner}: expected {names} of one length (a grid point each), got "
                         f"{', '.join(map(str, sizes))}.")
    if np.any(N <= 0) or np.any(D <= 0):
        what = ("token budgets D" if one_variable else "model sizes N and token budgets D")
        raise ValueError(f"{owner}: expected positive {what} (counts), got "
                         f"{'' if one_variable else f'N from {N.min():g} and '}D from "
                         f"{D.min():g}. Pass counts, not their logarithms.")
    _nonnegative(owner, L)
    if one_variable:
        if len(np.unique(D)) < 2:
            raise ValueError(f"fit_power_law: expected at least 2 different D, got "
                             f"{len(np.unique(D))}. Train at several budgets.")
    elif len(np.unique(N)) < 2 or len(np.unique(D)) < 2:
        raise ValueError(f"fit_scaling_law: expected at least 2 different N and 2 different "
                         f"D to separate the two terms, got {len(np.unique(N))} and "
                         f"{len(np.unique(D))}. Train a grid of sizes × budgets.")
    return N, D, L


def _falling(owner, L, fix_E, what):
    """Refuse a ``fix_E`` neither None nor finite, losses all equal (to rounding) or a held
    floor ``fix_E`` above all of them."""
    if fix_E is not None and (isinstance(fix_E, bool) or not isinstance(fix_E, numbers.Real)
                              or not np.isfinite(fix_E)):
        raise ValueError(f"{owner}: expected fix_E to be None (fit E) or a finite number "
                         f"(hold E there, e.g. a known floor), got {fix_E!r}.")
    if np.ptp(L) <= 8 * np.finfo(np.float64).eps * np.abs(L).max():
        raise ValueError(f"{owner}: the losses are all equal ({L[0]:g}, to rounding): they do "
                         f"not fall with {what}, so the law's terms and exponents are not "
                         f"determined. Check that L holds each run's own held-out loss.")
    if fix_E is not None and fix_E >= L.max():
        raise ValueError(f"{owner}: fix_E={fix_E!r} is at or above every loss (the largest is "
                         f"{L.max():g}); E is the floor the loss falls to, below the losses. "
                         f"Hold E at a known floor (e.g. a window entropy), or leave "
                         f"fix_E=None to fit it.")


def _exponents(owner, name, grid, low=0.0, high=np.inf, closed=False):
    """A starting grid of exponents (or of τ) as a non-empty float array inside its range."""
    a = _numbers(owner, name, grid).ravel()
    inside = (a >= low) & (a <= high) if closed else (a > low) & (a <= high)
    if a.size == 0 or not np.all(np.isfinite(a)) or not np.all(inside):
        want = f"in [{low:g}, {high:g}]" if closed else f"> {low:g}"
        raise ValueError(f"{owner}: expected {name} as a non-empty grid of values {want}, "
                         f"got {np.asarray(grid)!r}. Leave it None for the default grid.")
    return a


def _linear(N, D, L, alpha, beta, fix_E):
    """E, A, B by least squares at fixed exponents (E held at fix_E if given)."""
    cols = ([N ** -alpha] if alpha else []) + [D ** -beta]
    y = L if fix_E is None else L - fix_E
    if fix_E is None:
        cols = [np.ones_like(N)] + cols
    X = np.stack(cols, axis=1)
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    r = y - X @ coef
    E = coef[0] if fix_E is None else fix_E
    A, B = (coef[-2] if alpha else 0.0), coef[-1]
    return (E, A, B), float(r @ r)


def _jacobian(N, D, p, free):
    """∂L/∂(E, A, α, B, β) at p, the free columns only: (n, len(free))."""
    E, A, a, B, b = p
    na, db = N ** -a, D ** -b
    J = np.stack([np.ones_like(N), na, -A * np.log(N) * na, db, -B * np.log(D) * db], axis=1)
    return J[:, free]


def _stderr(J, s2, rcond=1e-7):
    """The square roots of diag(s²·(JᵀJ)⁻¹); inf for a parameter the points do not
    determine. Rank is judged on J with unit columns (A and α differ in scale by orders of
    magnitude): a singular value under ``rcond`` of the largest is a direction of the
    parameters the residuals do not see (two sizes cannot separate E, A and α), and every
    parameter with a part in it gets inf, where (JᵀJ)⁻¹ would give rounding noise (its
    diagonal even negative)."""
    norms = np.linalg.norm(J, axis=0)
    if np.any(norms == 0) or not np.all(np.isfinite(J)):
        return np.full(J.shape[1], np.inf)
    _, sv, Vt = np.linalg.svd(J / norms, full_matrices=False)
    seen = sv > rcond * sv[0]
    if np.all(seen):
        try:
            var = np.diag(s2 * np.linalg.inv(J.T @ J))
        except np.linalg.LinAlgError:
            return np.full(J.shape[1], np.inf)
        return np.where(var >= 0, np.sqrt(np.abs(var)), np.inf)
    var = np.sum((Vt[seen] / sv[seen, None]) ** 2, axis=0) * s2 / norms ** 2
    undetermined = np.any(np.abs(Vt[~seen]) > 1e-6, axis=0)
    return np.where(undetermined, np.inf, np.sqrt(var))


def fit_scaling_law(N, D, L, *, fix_E=None, alphas=None, betas=None, max_steps=200,
                    tol=1e-10, _one_variable=False) -> ScalingFit:
    """Fit L(N, D) = E + A/N^α + B/D^β by least squares.

    Shapes: N, D, L: (n,) one grid point each (model size, tokens seen, loss); n ≥ 6 with at
    least two sizes and two budgets (five parameters and one degree of freedom for s²).

    Args:
        fix_E: None fits E; a number holds it there (``fix_E=0.0``: the law without a floor).
        alphas, betas: the starting grid of exponents (default 0.05…2.0, 40 values each).
        max_steps: Levenberg–Marquardt's step limit; ``converged`` is False if it is hit.
        tol: the relative drop of the squared error that ends the fit, with a step under
            1e-6 of each free parameter.

    Returns a ``ScalingFit``; its ``stderr`` comes from s²·(JᵀJ)⁻¹ at the optimum, s² =
    RSS / (n − p); a parameter the points do not determine gets ``inf`` (two sizes leave
    E, A and α free along a curve: J has a null direction). The fit is a grid over (α, β) with E, A,
    B by linear least squares at each point (the loss is linear in them), then
    Levenberg–Marquardt steps on all the free parameters from the grid's best point.
    ``fix_E=0.0`` is the law without a floor, the planted mistake of chapter 32.
    """
    N, D, L = _check(N, D, L, _one_variable)
    owner = "fit_power_law" if _one_variable else "fit_scaling_law"
    free = [0, 1, 2, 3, 4] if fix_E is None else [1, 2, 3, 4]
    if _one_variable:
        free = [i for i in free if i not in (1, 2)]
    _falling(owner, L, fix_E, "D" if _one_variable else "N or D")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 < tol < np.inf:
        raise ValueError(f"{owner}: expected tol, the relative drop of the squared error that "
                         f"ends the fit, as a finite number > 0, got {tol!r}. The default "
                         f"1e-10 is usual.")
    if isinstance(max_steps, bool) or not isinstance(max_steps, numbers.Integral) or \
            max_steps < 1:
        raise ValueError(f"{owner}: expected max_steps, Levenberg–Marquardt's step limit, "
                         f"as an integer ≥ 1, got {max_steps!r}.")
    if N.size < len(free) + 1:
        raise ValueError(f"{owner}: expected at least {len(free) + 1} grid points "
                         f"for {len(free)} parameters, got {N.size}.")
    if _one_variable:
        alphas = np.array([0.0])                      # no N term
    elif alphas is None:
        alphas = np.linspace(0.05, 2.0, 40)
    else:
        alphas = _exponents(owner, "alphas", alphas)
    betas = np.linspace(0.05, 2.0, 40) if betas is None else _exponents(owner, "betas", betas)
    best = None
    for a in alphas:                                  # the grid: exponents fixed, rest linear
        for b in betas:
            (E, A, B), rss = _linear(N, D, L, a, b, fix_E)
            if best is None or rss < best[0]:
                best = (rss, np.array([E, A, a, B, b], dtype=np.float64))
    rss, p = best
    lam, converged = 1e-3, False
    for _ in range(max_steps):                        # Levenberg–Marquardt on the free ones
        r = L - scaling_law(N, D, *p)
        J = _jacobian(N, D, p, free)
        g = J.T @ r
        H = J.T @ J
        step = np.linalg.solve(H + lam * np.diag(np.diag(H) + 1e-12), g)
        trial = p.copy()
        trial[free] += step
        if (trial[2] <= 0 and not _one_variable) or trial[4] <= 0:            # exponents stay positive
            lam *= 10
            continue
        r_new = L - scaling_law(N, D, *trial)
        rss_new = float(r_new @ r_new)
        if rss_new <= rss:
            small = (rss - rss_new <= tol * max(rss, 1e-300)
                     and np.max(np.abs(step) / (np.abs(p[free]) + 1e-12)) < 1e-6)
            p, rss, lam = trial, rss_new, max(lam / 10, 1e-12)
            if small:
                converged = True
                break
        else:
            lam *= 10
            if lam > 1e12:                            # no step lowers the error: a minimum
                converged = True
                break
    # an exponent pinned at its bound 0 (A/N^α then a constant) is the law's edge, not a minimum
    converged = converged and all(p[i] > 1e-9 for i in (2, 4) if i in free)
    J = _jacobian(N, D, p, free)
    se = _stderr(J, rss / (N.size - len(free)))
    stderr = dict.fromkeys(NAMES, 0.0)
    for k, i in enumerate(free):
        stderr[NAMES[i]] = float(se[k])
    return ScalingFit(*(float(x) for x in p), stderr=stderr, converged=bool(converged),
                      rss=float(rss), n=int(N.size))


def fit_power_law(D, L, *, fix_E=None, max_steps=200, tol=1e-10) -> ScalingFit:
    """Fit L(D) = E + B/D^β, the law in one variable (a source's loss against the tokens
    of it seen, chapter 32's mixing law): ``fit_scaling_law`` with the N term left out.
    Returns a ``ScalingFit`` with A = 0 and α = 0 (their stderr 0); ``predict(N, D)``
    ignores N. Shapes: D, L (n,), n ≥ 4 with at least two budgets."""
    D = _numbers("fit_power_law", "D", D).ravel()
    return fit_scaling_law(np.ones_like(D), D, L, fix_E=fix_E, max_steps=max_steps, tol=tol,
                           _one_variable=True)
