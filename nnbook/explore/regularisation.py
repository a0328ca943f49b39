"""L2 regularisation on a polynomial fit (chapter 12): 12 noisy points of sin(πx),
the ridge solution for a penalty λ (``ridge_fit``), the fit and the U-shaped validation
error over λ (``l2_polynomial_figure``), and the explorable ``l2_polynomial``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT, plain_axes
from ._widgets import _explorable, _float, _int

__all__ = ["l2_polynomial", "l2_polynomial_figure", "polynomial_data", "ridge_fit"]


def polynomial_data(n_train=12, n_val=60, noise=0.25, seed=0):
    """Noisy samples of sin(πx) on [−1, 1]: ``(x_train, y_train, x_val, y_val)``, each (n,)."""
    rng = np.random.default_rng(seed)
    x_train, x_val = rng.uniform(-1, 1, n_train), rng.uniform(-1, 1, n_val)
    return (x_train, np.sin(np.pi * x_train) + noise * rng.normal(size=n_train),
            x_val, np.sin(np.pi * x_val) + noise * rng.normal(size=n_val))


def ridge_fit(x, y, degree, lam):
    """The minimiser of ½·mean((Φw − y)²) + (λ/2)‖w‖², Φ = [1, x, …, x^degree]:
    w = (ΦᵀΦ/m + λI)⁻¹ Φᵀy/m, every coefficient penalised as nnbook's weight_decay does.
    Shapes: x, y (m,) → w (degree + 1,)."""
    Phi = np.vander(np.asarray(x, dtype=np.float64), degree + 1, increasing=True)
    m = len(x)
    return np.linalg.solve(Phi.T @ Phi / m + lam * np.eye(degree + 1), Phi.T @ np.asarray(y) / m)


def _mse(w, x, y):
    return float(np.mean((np.vander(x, len(w), increasing=True) @ w - y) ** 2))


def l2_polynomial_figure(log10_lambda=-6.0, degree=9, *, seed=0):
    """A degree-``degree`` polynomial fitted to 12 noisy points with the L2 penalty
    λ = 10^log10_lambda (left), and the training and validation errors over λ, the
    chosen λ marked (right): the U-curve. Chapter 12."""
    x_tr, y_tr, x_va, y_va = polynomial_data(seed=seed)
    lam = 10.0 ** log10_lambda
    grid = np.linspace(-8, 1, 46)
    errors = np.array([[_mse(ridge_fit(x_tr, y_tr, degree, 10.0 ** g), x, y) for x, y in
                        ((x_tr, y_tr), (x_va, y_va))] for g in grid])
    w = ridge_fit(x_tr, y_tr, degree, lam)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.5, 4.2), layout="constrained")
    xs = np.linspace(-1, 1, 300)
    a.plot(xs, np.sin(np.pi * xs), color="gray", ls="--", lw=1, label="sin(πx), the truth")
    a.plot(x_va, y_va, ".", color="#ff7f0e", ms=4, label="validation points")
    a.plot(x_tr, y_tr, "o", color="#1f77b4", ms=5, label="training points")
    a.plot(xs, np.vander(xs, degree + 1, increasing=True) @ w, color="#d62728", lw=1.8, label="fit")
    a.set(ylim=(-2, 2))
    a.set_xlabel("x", fontsize=FONT)
    a.set_ylabel("y", fontsize=FONT)
    a.set_title(f"degree {degree}, λ = {lam:.0e}: ‖w‖ = {np.linalg.norm(w):.3g}", fontsize=FONT + 1)
    a.legend(fontsize=FONT - 1, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    b.semilogy(grid, errors[:, 0], color="#1f77b4", label="training")
    b.semilogy(grid, errors[:, 1], color="#ff7f0e", label="validation")
    best = grid[np.argmin(errors[:, 1])]
    b.axvline(best, color="#ff7f0e", ls=":", lw=1, label=f"lowest validation: λ = {10.0 ** best:.0e}")
    b.axvline(log10_lambda, color="#d62728", lw=1.5, label="this λ")
    b.set_xlabel("log₁₀ λ", fontsize=FONT)
    b.set_ylabel("mean squared error (log)", fontsize=FONT)
    b.set_title(f"training {_mse(w, x_tr, y_tr):.3f}, validation {_mse(w, x_va, y_va):.3f}",
                fontsize=FONT + 1)
    b.legend(fontsize=FONT - 1, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    for ax in (a, b):
        plain_axes(ax)
    return fig


def l2_polynomial(log10_lambda=-6.0, degree=9):
    """A polynomial of the chosen degree fitted to 12 noisy points of sin(πx) with the L2
    penalty λ = 10^log10_lambda: small λ fits the noise (low training, high validation
    error), large λ flattens the curve; the validation error is lowest in between.
    Figure: ``l2_polynomial_figure``. Chapter 12."""
    import ipywidgets as w
    controls = {"log10_lambda": _float(w, "log₁₀ λ", log10_lambda, -8.0, 1.0, 0.25),
                "degree": _int(w, "degree", degree, 1, 11)}

    def caption(log10_lambda, degree):
        x_tr, y_tr, x_va, y_va = polynomial_data()
        wts = ridge_fit(x_tr, y_tr, degree, 10.0 ** log10_lambda)
        err = [_mse(wts, x, y) for x, y in ((x_tr, y_tr), (x_va, y_va))]
        return (f"λ = {10.0 ** log10_lambda:.0e}, degree {degree}: training error {err[0]:.3f}, "
                f"validation error {err[1]:.3f}")
    return _explorable(controls, l2_polynomial_figure, caption)
